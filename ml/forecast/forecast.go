// Package forecast predicts the next days of a daily count series with
// additive Holt-Winters exponential smoothing, and measures it against the
// seasonal-naive baseline by rolling-origin backtesting.
//
// The method follows Hyndman & Athanasopoulos, "Forecasting: Principles and
// Practice" (3rd ed.), §8.3 (Holt-Winters' additive method), with prediction
// intervals from §8.7 (Table 8.8, ETS(A,A,A)). The package knows nothing about
// the workbench: it takes and returns plain float64 slices.
package forecast

import (
	"math"
)

// z80 is the standard-normal quantile for a central 80% interval (Φ⁻¹(0.9)).
const z80 = 1.2815515655446004

// Grids searched by Fit. α is the level smoothing, β* the trend smoothing
// (FPP's β*, applied to the change in level) and γ the seasonal smoothing.
// Small β* values dominate the grid because daily advisory counts have slow
// trends; a fine grid there avoids chasing noise with the slope.
var (
	alphaGrid = []float64{0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.99}
	betaGrid  = []float64{0, 0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3}
	gammaGrid = []float64{0, 0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.7, 0.9}
)

// Model is a fitted additive Holt-Winters model: the final level, trend and
// the last season of seasonal indices, the smoothing parameters that
// minimised the in-sample one-step-ahead squared error, and that error's
// standard deviation.
type Model struct {
	// Season is the seasonal period m (7 for daily data with a weekly cycle);
	// 1 means no seasonal component.
	Season int `json:"season"`
	// Alpha, Beta and Gamma are the chosen smoothing parameters (Beta is
	// FPP's β*, the trend smoothing on the change in level).
	Alpha float64 `json:"alpha"`
	Beta  float64 `json:"beta"`
	Gamma float64 `json:"gamma"`
	// Level and Trend are ℓ_T and b_T at the end of the series.
	Level float64 `json:"level"`
	Trend float64 `json:"trend"`
	// Seasonal holds s_{T-m+1} … s_T, oldest first.
	Seasonal []float64 `json:"seasonal"`
	// Sigma is the standard deviation of the one-step-ahead in-sample errors.
	Sigma float64 `json:"sigma"`
	// NonNegative is true when every observation was ≥ 0 (counts); forecasts
	// and interval bounds are then clamped at 0.
	NonNegative bool `json:"non_negative"`
	// N is the number of observations fitted.
	N int `json:"n"`
	// Log marks a count model fitted to log(1+y) (FitCounts): level, trend,
	// seasonal indices and Sigma are on that scale, and Forecast returns
	// exp(·)−1 of the log-scale forecast and interval.
	Log bool `json:"log1p"`
}

// FitCounts fits a count series on the log(1+y) scale (FPP §8.7's
// transformations; Box–Cox λ = 0 on y+1) when every observation is ≥ 0,
// else as Fit does. Daily advisory and KEV counts are bursty: on the raw
// scale one burst pulls the level and the squared-error fit for days, while
// on the log scale a burst is one large error among many, and the
// back-transformed forecast is the median count, which is what the mean
// absolute error rewards. The back-transformed 80 % interval is skewed the
// way counts are: wider above than below.
func FitCounts(y []float64, season int) Model {
	for _, v := range y {
		if v < 0 || math.IsNaN(v) {
			return Fit(y, season)
		}
	}
	ly := make([]float64, len(y))
	for i, v := range y {
		ly[i] = math.Log1p(v)
	}
	m := Fit(ly, season)
	m.Log = true
	return m
}

