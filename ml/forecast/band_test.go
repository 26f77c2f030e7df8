package forecast

import (
	"math"
	"testing"
)

func TestConformalQuantile(t *testing.T) {
	r := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9}
	tests := []struct {
		q    float64
		want float64
	}{
		{0.1, 1}, // rank ⌊10·0.1⌋ = 1
		{0.9, 9}, // rank ⌈10·0.9⌉ = 9
		{0.5, 5},
		{0.01, 1}, // clamped to the smallest
		{0.99, 9}, // clamped to the largest
	}
	for _, tt := range tests {
		if got := conformalQuantile(r, tt.q); got != tt.want {
			t.Errorf("q %g: %g, want %g", tt.q, got, tt.want)
		}
	}
}

func TestCalibrateBand(t *testing.T) {
	// A noise-free week: every error is 0, so the band is the forecast.
	y := repeatWeek(20)
	m := FitCounts(y, 7)
	b := CalibrateBand(y, m, 3, 28, 0.8)
	if len(b.Lo) != 3 || len(b.Hi) != 3 {
		t.Fatalf("band %+v: want 3 steps", b)
	}
	mean, lo, hi := m.ForecastBand(10, b)
	for i := range mean {
		if math.Abs(hi[i]-lo[i]) > 1e-6 || math.Abs(mean[i]-week[i%7]) > 1e-6 {
			t.Fatalf("step %d: %g in [%g, %g], want the week's %g exactly", i+1, mean[i], lo[i], hi[i], week[i%7])
		}
	}
	// Each step has window errors when the series is long enough.
	errs := horizonErrors(y, m, 3, 28)
	for k, e := range errs {
		if len(e) != 28 {
			t.Errorf("step %d: %d errors, want 28", k+1, len(e))
		}
	}
	// Too short for one error: an empty band, and ForecastBand is Forecast.
	short := []float64{1, 2, 3}
	ms := FitCounts(short, 7)
	if e := CalibrateBand(short, ms, 7, 28, 0.8); len(e.Lo) != 0 {
		t.Errorf("short series band %+v", e)
	}
	m1, l1, h1 := ms.ForecastBand(2, Band{})
	m2, l2, h2 := ms.Forecast(2)
	if m1[1] != m2[1] || l1[1] != l2[1] || h1[1] != h2[1] {
		t.Error("an empty band changed the forecast")
	}
}

// On bursty counts the empirical band widens beyond its last calibrated
// step and always holds its point forecast.
func TestForecastBandBeyondCalibration(t *testing.T) {
	y := burstyCounts(400, 7)
	m := FitCounts(y, 7)
	b := CalibrateBand(y, m, 7, 182, 0.8)
	mean, lo, hi := m.ForecastBand(21, b)
	for i := range mean {
		if !(lo[i] <= mean[i] && mean[i] <= hi[i]) || lo[i] < 0 {
			t.Fatalf("step %d: %g outside [%g, %g]", i+1, mean[i], lo[i], hi[i])
		}
	}
	// Same weekday, two weeks on: at least as wide on the log scale.
	if w7, w21 := math.Log1p(hi[6])-math.Log1p(mean[6]), math.Log1p(hi[20])-math.Log1p(mean[20]); w21 < w7-1e-12 {
		t.Errorf("step 21 upper width %g narrower than step 7's %g", w21, w7)
	}
}

func TestEvaluate(t *testing.T) {
	ev := Evaluate(Method{Fit: FitCounts, BandWindow: 28}, repeatWeek(12), 7, 7, 4)
	if ev.MAE > 1e-9 || ev.Coverage != 1 || math.Abs(ev.WeekAccuracy-1) > 1e-9 || ev.WeeksScored != 4 || ev.MASE > 1e-9 {
		t.Errorf("a repeating week: %+v, want no error, full coverage, accuracy 1", ev)
	}
	short := Evaluate(Method{Fit: FitCounts}, repeatWeek(3), 7, 7, 2)
	if !math.IsNaN(short.MAE) || !math.IsNaN(short.Coverage) || !math.IsNaN(short.WeekAccuracy) {
		t.Errorf("too short: %+v, want NaN", short)
	}
}

// On the later half-year of both shared series (26 weekly origins up to
// 2024-06-30) the empirical band covers 70–90 % and the model beats
// seasonal naive; the normal-theory band covers too much.
func TestEvaluateSharedSeries(t *testing.T) {
	for _, tc := range []struct{ file, column string }{{"ghsa_daily_counts.csv", "total"}, {"kev_daily_additions.csv", "added"}} {
		y := sharedColumn(t, tc.file, 1)
		ev := Evaluate(Method{Fit: FitCounts, BandWindow: 182}, y, 7, 7, 26)
		t.Logf("%s: %+v", tc.file, ev)
		if ev.Coverage < 0.7 || ev.Coverage > 0.9 || ev.RelativeMAE >= 1 || ev.CoverageParametric <= 0.87 {
			t.Errorf("%s: coverage %.3f (normal %.3f), MAE / naive %.3f", tc.file, ev.Coverage, ev.CoverageParametric, ev.RelativeMAE)
		}
	}
}
