package training

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/ml/metrics"
)

// The offset search's objective is macro-F1 + w·accuracy exactly as
// ml/metrics computes them for the decisions Decide makes.
func TestOffsetObjectiveMatchesMetrics(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	y := make([]int, 700)
	prob := make([][]float64, len(y))
	logp := make([][5]float64, len(y))
	for i := range y {
		y[i] = []int{0, 1, 1, 2, 2, 2, 3}[rng.IntN(7)] // no informational: an undefined F1
		raw := make([]float64, 5)
		for c := range raw {
			raw[c] = rng.NormFloat64()
		}
		prob[i] = Softmax(raw)
		for c := range 5 {
			logp[i][c] = math.Log(prob[i][c])
		}
	}
	for _, tc := range []struct {
		bias []float64
		w    float64
	}{
		{[]float64{0, 0, 0, 0, 0}, 0.25},
		{[]float64{0, -0.4, 0.6, 1, -1}, 0.25},
		{[]float64{0, 1.5, -1, 0.2, 3}, 1},
	} {
		pred := make([]int, len(y))
		for i := range y {
			pred[i] = Decide(prob[i], tc.bias)
		}
		r := metrics.EvaluatePred(document.Severities[:], y, pred)
		want := r.MacroF1 + tc.w*r.Accuracy
		if got := offsetObjective(y, logp, tc.bias, tc.w); math.Abs(got-want) > 1e-12 {
			t.Errorf("bias %v: objective %v, metrics say %v", tc.bias, got, want)
		}
	}
}
