package stats

import (
	"math"
	"testing"
)

// The expected values in this file were computed once with scipy 1.17.1 and
// numpy 2.4 (python3 -m pip install scipy), by the calls named in each case:
// stats.ks_2samp(a, b) (default method='auto'), stats.wasserstein_distance,
// spatial.distance.jensenshannon, stats.chi2_contingency(t, correction=False)
// and stats.chisquare(f_obs, f_exp).

var (
	sampleA = []float64{0.61, 1.3, -0.2, 2.4, 0.05, 1.1, 0.9, 3.2, -1.4, 0.33, 1.7, 0.8}
	sampleB = []float64{1.9, 2.6, 0.7, 3.3, 1.2, 2.2, 4.1, 1.8, 0.95, 2.9}
)

// grid builds reproducible, tie-free pseudo-samples that Python can rebuild
// exactly: x_i = (i·mul mod mod)/div + shift. Division by a power of ten
// rounds identically in both languages.
func grid(n, mul, mod int, div, shift float64) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = float64(i*mul%mod)/div + shift
	}
	return out
}

func TestKSTestMatchesScipy(t *testing.T) {
	tests := []struct {
		name  string
		a, b  []float64
		d, p  float64
		relTo float64 // relative tolerance on p
	}{
		{"small unequal sizes", sampleA, sampleB, 0.5333333333333333, 0.061746303232371354, 1e-10},
		{"ties across samples", []float64{1, 2, 2, 3, 3, 3}, []float64{2, 3, 3, 4, 4}, 0.4, 0.6883116883116883, 1e-10},
		{"one sample inside the other", []float64{0, 1, 2, 3, 4, 5, 6}, []float64{3.5, 8, 9}, 0.6666666666666666, 0.25, 1e-10},
		// Ties can leave a row of the lattice with no point inside the band.
		{"tie leaves an empty band row", []float64{1, 2}, []float64{1}, 0.5, 1, 1e-12},
		{"ties on both sides", []float64{1, 1, 2}, []float64{1, 2, 2}, 0.3333333333333333, 1, 1e-12},
		{"one value each", []float64{0}, []float64{1}, 1, 1, 1e-12},
		{"repeated maximum", []float64{1, 2, 3}, []float64{1, 2, 3, 3}, 0.16666666666666666, 1, 1e-12},
		// x = [(i*7919 % 1000)/100 for i in range(300)],
		// y = [(j*104729 % 997)/100 + 1.5 for j in range(200)].
		{"300 vs 200", grid(300, 7919, 1000, 100, 0), grid(200, 104729, 997, 100, 1.5), 0.15333333333333332, 0.006521111949029789, 1e-9},
		// The same with y + 4: p is tiny and must not cancel to zero.
		{"300 vs 200 far apart", grid(300, 7919, 1000, 100, 0), grid(200, 104729, 997, 100, 5.5), 0.5483333333333333, 1.241531709349174e-33, 1e-8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, p := KSTest(tt.a, tt.b)
			if math.Abs(d-tt.d) > 1e-12 {
				t.Errorf("D = %.17g, want %.17g", d, tt.d)
			}
			if math.Abs(p-tt.p) > tt.relTo*tt.p {
				t.Errorf("p = %.17g, want %.17g", p, tt.p)
			}
			// The test is symmetric in its samples.
			if d2, p2 := KSTest(tt.b, tt.a); d2 != d || math.Abs(p2-p) > 1e-12*math.Max(p, 1e-300) {
				t.Errorf("swapped samples: D %v p %v, want %v %v", d2, p2, d, p)
			}
		})
	}
}

