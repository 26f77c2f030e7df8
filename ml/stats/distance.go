package stats

import (
	"fmt"
	"math"
	"slices"
)

// psiFloor is the proportion Evidently substitutes for an empty bin so the
// logarithm in PSI stays finite.
const psiFloor = 0.0001

// PSI is the population stability index between two binned distributions,
//
//	PSI = Σ_i (ref_i − cur_i) · ln(ref_i / cur_i),
//
// where ref and cur hold the share (or count — each is normalised to sum 1)
// of each bin in the reference and current window, in the same bin order.
// Empty bins are floored as Evidently's get_binned_data does: a zero share
// becomes 0.0001, or a millionth of the smallest non-zero share of that
// window when that is itself ≤ 0.0001. Common reading: < 0.1 stable,
// 0.1–0.25 moderate shift, > 0.25 major shift (Siddiqi 2006, "Credit Risk
// Scorecards"). NaN when either window is empty. Panics on differing lengths.
func PSI(ref, cur []float64) float64 {
	if len(ref) != len(cur) {
		panic(fmt.Sprintf("stats: PSI needs matching bins, got %d and %d", len(ref), len(cur)))
	}
	r, ok1 := floorShares(ref)
	c, ok2 := floorShares(cur)
	if !ok1 || !ok2 {
		return math.NaN()
	}
	var psi float64
	for i := range r {
		psi += (r[i] - c[i]) * math.Log(r[i]/c[i])
	}
	return psi
}

// floorShares normalises v to shares and replaces zeros with Evidently's
// floor. ok is false when v has no positive mass or a negative/NaN entry.
func floorShares(v []float64) ([]float64, bool) {
	out, ok := shares(v)
	if !ok {
		return nil, false
	}
	smallest := math.Inf(1)
	for _, x := range out {
		if x > 0 {
			smallest = min(smallest, x)
		}
	}
	floor := psiFloor
	if smallest <= psiFloor {
		floor = smallest / 1e6
	}
	for i := range out {
		if out[i] == 0 {
			out[i] = floor
		}
	}
	return out, true
}

// PSIBinned is the PSI of a numeric feature. Bin edges are the reference
// window's quantiles at 1/bins, 2/bins, … (numpy's linear interpolation),
// so every bin holds about the same share of reference values and PSI is not
// dominated by near-empty tail bins; repeated edges (tied values) are merged.
// Bins are right-closed, (e_{i−1}, e_i], with open ends. This is the classic
// credit-scoring construction; Evidently instead uses Sturges equal-width
// bins over the pooled windows, which gives different numbers on skewed
// data. NaNs are dropped; NaN when either window is then empty or bins < 1.
func PSIBinned(ref, cur []float64, bins int) float64 {
	r, c := sortedFinite(ref), sortedFinite(cur)
	if len(r) == 0 || len(c) == 0 || bins < 1 {
		return math.NaN()
	}
	var edges []float64
	for i := 1; i < bins; i++ {
		e := quantile(r, float64(i)/float64(bins))
		if len(edges) == 0 || e > edges[len(edges)-1] {
			edges = append(edges, e)
		}
	}
	return PSI(binCounts(r, edges), binCounts(c, edges))
}

// binCounts counts sorted values into the right-closed bins defined by
// ascending edges: bin i holds edges[i-1] < v ≤ edges[i].
func binCounts(sorted, edges []float64) []float64 {
	counts := make([]float64, len(edges)+1)
	prev := 0
	for i, e := range edges {
		n := upperBound(sorted, e)
		counts[i] = float64(n - prev)
		prev = n
	}
	counts[len(edges)] = float64(len(sorted) - prev)
	return counts
}

// Wasserstein is the first Wasserstein (earth mover's) distance between the
// empirical distributions of two samples, ∫ |F_a(x) − F_b(x)| dx, the same as
// scipy.stats.wasserstein_distance(a, b). It is in the feature's own units.
// NaNs are dropped; NaN when either sample is then empty.
func Wasserstein(a, b []float64) float64 {
	x, y := sortedFinite(a), sortedFinite(b)
	if len(x) == 0 || len(y) == 0 {
		return math.NaN()
	}
	// Between consecutive pooled values both CDFs are constant, so the
	// integral is a sum of rectangles.
	all := make([]float64, 0, len(x)+len(y))
	all = append(append(all, x...), y...)
	slices.Sort(all)
	var dist float64
	nx, ny := float64(len(x)), float64(len(y))
	i, j := 0, 0
	for k := 0; k+1 < len(all); k++ {
		v := all[k]
		for i < len(x) && x[i] <= v {
			i++
		}
		for j < len(y) && y[j] <= v {
			j++
		}
		dist += math.Abs(float64(i)/nx-float64(j)/ny) * (all[k+1] - v)
	}
	return dist
}

// WassersteinNormed is Evidently's "wasserstein" drift score: the
// Wasserstein distance divided by the population standard deviation of the
// reference sample a (floored at 0.001 so a constant reference does not
// divide by zero). Evidently's default threshold for drift is 0.1, i.e. the
// current distribution moved by a tenth of a reference standard deviation.
func WassersteinNormed(a, b []float64) float64 {
	ref := sortedFinite(a)
	if len(ref) == 0 {
		return math.NaN()
	}
	var mean float64
	for _, v := range ref {
		mean += v
	}
	mean /= float64(len(ref))
	var ss float64
	for _, v := range ref {
		ss += (v - mean) * (v - mean)
	}
	std := math.Sqrt(ss / float64(len(ref)))
	return Wasserstein(a, b) / max(std, 0.001)
}

// JensenShannon is the Jensen–Shannon distance between two discrete
// distributions given as shares or counts per bin (each normalised to sum
// 1): the square root of the Jensen–Shannon divergence
//
//	JS(p, q) = √( ½·KL(p ‖ m) + ½·KL(q ‖ m) ),   m = (p + q)/2,
//
// with natural logarithms, as scipy.spatial.distance.jensenshannon's
// default and so as Evidently's "jensenshannon" drift test (which does not
// floor empty bins). The distance is therefore in [0, √ln 2 ≈ 0.8326], not
// [0, 1] as with base 2. NaN when either input has no mass or a negative
// entry. Panics on differing lengths.
func JensenShannon(p, q []float64) float64 {
	if len(p) != len(q) {
		panic(fmt.Sprintf("stats: Jensen-Shannon needs matching bins, got %d and %d", len(p), len(q)))
	}
	ps, ok1 := shares(p)
	qs, ok2 := shares(q)
	if !ok1 || !ok2 {
		return math.NaN()
	}
	var div float64
	for i := range ps {
		m := (ps[i] + qs[i]) / 2
		div += relEntr(ps[i], m) + relEntr(qs[i], m)
	}
	return math.Sqrt(max(div/2, 0))
}

func shares(v []float64) ([]float64, bool) {
	var sum float64
	for _, x := range v {
		if x < 0 || math.IsNaN(x) {
			return nil, false
		}
		sum += x
	}
	if sum == 0 {
		return nil, false
	}
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = x / sum
	}
	return out, true
}

// relEntr is x·ln(x/y) with 0·ln 0 = 0 (scipy.special.rel_entr); here y ≥ x/2
// always, so y > 0 whenever x > 0.
func relEntr(x, y float64) float64 {
	if x == 0 {
		return 0
	}
	return x * math.Log(x/y)
}
