package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cyberstreams/cyberstreams/core/forecast"
	"github.com/cyberstreams/cyberstreams/internal/shareddata"
)

// weeklyCSV writes a CSV of weeks of a weekly pattern in two columns and
// returns its path.
func weeklyCSV(t *testing.T, weeks int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("date,total,high\n")
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	pattern := []int{5, 9, 8, 7, 6, 1, 0}
	for i := range weeks * 7 {
		fmt.Fprintf(&b, "%s,%d,%d\n", start.AddDate(0, 0, i).Format("2006-01-02"), pattern[i%7], 2*pattern[i%7])
	}
	path := filepath.Join(t.TempDir(), "daily.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestForecastCSV(t *testing.T) {
	path := weeklyCSV(t, 12)
	ws := t.TempDir()

	r := runCLI(t, ws, "", "forecast", "--series", path)
	if r.Code != 0 {
		t.Fatalf("exit %d: %s", r.Code, r.Err)
	}
	for _, want := range []string{"total from " + path + ": 84 days, 2024-01-01 to 2024-03-24",
		"2024-03-25", "5.0", "2024-03-31", "MAE 0.00 vs seasonal-naive 0.00", "empirical 80% band",
		"80% band coverage 1.00", "7-day accuracy (1 - weekly total MAPE) 1.00"} {
		if !strings.Contains(r.Out, want) {
			t.Errorf("output lacks %q:\n%s", want, r.Out)
		}
	}
	if strings.Contains(r.Out, "┤") {
		t.Errorf("a chart when stdout is not a terminal and --plot was not given:\n%s", r.Out)
	}
	r = runCLI(t, ws, "", "forecast", "--series", path, "--plot")
	if !strings.Contains(r.Out, "9 ┤") || !strings.Contains(r.Out, "history 2024-01-29 … 2024-03-24 ┊ forecast 2024-03-25 … 2024-03-31") {
		t.Errorf("--plot: no chart of 8 weeks and the forecast:\n%s", r.Out)
	}

	r = runCLI(t, ws, "", "forecast", "--series", path, "--column", "high", "--days", "3", "--json")
	if r.Code != 0 {
		t.Fatalf("exit %d: %s", r.Code, r.Err)
	}
	var rep forecast.Report
	if err := json.Unmarshal([]byte(r.Out), &rep); err != nil {
		t.Fatalf("--json output: %v\n%s", err, r.Out)
	}
	if rep.Series != "high" || len(rep.Forecast) != 3 || rep.Forecast[1].Date != "2024-03-26" {
		t.Fatalf("unexpected report %+v", rep)
	}
	if got := rep.Forecast[1].Forecast; math.Abs(got-18) > 1e-6 {
		t.Fatalf("Tuesday forecast %g, want 18", got)
	}
	if rep.Backtest.MAE == nil || rep.Backtest.MAENaive == nil {
		t.Fatalf("backtest missing: %+v", rep.Backtest)
	}
}

func TestForecastErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(bad, []byte("date,n\n2024-01-01,1\n2024-01-02,many\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	short := weeklyCSV(t, 3)
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantErr  string
		wantOut  string
	}{
		{"bad row names file and line", []string{"--series", bad}, 1, bad + ":3: column n", ""},
		{"missing file", []string{"--series", filepath.Join(dir, "nope.csv")}, 1, "nope.csv", ""},
		{"unknown column", []string{"--series", short, "--column", "low"}, 2, `--column "low": ` + short + " has total, high", ""},
		{"days out of range", []string{"--series", short, "--days", "0"}, 2, "--days 0", ""},
		{"short history has no backtest", []string{"--series", short}, 0, "", "backtest: not enough history"},
		{"empty workspace", nil, 1, "no workspace document has a published date", ""},
		{"source is for the workspace", []string{"--series", short, "--source", "ghsa"}, 2, "--source picks workspace documents", ""},
		{"plot and no plot", []string{"--series", short, "--plot", "--no-plot"}, 2, "contradict", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, dir, "", append([]string{"forecast"}, tt.args...)...)
			if r.Code != tt.wantCode || !strings.Contains(r.Err, tt.wantErr) || !strings.Contains(r.Out, tt.wantOut) {
				t.Fatalf("exit %d, stderr %q, stdout %q; want exit %d, stderr with %q, stdout with %q",
					r.Code, r.Err, r.Out, tt.wantCode, tt.wantErr, tt.wantOut)
			}
		})
	}
}

