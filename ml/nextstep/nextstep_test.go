package nextstep

import (
	"math"
	"slices"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// Four baskets over items 0..3: 0 and 1 always together, 2 with 0 once,
// 3 alone.
var baskets = []Basket{
	{Items: []int{0, 1}, Weight: 1},
	{Items: []int{0, 1, 2}, Weight: 1},
	{Items: []int{3}, Weight: 1},
	{Items: []int{3, 2}, Weight: 2},
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestScorers(t *testing.T) {
	ease, err := NewEASE(baskets, 4, 1)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		s     Scorer
		given []int
		want  []float64
	}{
		{"popularity counts weights", NewPopularity(baskets, 4), []int{0}, []float64{2, 2, 3, 3}},
		// cos(0,1) = 2/√(2·2) = 1; cos(0,2) = 1/√(2·3); cos(0,3) = 0.
		{"item cosine", NewItemCosine(baskets, 4, false), []int{0}, []float64{0, 1, 1 / math.Sqrt(6), 0}},
		// total weight 5: idf(0) = log(1 + 5/2).
		{"item cosine idf", NewItemCosine(baskets, 4, true), []int{0}, []float64{0, math.Log(3.5), math.Log(3.5) / math.Sqrt(6), 0}},
		// sim to {0,1}: 1/(√1·√2); to {0,1,2}: 1/(√1·√3); alpha 1.
		{"neighbours", NewNeighbours(baskets, 4, 1, 0.5, 0), []int{0}, []float64{1/math.Sqrt(2) + 1/math.Sqrt(3), 1/math.Sqrt(2) + 1/math.Sqrt(3), 1 / math.Sqrt(3), 0}},
		// From 0: basket {0,1} or {0,1,2}, each with probability ½, then an
		// item of it: W(0,1) = ½·½ + ½·⅓, W(0,2) = ½·⅓; β 1 divides by weight 2 and 3.
		{"rp3beta", NewRP3beta(baskets, 4, 1, 0), []int{0}, []float64{0, 5.0 / 12, 1.0 / 6, 0}},
		{"rp3beta tempers popular items", NewRP3beta(baskets, 4, 1, 1), []int{0}, []float64{0, 5.0 / 24, 1.0 / 18, 0}},
		{"neighbours k=1 keeps the closest", NewNeighbours(baskets, 4, 1, 0.5, 1), []int{0}, []float64{1 / math.Sqrt(2), 1 / math.Sqrt(2), 0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.s.Scores(tt.given)
			for i := range tt.want {
				if !near(got[i], tt.want[i]) {
					t.Fatalf("scores %v, want %v", got, tt.want)
				}
			}
		})
	}
	// EASE: item 1 always comes with 0, so given 0 it outranks 2 and 3.
	if r := Rank(ease.Scores([]int{0}), []int{1, 2, 3}); r[0] != 1 {
		t.Errorf("ease ranks %v, want 1 first", r)
	}
}

// primalEASE is Steck's EASE as written: B = I − P·diag(1/diag(P)),
// P = (XᵀWX + λI)⁻¹, zero diagonal; scores sum the given rows of B.
func primalEASE(t *testing.T, bs []Basket, n int, lambda float64, given []int) []float64 {
	t.Helper()
	g := mat.NewSymDense(n, nil)
	for _, b := range bs {
		for _, i := range b.Items {
			for _, j := range b.Items {
				if j >= i {
					g.SetSym(i, j, g.At(i, j)+b.Weight)
				}
			}
		}
	}
	for i := 0; i < n; i++ {
		g.SetSym(i, i, g.At(i, i)+lambda)
	}
	var p mat.Dense
	if err := p.Inverse(g); err != nil {
		t.Fatal(err)
	}
	out := make([]float64, n)
	for _, i := range given {
		for j := 0; j < n; j++ {
			if i != j {
				out[j] -= p.At(i, j) / p.At(j, j)
			}
		}
	}
	return out
}

// The dual EASE scores every item, given ones included, as the primal.
func TestEASEDual(t *testing.T) {
	for _, given := range [][]int{{0}, {0, 2}, {3, 1, 2}} {
		m, err := NewEASE(baskets, 4, 1.5)
		if err != nil {
			t.Fatal(err)
		}
		got, want := m.Scores(given), primalEASE(t, baskets, 4, 1.5, given)
		for j := range want {
			if !near(got[j], want[j]) {
				t.Fatalf("given %v: dual %v, primal %v", given, got, want)
			}
		}
	}
	if _, err := NewEASE([]Basket{{Items: []int{0}, Weight: 0}}, 1, 1); err == nil {
		t.Error("weight 0: want an error")
	}
}

// The dual solution equals the primal ridge regression on centred data:
// W = (XᵀX + λI)⁻¹ XᵀY with unit weights.
func TestRidgeMatchesPrimal(t *testing.T) {
	ex := []Example{
		{In: []int{0}, Out: []int{2}, Weight: 1},
		{In: []int{0, 1}, Out: []int{2, 3}, Weight: 1},
		{In: []int{1}, Out: []int{3}, Weight: 1},
		{In: nil, Out: []int{3}, Weight: 1},
	}
	const n, lambda = 4, 0.7
	r, err := NewRidge(ex, n, lambda)
	if err != nil {
		t.Fatal(err)
	}
	x, y := mat.NewDense(len(ex), n, nil), mat.NewDense(len(ex), n, nil)
	for e, v := range ex {
		for _, i := range v.In {
			x.Set(e, i, 1)
		}
		for _, i := range v.Out {
			y.Set(e, i, 1)
		}
	}
	xm, ym := colMeans(x), colMeans(y)
	center(x, xm)
	center(y, ym)
	var g mat.Dense
	g.Mul(x.T(), x)
	for i := 0; i < n; i++ {
		g.Set(i, i, g.At(i, i)+lambda)
	}
	var xty, w mat.Dense
	xty.Mul(x.T(), y)
	if err := w.Solve(&g, &xty); err != nil {
		t.Fatal(err)
	}
	q := []float64{1 - xm[0], -xm[1], -xm[2], -xm[3]} // given item 0
	got := r.Scores([]int{0})
	for j := 0; j < n; j++ {
		want := ym[j]
		for i := 0; i < n; i++ {
			want += q[i] * w.At(i, j)
		}
		if !near(got[j], want) {
			t.Fatalf("ridge scores %v: item %d want %g", got, j, want)
		}
	}
	if _, err := NewRidge(nil, n, 1); err == nil {
		t.Error("ridge with no examples: no error")
	}
}

func colMeans(m *mat.Dense) []float64 {
	r, c := m.Dims()
	out := make([]float64, c)
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			out[j] += m.At(i, j) / float64(r)
		}
	}
	return out
}

