package gbdt

import (
	"bytes"
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/cyberstreams/cyberstreams/ml/lgbm"
)

// predictRow sums the leaf values the trees of m give row r of x, per class.
func predictRow(m *lgbm.Model, x *Matrix, r int) []float64 {
	dense := make([]float64, x.NumCols)
	idx, val := x.Row(r)
	for e, c := range idx {
		dense[c] = val[e]
	}
	out := make([]float64, m.NumClass)
	for i := range m.Trees {
		out[i%m.NumClass] += treeValue(&m.Trees[i], dense)
	}
	return out
}

func accuracy(m *lgbm.Model, x *Matrix, y []int) float64 {
	right := 0
	for r := range y {
		s := predictRow(m, x, r)
		best := 0
		for c := range s {
			if s[c] > s[best] {
				best = c
			}
		}
		if best == y[r] {
			right++
		}
	}
	return float64(right) / float64(len(y))
}

func xorData(n int, seed uint64) (*Matrix, []int) {
	rng := rand.New(rand.NewPCG(seed, 1))
	rows := make([][]float64, n)
	y := make([]int, n)
	for i := range rows {
		a, b := rng.Float64()*2-1, rng.Float64()*2-1
		rows[i] = []float64{a, b, rng.NormFloat64()}
		if (a > 0) != (b > 0) {
			y[i] = 1
		}
	}
	return denseMatrix(rows), y
}

func TestLearns(t *testing.T) {
	xorX, xorY := xorData(3000, 1)
	textX, textY := textLike{rows: 4000, sparseCols: 800, wordsPerRow: 40, denseCols: 8, classes: 5, seed: 3}.generate()
	cases := []struct {
		name    string
		x       *Matrix
		y       []int
		classes int
		split   int
		params  func(*Params)
		want    float64
	}{
		{"xor of signs, two classes", xorX, xorY, 2, 2000, func(p *Params) {}, 0.95},
		{"xor with bagging and feature sampling", xorX, xorY, 2, 2000, func(p *Params) {
			p.BaggingFraction, p.BaggingFreq, p.FeatureFraction = 0.7, 1, 0.67
		}, 0.93},
		// Label noise is 10 %, so about 0.9 is the ceiling; a majority
		// guess scores 0.35.
		{"sparse text-like, five classes", textX, textY, 5, 3000, func(p *Params) { p.NumIterations = 60 }, 0.6},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := DefaultParams()
			p.NumIterations = 50
			tc.params(&p)
			train, test := rowsOf(tc.x, 0, tc.split), rowsOf(tc.x, tc.split, tc.x.NumRows())
			m, rep, err := Train(context.Background(), train, tc.y[:tc.split], tc.classes, nil, nil, p, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := accuracy(m, test, tc.y[tc.split:]); got < tc.want {
				t.Errorf("held-out accuracy %.3f < %.3f", got, tc.want)
			}
			if n := len(rep.TrainLoss); n < 2 || rep.TrainLoss[n-1] >= rep.TrainLoss[0] {
				t.Errorf("training loss did not fall: %v", rep.TrainLoss)
			}
		})
	}
}

