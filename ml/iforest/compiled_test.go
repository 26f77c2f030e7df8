package iforest

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestCompiledScoresLikeTheForest checks the compiled layout bit for bit
// against Forest.Score: forests of several shapes (including sample sizes
// past the c(n) table and a single-row leaf), vectors inside, outside and
// at the training data's edges, and NaN values.
func TestCompiledScoresLikeTheForest(t *testing.T) {
	for i, p := range []Params{
		{Trees: 100, SampleSize: 256, Seed: 1},
		{Trees: 10, SampleSize: 600, Seed: 2}, // leaves larger than the table
		{Trees: 3, SampleSize: 4, Seed: 3},
	} {
		rng := rand.New(rand.NewPCG(uint64(i), 5))
		x := make([][]float64, 700)
		for r := range x {
			x[r] = []float64{rng.NormFloat64(), rng.ExpFloat64(), float64(rng.IntN(3))}
		}
		f := Fit(x, p)
		c := f.Compile()
		for r := 0; r < 3000; r++ {
			v := []float64{rng.NormFloat64() * 3, rng.ExpFloat64() * 2, float64(rng.IntN(5))}
			if r%7 == 0 {
				v[rng.IntN(3)] = math.NaN()
			}
			if r%11 == 0 {
				v = x[rng.IntN(len(x))]
			}
			if got, want := c.Score(v), f.Score(v); math.Float64bits(got) != math.Float64bits(want) {
				t.Fatalf("params %+v vector %v: compiled %v, forest %v", p, v, got, want)
			}
		}
	}
}

// TestCompiledLayouts checks that the forest shapes above take the layout
// meant for them, so that both are exercised: the default sample size the
// complete trees, a larger one (deeper trees) the cells.
func TestCompiledLayouts(t *testing.T) {
	x := make([][]float64, 700)
	for r := range x {
		x[r] = []float64{float64(r), float64(r % 7)}
	}
	if c := Fit(x, Params{Trees: 5, SampleSize: 256, Seed: 1}).Compile(); c.complete == nil {
		t.Error("sample size 256: not laid out as complete trees")
	}
	if c := Fit(x, Params{Trees: 5, SampleSize: 600, Seed: 1}).Compile(); c.complete != nil {
		t.Error("sample size 600: laid out as complete trees")
	}
}
