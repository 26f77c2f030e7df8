package training_test

import (
	"context"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cyberstreams/cyberstreams/core/features"
	"github.com/cyberstreams/cyberstreams/core/model"
	"github.com/cyberstreams/cyberstreams/core/training"
	"github.com/cyberstreams/cyberstreams/core/training/trainingtest"
)

// Continuing an under-fitted model on newer labelled documents adds rounds
// that make it better on their validation slice, keeps its features, and
// saves as one bundle that loads and scores as it did in memory.
func TestContinue(t *testing.T) {
	ctx := context.Background()
	o := trainingtest.Options()
	o.Params.NumIterations, o.Params.EarlyStoppingRounds, o.Version = 2, 0, "base"
	base, err := training.Train(ctx, trainingtest.Docs(600, 1), o)
	if err != nil {
		t.Fatal(err)
	}
	newer := trainingtest.Docs(600, 2)
	c := trainingtest.Options()
	c.Version, c.Parent = "continued", "base"
	res, err := training.Continue(ctx, base.Bundle, newer, c)
	if err != nil {
		t.Fatal(err)
	}
	b := res.Bundle
	baseRounds, rounds := len(base.Bundle.Trees.Trees)/5, len(b.Trees.Trees)/5
	if rounds <= baseRounds || b.Card.Data.BestRounds != rounds || !strings.Contains(b.Card.Notes[0], "continues base (2 rounds)") {
		t.Fatalf("%d rounds after base's %d; card %+v", rounds, baseRounds, b.Card)
	}
	if len(b.Spec.Terms) != len(base.Bundle.Spec.Terms) || b.Novelty != base.Bundle.Novelty {
		t.Fatal("continuing changed the features or the novelty forest")
	}
	// On the validation slice the continued model was stopped on, it must
	// beat where it started.
	_, valid, _ := training.Split(newer, c.ValidFrom, c.ValidShare)
	x, y := training.Matrix(features.New(b.Spec), valid)
	before := training.Evaluate(y, training.Probabilities(base.Bundle.Trees, x), nil)
	after := training.Evaluate(y, training.Probabilities(b.Trees, x), nil)
	if !(after.LogLoss < before.LogLoss) {
		t.Fatalf("log-loss %.4f after continuing, %.4f before", after.LogLoss, before.LogLoss)
	}
	dir := filepath.Join(t.TempDir(), "continued")
	if err := b.Save(dir); err != nil {
		t.Fatal(err)
	}
	loaded, err := model.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	got := training.Probabilities(loaded.Trees, x)
	for i, p := range training.Probabilities(b.Trees, x) {
		for k := range p {
			if math.Abs(p[k]-got[i][k]) > 1e-9 {
				t.Fatalf("document %d class %d: %v in memory, %v loaded", i, k, p[k], got[i][k])
			}
		}
	}
	if _, err := training.Continue(ctx, base.Bundle, newer[:10], c); err == nil || !strings.Contains(err.Error(), "need at least") {
		t.Fatalf("continued on 10 documents: %v", err)
	}
}