func TestForecastWorkspace(t *testing.T) {
	ws := t.TempDir()
	var b strings.Builder
	start := time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC)
	n := 0
	for d := range 7 * 12 {
		// Weekdays carry advisories, weekends none.
		if d%7 >= 5 {
			continue
		}
		for range 2 {
			fmt.Fprintf(&b, `{"id":"adv-%d","title":"advisory %d","text":"body of advisory %d","published":%q,"severity":"high","source":"ghsa"}`+"\n",
				n, n, n, start.AddDate(0, 0, d).Format(time.RFC3339))
			n++
		}
	}
	if r := runCLI(t, ws, b.String(), "ingest", "-", "--format", "jsonl", "-q"); r.Code != 0 {
		t.Fatalf("ingest: exit %d: %s", r.Code, r.Err)
	}
	r := runCLI(t, ws, "", "forecast", "--column", "high", "--source", "nvd")
	if r.Code != 1 || !strings.Contains(r.Err, `no dated workspace document has source "nvd" (sources: "ghsa")`) {
		t.Errorf("unknown source: exit %d, %s", r.Code, r.Err)
	}
	r = runCLI(t, ws, "", "forecast", "--column", "high", "--source", "GHSA", "--json")
	if r.Code != 0 {
		t.Fatalf("exit %d: %s", r.Code, r.Err)
	}
	var rep forecast.Report
	if err := json.Unmarshal([]byte(r.Out), &rep); err != nil {
		t.Fatalf("--json output: %v\n%s", err, r.Out)
	}
	if rep.Series != "high" || rep.Start != "2024-01-01" || rep.Days != 82 || !strings.Contains(rep.Source, `source "GHSA"`) {
		t.Fatalf("unexpected history %s %s..%s (%d days)", rep.Series, rep.Start, rep.End, rep.Days)
	}
	// 2024-03-23 is a Saturday: no advisories expected.
	for _, f := range rep.Forecast {
		want := 2.0
		if d, _ := time.Parse("2006-01-02", f.Date); d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
			want = 0
		}
		if math.Abs(f.Forecast-want) > 1e-6 {
			t.Errorf("%s: forecast %g, want %g", f.Date, f.Forecast, want)
		}
	}
}

func TestForecastSharedSeries(t *testing.T) {
	for _, name := range []string{"ghsa_daily_counts.csv", "kev_daily_additions.csv"} {
		t.Run(name, func(t *testing.T) {
			path := shareddata.File(t, name)
			r := runCLI(t, t.TempDir(), "", "forecast", "--series", path, "--json")
			if r.Code != 0 {
				t.Fatalf("exit %d: %s", r.Code, r.Err)
			}
			var rep forecast.Report
			if err := json.Unmarshal([]byte(r.Out), &rep); err != nil {
				t.Fatalf("--json output: %v", err)
			}
			if rep.Backtest.MAE == nil || rep.Backtest.MAENaive == nil {
				t.Fatal("no backtest on the shared series")
			}
			mae, naive := *rep.Backtest.MAE, *rep.Backtest.MAENaive
			t.Logf("%s (%s, %d days): backtest MAE %.3f, seasonal-naive %.3f, ratio %.3f",
				name, rep.Series, rep.Days, mae, naive, mae/naive)
			// On the log(1+count) scale the model beats the baseline on both
			// shared series (the raw-scale fit did not on KEV additions).
			if !rep.Model.Log || !rep.Backtest.BeatsBaseline || math.IsNaN(mae) || math.IsInf(mae, 0) {
				t.Fatalf("log scale %v: backtest MAE %.3f should beat seasonal-naive %.3f", rep.Model.Log, mae, naive)
			}
			lin := runCLI(t, t.TempDir(), "", "forecast", "--series", path, "--json", "--linear")
			var linRep forecast.Report
			if err := json.Unmarshal([]byte(lin.Out), &linRep); err != nil || lin.Code != 0 {
				t.Fatalf("--linear: exit %d, %v", lin.Code, err)
			}
			if linRep.Model.Log || linRep.Backtest.MAE == nil || *linRep.Backtest.MAE <= mae {
				t.Fatalf("--linear should fit the raw counts (log %v) with a higher backtest error than the log scale's %.3f", linRep.Model.Log, mae)
			}
		})
	}
}

// TestForecastStripsHostileNames: a CSV header and a --column echoed in an
// error are untrusted; neither may reach the terminal as an escape.
func TestForecastStripsHostileNames(t *testing.T) {
	path := filepath.Join(t.TempDir(), "evil.csv")
	csv := "date,\"x\x1b]0;owned\x07y\"\n2024-01-01,1\n2024-01-02,2\n"
	if err := os.WriteFile(path, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, t.TempDir(), "", "forecast", "--series", path, "--plot")
	if r.Code != 0 || strings.ContainsAny(r.Out, "\x1b\x07") || !strings.Contains(r.Out, "xy from") {
		t.Fatalf("exit %d, stdout %q: the series name must be shown without its escape", r.Code, r.Out)
	}
	r = runCLI(t, t.TempDir(), "", "forecast", "--series", path, "--column", "\x1b[2Jnope")
	if r.Code != 2 || strings.ContainsAny(r.Err, "\x1b\x07") || !strings.Contains(r.Err, "nope") {
		t.Fatalf("exit %d, stderr %q: the usage error must be shown without escapes", r.Code, r.Err)
	}
}
