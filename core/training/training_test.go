package training_test

import (
	"bytes"
	"context"
	"math"
	"math/rand"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cyberstreams/cyberstreams/core/document"
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

func TestRecencyWeights(t *testing.T) {
	day := 24 * time.Hour
	newest := time.Date(2024, 6, 30, 0, 0, 0, 0, time.UTC)
	docs := []document.Document{
		{ID: "undated"},
		{ID: "two-half-lives", Published: newest.Add(-730 * day)},
		{ID: "one-half-life", Published: newest.Add(-365 * day)},
		{ID: "newest", Published: newest},
	}
	cases := []struct {
		name     string
		halfLife time.Duration
		want     []float64 // nil: no weights at all
	}{
		{"off", 0, nil},
		{"negative is off", -day, nil},
		{"one year", 365 * day, []float64{1, 0.25, 0.5, 1}},
		{"two years", 730 * day, []float64{1, 0.5, math.Sqrt(0.5), 1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := training.RecencyWeights(docs, tc.halfLife)
			if (got == nil) != (tc.want == nil) || len(got) != len(tc.want) {
				t.Fatalf("weights %v, want %v", got, tc.want)
			}
			for i := range got {
				if math.Abs(got[i]-tc.want[i]) > 1e-12 {
					t.Errorf("%s weighs %v, want %v", docs[i].ID, got[i], tc.want[i])
				}
			}
		})
	}
}

// The options that change what the model learns from do change it, say so
// on the card, and keep the run deterministic.
func TestTrainOptionsForTheFuture(t *testing.T) {
	ctx := context.Background()
	modelText := func(o training.Options) (string, *training.Result) {
		t.Helper()
		res, err := training.Train(ctx, trainingtest.Docs(600, 1), o)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := lgbm.Write(&buf, res.Bundle.Trees); err != nil {
			t.Fatal(err)
		}
		return buf.String(), res
	}
	plain, _ := modelText(quickOptions())
	until := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name  string
		edit  func(*training.Options)
		check func(t *testing.T, res *training.Result)
	}{
		{"recency half-life", func(o *training.Options) { o.RecencyHalfLife = 30 * 24 * time.Hour }, nil},
		{"drop numeric features", func(o *training.Options) { o.DropNumeric = []string{"doc:alias_count", "doc:title_tokens"} }, func(t *testing.T, res *training.Result) {
			for _, n := range res.Bundle.Spec.Names() {
				if n == "doc:alias_count" || n == "doc:title_tokens" {
					t.Errorf("spec still has %s", n)
				}
			}
			if !slices.Contains(res.Bundle.Spec.Numeric, "doc:reference_count") {
				t.Error("doc:reference_count was not asked to go but went")
			}
		}},
		{"train until", func(o *training.Options) { o.Until = until }, func(t *testing.T, res *training.Result) {
			d := res.Bundle.Card.Data
			if !d.TrainUntil.Before(until) || d.TrainDocs+d.ValidDocs >= 600 || d.TrainDocs+d.ValidDocs < 200 {
				t.Errorf("card: %d+%d documents up to %s, want fewer than 600, all before %s", d.TrainDocs, d.ValidDocs, d.TrainUntil, until)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := quickOptions()
			tc.edit(&o)
			a, res := modelText(o)
			b, _ := modelText(o)
			if a != b {
				t.Fatal("the same run twice gave different models")
			}
			if a == plain {
				t.Fatal("the option did not change the model")
			}
			if len(res.Bundle.Card.Notes) == 0 {
				t.Error("the card does not say how the model was trained")
			}
			if tc.check != nil {
				tc.check(t, res)
			}
		})
	}
	o := quickOptions()
	o.DropNumeric = []string{"time:yaer"}
	if _, err := training.Train(ctx, trainingtest.Docs(600, 1), o); err == nil || !strings.Contains(err.Error(), "time:yaer") {
		t.Fatalf("a misspelt feature to drop gave error %v, want one naming it", err)
	}
}
