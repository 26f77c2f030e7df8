package training_test

import (
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/cyberstreams/cyberstreams/core/training"
)

// TestCrossFitBiasJudgesOffsetsOnUnseenDocuments checks that the reported
// validation no longer rewards offsets for fitting noise: on probabilities
// that say nothing about the labels, offsets tuned on all documents look
// better on those same documents than the held-out decisions do, and the
// shipped offsets are TuneBias's on all of them.
func TestCrossFitBiasJudgesOffsetsOnUnseenDocuments(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	n := 2000
	y := make([]int, n)
	prob := make([][]float64, n)
	for i := range y {
		y[i] = []int{0, 1, 1, 2, 2, 2, 3, 4}[rng.IntN(8)]
		p := make([]float64, 5)
		sum := 0.0
		for c := range p {
			p[c] = rng.Float64()
			sum += p[c]
		}
		for c := range p {
			p[c] /= sum
		}
		prob[i] = p
	}
	bias, heldOut := training.CrossFitBias(y, prob, 5)
	if !reflect.DeepEqual(bias, training.TuneBias(y, prob)) {
		t.Fatalf("shipped offsets %v differ from TuneBias on all documents", bias)
	}
	inSample := training.Evaluate(y, prob, bias)
	honest := training.EvaluateDecisions(y, prob, heldOut)
	t.Logf("noise: macro-F1 %.4f in sample, %.4f held out", inSample.MacroF1, honest.MacroF1)
	if !(honest.MacroF1 < inSample.MacroF1) {
		t.Fatalf("held-out macro-F1 %.4f should be below the in-sample %.4f on noise", honest.MacroF1, inSample.MacroF1)
	}
	// Too few documents for folds: every decision uses the shipped offsets.
	b, small := training.CrossFitBias(y[:6], prob[:6], 5)
	for i := range small {
		if small[i] != training.Decide(prob[i], b) {
			t.Fatalf("small input: decision %d uses other offsets", i)
		}
	}
}
