package gbdt

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"
)

// Continuing a model (InitScore: its margins) trains trees that start where
// it stopped: A's trees followed by B's give the same margins as 20 rounds
// trained at once (no sampling, so nothing but the start differs), and the
// loss goes on falling from where A left it.
func TestContinueFromInitScore(t *testing.T) {
	x, y := textLike{rows: 1200, sparseCols: 300, wordsPerRow: 30, denseCols: 8, classes: 5, seed: 8}.generate()
	p := DefaultParams()
	p.NumIterations, p.MaxBin = 10, 32
	ctx := context.Background()
	a, repA, err := Train(ctx, x, y, 5, nil, nil, p, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	init := make([]float64, 0, len(y)*5)
	for r := range y {
		init = append(init, predictRow(a, x, r)...)
	}
	pb := p
	pb.InitScore = init
	b, repB, err := Train(ctx, x, y, 5, nil, nil, pb, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !(repB.TrainLoss[0] < repA.TrainLoss[len(repA.TrainLoss)-1]) {
		t.Fatalf("continued loss %v does not fall below where A stopped (%v)", repB.TrainLoss[0], repA.TrainLoss[len(repA.TrainLoss)-1])
	}
	p20 := p
	p20.NumIterations = 20
	whole, _, err := Train(ctx, x, y, 5, nil, nil, p20, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	both := *a
	both.Trees = append(slices.Clip(both.Trees), b.Trees...)
	worst := 0.0
	for r := range y {
		got, want := predictRow(&both, x, r), predictRow(whole, x, r)
		for c := range got {
			worst = max(worst, math.Abs(got[c]-want[c]))
		}
	}
	if worst > 1e-6 {
		t.Fatalf("A then B differs from 20 rounds at once by %v", worst)
	}
}

func TestInitScoreChecked(t *testing.T) {
	x, y := xorData(50, 2)
	tests := []struct {
		name        string
		init, valid []float64
		err         string
	}{
		{"short", make([]float64, 99), nil, "99 initial scores for 50 training rows"},
		{"no validation scores", make([]float64, 100), nil, "0 initial scores for 50 validation rows"},
		{"not finite", append(make([]float64, 99), math.Inf(1)), make([]float64, 100), "not finite"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := DefaultParams()
			p.InitScore, p.ValidInitScore = tt.init, tt.valid
			_, _, err := Train(context.Background(), x, y, 2, x, y, p, nil, nil)
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("err %v, want %q", err, tt.err)
			}
		})
	}
}