func TestKSTestAsymptoticForLargeSamples(t *testing.T) {
	// Above 10 000 values scipy switches to its asymptotic p-value
	// (kstwo.sf(D, round(nm/(n+m)))), and so do we, with Stephens'
	// approximation to it. scipy: D = 0.012799999999999923,
	// p = 0.22281265736536948 for
	// X = [(i*7919 % 10007)/1000 for i in range(12000)],
	// Y = [(j*104729 % 10009)/1000 + 0.12 for j in range(15000)].
	x := grid(12000, 7919, 10007, 1000, 0)
	y := grid(15000, 104729, 10009, 1000, 0.12)
	d, p := KSTest(x, y)
	if math.Abs(d-0.012799999999999923) > 1e-12 {
		t.Errorf("D = %.17g, want 0.0128", d)
	}
	if want := 0.22281265736536948; math.Abs(p-want) > 0.01*want {
		t.Errorf("p = %.6g, want %.6g within 1%%", p, want)
	}
}

func TestKSTestProperties(t *testing.T) {
	for _, s := range [][]float64{sampleA, {5}, {1, 1, 1, 2}, grid(500, 7919, 1000, 100, 0)} {
		if d, p := KSTest(s, s); d != 0 || p != 1 {
			t.Errorf("identical samples (n=%d): D %v p %v, want 0 and 1", len(s), d, p)
		}
	}
	// Completely separated samples of 10 and 10: D = 1 and
	// p = 2/C(20,10) = 2/184756 exactly.
	lo := grid(10, 1, 100, 1, 0)
	hi := grid(10, 1, 100, 1, 100)
	if d, p := KSTest(lo, hi); d != 1 || math.Abs(p-2.0/184756) > 1e-18 {
		t.Errorf("separated samples: D %v p %.17g, want 1 and %.17g", d, p, 2.0/184756)
	}
	if d, p := KSTest(nil, sampleA); !math.IsNaN(d) || !math.IsNaN(p) {
		t.Errorf("empty sample: D %v p %v, want NaN", d, p)
	}
	// NaNs are dropped, not compared.
	withNaN := append([]float64{math.NaN()}, sampleA...)
	if d, p := KSTest(withNaN, sampleA); d != 0 || p != 1 {
		t.Errorf("NaN not dropped: D %v p %v", d, p)
	}
}

func TestKolmogorovSurvivalBranchesAgree(t *testing.T) {
	// Both series are valid everywhere; they must meet at the switch point.
	// scipy.stats.kstwobign.sf(1.0) = 0.26999967167735456.
	if got := kolmogorovSurvival(1); math.Abs(got-0.26999967167735456) > 1e-12 {
		t.Errorf("Q(1) = %.17g", got)
	}
	below := kolmogorovSurvival(math.Nextafter(1, 0))
	if math.Abs(below-0.26999967167735456) > 1e-12 {
		t.Errorf("Q(1−) = %.17g", below)
	}
	// kstwobign.sf(0.5) = 0.9639452436648751 and sf(2) = 0.0006709252557796953.
	if got := kolmogorovSurvival(0.5); math.Abs(got-0.9639452436648751) > 1e-12 {
		t.Errorf("Q(0.5) = %.17g", got)
	}
	if got := kolmogorovSurvival(2); math.Abs(got-0.0006709252557796953) > 1e-15 {
		t.Errorf("Q(2) = %.17g", got)
	}
}

func TestChiSquareTest(t *testing.T) {
	tests := []struct {
		name     string
		observed [][]float64
		stat, p  float64
		dof      int
	}{
		{"2x3 vs scipy", [][]float64{{10, 20, 30}, {15, 25, 5}}, 17.629629629629633, 0.0001485164524699713, 2},
		{"2x2 without Yates vs scipy", [][]float64{{12, 8}, {5, 15}}, 5.012787723785166, 0.025160759200408785, 1},
		// An all-zero column carries nothing: same as the 2x2 above.
		{"empty column dropped", [][]float64{{12, 0, 8}, {5, 0, 15}}, 5.012787723785166, 0.025160759200408785, 1},
		{"proportional rows: no association", [][]float64{{10, 20}, {20, 40}}, 0, 1, 1},
		{"single row", [][]float64{{3, 4, 5}}, 0, 1, 0},
		{"negative count", [][]float64{{1, -1}, {2, 2}}, math.NaN(), math.NaN(), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stat, p, dof := ChiSquareTest(tt.observed)
			if !approx(stat, tt.stat, 1e-12) || !approx(p, tt.p, 1e-9) || dof != tt.dof {
				t.Errorf("= (%.17g, %.17g, %d), want (%.17g, %.17g, %d)", stat, p, dof, tt.stat, tt.p, tt.dof)
			}
		})
	}
}

