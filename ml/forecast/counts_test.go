package forecast

import (
	"encoding/csv"
	"math"
	"math/rand/v2"
	"os"
	"reflect"
	"strconv"
	"testing"

	"github.com/cyberstreams/cyberstreams/internal/shareddata"
)

// burstyCounts is a weekly count series with occasional bursts, like KEV
// additions or advisories on a vendor's patch day: a quiet weekday/weekend
// rhythm and, one day in twenty, a batch of 10–60.
func burstyCounts(n int, seed uint64) []float64 {
	r := rand.New(rand.NewPCG(seed, 9))
	y := make([]float64, n)
	for t := range y {
		base := 2.0
		if t%7 >= 5 {
			base = 0.5
		}
		v := math.Round(base + r.ExpFloat64()*base)
		if r.IntN(20) == 0 {
			v += float64(10 + r.IntN(50))
		}
		y[t] = v
	}
	return y
}

func TestFitCountsOnBurstyCounts(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3, 4} {
		y := burstyCounts(500, seed)
		logMAE, naive := BacktestWith(FitCounts, y, 7, 7, 12)
		rawMAE, _ := Backtest(y, 7, 7, 12)
		t.Logf("seed %d: MAE log1p %.3f, raw %.3f, seasonal-naive %.3f", seed, logMAE, rawMAE, naive)
		if !(logMAE < rawMAE && logMAE < naive) {
			t.Errorf("seed %d: log-scale MAE %.3f should beat raw %.3f and seasonal-naive %.3f on bursty counts", seed, logMAE, rawMAE, naive)
		}
		m := FitCounts(y, 7)
		if !m.Log {
			t.Fatal("a non-negative series should be fitted on the log scale")
		}
		mean, lo, hi := m.Forecast(14)
		for i := range mean {
			if lo[i] < 0 || !(lo[i] <= mean[i] && mean[i] <= hi[i]) {
				t.Fatalf("step %d: interval [%g, %g] around %g", i+1, lo[i], hi[i], mean[i])
			}
			if mean[i] > 0 && hi[i]-mean[i] <= mean[i]-lo[i] {
				t.Fatalf("step %d: a count interval should be wider above (%g) than below (%g)", i+1, hi[i]-mean[i], mean[i]-lo[i])
			}
		}
	}
}

func TestFitCountsKeepsSignedSeriesOnTheirScale(t *testing.T) {
	y := trendSeasonNoise(100, 1)
	y[10] = -4
	if got, want := FitCounts(y, 7), Fit(y, 7); got.Log || !reflect.DeepEqual(got, want) {
		t.Fatalf("a series with negative values must be fitted as it is: log %v", got.Log)
	}
}

// TestFitCountsOnSharedSeries backtests the shared daily series: on the log
// scale Holt-Winters beats seasonal-naive on GHSA advisories and KEV
// additions, which on the raw scale it did not for KEV.
func TestFitCountsOnSharedSeries(t *testing.T) {
	for _, file := range []string{"ghsa_daily_counts.csv", "kev_daily_additions.csv"} {
		y := sharedColumn(t, file, 1)
		logMAE, naive := BacktestWith(FitCounts, y, 7, 7, 8)
		rawMAE, _ := Backtest(y, 7, 7, 8)
		t.Logf("%s: MAE log1p %.3f, raw %.3f, seasonal-naive %.3f", file, logMAE, naive, rawMAE)
		if !(logMAE < naive && logMAE < rawMAE) {
			t.Errorf("%s: log-scale MAE %.3f should beat seasonal-naive %.3f and raw %.3f", file, logMAE, naive, rawMAE)
		}
	}
}

// sharedColumn reads column col of a shared daily series (skipping the
// test, naming the file, when it is absent).
func sharedColumn(t *testing.T, file string, col int) []float64 {
	t.Helper()
	f, err := os.Open(shareddata.File(t, file))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	var y []float64
	for _, r := range rows[1:] {
		v, err := strconv.ParseFloat(r[col], 64)
		if err != nil {
			t.Fatal(err)
		}
		y = append(y, v)
	}
	return y
}