// A model's trees, walked on each training row, reproduce the scores the
// trainer accumulated from its row partitions: the written thresholds send
// every row to the leaf the histogram bins did.
func TestTreesReproduceTrainingScores(t *testing.T) {
	x, y := textLike{rows: 1500, sparseCols: 300, wordsPerRow: 30, denseCols: 8, classes: 5, seed: 5}.generate()
	p := DefaultParams()
	p.NumIterations = 15
	p.BaggingFraction, p.BaggingFreq = 0.8, 2
	p.FeatureFraction = 0.8
	p.MaxBin = 16
	f, err := fit(context.Background(), x, y, 5, nil, nil, p, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for r := range y {
		want := f.scores[r*5 : r*5+5]
		got := predictRow(f.model, x, r)
		for c := range got {
			if math.Abs(got[c]-want[c]) > 1e-12 {
				t.Fatalf("row %d class %d: trees give %v, trainer accumulated %v", r, c, got[c], want[c])
			}
		}
	}
}

func modelText(t *testing.T, m *lgbm.Model) string {
	t.Helper()
	var b bytes.Buffer
	if err := lgbm.Write(&b, m); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestDeterministic(t *testing.T) {
	x, y := textLike{rows: 1500, sparseCols: 300, wordsPerRow: 30, denseCols: 8, classes: 5, seed: 7}.generate()
	p := DefaultParams()
	p.NumIterations = 10
	p.BaggingFraction, p.BaggingFreq, p.FeatureFraction = 0.7, 1, 0.5
	p.Seed = 42
	var texts []string
	for _, threads := range []int{1, 2, 3, 2} {
		p.Threads = threads
		m, _, err := Train(context.Background(), x, y, 5, nil, nil, p, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		texts = append(texts, modelText(t, m))
	}
	for i := 1; i < len(texts); i++ {
		if texts[i] != texts[0] {
			t.Fatalf("run %d wrote a different model than run 0", i)
		}
	}
	p.Seed = 43
	m, _, err := Train(context.Background(), x, y, 5, nil, nil, p, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if modelText(t, m) == texts[0] {
		t.Error("a different seed gave the same model despite bagging and feature sampling")
	}
}

// Storing zeros explicitly, or a row's entries in another order, is the
// same matrix and must give the same model.
func TestSparseAndDenseStorageAgree(t *testing.T) {
	x, y := textLike{rows: 800, sparseCols: 60, wordsPerRow: 12, denseCols: 4, classes: 3, seed: 9}.generate()
	dense := &Matrix{NumCols: x.NumCols, Indptr: []int{0}}
	shuffled := &Matrix{NumCols: x.NumCols, Indptr: []int{0}}
	for r := 0; r < x.NumRows(); r++ {
		idx, val := x.Row(r)
		row := make([]float64, x.NumCols)
		for e, c := range idx {
			row[c] = val[e]
		}
		for c, v := range row {
			dense.Indices = append(dense.Indices, int32(c))
			dense.Values = append(dense.Values, v)
		}
		dense.Indptr = append(dense.Indptr, len(dense.Indices))
		for e := len(idx) - 1; e >= 0; e-- {
			shuffled.Indices = append(shuffled.Indices, idx[e])
			shuffled.Values = append(shuffled.Values, val[e])
		}
		shuffled.Indptr = append(shuffled.Indptr, len(shuffled.Indices))
	}
	p := DefaultParams()
	p.NumIterations = 8
	var want string
	for i, m := range []*Matrix{x, dense, shuffled} {
		model, _, err := Train(context.Background(), m, y, 3, nil, nil, p, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		got := modelText(t, model)
		if i == 0 {
			want = got
		} else if got != want {
			t.Errorf("storage %d gave a different model", i)
		}
	}
}

func TestEarlyStopping(t *testing.T) {
	x, y := textLike{rows: 2000, sparseCols: 300, wordsPerRow: 20, denseCols: 4, classes: 5, seed: 11}.generate()
	// A validation set with random labels: its loss is best early and then
	// only rises as the model fits the training labels.
	rng := rand.New(rand.NewPCG(1, 2))
	vy := make([]int, 500)
	for i := range vy {
		vy[i] = rng.IntN(5)
	}
	p := DefaultParams()
	p.NumIterations = 200
	p.LearningRate = 0.3
	p.EarlyStoppingRounds = 5
	var calls int
	m, rep, err := Train(context.Background(), rowsOf(x, 0, 1500), y[:1500], 5, rowsOf(x, 1500, 2000), vy, p, nil, func(int, float64, float64) { calls++ })
	if err != nil {
		t.Fatal(err)
	}
	trained := len(rep.ValidLoss)
	if trained >= p.NumIterations {
		t.Fatalf("trained all %d iterations", trained)
	}
	if trained != rep.BestIteration+p.EarlyStoppingRounds {
		t.Errorf("stopped after %d iterations, want best %d + %d", trained, rep.BestIteration, p.EarlyStoppingRounds)
	}
	if len(m.Trees) != 5*rep.BestIteration {
		t.Errorf("model has %d trees, want %d", len(m.Trees), 5*rep.BestIteration)
	}
	for i, l := range rep.ValidLoss {
		if l < rep.ValidLoss[rep.BestIteration-1] {
			t.Errorf("iteration %d has lower validation loss %v than the best %v", i+1, l, rep.ValidLoss[rep.BestIteration-1])
		}
	}
	if calls != trained {
		t.Errorf("progress called %d times for %d iterations", calls, trained)
	}
}

func TestClassWeightsShiftPredictions(t *testing.T) {
	x, y := textLike{rows: 1500, sparseCols: 200, wordsPerRow: 20, denseCols: 4, classes: 5, seed: 13}.generate()
	p := DefaultParams()
	p.NumIterations = 20
	share := func(weights []float64) float64 {
		p.ClassWeights = weights
		m, _, err := Train(context.Background(), x, y, 5, nil, nil, p, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for r := range y {
			s := predictRow(m, x, r)
			if s[4] >= s[0] && s[4] >= s[1] && s[4] >= s[2] && s[4] >= s[3] {
				n++
			}
		}
		return float64(n) / float64(len(y))
	}
	plain, heavy := share(nil), share([]float64{1, 1, 1, 1, 20})
	t.Logf("class 4 predicted for %.3f of rows unweighted, %.3f weighted", plain, heavy)
	if heavy <= plain+0.05 {
		t.Errorf("weighting class 4 x20 moved its predicted share only from %.3f to %.3f", plain, heavy)
	}
}

// Per-row weights act like sample weights: weighting every row by its
// class's weight gives the very model the class weights give, and weighting
// one half of the rows down moves the model toward the other half.
func TestRowWeights(t *testing.T) {
	x, y := textLike{rows: 1200, sparseCols: 150, wordsPerRow: 20, denseCols: 4, classes: 5, seed: 17}.generate()
	classW := []float64{1, 2, 0.5, 1, 3}
	byClass := make([]float64, len(y))
	for i, c := range y {
		byClass[i] = classW[c]
	}
	firstHalf := make([]float64, len(y))
	for i := range firstHalf {
		firstHalf[i] = 1
		if i >= len(y)/2 {
			firstHalf[i] = 0.01
		}
	}
	train := func(classWeights, rowWeights []float64) (string, *Report) {
		p := DefaultParams()
		p.NumIterations = 15
		p.ClassWeights, p.RowWeights = classWeights, rowWeights
		m, rep, err := Train(context.Background(), x, y, 5, nil, nil, p, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		if err := lgbm.Write(&b, m); err != nil {
			t.Fatal(err)
		}
		return b.String(), rep
	}
	plain, _ := train(nil, nil)
	cases := []struct {
		name       string
		class, row []float64
		same       bool
	}{
		{"all ones is unweighted", nil, ones(len(y)), true},
		{"row weights equal to class weights", classW, nil, true},
		{"first half only", nil, firstHalf, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, _ := train(nil, tc.row)
			want := plain
			if tc.class != nil {
				got, _ = train(nil, byClass)
				want, _ = train(tc.class, nil)
			}
			if (got == want) != tc.same {
				t.Errorf("model identical to the reference: %v, want %v", got == want, tc.same)
			}
		})
	}
}

func ones(n int) []float64 {
	w := make([]float64, n)
	for i := range w {
		w[i] = 1
	}
	return w
}

func TestTrainRejectsBadInput(t *testing.T) {
	x, y := xorData(50, 3)
	cases := []struct {
		name string
		edit func(m *Matrix, y []int, p *Params) ([]int, *Matrix)
		want string
	}{
		{"label out of range", func(m *Matrix, y []int, p *Params) ([]int, *Matrix) { y[3] = 2; return y, nil }, "outside"},
		{"label count", func(m *Matrix, y []int, p *Params) ([]int, *Matrix) { return y[1:], nil }, "labels"},
		{"column out of range", func(m *Matrix, y []int, p *Params) ([]int, *Matrix) { m.Indices[4] = 9; return y, nil }, "out of range"},
		{"repeated column", func(m *Matrix, y []int, p *Params) ([]int, *Matrix) { m.Indices[1] = m.Indices[0]; return y, nil }, "twice"},
		{"NaN value", func(m *Matrix, y []int, p *Params) ([]int, *Matrix) { m.Values[2] = math.NaN(); return y, nil }, "finite"},
		{"no leaves", func(m *Matrix, y []int, p *Params) ([]int, *Matrix) { p.NumLeaves = 1; return y, nil }, "NumLeaves"},
		{"bad fraction", func(m *Matrix, y []int, p *Params) ([]int, *Matrix) { p.FeatureFraction = 0; return y, nil }, "FeatureFraction"},
		{"early stopping without validation", func(m *Matrix, y []int, p *Params) ([]int, *Matrix) { p.EarlyStoppingRounds = 3; return y, nil }, "validation"},
		{"class weights", func(m *Matrix, y []int, p *Params) ([]int, *Matrix) { p.ClassWeights = []float64{1}; return y, nil }, "class weights"},
		{"row weight count", func(m *Matrix, y []int, p *Params) ([]int, *Matrix) { p.RowWeights = []float64{1}; return y, nil }, "row weights"},
		{"negative row weight", func(m *Matrix, y []int, p *Params) ([]int, *Matrix) {
			p.RowWeights = make([]float64, len(y))
			p.RowWeights[7] = -1
			return y, nil
		}, "row weight 7"},
		{"validation width", func(m *Matrix, y []int, p *Params) ([]int, *Matrix) {
			return y, &Matrix{NumCols: 2, Indptr: []int{0}}
		}, "columns"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := &Matrix{NumCols: x.NumCols, Indptr: append([]int(nil), x.Indptr...), Indices: append([]int32(nil), x.Indices...), Values: append([]float64(nil), x.Values...)}
			p := DefaultParams()
			labels, valid := tc.edit(m, append([]int(nil), y...), &p)
			_, _, err := Train(context.Background(), m, labels, 2, valid, nil, p, nil, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}

func TestTrainStopsOnCancel(t *testing.T) {
	x, y := xorData(500, 4)
	ctx, cancel := context.WithCancel(context.Background())
	p := DefaultParams()
	p.NumIterations = 1000
	_, _, err := Train(ctx, x, y, 2, nil, nil, p, nil, func(iter int, _, _ float64) {
		if iter == 3 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
}

func TestModelLayout(t *testing.T) {
	rows := [][]float64{}
	y := []int{}
	rng := rand.New(rand.NewPCG(5, 5))
	for i := 0; i < 600; i++ {
		a := float64(rng.IntN(5) - 2) // -2..2, zero included
		rows = append(rows, []float64{a, 0, 3})
		c := 0
		if a < 0 {
			c = 1
		} else if a > 0 {
			c = 2
		}
		y = append(y, c)
	}
	names := []string{"meta:signed count", "text:never", "const"}
	p := DefaultParams()
	p.NumIterations = 3
	m, _, err := Train(context.Background(), denseMatrix(rows), y, 3, nil, nil, p, names, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := &lgbm.Model{
		NumClass: 3, NumTreePerIteration: 3, MaxFeatureIdx: 2, Objective: "multiclass num_class:3",
		FeatureNames: []string{"meta:signed_count", "text:never", "const"},
		FeatureInfos: []string{"[-2:2]", "none", "none"},
	}
	if got := (lgbm.Model{NumClass: m.NumClass, NumTreePerIteration: m.NumTreePerIteration, MaxFeatureIdx: m.MaxFeatureIdx, Objective: m.Objective, FeatureNames: m.FeatureNames, FeatureInfos: m.FeatureInfos}); !reflect.DeepEqual(&got, want) {
		t.Errorf("header %+v, want %+v", got, *want)
	}
	if len(m.Trees) != 9 {
		t.Fatalf("%d trees, want 9", len(m.Trees))
	}
	// Class 0 is "exactly zero": its first tree must cut on both sides of 0
	// with thresholds that keep 0 apart from -1 and +1.
	tr := m.Trees[0]
	var cuts []float64
	for n, f := range tr.SplitFeature {
		if f != 0 {
			t.Errorf("node %d splits on constant feature %d", n, f)
		}
		cuts = append(cuts, tr.Threshold[n])
		if tr.DecisionType[n] != 2 {
			t.Errorf("decision_type %d, want 2", tr.DecisionType[n])
		}
	}
	hasBelow, hasAbove := false, false
	for _, c := range cuts {
		hasBelow = hasBelow || (c >= -1 && c < 0)
		hasAbove = hasAbove || (c >= 0 && c < 1)
	}
	if !hasBelow || !hasAbove {
		t.Errorf("thresholds %v do not isolate zero", cuts)
	}
	// The first iteration's trees carry the starting scores and so have
	// shrinkage 1 (LightGBM's AddBias); later ones have the learning rate.
	if tr.Shrinkage != 1 || m.Trees[3].Shrinkage != p.LearningRate {
		t.Errorf("shrinkage %v then %v, want 1 then %v", tr.Shrinkage, m.Trees[3].Shrinkage, p.LearningRate)
	}
	cnt, weight := 0, 0.0
	for l := range tr.LeafCount {
		cnt += tr.LeafCount[l]
		weight += tr.LeafWeight[l]
	}
	if cnt != 600 || cnt != tr.InternalCount[0] || math.Abs(weight-tr.InternalWeight[0]) > 1e-9 {
		t.Errorf("leaf counts sum to %d (weights %v), root has %d (%v)", cnt, weight, tr.InternalCount[0], tr.InternalWeight[0])
	}
	// Multiclass softmax starts each class at the log of its share
	// (LightGBM's boost_from_average), where the class's gradients sum to
	// zero: the root of its first tree is worth exactly that log share.
	for c := 0; c < 3; c++ {
		n := 0
		for _, yc := range y {
			if yc == c {
				n++
			}
		}
		want := math.Log(float64(n) / float64(len(y)))
		if got := m.Trees[c].InternalValue[0]; math.Abs(got-want) > 1e-12 {
			t.Errorf("class %d: root internal value %v, want log share %v", c, got, want)
		}
	}
}
