package scoring

import (
	"slices"
	"testing"

	"github.com/cyberstreams/cyberstreams/core/exploitation"
)

func TestSortByPriority(t *testing.T) {
	e := func(prio, p float64) *exploitation.Prediction {
		return &exploitation.Prediction{Priority: prio, Probability: p}
	}
	noCVE := &exploitation.Prediction{NoCVE: true, HorizonDays: 30}
	for _, tc := range []struct {
		name string
		in   []Result
		want []string
	}{
		{"by priority", []Result{{ID: "a", Exploitation: e(0.1, 0.1)}, {ID: "b", Exploitation: e(0.5, 0.05)}}, []string{"b", "a"}},
		{"ties by probability, then id", []Result{{ID: "c", Exploitation: e(0.2, 0.02)}, {ID: "b", Exploitation: e(0.2, 0.03)},
			{ID: "a", Exploitation: e(0.2, 0.02)}}, []string{"b", "a", "c"}},
		{"without a likelihood last, in input order", []Result{{ID: "z"}, {ID: "y", Exploitation: e(0, 0)}, {ID: "x"}}, []string{"y", "z", "x"}},
		// a document that names no CVE has no likelihood: after every one
		// with a likelihood, however small, by expected severity alone
		{"no CVE after the likelihoods, by severity", []Result{
			{ID: "low", Exploitation: noCVE, Probabilities: [5]float64{0, 0, 0, 1, 0}},
			{ID: "none"},
			{ID: "crit", Exploitation: noCVE, Probabilities: [5]float64{1, 0, 0, 0, 0}},
			{ID: "tiny", Exploitation: e(0, 0.0001)}}, []string{"tiny", "crit", "low", "none"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			SortByPriority(tc.in)
			var got []string
			for _, r := range tc.in {
				got = append(got, r.ID)
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("order %v, want %v", got, tc.want)
			}
		})
	}
}
