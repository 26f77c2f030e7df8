package shap

import "math"

// Contribution is one feature's share of a raw margin: how far the feature
// moved the score away from the expected value, in margin units.
type Contribution struct {
	Feature int
	Value   float64
}

// Top returns the k contributions of phi with the largest magnitude, largest
// first (ties: lower feature index first), reusing dst's storage. These are
// the "reasons" shown next to a score. It runs in O(len(phi)·k), which for
// the handful of reasons shown beats sorting all features.
func Top(phi []float64, k int, dst []Contribution) []Contribution {
	dst = dst[:0]
	if k <= 0 {
		return dst
	}
	for f, v := range phi {
		if v == 0 || math.IsNaN(v) {
			continue
		}
		a := math.Abs(v)
		if len(dst) == k && a <= math.Abs(dst[k-1].Value) {
			continue
		}
		// insertion into the sorted prefix; equal magnitudes keep the
		// earlier (lower) feature first
		i := len(dst)
		if i < k {
			dst = append(dst, Contribution{})
		} else {
			i = k - 1
		}
		for i > 0 && math.Abs(dst[i-1].Value) < a {
			dst[i] = dst[i-1]
			i--
		}
		dst[i] = Contribution{Feature: f, Value: v}
	}
	return dst
}
