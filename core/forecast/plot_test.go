package forecast

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestPlotGolden(t *testing.T) {
	rep := Report{
		Recent: []Point{
			{"2024-06-24", 8}, {"2024-06-25", 12}, {"2024-06-26", 3}, {"2024-06-27", 0},
			{"2024-06-28", 16}, {"2024-06-29", 1}, {"2024-06-30", 5.5},
		},
		Forecast: []Row{
			{Date: "2024-07-01", Forecast: 6, Low80: 2, High80: 14},
			{Date: "2024-07-02", Forecast: 9, Low80: 4, High80: 12},
			{Date: "2024-07-03", Forecast: 0, Low80: 0, High80: 1},
		},
	}
	tests := []struct {
		name   string
		rep    Report
		height int
	}{
		{"history_and_forecast", rep, 8},
		{"forecast_only", Report{Forecast: rep.Forecast}, 4},
		{"all_zero", Report{Recent: []Point{{"2024-01-01", 0}, {"2024-01-02", 0}}}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Plot(tt.rep, tt.height)
			path := filepath.Join("testdata", "plot_"+tt.name+".golden")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to write it)", err)
			}
			if got != string(want) {
				t.Errorf("plot differs from %s:\n%s\nwant:\n%s", path, got, want)
			}
		})
	}
}

// A forecast of hundreds of days is cut to the chart's width; every row
// keeps the same number of columns.
func TestPlotWidth(t *testing.T) {
	rep := Report{Recent: make([]Point, HistoryDays)}
	for i := range 366 {
		rep.Forecast = append(rep.Forecast, Row{Date: "d", Forecast: float64(i % 9), High80: 10})
	}
	lines := strings.Split(strings.TrimSuffix(Plot(rep, 5), "\n"), "\n")
	for _, l := range lines[:5] {
		if n := len([]rune(l)); n != len("10 ┤")-2+PlotWidth {
			t.Fatalf("row of %d runes, want %d: %q", n, len("10 ┤")-2+PlotWidth, l)
		}
	}
}
