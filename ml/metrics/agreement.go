package metrics

import (
	"fmt"
	"math"
)

// CohenKappa is the chance-corrected agreement between two raters who each
// put the same items into one of k nominal categories (Cohen 1960, "A
// coefficient of agreement for nominal scales"):
//
//	κ = (p_o − p_e) / (1 − p_e)
//
// with p_o the observed proportion of agreement and p_e = Σ_c a_c·b_c / n²
// the agreement expected if both raters assigned categories independently
// with their own marginal frequencies a_c, b_c. κ is NaN when p_e = 1 (both
// raters used one and the same category throughout), as in scikit-learn's
// cohen_kappa_score. It panics on mismatched lengths or a category outside
// [0, k).
func CohenKappa(a, b []int, k int) float64 {
	if len(a) != len(b) {
		panic(fmt.Sprintf("metrics: kappa needs paired ratings, got %d and %d", len(a), len(b)))
	}
	n := len(a)
	if n == 0 {
		return math.NaN()
	}
	margA := make([]int, k)
	margB := make([]int, k)
	agree := 0
	for i := range a {
		checkLabel(a[i], k)
		checkLabel(b[i], k)
		margA[a[i]]++
		margB[b[i]]++
		if a[i] == b[i] {
			agree++
		}
	}
	nf := float64(n)
	po := float64(agree) / nf
	var pe float64
	for c := range k {
		pe += float64(margA[c]) * float64(margB[c]) / (nf * nf)
	}
	if pe == 1 {
		return math.NaN()
	}
	return (po - pe) / (1 - pe)
}

// Missing marks a coder who gave no value for a unit in KrippendorffAlpha.
const Missing = -1

// KrippendorffAlpha is Krippendorff's α for nominal data, any number of
// coders, and missing values (Krippendorff 2011, "Computing Krippendorff's
// Alpha-Reliability", section C). units[u] holds the values the coders gave
// unit u; Missing (-1) marks an absent value. Values are category codes ≥ 0
// and need not be contiguous.
//
// Only pairable values count: a unit with m_u ≥ 2 values contributes each
// ordered pair of its values with weight 1/(m_u − 1) to the coincidence
// matrix o_ck. With n_c = Σ_k o_ck and n = Σ_c n_c,
//
//	α = 1 − D_o/D_e = 1 − (n − 1) · Σ_{c≠k} o_ck / Σ_{c≠k} n_c·n_k
//
// α is 1 for perfect agreement, 0 for agreement at chance level, and NaN
// when it is undefined (no pairable values, or a single category used
// throughout so there is no expected disagreement).
func KrippendorffAlpha(units [][]int) float64 {
	// Category codes are mapped to dense indices in order of appearance so
	// the coincidence matrix stays as small as the number of categories used.
	index := map[int]int{}
	var kept [][]int
	for _, unit := range units {
		var vals []int
		for _, v := range unit {
			if v == Missing {
				continue
			}
			if v < 0 {
				panic(fmt.Sprintf("metrics: category %d is negative (use Missing = -1 for no value)", v))
			}
			if _, ok := index[v]; !ok {
				index[v] = len(index)
			}
			vals = append(vals, index[v])
		}
		if len(vals) >= 2 {
			kept = append(kept, vals)
		}
	}
	k := len(index)
	o := make([][]float64, k)
	for c := range o {
		o[c] = make([]float64, k)
	}
	for _, vals := range kept {
		w := 1 / float64(len(vals)-1)
		for i, c := range vals {
			for j, d := range vals {
				if i != j {
					o[c][d] += w
				}
			}
		}
	}
	nc := make([]float64, k)
	var n float64
	for c := range k {
		for d := range k {
			nc[c] += o[c][d]
		}
		n += nc[c]
	}
	var observed, expected float64
	for c := range k {
		for d := range k {
			if c != d {
				observed += o[c][d]
				expected += nc[c] * nc[d]
			}
		}
	}
	if n == 0 || expected == 0 {
		return math.NaN()
	}
	return 1 - (n-1)*observed/expected
}
