package forecast

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/workspace"
	"github.com/cyberstreams/cyberstreams/core/workspace/workspacetest"
)

func day(s string) time.Time {
	t, err := time.Parse(Day, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestWorkspaceCounts(t *testing.T) {
	ctx := context.Background()
	ws := workspacetest.Open(t)
	at := func(s string, hour int) time.Time { return day(s).Add(time.Duration(hour) * time.Hour) }
	docs := []document.Document{
		{ID: "a", Title: "a", Body: "a", Published: at("2024-03-01", 1), Severity: "critical", Source: "ghsa"},
		{ID: "b", Title: "b", Body: "b", Published: at("2024-03-01", 23), Severity: "high", Source: "kev"},
		{ID: "c", Title: "c", Body: "c", Published: at("2024-03-04", 12)}, // scored below
		{ID: "d", Title: "d", Body: "d", Published: at("2024-03-04", 0)},  // unlabelled, unscored
		{ID: "e", Title: "e", Body: "e"}, // no published date
	}
	if _, err := ws.PutDocuments(ctx, docs); err != nil {
		t.Fatal(err)
	}
	if err := ws.PutScores(ctx, []workspace.Score{{DocID: "c", Model: "test", Severity: "high", Confidence: 0.9, Probabilities: "{}"}}); err != nil {
		t.Fatal(err)
	}
	got, err := WorkspaceCounts(ctx, ws, "")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]float64{
		Total:           {2, 0, 0, 2},
		"critical":      {1, 0, 0, 0},
		"high":          {1, 0, 0, 1},
		"medium":        {0, 0, 0, 0},
		"low":           {0, 0, 0, 0},
		"informational": {0, 0, 0, 0},
	}
	if len(got) != len(want) || got[0].Name != Total {
		t.Fatalf("got %d series starting with %q, want %d starting with total", len(got), got[0].Name, len(want))
	}
	for _, s := range got {
		if !s.Start.Equal(day("2024-03-01")) {
			t.Errorf("%s starts %s, want 2024-03-01", s.Name, s.Start.Format(Day))
		}
		if !reflect.DeepEqual(s.Values, want[s.Name]) {
			t.Errorf("%s = %v, want %v", s.Name, s.Values, want[s.Name])
		}
	}
	// One source: its own range and counts.
	kev, err := WorkspaceCounts(ctx, ws, "KEV")
	if err != nil || len(kev[0].Values) != 1 || kev[0].Values[0] != 1 || kev[2].Name != "high" || kev[2].Values[0] != 1 {
		t.Errorf("source kev: %+v %v", kev, err)
	}
	if _, err := WorkspaceCounts(ctx, ws, "nvd"); err == nil || !strings.Contains(err.Error(), `sources: "ghsa", "kev"`) {
		t.Errorf("unknown source: %v, want the sources listed", err)
	}
}

func TestWorkspaceCountsEmpty(t *testing.T) {
	ctx := context.Background()
	ws := workspacetest.Open(t)
	if _, err := WorkspaceCounts(ctx, ws, ""); err == nil || !strings.Contains(err.Error(), "no workspace document") {
		t.Fatalf("err = %v, want a no-documents error", err)
	}
}

func TestReadCSV(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []Series
		wantErr string
	}{
		{"two columns", "date,total,high\n2024-01-01,3,1\n2024-01-02,0,0\n",
			[]Series{{"total", day("2024-01-01"), []float64{3, 0}}, {"high", day("2024-01-01"), []float64{1, 0}}}, ""},
		{"date not first, gap filled", "added,date\n5,2024-01-30\n2,2024-02-02\n",
			[]Series{{"added", day("2024-01-30"), []float64{5, 0, 0, 2}}}, ""},
		{"empty", "", nil, "in.csv: empty file"},
		{"no date column", "day,n\n2024-01-01,1\n", nil, "in.csv:1: no date column"},
		{"only dates", "date\n2024-01-01\n", nil, "in.csv:1: no numeric column"},
		{"bad date", "date,n\n2024-01-01,1\n01/02/2024,1\n", nil, "in.csv:3: date \"01/02/2024\""},
		{"bad number", "date,n\n2024-01-01,1\n2024-01-02,1\n2024-01-03,x\n", nil, "in.csv:4: column n: \"x\""},
		{"infinite number", "date,n\n2024-01-01,Inf\n", nil, "in.csv:2: column n"},
		{"repeated day", "date,n\n2024-01-01,1\n2024-01-01,1\n", nil, "in.csv:3: date 2024-01-01 does not follow"},
		{"short row", "date,n\n2024-01-01\n", nil, "in.csv: record on line 2"},
		{"header only", "date,n\n", nil, "in.csv: no data rows"},
		{"huge gap", "date,n\n2024-01-01,1\n9024-01-01,1\n", nil, "in.csv:3: date 9024-01-01"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadCSV(strings.NewReader(tt.in), "in.csv")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func FuzzReadCSV(f *testing.F) {
	f.Add("date,total,high\n2024-01-01,3,1\n2024-01-03,0,0\n")
	f.Add("date,n\n2024-01-01,x\n")
	f.Add("\ufeffdate,n\n2024-01-01,1e308\n")
	f.Fuzz(func(t *testing.T, in string) {
		series, err := ReadCSV(strings.NewReader(in), "fuzz.csv")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.csv") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if len(series) == 0 {
			t.Fatal("no error and no series")
		}
		for _, s := range series {
			if len(s.Values) != len(series[0].Values) || !s.Start.Equal(series[0].Start) {
				t.Fatalf("series %q is misaligned with %q", s.Name, series[0].Name)
			}
		}
	})
}
