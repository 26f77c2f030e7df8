package forecast

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// weekly is weeks of a weekday/weekend pattern from Monday 2024-01-01.
func weekly(weeks int) Series {
	s := Series{Name: "total", Start: day("2024-01-01")}
	for d := range weeks * 7 {
		v := 10.0
		if d%7 >= 5 {
			v = 1
		}
		s.Values = append(s.Values, v)
	}
	return s
}

func TestPredict(t *testing.T) {
	for _, tc := range []struct {
		name         string
		s            Series
		opts         Options
		wantErr      string
		wantLog      bool
		wantBacktest bool
	}{
		{"counts are fitted on the log scale", weekly(12), Options{Days: 7}, "", true, true},
		{"linear fits the counts as they are", weekly(12), Options{Days: 3, Linear: true}, "", false, true},
		{"a short history has no backtest", weekly(3), Options{Days: 7}, "", true, false},
		{"zero days", weekly(12), Options{Days: 0}, "0 days", false, false},
		{"too many days", weekly(12), Options{Days: MaxDays + 1}, "want 1 to 366", false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := Predict(tc.s, "test.csv", tc.opts)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one with %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if rep.Source != "test.csv" || rep.Series != "total" || rep.Days != len(tc.s.Values) ||
				rep.Start != "2024-01-01" || rep.End != tc.s.End().Format(Day) {
				t.Fatalf("history %+v", rep)
			}
			if rep.Model.Log != tc.wantLog || rep.Model.Season != Season {
				t.Fatalf("model %+v, want log %v, season %d", rep.Model, tc.wantLog, Season)
			}
			if len(rep.Forecast) != tc.opts.Days {
				t.Fatalf("%d forecast days, want %d", len(rep.Forecast), tc.opts.Days)
			}
			for i, r := range rep.Forecast {
				if want := tc.s.Date(len(tc.s.Values) + i).Format(Day); r.Date != want {
					t.Fatalf("day %d is %s, want %s", i, r.Date, want)
				}
				if r.Low80 > r.Forecast || r.Forecast > r.High80 || r.Low80 < 0 {
					t.Fatalf("day %s: forecast %.2f outside its interval [%.2f, %.2f]", r.Date, r.Forecast, r.Low80, r.High80)
				}
			}
			b := rep.Backtest
			if b.Weeks != BacktestWeeks || b.HorizonDays != Season || (b.MAE != nil) != tc.wantBacktest || (b.MAENaive != nil) != tc.wantBacktest {
				t.Fatalf("backtest %+v, want errors %v", b, tc.wantBacktest)
			}
			if tc.wantBacktest && b.BeatsBaseline != (*b.MAE < *b.MAENaive) {
				t.Fatalf("backtest verdict %+v", b)
			}
		})
	}
}

func TestPick(t *testing.T) {
	series := []Series{{Name: "total"}, {Name: "High"}}
	for _, tc := range []struct {
		name, column string
		want         string
		wantHave     []string
	}{
		{"no column is the first", "", "total", nil},
		{"by name", "total", "total", nil},
		{"case does not matter", "high", "High", nil},
		{"unknown", "low", "", []string{"total", "High"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Pick(series, tc.column, "f.csv")
			if tc.wantHave != nil {
				var u *UnknownSeriesError
				if !errors.As(err, &u) || !reflect.DeepEqual(u.Have, tc.wantHave) || u.Source != "f.csv" || u.Name != tc.column {
					t.Fatalf("error %#v, want an UnknownSeriesError listing %v", err, tc.wantHave)
				}
				return
			}
			if err != nil || s.Name != tc.want {
				t.Fatalf("picked %q (%v), want %q", s.Name, err, tc.want)
			}
		})
	}
	if _, err := Pick(nil, "", "empty.csv"); err == nil || !strings.Contains(err.Error(), "empty.csv") {
		t.Fatalf("no series: error %v", err)
	}
}

func TestReadCSVFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.csv")
	if err := os.WriteFile(good, []byte("date,n\n2024-01-01,1\n2024-01-03,2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := ReadCSVFile(good)
	if err != nil || len(s) != 1 || !reflect.DeepEqual(s[0].Values, []float64{1, 0, 2}) {
		t.Fatalf("read %+v, %v", s, err)
	}
	missing := filepath.Join(dir, "nope.csv")
	if _, err := ReadCSVFile(missing); err == nil || !strings.Contains(err.Error(), missing) {
		t.Fatalf("missing file: error %v does not name it", err)
	}
}
