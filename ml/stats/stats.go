// Package stats holds the distribution-drift statistics the workbench
// reports when comparing current documents with the reference window the
// model was trained on: Kolmogorov–Smirnov, chi-square, PSI, Wasserstein and
// Jensen–Shannon, computed the way Evidently (and the scipy functions it
// calls) compute them, so numbers can be checked against those tools.
//
// Missing values (NaN) are dropped from numeric samples before testing, as
// Evidently does.
package stats

import (
	"math"
	"slices"
)

// sortedFinite returns a sorted copy of x without NaNs.
func sortedFinite(x []float64) []float64 {
	out := make([]float64, 0, len(x))
	for _, v := range x {
		if !math.IsNaN(v) {
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return out
}

// upperBound is the number of elements of sorted s that are ≤ v
// (numpy.searchsorted(s, v, side='right')).
func upperBound(s []float64, v float64) int {
	lo, hi := 0, len(s)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if s[mid] <= v {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

// quantile is the q-th quantile of sorted s with linear interpolation between
// order statistics (Hyndman & Fan type 7, numpy.quantile's default).
func quantile(s []float64, q float64) float64 {
	h := q * float64(len(s)-1)
	lo := math.Floor(h)
	i := int(lo)
	if i+1 >= len(s) {
		return s[len(s)-1]
	}
	return s[i] + (h-lo)*(s[i+1]-s[i])
}