// Fit chooses α, β* and γ by grid search minimising the sum of squared
// one-step-ahead errors and returns the model at the end of y. Ties keep
// the first grid point, so the fit is deterministic.
//
// Initial states follow the classical decomposition heuristic of FPP §8.3:
// ℓ₀ is the mean of the first season, b₀ the mean change per day between the
// first two seasons, and s₀ the first season's deviations from ℓ₀. A series
// shorter than two seasons is fitted without a seasonal component (Holt's
// linear method); an empty series gives a model that forecasts zero.
func Fit(y []float64, season int) Model {
	if season < 1 {
		season = 1
	}
	if len(y) < 2*season {
		season = 1
	}
	m := Model{Season: season, NonNegative: true, N: len(y), Seasonal: make([]float64, season)}
	for _, v := range y {
		if v < 0 {
			m.NonNegative = false
		}
	}
	if len(y) == 0 {
		return m
	}
	init := initialState(y, season)
	gammas := gammaGrid
	if season == 1 {
		gammas = []float64{0}
	}
	best := math.Inf(1)
	st := newState(season)
	for _, a := range alphaGrid {
		for _, b := range betaGrid {
			for _, g := range gammas {
				// FPP §8.3: γ is restricted to 0 ≤ γ ≤ 1−α.
				if g > 1-a {
					continue
				}
				st.reset(init)
				sse := st.run(y, a, b, g, best)
				if sse < best {
					best = sse
					m.Alpha, m.Beta, m.Gamma = a, b, g
				}
			}
		}
	}
	st.reset(init)
	sse := st.run(y, m.Alpha, m.Beta, m.Gamma, math.Inf(1))
	m.Level, m.Trend = st.level, st.trend
	for i := range season {
		m.Seasonal[i] = st.season[(st.pos+i)%season]
	}
	if n := st.errors; n > 0 {
		m.Sigma = math.Sqrt(sse / float64(n))
	}
	return m
}

// state is the running Holt-Winters recursion; season is a ring buffer whose
// slot pos holds s_{t-m}, the index that applies to the next observation.
type state struct {
	level, trend float64
	season       []float64
	pos          int
	errors       int
}

func newState(m int) *state { return &state{season: make([]float64, m)} }

func (s *state) reset(from *state) {
	s.level, s.trend, s.pos, s.errors = from.level, from.trend, from.pos, 0
	copy(s.season, from.season)
}

// run applies the recursion of FPP §8.3 to y and returns the sum of squared
// one-step-ahead errors. It stops early once the sum exceeds bound, since
// the grid search can no longer pick that candidate.
//
//	ℓ_t = α(y_t − s_{t−m}) + (1−α)(ℓ_{t−1} + b_{t−1})
//	b_t = β*(ℓ_t − ℓ_{t−1}) + (1−β*) b_{t−1}
//	s_t = γ(y_t − ℓ_{t−1} − b_{t−1}) + (1−γ) s_{t−m}
func (s *state) run(y []float64, alpha, beta, gamma, bound float64) float64 {
	m := len(s.season)
	sse := 0.0
	for _, v := range y {
		sPrev := s.season[s.pos]
		e := v - (s.level + s.trend + sPrev)
		sse += e * e
		s.errors++
		if sse > bound {
			return sse
		}
		prevLevel, prevTrend := s.level, s.trend
		s.level = alpha*(v-sPrev) + (1-alpha)*(prevLevel+prevTrend)
		s.trend = beta*(s.level-prevLevel) + (1-beta)*prevTrend
		if m > 1 {
			s.season[s.pos] = gamma*(v-prevLevel-prevTrend) + (1-gamma)*sPrev
		}
		s.pos = (s.pos + 1) % m
	}
	return sse
}

// initialState sets ℓ₀, b₀ and s₀ so that the recursion starts at y[0].
// The first season's indices are stored so that slot 0 applies to y[0].
func initialState(y []float64, m int) *state {
	st := newState(m)
	if m == 1 {
		st.level = y[0]
		if len(y) > 1 {
			st.trend = y[1] - y[0]
		}
		st.level -= st.trend // so that ℓ₀ + b₀ forecasts y[0]
		return st
	}
	first := mean(y[:m])
	second := mean(y[m : 2*m])
	st.trend = (second - first) / float64(m)
	// ℓ₀ sits half a season before the first season's centre.
	st.level = first - st.trend*float64(m+1)/2
	for i := range m {
		st.season[i] = y[i] - first
	}
	return st
}