func center(m *mat.Dense, means []float64) {
	r, c := m.Dims()
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			m.Set(i, j, m.At(i, j)-means[j])
		}
	}
}

func TestBlendAndRank(t *testing.T) {
	b := &Blend{Parts: []Scorer{NewPopularity(baskets, 4), NewItemCosine(baskets, 4, false)}, Weights: []float64{1, 1}}
	got := b.Scores([]int{0})
	// popularity /3, cosine /1.
	want := []float64{2.0 / 3, 2.0/3 + 1, 1 + 1/math.Sqrt(6), 1}
	for i := range want {
		if !near(got[i], want[i]) {
			t.Fatalf("blend %v, want %v", got, want)
		}
	}
	if r := Rank([]float64{1, 3, 3, 0}, []int{3, 2, 1, 0}); !slices.Equal(r, []int{1, 2, 0, 3}) {
		t.Errorf("rank %v: want score order, ties by item", r)
	}
}

// The dual, downdated EASE of TuneEASE scores candidates as the primal
// EASE refitted without the left-out baskets does.
func TestEASEDualMatchesPrimal(t *testing.T) {
	bs := []Basket{
		{Items: []int{0, 1, 4}, Weight: 1},
		{Items: []int{0, 1, 2}, Weight: 1},
		{Items: []int{3, 5}, Weight: 0.5},
		{Items: []int{3, 2, 5}, Weight: 2},
		{Items: []int{1, 2, 5}, Weight: 1},
		{Items: []int{0, 4, 5}, Weight: 0.3},
	}
	const n, lambda = 6, 0.7
	tests := []struct {
		name string
		f    Fold
	}{
		{"nothing left out", Fold{Given: []int{0}, Candidates: []int{1, 2, 3, 4, 5}}},
		{"one basket out", Fold{Leave: []int{1}, Given: []int{0, 3}, Candidates: []int{1, 2, 4, 5}}},
		{"two baskets out", Fold{Leave: []int{0, 4}, Given: []int{2}, Candidates: []int{0, 1, 3, 4, 5}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var kept []Basket
			for a, b := range bs {
				if !slices.Contains(tt.f.Leave, a) {
					kept = append(kept, b)
				}
			}
			want := primalEASE(t, kept, n, lambda, tt.f.Given)
			holds := make([][]int, n)
			k := mat.NewSymDense(len(bs), nil)
			for a, b := range bs {
				for _, i := range b.Items {
					holds[i] = append(holds[i], a)
				}
				for c, d := range bs {
					common := 0
					for _, i := range d.Items {
						if slices.Contains(b.Items, i) {
							common++
						}
					}
					if c >= a {
						k.SetSym(a, c, float64(common))
					}
				}
				k.SetSym(a, a, k.At(a, a)+lambda/b.Weight)
			}
			var kinv mat.SymDense
			var ch mat.Cholesky
			if !ch.Factorize(k) || ch.InverseTo(&kinv) != nil {
				t.Fatal("K not invertible")
			}
			got, err := easeFoldScores(&kinv, holds, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			for _, j := range tt.f.Candidates {
				if math.Abs(got[j]-want[j]) > 1e-9 {
					t.Fatalf("item %d: dual %g, primal %g (all: %v vs %v)", j, got[j], want[j], got, want)
				}
			}
		})
	}
}

// TuneEASE keeps the ridge strength whose held-out recall is best and
// reports every one's.
func TestTuneEASE(t *testing.T) {
	bs := []Basket{
		{Items: []int{0, 1, 4}, Weight: 1},
		{Items: []int{0, 1, 2}, Weight: 1},
		{Items: []int{3, 2, 5}, Weight: 1},
		{Items: []int{3, 5}, Weight: 1},
	}
	folds := []Fold{
		{Leave: []int{0}, Given: []int{0}, Truth: []int{1}, Candidates: []int{1, 2, 3, 4, 5}},
		{Leave: []int{3}, Given: []int{3}, Truth: []int{5}, Candidates: []int{0, 1, 2, 4, 5}},
	}
	best, recall, err := TuneEASE(bs, 6, folds, []float64{0.5, 5}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(recall) != 2 || !slices.Contains([]float64{0.5, 5}, best) {
		t.Fatalf("best %g, recall %v", best, recall)
	}
	// Given 0 (3), item 1 (5) is its closest companion in the kept
	// baskets: 2 comes with others too.
	if recall[0] != 1 || recall[1] != 1 {
		t.Errorf("recall %v, want 1 at both strengths", recall)
	}
	if _, _, err := TuneEASE(bs, 6, nil, []float64{1}, 1); err == nil {
		t.Error("no folds: want an error")
	}
}
