package forecast

import (
	"math"
	"sort"
)

// Band is an empirical prediction band: for each forecast step k (1-based
// at index k−1), the Lo and Hi quantiles of the model's own k-step errors
// on its own scale (log(1+count) for a count model). The parametric band of
// Forecast assumes normal, independent errors with the in-sample one-step
// spread; daily advisory counts are neither, and on the shared GHSA series
// that band covers 94 % of outcomes instead of 80 %. The empirical band
// takes the spread the model actually showed at each horizon over recent
// history instead (FPP §5.5, "prediction intervals from bootstrapped
// residuals"; the split-conformal quantile of Lei et al., "Distribution-free
// predictive inference for regression", JASA 2018, §2.2).
type Band struct {
	Lo, Hi []float64
	// Window is the number of origins whose errors were used.
	Window int
}

// CalibrateBand collects the k-step errors (k = 1..h) of m's recursion
// re-run over y with m's smoothing parameters, from each of the last window
// origins that has its k-step outcome, and takes the (1−coverage)/2 and
// (1+coverage)/2 quantiles per step with the split-conformal finite-sample
// correction (rank ⌈(n+1)q⌉). m must have been fitted to y. An empty band
// (no step calibrated) is returned when y is too short for one error.
func CalibrateBand(y []float64, m Model, h, window int, coverage float64) Band {
	res := horizonErrors(y, m, h, window)
	b := Band{Window: window}
	for _, r := range res {
		if len(r) < 2 {
			break
		}
		sort.Float64s(r)
		b.Lo = append(b.Lo, conformalQuantile(r, (1-coverage)/2))
		b.Hi = append(b.Hi, conformalQuantile(r, (1+coverage)/2))
	}
	return b
}

// conformalQuantile returns the value of rank ⌈(n+1)q⌉ (1-based, clamped to
// 1..n) of sorted r: for q above ½ it is one rank more cautious than the
// plain empirical quantile, which is what gives at least q coverage on
// exchangeable errors.
func conformalQuantile(r []float64, q float64) float64 {
	n := len(r)
	var rank int
	if q >= 0.5 {
		rank = int(math.Ceil(float64(n+1) * q))
	} else {
		rank = int(math.Floor(float64(n+1) * q))
	}
	rank = min(max(rank, 1), n)
	return r[rank-1]
}

// horizonErrors returns, for k = 1..h, the errors z[o+k−1] − ẑ_{o+k−1|o}
// on the model's scale from the last window origins o that have a k-step
// outcome (only those at least two seasons in, so the initial state has
// settled).
func horizonErrors(y []float64, m Model, h, window int) [][]float64 {
	z := y
	if m.Log {
		z = make([]float64, len(y))
		for i, v := range y {
			z[i] = math.Log1p(v)
		}
	}
	season := max(m.Season, 1)
	out := make([][]float64, h)
	if len(z) < 2*season || len(z) < 2 || h < 1 {
		return out
	}
	st := initialState(z, season)
	n := len(z)
	for o := range z {
		// Step k's origins are the last window that have its outcome:
		// n−k−window+1 … n−k.
		for k := 1; k <= h && o+k-1 < n; k++ {
			if o >= n-k-window+1 && o >= 2*season {
				f := st.level + float64(k)*st.trend + st.season[(st.pos+k-1)%season]
				out[k-1] = append(out[k-1], z[o+k-1]-f)
			}
		}
		st.run(z[o:o+1], m.Alpha, m.Beta, m.Gamma, math.Inf(1))
	}
	return out
}

// ForecastBand is Forecast with the empirical band b: step k's bounds are
// the point forecast plus b's step-k quantiles on the model's scale. Beyond
// the last calibrated step the last step's quantiles are widened by the
// parametric model's growth of the standard deviation (√(σ²_k/σ²_K)). With
// an empty band it is Forecast.
func (m Model) ForecastBand(h int, b Band) (mean, lo, hi []float64) {
	mean, lo, hi = m.Forecast(h)
	calibrated := min(len(b.Lo), len(b.Hi))
	if calibrated == 0 {
		return mean, lo, hi
	}
	for i := range mean {
		step := i + 1
		f := m.onScale(step)
		j, widen := i, 1.0
		if step > calibrated {
			j = calibrated - 1
			widen = math.Sqrt(m.varianceFactor(step) / m.varianceFactor(calibrated))
		}
		// The band holds its own point forecast even when the errors
		// all lean one way.
		mean[i], lo[i], hi[i] = m.backTransform(f, f+min(widen*b.Lo[j], 0), f+max(widen*b.Hi[j], 0))
	}
	return mean, lo, hi
}
