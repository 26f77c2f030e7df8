package stats

import (
	"math"
	"math/rand/v2"
	"slices"
)

// Interval is a bootstrap estimate of a paired difference: the difference
// on the full sample, its percentile bounds, and the one-sided p-value for
// "the difference is not positive". Low is the one-sided lower confidence
// bound at Confidence (the 1−Confidence quantile of the resampled
// differences) and High the matching upper one, so [Low, High] is the
// two-sided interval at 2·Confidence−1 (90 % for 0.95). The question a
// promotion asks — is B better than A? — is one-sided: Low > 0 and
// P < 1−Confidence say the same thing.
type Interval struct {
	Estimate   float64 `json:"estimate"`
	Low        float64 `json:"low"`
	High       float64 `json:"high"`
	Confidence float64 `json:"confidence"`
	// P is (1 + #{resampled difference ≤ 0}) / (1 + Resamples): how often
	// the resampled data show no gain at all, with the usual +1 so that a
	// finite number of resamples never claims p = 0 (Davison & Hinkley
	// 1997, eq. 4.11).
	P         float64 `json:"p_value"`
	Resamples int     `json:"resamples"`
	Seed      uint64  `json:"seed"`
}

// PairedBootstrap resamples n paired items with replacement and returns the
// distribution of diff over the resamples (Efron & Tibshirani 1993, ch. 13;
// for comparing two systems on one test set, Koehn 2004, "Statistical
// significance tests for machine translation evaluation", §4). diff gets the
// indices of one resample (of length n, with repeats) and returns the
// statistic of system B minus that of system A on them; resampling the
// items, not each system apart, keeps the pairing so that what both systems
// get right or wrong together cancels out. The same seed gives the same
// bounds. It needs n ≥ 1, resamples ≥ 1 and confidence in [0.5, 1).
func PairedBootstrap(n int, diff func(idx []int) float64, resamples int, confidence float64, seed uint64) Interval {
	all := make([]int, n)
	for i := range all {
		all[i] = i
	}
	out := Interval{Estimate: diff(all), Confidence: confidence, Resamples: resamples, Seed: seed}
	r := rand.New(rand.NewPCG(seed, seed^0x5851f42d4c957f2d))
	d := make([]float64, resamples)
	idx := make([]int, n)
	notPositive := 0
	for b := range d {
		for i := range idx {
			idx[i] = r.IntN(n)
		}
		d[b] = diff(idx)
		if !(d[b] > 0) {
			notPositive++
		}
	}
	slices.Sort(d)
	alpha := 1 - confidence
	out.Low, out.High = quantile(d, alpha), quantile(d, 1-alpha)
	out.P = float64(1+notPositive) / float64(1+resamples)
	if math.IsNaN(out.Estimate) {
		out.Low, out.High, out.P = math.NaN(), math.NaN(), 1
	}
	return out
}
