package labels

import (
	"context"
	"fmt"
	"math"
	"testing"
)

// krippendorff2011 is the nominal example of Krippendorff (2011),
// "Computing Krippendorff's Alpha-Reliability", section C: four observers,
// twelve units, values 1–5, 0 = no value given. Published α = 0.743.
var krippendorff2011 = [4][12]int{
	{1, 2, 3, 3, 2, 1, 4, 1, 2, 0, 0, 0}, // A
	{1, 2, 3, 3, 2, 2, 4, 1, 2, 5, 0, 3}, // B
	{0, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, 0}, // C
	{1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, 0}, // D
}

func TestKrippendorffAlphaPublishedExample(t *testing.T) {
	var units [][]int
	for u := range 12 {
		var vals []int
		for o := range 4 {
			if v := krippendorff2011[o][u]; v != 0 {
				vals = append(vals, v)
			}
		}
		units = append(units, vals)
	}
	a, ok := krippendorffAlpha(units)
	if !ok || math.Abs(a-0.743) > 0.0005 {
		t.Fatalf("α = %.4f (%v), want 0.743", a, ok)
	}
}

func TestKrippendorffAlphaEdges(t *testing.T) {
	tests := []struct {
		name  string
		units [][]int
		want  float64
		ok    bool
	}{
		{"perfect agreement", [][]int{{0, 0}, {1, 1, 1}, {2, 2}}, 1, true},
		{"no pairable values", [][]int{{0}, {1}}, 0, false},
		{"one category throughout", [][]int{{1, 1}, {1, 1}}, 0, false},
		// Two coders who always disagree on two categories: n=4, o01=o10=2,
		// n0=n1=2, α = 1 − 3·4/8 = −0.5.
		{"systematic disagreement", [][]int{{0, 1}, {1, 0}}, -0.5, true},
	}
	for _, tt := range tests {
		got, ok := krippendorffAlpha(tt.units)
		if ok != tt.ok || (ok && math.Abs(got-tt.want) > 1e-12) {
			t.Errorf("%s: α = %v (%v), want %v (%v)", tt.name, got, ok, tt.want, tt.ok)
		}
	}
}

func TestCohenKappa(t *testing.T) {
	// The 2×2 example of Cohen's kappa on Wikipedia: 20 yes/yes, 5 yes/no,
	// 10 no/yes, 15 no/no → p_o = 0.7, p_e = 0.5, κ = 0.4.
	var a, b []int
	for _, c := range []struct{ x, y, n int }{{0, 0, 20}, {0, 1, 5}, {1, 0, 10}, {1, 1, 15}} {
		for range c.n {
			a, b = append(a, c.x), append(b, c.y)
		}
	}
	tests := []struct {
		name string
		a, b []int
		want float64
		ok   bool
	}{
		{"wikipedia 2x2", a, b, 0.4, true},
		{"perfect", []int{0, 1, 2, 3, 4}, []int{0, 1, 2, 3, 4}, 1, true},
		{"empty", nil, nil, 0, false},
		{"one category for both", []int{2, 2, 2}, []int{2, 2, 2}, 0, false},
	}
	for _, tt := range tests {
		got, ok := cohenKappa(tt.a, tt.b, 5)
		if ok != tt.ok || (ok && math.Abs(got-tt.want) > 1e-12) {
			t.Errorf("%s: κ = %v (%v), want %v (%v)", tt.name, got, ok, tt.want, tt.ok)
		}
	}
}

func TestStoreAgreement(t *testing.T) {
	s, db := newTestStore(t)
	ctx := context.Background()
	names := []string{"A", "B", "C", "D"}
	for u := range 12 {
		doc := fmt.Sprintf("k%02d", u+1)
		addDocs(t, db, doc)
		for o, name := range names {
			if v := krippendorff2011[o][u]; v != 0 {
				// A first, wrong label that the analyst later corrects must
				// not count: only each analyst's latest live label does.
				mustAdd(t, s, doc, Severities[v%5], name, at(u))
				mustAdd(t, s, doc, Severities[v-1], name, at(u+1))
			}
		}
	}
	// A retracted label does not count either.
	mustAdd(t, s, "k12", "critical", "A", at(30))
	if _, err := s.Undo(ctx, "A"); err != nil {
		t.Fatal(err)
	}
	ag, err := s.Agreement(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ag.Alpha == nil || math.Abs(*ag.Alpha-0.743) > 0.0005 || ag.Units != 11 {
		t.Fatalf("α = %v over %d units, want 0.743 over 11", ag.Alpha, ag.Units)
	}
	if len(ag.Analysts) != 4 || len(ag.Pairs) != 6 {
		t.Fatalf("analysts %v, %d pairs", ag.Analysts, len(ag.Pairs))
	}
	// A and B share units 1–9 and agree on 8; marginals give p_e = 23/81,
	// so κ = (72/81 − 23/81) / (58/81) = 49/58.
	ab := ag.Pairs[0]
	if ab.A != "A" || ab.B != "B" || ab.Docs != 9 || math.Abs(ab.Observed-8.0/9) > 1e-12 ||
		ab.Kappa == nil || math.Abs(*ab.Kappa-49.0/58) > 1e-12 {
		t.Fatalf("A–B: %+v κ=%v", ab, ab.Kappa)
	}
}

func TestAgreementEmptyStore(t *testing.T) {
	s, _ := newTestStore(t)
	ag, err := s.Agreement(context.Background())
	if err != nil || ag.Alpha != nil || len(ag.Pairs) != 0 {
		t.Fatalf("empty store: %+v %v", ag, err)
	}
}
