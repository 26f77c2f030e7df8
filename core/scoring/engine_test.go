package scoring_test

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/cyberstreams/cyberstreams/core/demo"
	"github.com/cyberstreams/cyberstreams/core/ingest"
	"github.com/cyberstreams/cyberstreams/core/model"
	"github.com/cyberstreams/cyberstreams/core/scoring"
	"github.com/cyberstreams/cyberstreams/core/training/trainingtest"
)

// engines returns one scorer per inference engine over the same bundle.
func engines(t *testing.T, b *model.Bundle) (fast, full *scoring.Scorer) {
	t.Helper()
	var err error
	k := scoring.PlainKnowledge()
	if fast, err = k.Scorer(b); err != nil {
		t.Fatal(err)
	}
	if full, err = k.Scorer(b); err != nil {
		t.Fatal(err)
	}
	if err := full.SetEngine(scoring.EngineLeaves); err != nil {
		t.Fatal(err)
	}
	if fast.Engine() != scoring.EngineSparse || full.Engine() != scoring.EngineLeaves {
		t.Fatalf("engines %s and %s", fast.Engine(), full.Engine())
	}
	return fast, full
}

// sameScore fails unless two results carry bit-identical margins and
// probabilities and the same decision.
func sameScore(t *testing.T, id string, a, b scoring.Result) {
	t.Helper()
	if a.Severity != b.Severity || math.Float64bits(a.Margin) != math.Float64bits(b.Margin) {
		t.Fatalf("%s: sparse %s margin %v, leaves %s margin %v", id, a.Severity, a.Margin, b.Severity, b.Margin)
	}
	for k := range a.Probabilities {
		if math.Float64bits(a.Probabilities[k]) != math.Float64bits(b.Probabilities[k]) {
			t.Fatalf("%s: probability %d: sparse %v, leaves %v", id, k, a.Probabilities[k], b.Probabilities[k])
		}
	}
}

// TestEnginesAgreeBitForBit scores the same documents with the sparse
// sparse evaluator and with leaves walking every tree: the embedded
// default model on the demo corpus, a freshly trained model on synthetic
// documents, and the default model on the shared advisories when present.
func TestEnginesAgreeBitForBit(t *testing.T) {
	def, err := model.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	t.Run("default model, demo documents", func(t *testing.T) {
		fast, full := engines(t, def)
		docs, err := demo.Documents()
		if err != nil {
			t.Fatal(err)
		}
		for i := range docs {
			a, b := docs[i], docs[i]
			sameScore(t, docs[i].ID, fast.Score(&a, scoring.Options{Explain: -1}), full.Score(&b, scoring.Options{Explain: -1}))
		}
	})
	t.Run("trained model, synthetic documents", func(t *testing.T) {
		fast, full := engines(t, trainingtest.Bundle(t, 600, 1))
		docs := trainingtest.Docs(2000, 11)
		for i := range docs {
			a, b := docs[i], docs[i]
			sameScore(t, docs[i].ID, fast.Score(&a, scoring.Options{Explain: -1}), full.Score(&b, scoring.Options{Explain: -1}))
		}
	})
	t.Run("default model, shared advisories", func(t *testing.T) {
		path := filepath.Join("..", "..", "..", "shared", "data", "advisories_train.jsonl.gz")
		if _, err := os.Stat(path); err != nil {
			t.Skipf("shared advisories absent (%v): the engines are still compared on the demo and synthetic documents", err)
		}
		if testing.Short() {
			t.Skip("-short: 38k documents")
		}
		fast, full := engines(t, def)
		var want []scoring.Result
		collect := func(s *scoring.Scorer, into *[]scoring.Result) {
			err := s.Stream(context.Background(), []string{path}, ingest.Options{}, scoring.Options{Explain: -1}, func(r scoring.Scored) error {
				if r.Failure == nil {
					*into = append(*into, r.Result)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		collect(full, &want)
		var got []scoring.Result
		collect(fast, &got)
		if len(got) != len(want) || len(got) < 30000 {
			t.Fatalf("scored %d and %d documents", len(got), len(want))
		}
		for i := range got {
			sameScore(t, got[i].ID, got[i], want[i])
		}
	})
}

func TestSetEngineRejectsUnknownNames(t *testing.T) {
	s := newScorer(t)
	if err := s.SetEngine("xgboost"); err == nil {
		t.Fatal("an unknown engine name must be refused")
	}
}
