package training_test

import (
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/features"
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
	// The offsets in full, as found: halved (DefaultOffsets) they fit the
	// noise only half as much, which is their point.
	search := training.FineOffsets()
	bias, heldOut := training.CrossFitBiasWith(y, prob, 5, search)
	if !reflect.DeepEqual(bias, training.TuneBiasWith(y, prob, search)) {
		t.Fatalf("shipped offsets %v differ from TuneBias on all documents", bias)
	}
	inSample := training.Evaluate(y, prob, bias)
	honest := training.Evaluate(y, heldOut, nil)
	t.Logf("noise: macro-F1 %.4f in sample, %.4f held out", inSample.MacroF1, honest.MacroF1)
	if !(honest.MacroF1 < inSample.MacroF1) {
		t.Fatalf("held-out macro-F1 %.4f should be below the in-sample %.4f on noise", honest.MacroF1, inSample.MacroF1)
	}
	// Too few documents for folds: every decision uses the shipped offsets.
	b, small := training.CrossFitBias(y[:6], prob[:6], 5)
	for i := range small {
		if argmax(small[i]) != training.Decide(prob[i], b) {
			t.Fatalf("small input: decision %d uses other offsets", i)
		}
	}
}

func argmax(p []float64) int {
	best := 0
	for c := range p {
		if p[c] > p[best] {
			best = c
		}
	}
	return best
}

// TestFoldRanksTheDecidedClassFirst: folding the offsets into the
// probabilities (p′ ∝ p·e^b) gives a distribution whose arg-max is the
// decided class, for every document; no offsets change nothing.
func TestFoldRanksTheDecidedClassFirst(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	biases := [][]float64{nil, {0, 0, 0, 0, 0}, {0, -0.4, 0.6, 1, -1}, {0, 1.5, -1, 0.2, 0.1}}
	for _, bias := range biases {
		for range 5000 {
			raw := make([]float64, 5)
			for c := range raw {
				raw[c] = rng.NormFloat64() * 3
			}
			p := training.Softmax(raw)
			want := training.Decide(p, bias)
			folded := training.Fold(append([]float64(nil), p...), bias)
			sum := 0.0
			for _, v := range folded {
				sum += v
			}
			if math.Abs(sum-1) > 1e-12 || argmax(folded) != want {
				t.Fatalf("bias %v: p %v folded %v (sum %v), arg-max %d, decided %d", bias, p, folded, sum, argmax(folded), want)
			}
			if bias == nil && !reflect.DeepEqual(folded, p) {
				t.Fatalf("no offsets changed %v to %v", p, folded)
			}
		}
	}
}

// TestOffsetsForUnnamedAssigner: a document is decided with the spec's
// offsets unless its assigner is one the spec's assigner group cannot
// name; a spec without an assigner group (older models) names every one.
func TestOffsetsForUnnamedAssigner(t *testing.T) {
	bias := []float64{0, 0.5, -0.25, 0.75, 0}
	withGroup := &features.Spec{Groups: []features.Group{{Name: "assigner", Values: []string{"known-cna"}}}, ClassBias: bias}
	noGroup := &features.Spec{ClassBias: bias}
	for _, c := range []struct {
		name     string
		spec     *features.Spec
		assigner string
		want     []float64
	}{
		{"named assigner", withGroup, "known-cna", bias},
		{"no assigner", withGroup, "", bias},
		{"assigner the spec cannot name", withGroup, "new-cna", nil},
		{"spec without an assigner group", noGroup, "new-cna", bias},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := document.Document{Assigner: c.assigner}
			if got := training.OffsetsFor(features.New(c.spec), &d); !reflect.DeepEqual(got, c.want) {
				t.Fatalf("offsets %v, want %v", got, c.want)
			}
		})
	}
}
