package metrics

import (
	"math"
	"testing"
)

func TestCohenKappa(t *testing.T) {
	// The two-rater example on Wikipedia's "Cohen's kappa" page: 50 items,
	// yes/yes 20, yes/no 5, no/yes 10, no/no 15 → p_o = 0.7, p_e = 0.5, κ = 0.4.
	var wikiA, wikiB []int
	add := func(a, b, n int) {
		for range n {
			wikiA = append(wikiA, a)
			wikiB = append(wikiB, b)
		}
	}
	add(0, 0, 20)
	add(0, 1, 5)
	add(1, 0, 10)
	add(1, 1, 15)

	tests := []struct {
		name string
		a, b []int
		k    int
		want float64
	}{
		{"wikipedia yes/no", wikiA, wikiB, 2, 0.4},
		// scikit-learn 1.9.1: cohen_kappa_score(a, b) = 0.5522388059701492.
		{"three categories vs scikit-learn", []int{0, 1, 2, 2, 0, 1, 1, 2, 0, 0}, []int{0, 1, 2, 1, 0, 2, 1, 2, 1, 0}, 3, 0.5522388059701492},
		{"perfect agreement", []int{0, 1, 2}, []int{0, 1, 2}, 3, 1},
		// p_o = 0, p_e = 0.5 → κ = −1.
		{"systematic disagreement", []int{0, 1, 0, 1}, []int{1, 0, 1, 0}, 2, -1},
		{"one category only: undefined", []int{1, 1}, []int{1, 1}, 2, math.NaN()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CohenKappa(tt.a, tt.b, tt.k); !approx(got, tt.want) {
				t.Errorf("CohenKappa = %.17g, want %.17g", got, tt.want)
			}
		})
	}
}

// byCoder turns Krippendorff's coder-by-unit tables into the unit-major
// layout KrippendorffAlpha takes.
func byCoder(rows ...[]int) [][]int {
	units := make([][]int, len(rows[0]))
	for u := range units {
		for _, r := range rows {
			units[u] = append(units[u], r[u])
		}
	}
	return units
}

func TestKrippendorffAlpha(t *testing.T) {
	const m = Missing
	tests := []struct {
		name  string
		units [][]int
		want  float64
	}{
		// Krippendorff (2011) "Computing Krippendorff's Alpha-Reliability",
		// section A: two observers, binary data, α = 0.095 (exactly 2/21).
		{"2011 §A binary", byCoder(
			[]int{0, 1, 0, 0, 0, 0, 0, 0, 1, 0},
			[]int{1, 1, 1, 0, 0, 1, 0, 0, 0, 0},
		), 0.09523809523809534},
		// Section B: two observers, nominal values a–e coded 0–4, α = 0.692.
		{"2011 §B nominal", byCoder(
			[]int{0, 0, 1, 1, 3, 2, 2, 2, 4, 3, 3, 0},
			[]int{1, 0, 1, 1, 1, 2, 2, 2, 4, 3, 3, 3},
		), 0.6919642857142858},
		// Section C: four observers, twelve units, missing values; nominal
		// α = 0.743. The unit coded by a single observer (unit 12) is not
		// pairable and drops out.
		{"2011 §C nominal with missing", byCoder(
			[]int{1, 2, 3, 3, 2, 1, 4, 1, 2, m, m, m},
			[]int{1, 2, 3, 3, 2, 2, 4, 1, 2, 5, m, 3},
			[]int{m, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, m},
			[]int{1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, m},
		), 0.743421052631579},
		{"perfect agreement", [][]int{{0, 0}, {1, 1, 1}, {2, m, 2}}, 1},
		{"nothing pairable", [][]int{{0, m}, {m, 1}}, math.NaN()},
		{"single category", [][]int{{3, 3}, {3, 3}}, math.NaN()},
	}
	// The exact expectations (beyond the paper's three decimals) come from
	// the `krippendorff` Python package 0.9.0 (python3 -m pip install
	// krippendorff): krippendorff.alpha(reliability_data=rows,
	// level_of_measurement='nominal').
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := KrippendorffAlpha(tt.units); !approx(got, tt.want) {
				t.Errorf("alpha = %.17g, want %.17g", got, tt.want)
			}
		})
	}
}

func TestKrippendorffAlphaIgnoresCodeValues(t *testing.T) {
	// Nominal α depends only on which values are equal, not on the codes.
	a := KrippendorffAlpha([][]int{{0, 1}, {1, 1}, {2, 2}, {0, 0, 2}})
	b := KrippendorffAlpha([][]int{{70, 9}, {9, 9}, {300, 300}, {70, 70, 300}})
	if !approx(a, b) {
		t.Errorf("relabelled alpha %v != %v", b, a)
	}
}