func mean(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

// Forecast returns the point forecasts for the next h steps and their 80%
// prediction interval [lo, hi]:
//
//	ŷ_{T+h|T} = ℓ_T + h·b_T + s_{T+h−m(k+1)},  k = ⌊(h−1)/m⌋
//
// The interval is ŷ ± 1.2816·σ_h with the ETS(A,A,A) variance of FPP §8.7
// (Table 8.8), β = αβ*, φ = 1:
//
//	σ_h² = σ²[1 + (h−1){α² + αβh + β²h(2h−1)/6} + γk{2α + γ + βm(k+1)}]
//
// This is an approximation: σ is the in-sample one-step error standard
// deviation with the fitted parameters treated as known, and the errors are
// assumed independent and normal with constant variance. Daily counts are
// skewed and overdispersed, so the low side is too wide and the high side
// too narrow on burst days. For count series (NonNegative) the mean and both
// bounds are clamped at 0.
func (m Model) Forecast(h int) (mean, lo, hi []float64) {
	if h < 0 {
		h = 0
	}
	mean, lo, hi = make([]float64, h), make([]float64, h), make([]float64, h)
	for i := range h {
		step := i + 1
		f := m.onScale(step)
		w := z80 * m.Sigma * math.Sqrt(m.varianceFactor(step))
		mean[i], lo[i], hi[i] = m.backTransform(f, f-w, f+w)
	}
	return mean, lo, hi
}

// onScale is the step-ahead point forecast on the model's own scale:
// ℓ_T + h·b_T + s_{T+h−m(k+1)}.
func (m Model) onScale(step int) float64 {
	season := max(m.Season, 1)
	s := 0.0
	if len(m.Seasonal) == season {
		s = m.Seasonal[(step-1)%season]
	}
	return m.Level + float64(step)*m.Trend + s
}

// varianceFactor is σ_h²/σ² of the ETS(A,A,A) model (FPP Table 8.8).
func (m Model) varianceFactor(step int) float64 {
	season := max(m.Season, 1)
	a, b, g := m.Alpha, m.Alpha*m.Beta, m.Gamma
	k := (step - 1) / season
	hf := float64(step)
	v := 1 + (hf-1)*(a*a+a*b*hf+b*b*hf*(2*hf-1)/6)
	if season > 1 {
		v += g * float64(k) * (2*a + g + b*float64(season*(k+1)))
	}
	return v
}

// backTransform maps a forecast and its bounds from the model's scale to
// counts: quantiles survive the monotone exp(·)−1 of a log model, and a
// count is never below 0.
func (m Model) backTransform(f, lo, hi float64) (float64, float64, float64) {
	if m.Log {
		return math.Max(math.Expm1(f), 0), math.Max(math.Expm1(lo), 0), math.Max(math.Expm1(hi), 0)
	}
	if m.NonNegative {
		return math.Max(f, 0), math.Max(lo, 0), math.Max(hi, 0)
	}
	return f, lo, hi
}

// SeasonalNaive forecasts each of the next h steps as the value one season
// earlier (FPP §5.2): ŷ_{T+h|T} = y_{T+h−m(k+1)}. With fewer than m
// observations it repeats the last one; with none it forecasts zero.
func SeasonalNaive(y []float64, season, h int) []float64 {
	out := make([]float64, max(h, 0))
	n := len(y)
	if n == 0 {
		return out
	}
	if season < 1 || n < season {
		season = 1
	}
	for i := range out {
		out[i] = y[n-season+i%season]
	}
	return out
}

// Backtest evaluates Holt-Winters and seasonal-naive by rolling-origin
// evaluation (FPP §5.10, "time series cross-validation"): for each of folds
// origins spaced h apart and ending at the last observation, it fits on
// everything before the origin, forecasts the next h values and scores them.
// It returns both mean absolute errors over all folds·h forecasts, or NaN
// for both when y is too short to leave two seasons of training data before
// the first origin.
func Backtest(y []float64, season, h, folds int) (mae, maeNaive float64) {
	return BacktestWith(Fit, y, season, h, folds)
}

// BacktestWith is Backtest for another fitting method, such as FitCounts.
func BacktestWith(fit func(y []float64, season int) Model, y []float64, season, h, folds int) (mae, maeNaive float64) {
	if h < 1 || folds < 1 || season < 1 {
		return math.NaN(), math.NaN()
	}
	first := len(y) - folds*h
	if first < 2*season || first < 2 {
		return math.NaN(), math.NaN()
	}
	var sum, sumNaive float64
	for f := range folds {
		origin := first + f*h
		train, test := y[:origin], y[origin:origin+h]
		fc, _, _ := fit(train, season).Forecast(h)
		nv := SeasonalNaive(train, season, h)
		for i, v := range test {
			sum += math.Abs(v - fc[i])
			sumNaive += math.Abs(v - nv[i])
		}
	}
	n := float64(folds * h)
	return sum / n, sumNaive / n
}