func TestChiSquareCounts(t *testing.T) {
	tests := []struct {
		name     string
		ref, cur map[string]int
		stat, p  float64
		dof      int
	}{
		// scipy: chisquare([30,30,40], [50,30,20]) → 28.0, 8.31528719103568e-07.
		{"equal sizes", map[string]int{"a": 50, "b": 30, "c": 20}, map[string]int{"a": 30, "b": 30, "c": 40}, 28, 8.31528719103568e-07, 2},
		// scipy: chisquare([10,25,15], [25,15,10]) → 18.166666666666668, 0.00011354250096044849.
		{"current half the size", map[string]int{"a": 50, "b": 30, "c": 20}, map[string]int{"a": 10, "b": 25, "c": 15}, 18.166666666666668, 0.00011354250096044849, 2},
		{"same shares", map[string]int{"a": 10, "b": 30}, map[string]int{"a": 1, "b": 3}, 0, 1, 1},
		{"new category is certain drift", map[string]int{"a": 10}, map[string]int{"a": 5, "zzz": 1}, math.Inf(1), 0, 1},
		{"zero entries ignored", map[string]int{"a": 10, "b": 10, "gone": 0}, map[string]int{"a": 10, "b": 10}, 0, 1, 1},
		{"empty current window", map[string]int{"a": 1}, map[string]int{}, math.NaN(), math.NaN(), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stat, p, dof := ChiSquareCounts(tt.ref, tt.cur)
			if !approx(stat, tt.stat, 1e-12) || !approx(p, tt.p, 1e-9) || dof != tt.dof {
				t.Errorf("= (%.17g, %.17g, %d), want (%.17g, %.17g, %d)", stat, p, dof, tt.stat, tt.p, tt.dof)
			}
		})
	}
}

func TestPSI(t *testing.T) {
	// Expectations from numpy with Evidently's flooring rule:
	// r, c = shares; zeros → 1e-4 (or min non-zero/1e6 if that is ≤ 1e-4);
	// np.sum((r - c) * np.log(r / c)).
	tests := []struct {
		name     string
		ref, cur []float64
		want     float64
	}{
		{"small shift", []float64{0.2, 0.3, 0.5}, []float64{0.25, 0.25, 0.5}, 0.02027325540540821},
		{"empty reference bin floored at 1e-4", []float64{0.5, 0.5, 0}, []float64{0.4, 0.4, 0.2}, 1.5640491119253044},
		{"tiny share: floor is a millionth of it", []float64{0.99995, 0.00005, 0}, []float64{0.5, 0.3, 0.2}, 7.377845422029416},
		{"counts are normalised", []float64{20, 30, 50}, []float64{5, 5, 10}, 0.02027325540540821},
		{"identical", []float64{0.1, 0.9}, []float64{0.1, 0.9}, 0},
		{"no reference mass", []float64{0, 0}, []float64{1, 1}, math.NaN()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PSI(tt.ref, tt.cur); !approx(got, tt.want, 1e-12) {
				t.Errorf("PSI = %.17g, want %.17g", got, tt.want)
			}
		})
	}
}

func TestPSIBinned(t *testing.T) {
	x := grid(300, 7919, 1000, 100, 0)
	y := grid(200, 104729, 997, 100, 1.5)
	// numpy: e = np.unique(np.quantile(x, [i/10 for i in range(1, 10)]));
	// counts = np.bincount(np.searchsorted(e, v, side='left'), minlength=len(e)+1);
	// PSI of the two count vectors as in TestPSI → 0.8081151708026776.
	if got := PSIBinned(x, y, 10); !approx(got, 0.8081151708026776, 1e-12) {
		t.Errorf("PSIBinned = %.17g, want 0.8081151708026776", got)
	}
	if got := PSIBinned(x, x, 4); got != 0 {
		t.Errorf("PSIBinned of a sample with itself = %v, want 0", got)
	}
	// A constant reference has a single edge; values above it form the
	// second bin, which the reference leaves empty.
	constant := []float64{2, 2, 2, 2}
	if got := PSIBinned(constant, []float64{2, 2, 3, 3}, 10); !(got > 0.25) {
		t.Errorf("PSIBinned constant vs shifted = %v, want a major shift (> 0.25)", got)
	}
	if got := PSIBinned(nil, x, 10); !math.IsNaN(got) {
		t.Errorf("empty reference: %v, want NaN", got)
	}
}

