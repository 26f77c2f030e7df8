package forecast

import (
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
)

var week = []float64{5, 9, 8, 7, 6, 1, 0}

func repeatWeek(weeks int) []float64 {
	var y []float64
	for range weeks {
		y = append(y, week...)
	}
	return y
}

// trendSeasonNoise is a count-like series: a rising level, a weekly
// pattern and Gaussian noise from a fixed seed.
func trendSeasonNoise(n int, seed uint64) []float64 {
	r := rand.New(rand.NewPCG(seed, 0))
	y := make([]float64, n)
	for t := range y {
		y[t] = 20 + 0.05*float64(t) + 3*week[t%7] + 3*r.NormFloat64()
	}
	return y
}

func TestForecastRecoversPatterns(t *testing.T) {
	line := make([]float64, 30)
	for i := range line {
		line[i] = 3 + 2*float64(i)
	}
	tests := []struct {
		name   string
		y      []float64
		season int
		want   func(step int) float64
	}{
		{"pure weekly pattern", repeatWeek(10), 7, func(s int) float64 { return week[(70+s-1)%7] }},
		{"weekly pattern on a line", func() []float64 {
			y := repeatWeek(8)
			for i := range y {
				y[i] += 10 + 0.5*float64(i)
			}
			return y
		}(), 7, func(s int) float64 { return 10 + 0.5*float64(56+s-1) + week[(56+s-1)%7] }},
		{"straight line without season", line, 1, func(s int) float64 { return 3 + 2*float64(30+s-1) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := Fit(tt.y, tt.season)
			mean, lo, hi := m.Forecast(14)
			for i := range mean {
				want := tt.want(i + 1)
				if math.Abs(mean[i]-want) > 1e-6 {
					t.Fatalf("step %d: forecast %.6f, want %.6f (model %+v)", i+1, mean[i], want, m)
				}
				if lo[i] > mean[i] || hi[i] < mean[i] {
					t.Fatalf("step %d: interval [%g, %g] misses the forecast %g", i+1, lo[i], hi[i], mean[i])
				}
			}
		})
	}
}

func TestBeatsSeasonalNaiveOnTrendSeasonNoise(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		y := trendSeasonNoise(400, seed)
		mae, naive := Backtest(y, 7, 7, 8)
		t.Logf("seed %d: Holt-Winters MAE %.3f, seasonal-naive MAE %.3f", seed, mae, naive)
		if !(mae < naive) {
			t.Errorf("seed %d: Holt-Winters MAE %.3f is not below seasonal-naive %.3f", seed, mae, naive)
		}
	}
}

func TestIntervalsWidenWithHorizonAndClampAtZero(t *testing.T) {
	y := trendSeasonNoise(200, 7)
	m := Fit(y, 7)
	if m.Sigma <= 0 {
		t.Fatalf("noisy series fitted with sigma %g", m.Sigma)
	}
	_, lo, hi := m.Forecast(21)
	for i := 7; i < 21; i++ {
		if hi[i]-lo[i] < hi[i-7]-lo[i-7]-1e-9 {
			t.Fatalf("step %d: interval width %g narrower than a week earlier %g", i+1, hi[i]-lo[i], hi[i-7]-lo[i-7])
		}
	}

	// A falling count series must not forecast negative counts.
	down := make([]float64, 60)
	for i := range down {
		down[i] = math.Max(0, 50-float64(i))
	}
	mean, lo, _ := Fit(down, 7).Forecast(30)
	for i := range mean {
		if mean[i] < 0 || lo[i] < 0 {
			t.Fatalf("step %d: negative count forecast %g (low %g)", i+1, mean[i], lo[i])
		}
	}
	// A series with negative values is not clamped.
	neg := make([]float64, 60)
	for i := range neg {
		neg[i] = -float64(i)
	}
	if mean, _, _ := Fit(neg, 7).Forecast(1); mean[0] >= 0 {
		t.Fatalf("negative series forecast %g, want below 0", mean[0])
	}
}

func TestFitDegeneratesGracefully(t *testing.T) {
	tests := []struct {
		name       string
		y          []float64
		season     int
		wantSeason int
		wantFirst  float64
	}{
		{"empty", nil, 7, 1, 0},
		{"one value", []float64{4}, 7, 1, 4},
		{"shorter than two seasons", []float64{2, 2, 2, 2, 2, 2, 2, 2}, 7, 1, 2},
		{"season zero means none", []float64{1, 1, 1}, 0, 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := Fit(tt.y, tt.season)
			if m.Season != tt.wantSeason {
				t.Fatalf("season %d, want %d", m.Season, tt.wantSeason)
			}
			mean, _, _ := m.Forecast(3)
			if len(mean) != 3 || math.Abs(mean[0]-tt.wantFirst) > 1e-9 {
				t.Fatalf("forecast %v, want first %g", mean, tt.wantFirst)
			}
		})
	}
}

func TestSeasonalNaive(t *testing.T) {
	tests := []struct {
		name   string
		y      []float64
		season int
		h      int
		want   []float64
	}{
		{"repeats last week", []float64{1, 2, 3, 4, 5, 6, 7, 8, 9}, 7, 9, []float64{3, 4, 5, 6, 7, 8, 9, 3, 4}},
		{"short series repeats last value", []float64{1, 2}, 7, 3, []float64{2, 2, 2}},
		{"empty", nil, 7, 2, []float64{0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SeasonalNaive(tt.y, tt.season, tt.h); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestBacktest(t *testing.T) {
	// A pure weekly pattern is forecast exactly by both methods.
	mae, naive := Backtest(repeatWeek(12), 7, 7, 4)
	if mae > 1e-9 || naive != 0 {
		t.Fatalf("pure pattern: MAE %g, naive %g; want 0, 0", mae, naive)
	}
	// Too short to leave two training seasons before the first origin.
	if mae, naive := Backtest(repeatWeek(3), 7, 7, 2); !math.IsNaN(mae) || !math.IsNaN(naive) {
		t.Fatalf("short series: got %g, %g; want NaN", mae, naive)
	}
}

func TestFitIsDeterministic(t *testing.T) {
	y := trendSeasonNoise(300, 11)
	if a, b := Fit(y, 7), Fit(y, 7); !reflect.DeepEqual(a, b) {
		t.Fatalf("two fits differ:\n%+v\n%+v", a, b)
	}
}

func BenchmarkFit(b *testing.B) {
	y := trendSeasonNoise(900, 1)
	for b.Loop() {
		Fit(y, 7)
	}
}
