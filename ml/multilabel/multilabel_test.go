package multilabel

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

// toyRows: feature 0 means label 0, feature 1 means label 1, feature 2 is
// noise present everywhere.
func toyRows(n int, seed uint64) ([]Vector, [][]int) {
	rng := rand.New(rand.NewPCG(seed, 1))
	var xs []Vector
	var ys [][]int
	for range n {
		var x Vector
		var y []int
		for l := range 2 {
			if rng.Float64() < 0.3 {
				x.Idx = append(x.Idx, int32(l))
				x.Val = append(x.Val, 1)
				y = append(y, l)
			}
		}
		x.Idx = append(x.Idx, 2)
		x.Val = append(x.Val, 1)
		xs, ys = append(xs, x), append(ys, y)
	}
	return xs, ys
}

func TestTrainSeparatesLabels(t *testing.T) {
	xs, ys := toyRows(400, 1)
	m, err := Train(context.Background(), xs, ys, nil, 2, 3, DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	out := make([]float64, 2)
	for _, tc := range []struct {
		name string
		x    Vector
		want [2]bool
	}{
		{"label 0 only", Vector{Idx: []int32{0, 2}, Val: []float32{1, 1}}, [2]bool{true, false}},
		{"label 1 only", Vector{Idx: []int32{1, 2}, Val: []float32{1, 1}}, [2]bool{false, true}},
		{"both", Vector{Idx: []int32{0, 1, 2}, Val: []float32{1, 1, 1}}, [2]bool{true, true}},
		{"neither", Vector{Idx: []int32{2}, Val: []float32{1}}, [2]bool{false, false}},
	} {
		m.Margins(tc.x, out)
		for l := range 2 {
			if (out[l] > 0) != tc.want[l] {
				t.Errorf("%s: label %d margin %.3f", tc.name, l, out[l])
			}
			sum := float64(m.Bias[l])
			for _, c := range m.Contributions(tc.x, l) {
				sum += c.Value
			}
			if math.Abs(sum-out[l]) > 1e-9 {
				t.Errorf("%s: label %d: bias + contributions %.6f, margin %.6f", tc.name, l, sum, out[l])
			}
		}
	}
}

func TestTrainRejectsBadRows(t *testing.T) {
	for _, tc := range []struct {
		name string
		xs   []Vector
		ys   [][]int
	}{
		{"feature out of range", []Vector{{Idx: []int32{5}, Val: []float32{1}}}, [][]int{nil}},
		{"label out of range", []Vector{{Idx: []int32{0}, Val: []float32{1}}}, [][]int{{3}}},
		{"lengths differ", []Vector{{}}, nil},
	} {
		if _, err := Train(context.Background(), tc.xs, tc.ys, nil, 2, 3, DefaultConfig()); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}

func TestFitPlattIsCalibrated(t *testing.T) {
	// Outcomes drawn with P(y) = σ(2s - 1): the fit should find A ≈ -2, B ≈ 1.
	rng := rand.New(rand.NewPCG(3, 3))
	var s []float64
	var y []bool
	for range 20000 {
		v := rng.NormFloat64() * 2
		s = append(s, v)
		y = append(y, rng.Float64() < sigmoid(2*v-1))
	}
	p := FitPlatt(s, y)
	if math.Abs(p.A+2) > 0.15 || math.Abs(p.B-1) > 0.15 {
		t.Fatalf("Platt A=%.3f B=%.3f, want about -2 and 1", p.A, p.B)
	}
	if got := FitPlatt([]float64{1, 2}, []bool{false, false}); got != (Platt{A: -1}) {
		t.Errorf("no positives: %+v, want the identity", got)
	}
}

func TestFitLogisticRecoversAKnownModel(t *testing.T) {
	// Outcomes drawn with P(y) = σ(1.5·a - 0.8·b + 0.5): the fit should
	// find those weights; a one-outcome sample gets zero weights.
	rng := rand.New(rand.NewPCG(5, 5))
	var xs [][]float64
	var y []bool
	for range 20000 {
		a, b := rng.NormFloat64(), rng.NormFloat64()*2
		xs = append(xs, []float64{a, b})
		y = append(y, rng.Float64() < sigmoid(1.5*a-0.8*b+0.5))
	}
	for _, tc := range []struct {
		name   string
		xs     [][]float64
		y      []bool
		w      []float64
		b, tol float64
	}{
		{name: "known model", xs: xs, y: y, w: []float64{1.5, -0.8}, b: 0.5, tol: 0.1},
		{name: "no positive", xs: [][]float64{{1, 2}, {3, 4}}, y: []bool{false, false}, w: []float64{0, 0}, b: math.Log(1.0 / 3), tol: 1e-12},
		{name: "no negative", xs: [][]float64{{1, 2}}, y: []bool{true}, w: []float64{0, 0}, b: math.Log(2), tol: 1e-12},
	} {
		g := FitLogistic(tc.xs, tc.y, 1)
		if len(g.W) != len(tc.w) || math.Abs(g.B-tc.b) > tc.tol {
			t.Errorf("%s: %+v, want W≈%v B≈%.3f", tc.name, g, tc.w, tc.b)
			continue
		}
		for i := range tc.w {
			if math.Abs(g.W[i]-tc.w[i]) > tc.tol {
				t.Errorf("%s: %+v, want W≈%v B≈%.3f", tc.name, g, tc.w, tc.b)
			}
		}
	}
	g := Logistic{W: []float64{2, -1}, B: 0.5}
	if got, want := g.Prob([]float64{1, 1}), sigmoid(1.5); got != want {
		t.Errorf("Prob = %v, want %v", got, want)
	}
}

func TestThreshold(t *testing.T) {
	for _, tc := range []struct {
		name    string
		p       []float64
		pos     []bool
		beta    float64
		wantCut float64
		wantF   float64
	}{
		// The cut lies halfway between the last yes and the next score.
		{"separable", []float64{0.9, 0.8, 0.3, 0.1}, []bool{true, true, false, false}, 1, 0.55, 1},
		{"one mistake above", []float64{0.9, 0.8, 0.7, 0.1}, []bool{true, false, true, false}, 1, 0.4, 0.8},
		{"precision first", []float64{0.9, 0.8, 0.7, 0.1}, []bool{true, false, true, false}, 0.25, 0.85, 1.0625 * 0.5 / (0.0625 + 0.5)},
		{"ties decided together", []float64{0.5, 0.5}, []bool{true, false}, 1, 0.5, 2.0 / 3},
		{"ties above the next score", []float64{0.5, 0.5, 0.1}, []bool{true, true, false}, 1, 0.3, 1},
		{"no positives", []float64{0.5}, []bool{false}, 1, 1, 0},
	} {
		cut, f := Threshold(tc.p, tc.pos, tc.beta)
		if math.Abs(cut-tc.wantCut) > 1e-12 || math.Abs(f-tc.wantF) > 1e-9 {
			t.Errorf("%s: cut %.3f F %.4f, want %.3f %.4f", tc.name, cut, f, tc.wantCut, tc.wantF)
		}
	}
}

func TestPrecisionCut(t *testing.T) {
	// Scores from the top: + - + + - - + -, four positives.
	p := []float64{0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2}
	pos := []bool{true, false, true, true, false, false, true, false}
	for _, tc := range []struct {
		name                    string
		p                       []float64
		pos                     []bool
		minPrecision, minRecall float64
		want                    float64
	}{
		// Precision ≥ 0.75 with recall ≥ 0.5: at 0.6 (3 of 4 decided are
		// right, recall 0.75), the lowest such cut.
		{"precision reached", p, pos, 0.75, 0.5, 0.6},
		// Precision 1 needs recall 0.25: below the floor, so the highest
		// cut with recall ≥ 0.5 (0.7: 2 of 3 right).
		{"precision out of reach", p, pos, 1, 0.5, 0.7},
		{"recall floor zero keeps the top", p, pos, 1, 0, 0.9},
		{"whole recall", p, pos, 0.9, 1, 0.3},
		{"ties decided together", []float64{0.5, 0.5, 0.1}, []bool{true, false, true}, 0.9, 0.5, 0.5},
		{"no positives", []float64{0.5}, []bool{false}, 0.7, 0.4, 1},
	} {
		if got := PrecisionCut(tc.p, tc.pos, tc.minPrecision, tc.minRecall); got != tc.want {
			t.Errorf("%s: cut %.2f, want %.2f", tc.name, got, tc.want)
		}
	}
}

func TestEvaluate(t *testing.T) {
	truth := [][]int{{0, 1}, {1}, {}, {2}}
	pred := [][]int{{0}, {1, 2}, {2}, {2}}
	s := Evaluate(truth, pred, nil)
	// tp: 0,1,2 → 3; fp: 2 (item 1), 2 (item 2) → 2; fn: 1 (item 0) → 1.
	if s.Precision != 3.0/5 || s.Recall != 3.0/4 || math.Abs(s.MicroF1-6.0/9) > 1e-12 || s.Support != 4 {
		t.Errorf("micro: %+v", s)
	}
	// per label F1: 0 → 1; 1 → 2/3; 2 → 2/4.
	if want := (1 + 2.0/3 + 0.5) / 3; math.Abs(s.MacroF1-want) > 1e-12 {
		t.Errorf("macro F1 %.4f, want %.4f", s.MacroF1, want)
	}
	kept := Evaluate(truth, pred, func(l int) bool { return l != 2 })
	if kept.Precision != 1 || kept.Recall != 2.0/3 {
		t.Errorf("kept: %+v", kept)
	}
}

func TestTrainStopsWhenCancelled(t *testing.T) {
	xs, ys := toyRows(200, 2)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Train(ctx, xs, ys, nil, 2, 3, DefaultConfig()); !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
}