func TestWasserstein(t *testing.T) {
	tests := []struct {
		name string
		a, b []float64
		want float64
	}{
		{"scipy small", sampleA, sampleB, 1.2658333333333331},
		{"scipy ties", []float64{1, 2, 2, 3, 3, 3}, []float64{2, 3, 3, 4, 4}, 0.8666666666666667},
		{"scipy 300 vs 200", grid(300, 7919, 1000, 100, 0), grid(200, 104729, 997, 100, 1.5), 1.3421500000000002},
		// Shifting every value by c moves the mass by exactly c.
		{"shift", []float64{0, 1, 5}, []float64{2.5, 3.5, 7.5}, 2.5},
		{"identical", sampleA, sampleA, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Wasserstein(tt.a, tt.b); !approx(got, tt.want, 1e-12) {
				t.Errorf("Wasserstein = %.17g, want %.17g", got, tt.want)
			}
			if got := Wasserstein(tt.b, tt.a); !approx(got, tt.want, 1e-12) {
				t.Errorf("Wasserstein swapped = %.17g, want %.17g", got, tt.want)
			}
		})
	}
}

func TestWassersteinNormed(t *testing.T) {
	// scipy: wasserstein_distance(a, b) / max(np.std(a), 0.001).
	if got := WassersteinNormed(sampleA, sampleB); !approx(got, 1.0955083111734132, 1e-12) {
		t.Errorf("WassersteinNormed = %.17g, want 1.0955083111734132", got)
	}
	// A constant reference uses the 0.001 floor: distance 0.5 / 0.001.
	if got := WassersteinNormed([]float64{1, 1}, []float64{1.5, 1.5}); !approx(got, 500, 1e-9) {
		t.Errorf("constant reference = %v, want 500", got)
	}
}

func TestJensenShannon(t *testing.T) {
	tests := []struct {
		name string
		p, q []float64
		want float64
	}{
		{"scipy shares", []float64{0.1, 0.4, 0.5}, []float64{0.3, 0.3, 0.4}, 0.18035965602712561},
		{"scipy zeros", []float64{0.5, 0.5, 0}, []float64{0, 0.2, 0.8}, 0.6955234176899476},
		{"scipy counts", []float64{10, 30, 60}, []float64{25, 25, 50}, 0.14148279335057645},
		// Disjoint supports reach the maximum √ln 2 (natural log).
		{"disjoint", []float64{1, 0}, []float64{0, 1}, math.Sqrt(math.Ln2)},
		{"identical", []float64{0.2, 0.8}, []float64{2, 8}, 0},
		{"no mass", []float64{0, 0}, []float64{1, 0}, math.NaN()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := JensenShannon(tt.p, tt.q); !approx(got, tt.want, 1e-12) {
				t.Errorf("JensenShannon = %.17g, want %.17g", got, tt.want)
			}
		})
	}
}

func BenchmarkKSTestExact(b *testing.B) {
	x := grid(5000, 7919, 10007, 1000, 0)
	y := grid(5000, 104729, 10009, 1000, 0.1)
	for b.Loop() {
		KSTest(x, y)
	}
}

// approx compares with a relative tolerance (absolute near zero); NaN and
// infinities must match exactly.
func approx(got, want, tol float64) bool {
	if math.IsNaN(want) {
		return math.IsNaN(got)
	}
	if math.IsInf(want, 0) || want == 0 {
		return got == want || math.Abs(got-want) <= tol
	}
	return math.Abs(got-want) <= tol*math.Abs(want)
}
