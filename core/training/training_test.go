package training_test

import (
	"bytes"
	"context"
	"math/rand"
	"testing"
	"time"

	"github.com/cyberstreams/cyberstreams/core/training"
	"github.com/cyberstreams/cyberstreams/core/training/trainingtest"
	"github.com/cyberstreams/cyberstreams/ml/lgbm"
)

func quickOptions() training.Options { return trainingtest.Options() }

func TestTrainLearnsAndIsDeterministic(t *testing.T) {
	ctx := context.Background()
	var texts [2][]byte
	for run := range texts {
		res, err := training.Train(ctx, trainingtest.Docs(600, 1), quickOptions())
		if err != nil {
			t.Fatal(err)
		}
		if res.Validation.Accuracy < 0.8 {
			t.Fatalf("validation accuracy %.3f on a learnable problem, want ≥ 0.8", res.Validation.Accuracy)
		}
		var buf bytes.Buffer
		if err := lgbm.Write(&buf, res.Bundle.Trees); err != nil {
			t.Fatal(err)
		}
		texts[run] = buf.Bytes()
		if res.Bundle.Novelty == nil || len(res.Bundle.Spec.ClassBias) != 5 {
			t.Fatal("bundle lacks the novelty forest or the tuned class offsets")
		}
		if res.Bundle.Card.Data.TrainDocs+res.Bundle.Card.Data.ValidDocs != 600 {
			t.Fatalf("card counts %d+%d documents, want 600", res.Bundle.Card.Data.TrainDocs, res.Bundle.Card.Data.ValidDocs)
		}
	}
	if !bytes.Equal(texts[0], texts[1]) {
		t.Fatal("the same training run twice gave different model files")
	}
}

func TestSplitIsByTime(t *testing.T) {
	docs := trainingtest.Docs(100, 2)
	rand.New(rand.NewSource(3)).Shuffle(len(docs), func(i, j int) { docs[i], docs[j] = docs[j], docs[i] })
	train, valid, from := training.Split(docs, time.Time{}, 0.2)
	if len(train)+len(valid) != 100 || len(valid) < 15 || len(valid) > 25 {
		t.Fatalf("split %d/%d, want about 80/20", len(train), len(valid))
	}
	for _, d := range train {
		if !d.Published.Before(from) {
			t.Fatalf("training document %s published %s, not before the cut %s", d.ID, d.Published, from)
		}
	}
	for _, d := range valid {
		if d.Published.Before(from) {
			t.Fatalf("validation document %s published before the cut", d.ID)
		}
	}
}

func TestTrainRefusesTooFewDocuments(t *testing.T) {
	if _, err := training.Train(context.Background(), trainingtest.Docs(5, 1), quickOptions()); err == nil {
		t.Fatal("training on 5 documents should fail with a clear error")
	}
}

func TestTuneBiasHelpsAThinClass(t *testing.T) {
	// Class 3 is always second-best by a small margin: arg-max never picks
	// it, an offset recovers it.
	var y []int
	var prob [][]float64
	for i := 0; i < 200; i++ {
		c := []int{2, 3}[i%2]
		p := []float64{0.05, 0.05, 0.5, 0.35, 0.05}
		if c == 2 {
			p = []float64{0.05, 0.05, 0.7, 0.15, 0.05}
		}
		y, prob = append(y, c), append(prob, p)
	}
	before := training.Evaluate(y, prob, nil).MacroF1
	bias := training.TuneBias(y, prob)
	after := training.Evaluate(y, prob, bias).MacroF1
	if after <= before {
		t.Fatalf("macro-F1 %.3f after tuning, %.3f before; want an improvement (bias %v)", after, before, bias)
	}
}

func TestDecideAndSoftmax(t *testing.T) {
	p := training.Softmax([]float64{1, 2, 3, 0, -1})
	sum := 0.0
	for _, v := range p {
		sum += v
	}
	if sum < 0.999999 || sum > 1.000001 {
		t.Fatalf("softmax sums to %v", sum)
	}
	if training.Decide(p, nil) != 2 {
		t.Fatal("arg-max should pick class 2")
	}
	if training.Decide(p, []float64{0, 5, 0, 0, 0}) != 1 {
		t.Fatal("a large offset should move the decision")
	}
}
