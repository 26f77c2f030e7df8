package lgbm_test

import (
	"bufio"
	"bytes"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/dmitryikh/leaves"

	"github.com/cyberstreams/cyberstreams/ml/lgbm"
	"github.com/cyberstreams/cyberstreams/ml/lgbm/lgbmtest"
)

// sparseRow keeps each feature of a random row with probability keep and
// zeroes the rest, so that rows run from nearly empty to full.
func sparseRow(rng *rand.Rand, o lgbmtest.Options, keep float64) []float64 {
	x := lgbmtest.Row(rng, o)
	for f := range x {
		if rng.Float64() >= keep {
			x[f] = 0
		}
	}
	return x
}

// TestSparsePredictorMatchesFullWalk checks SparsePredictor bit for bit
// against walking every tree, on every kind of split (missing values, categories, chains)
// and on rows from empty to dense, in the scratch state repeated calls
// leave behind.
func TestSparsePredictorMatchesFullWalk(t *testing.T) {
	cases := append(ensembles[:len(ensembles):len(ensembles)], struct {
		name string
		opt  lgbmtest.Options
	}{"chains on sparse text", lgbmtest.Options{NumClass: 5, Iterations: 30, NumLeaves: 48, NumFeatures: 300, Chain: 0.9, Missing: true, Categorical: 3}})
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(i), 7))
			m := lgbmtest.Model(rng, c.opt)
			z := lgbm.NewSparsePredictor(m)
			s := z.NewScratch()
			// Without data counts the typical path is the all-zero row's.
			bare := lgbmtest.Model(rand.New(rand.NewPCG(uint64(i), 7)), c.opt)
			for j := range bare.Trees {
				clear(bare.Trees[j].LeafCount)
				clear(bare.Trees[j].InternalCount)
			}
			zb := lgbm.NewSparsePredictor(bare)
			sb := zb.NewScratch()
			want, got := make([]float64, m.NumOutputs()), make([]float64, m.NumOutputs())
			for r := 0; r < 3000; r++ {
				keep := []float64{0, 0.02, 0.1, 0.5, 1}[r%5]
				x := sparseRow(rng, c.opt, keep)
				idx, _ := lgbmtest.Sparse(x)
				m.PredictRaw(x, want)
				// A feature index past the model's width is ignored.
				z.PredictRaw(append(idx, int32(len(x)+3)), x, s, got)
				for k := range want {
					if math.Float64bits(got[k]) != math.Float64bits(want[k]) {
						t.Fatalf("row %d (keep %.2f) output %d: sparse %v, full walk %v", r, keep, k, got[k], want[k])
					}
				}
				zb.PredictRaw(idx, x, sb, got)
				for k := range want {
					if math.Float64bits(got[k]) != math.Float64bits(want[k]) {
						t.Fatalf("row %d (keep %.2f) output %d without counts: sparse %v, full walk %v", r, keep, k, got[k], want[k])
					}
				}
			}
		})
	}
}

// TestSparsePredictorMatchesLeaves checks the sparse predictor against leaves, the
// engine that loads every model, on chain-shaped trees like those grown on
// text.
func TestSparsePredictorMatchesLeaves(t *testing.T) {
	opt := lgbmtest.Options{NumClass: 5, Iterations: 40, NumLeaves: 48, NumFeatures: 500, Chain: 0.9}
	rng := rand.New(rand.NewPCG(3, 3))
	m := lgbmtest.Model(rng, opt)
	e, err := leaves.LGEnsembleFromReader(bufio.NewReader(bytes.NewReader(write(t, m))), false)
	if err != nil {
		t.Fatal(err)
	}
	z := lgbm.NewSparsePredictor(m)
	s := z.NewScratch()
	want, got := make([]float64, 5), make([]float64, 5)
	for r := 0; r < 2000; r++ {
		x := sparseRow(rng, opt, 0.05)
		for j, v := range x { // leaves' zero sliver differs from LightGBM's; see TestLeavesLoadsWrittenModels
			if v != v || (v != 0 && math.Abs(v) <= 1.1e-35) {
				x[j] = 0
			}
		}
		if err := e.Predict(x, 0, want); err != nil {
			t.Fatal(err)
		}
		idx, _ := lgbmtest.Sparse(x)
		z.PredictRaw(idx, x, s, got)
		for k := range want {
			if math.Float64bits(got[k]) != math.Float64bits(want[k]) {
				t.Fatalf("row %d output %d: sparse %v, leaves %v", r, k, got[k], want[k])
			}
		}
	}
}

func BenchmarkSparsePredictor(b *testing.B) {
	opt := lgbmtest.Options{NumClass: 5, Iterations: 100, NumLeaves: 48, NumFeatures: 4000, Chain: 0.9}
	rng := rand.New(rand.NewPCG(5, 5))
	m := lgbmtest.Model(rng, opt)
	x := sparseRow(rng, opt, 0.01)
	idx, _ := lgbmtest.Sparse(x)
	out := make([]float64, m.NumOutputs())
	b.Run("full-walk", func(b *testing.B) {
		for b.Loop() {
			m.PredictRaw(x, out)
		}
	})
	z := lgbm.NewSparsePredictor(m)
	s := z.NewScratch()
	b.Run("sparse", func(b *testing.B) {
		for b.Loop() {
			z.PredictRaw(idx, x, s, out)
		}
	})
}
