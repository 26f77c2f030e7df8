package scoring_test

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/features"
	"github.com/cyberstreams/cyberstreams/core/ingest"
	"github.com/cyberstreams/cyberstreams/core/scoring"
	"github.com/cyberstreams/cyberstreams/core/training"
	"github.com/cyberstreams/cyberstreams/core/training/trainingtest"
)

func newScorer(t testing.TB) *scoring.Scorer {
	t.Helper()
	s, err := scoring.PlainKnowledge().Scorer(trainingtest.Bundle(t, 600, 1))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestExplanationAddsUpToMargin checks the TreeSHAP contract on every
// document: base + Σ contributions = the class's raw margin, and the
// reported probabilities are the softmax of the margins.
func TestExplanationAddsUpToMargin(t *testing.T) {
	s := newScorer(t)
	docs := trainingtest.Docs(2000, 7)
	for i := range docs {
		r := s.Score(&docs[i], scoring.Options{Explain: 0})
		ex := r.Explanation
		sum := ex.Base
		for _, c := range ex.Contributions {
			sum += c.SHAP
		}
		if math.Abs(sum-ex.Margin) > 1e-9 || ex.Margin != r.Margin {
			t.Fatalf("doc %s: base %.12f + Σ = %.12f, margin %.12f", docs[i].ID, ex.Base, sum, ex.Margin)
		}
		if ex.Class != r.Severity {
			t.Fatalf("explained class %s, predicted %s", ex.Class, r.Severity)
		}
		// top-K keeps the remainder in Omitted, so the shown reasons still
		// add up; the reasons sum exactly their listed features.
		k := s.Score(&docs[i], scoring.Options{Explain: 3}).Explanation
		sumK, sumR := k.Base+k.Omitted, k.Base+k.Omitted
		for _, c := range k.Contributions {
			sumK += c.SHAP
		}
		features := 0
		for _, r := range k.Reasons {
			sumR += r.SHAP
			features += len(r.Features)
		}
		if len(k.Reasons) > 3 || math.Abs(sumK-k.Margin) > 1e-9 || math.Abs(sumR-k.Margin) > 1e-9 || features != len(k.Contributions) {
			t.Fatalf("top-3 explanation does not add up: %+v", k)
		}
		if len(ex.Reasons) > 0 && (k.Coverage <= 0 || k.Coverage > 1+1e-12 || ex.Coverage < 1-1e-9) {
			t.Fatalf("coverage %v of the top 3, %v of all reasons", k.Coverage, ex.Coverage)
		}
	}
}

func TestDocumentWithoutTextIsScoredOnMetaFeatures(t *testing.T) {
	s := newScorer(t)
	d := document.Document{ID: "empty-1", CWEs: []string{"CWE-79"}, Source: "feed-a"}
	r := s.Score(&d, scoring.Options{Explain: 5})
	if !r.MetaOnly {
		t.Fatal("a document with no text must say its score rests on meta features")
	}
	if document.SeverityIndex(r.Severity) < 0 || r.Confidence <= 0 {
		t.Fatalf("no usable score: %+v", r)
	}
	b, err := json.Marshal(r)
	if err != nil || !strings.Contains(string(b), `"meta_only":true`) || !strings.Contains(string(b), `"probabilities":{"critical":`) {
		t.Fatalf("record %s (%v)", b, err)
	}
}

func TestStreamKeepsOrderAndReportsBadLines(t *testing.T) {
	s := newScorer(t)
	dir := t.TempDir()
	var lines []string
	for i, d := range trainingtest.Docs(300, 3) {
		if i == 100 {
			lines = append(lines, `{"id": "broken", "text": `) // truncated JSON
		}
		b, _ := json.Marshal(map[string]any{"id": d.ID, "title": d.Title, "text": d.Body})
		lines = append(lines, string(b))
	}
	path := filepath.Join(dir, "feed.jsonl")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var ids []string
	var failures []*ingest.Failure
	err := s.Stream(context.Background(), []string{path}, ingest.Options{Format: ingest.FormatJSONL}, scoring.Options{Explain: -1},
		func(o scoring.Scored) error {
			if o.Failure != nil {
				failures = append(failures, o.Failure)
			} else {
				ids = append(ids, o.Result.ID)
			}
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 300 || len(failures) != 1 {
		t.Fatalf("got %d results and %d failures, want 300 and 1", len(ids), len(failures))
	}
	if failures[0].Line != 101 || !strings.Contains(failures[0].Error(), "feed.jsonl") {
		t.Fatalf("failure should name the file and line 101: %v", failures[0])
	}
	for i, id := range ids {
		if want := trainingtest.Docs(300, 3)[i].ID; id != want {
			t.Fatalf("result %d is %s, want %s: stream must keep input order", i, id, want)
		}
	}
}

// writeFeed writes n synthetic documents as JSONL.
func writeFeed(t testing.TB, path string, n int) {
	t.Helper()
	var lines []string
	for _, d := range trainingtest.Docs(n, 3) {
		b, _ := json.Marshal(map[string]any{"id": d.ID, "title": d.Title, "text": d.Body})
		lines = append(lines, string(b))
	}
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

func BenchmarkScore(b *testing.B) {
	s := newScorer(b)
	docs := trainingtest.Docs(1000, 9)
	for _, k := range []int{-1, 5} {
		name := "plain"
		if k >= 0 {
			name = "top5"
		}
		b.Run(name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				d := docs[i%len(docs)]
				d.Entities = nil
				s.Score(&d, scoring.Options{Explain: k})
			}
		})
	}
	_ = training.Softmax
}

func TestNoveltyDriversNameNoveltyInputs(t *testing.T) {
	s := newScorer(t)
	inputs := map[string]bool{}
	for _, n := range s.Bundle().Novelty.Inputs {
		inputs[n] = true
	}
	// An outlandish document: hundreds of references and a huge body.
	d := document.Document{ID: "odd", Title: "unauthenticated remote code execution",
		Body: strings.Repeat("remote code execution as root. ", 400)}
	for i := 0; i < 300; i++ {
		d.References = append(d.References, "https://example.org/ref/"+strings.Repeat("x", i%7))
	}
	r := s.Score(&d, scoring.Options{Explain: 3})
	drivers := r.Explanation.NoveltyDrivers
	if len(drivers) == 0 || len(drivers) > 3 {
		t.Fatalf("novelty drivers %v, want 1–3", drivers)
	}
	for _, n := range drivers {
		if !inputs[n] {
			t.Fatalf("driver %q is not a novelty input", n)
		}
	}
	if reasons := r.Explanation.NoveltyReasons; len(reasons) != len(drivers) {
		t.Fatalf("novelty reasons %q for drivers %v: want one per driver", reasons, drivers)
	}
	if !r.Novel || r.Novelty < s.Bundle().Novelty.Threshold {
		t.Fatalf("an outlandish document scored novelty %.3f (threshold %.3f), novel %v; want it flagged",
			r.Novelty, s.Bundle().Novelty.Threshold, r.Novel)
	}
	if r := s.Score(&d, scoring.Options{Explain: -1}); r.Explanation != nil {
		t.Fatal("no explanation asked, none computed")
	}
}

// offsetScorers returns two scorers of one trained model: without class
// offsets, and with strong ones (spec is the latter's).
func offsetScorers(t *testing.T) (plain, biased *scoring.Scorer, spec *features.Spec) {
	t.Helper()
	pb := trainingtest.Bundle(t, 600, 1)
	pb.Spec.ClassBias = nil
	bb := *pb
	sp := *pb.Spec
	sp.ClassBias = []float64{0, 4, -2, 3, -1}
	bb.Spec = &sp
	plain, err := scoring.PlainKnowledge().Scorer(pb)
	if err != nil {
		t.Fatal(err)
	}
	biased, err = scoring.PlainKnowledge().Scorer(&bb)
	if err != nil {
		t.Fatal(err)
	}
	return plain, biased, &sp
}

// TestOffsetsFoldedIntoShownProbabilities: with class offsets, the shown
// probabilities are p′ ∝ p·e^b (p the trees' probabilities), the decided
// class is the one they rank first, and its explanation adds up to its
// margin (the trees' margin plus its offset) to 1e-9.
func TestOffsetsFoldedIntoShownProbabilities(t *testing.T) {
	ps, bs, spec := offsetScorers(t)
	docs := trainingtest.Docs(2000, 11)
	moved := 0
	for i := range docs {
		p := ps.Score(&docs[i], scoring.Options{Explain: -1})
		r := bs.Score(&docs[i], scoring.Options{Explain: 0})
		want := training.Fold(append([]float64(nil), p.Probabilities[:]...), spec.ClassBias)
		best := 0
		for c := range r.Probabilities {
			if math.Abs(r.Probabilities[c]-want[c]) > 1e-9 {
				t.Fatalf("doc %s: shown %v, want p·e^b renormalised %v", docs[i].ID, r.Probabilities, want)
			}
			if r.Probabilities[c] > r.Probabilities[best] {
				best = c
			}
		}
		if r.Severity != document.Severities[best] || r.Confidence != r.Probabilities[best] || r.Explanation.Class != r.Severity {
			t.Fatalf("doc %s: decided %s (confidence %v, explained %s), most probable shown %s %v", docs[i].ID, r.Severity,
				r.Confidence, r.Explanation.Class, document.Severities[best], r.Probabilities)
		}
		if r.Severity != p.Severity {
			moved++
		}
		ex := r.Explanation
		sum := ex.Base
		for _, c := range ex.Contributions {
			sum += c.SHAP
		}
		if math.Abs(sum-ex.Margin) > 1e-9 || ex.Margin != r.Margin {
			t.Fatalf("doc %s: base %.12f + Σ = %.12f, margin %.12f", docs[i].ID, ex.Base, sum, ex.Margin)
		}
	}
	if moved == 0 {
		t.Fatal("the offsets moved no decision: the test shows nothing")
	}
}

// TestUnnamedAssignerDecidedWithoutOffsets: a document from an assigner
// the spec cannot name (none of the training documents had it) is shown
// the trees' own probabilities, the offsets left out, and its explanation
// still adds up to its margin; the same document with no assigner gets the
// offsets.
func TestUnnamedAssignerDecidedWithoutOffsets(t *testing.T) {
	ps, bs, spec := offsetScorers(t)
	docs := trainingtest.Docs(300, 12)
	for _, c := range []struct {
		assigner string
		offsets  bool
	}{{"", true}, {"a-cna-never-seen", false}} {
		moved := 0
		for i := range docs {
			d := docs[i]
			d.Assigner = c.assigner
			p := ps.Score(&d, scoring.Options{Explain: -1})
			r := bs.Score(&d, scoring.Options{Explain: 0})
			want := p.Probabilities[:]
			if c.offsets {
				want = training.Fold(append([]float64(nil), want...), spec.ClassBias)
			}
			for k := range want {
				if math.Abs(r.Probabilities[k]-want[k]) > 1e-9 {
					t.Fatalf("assigner %q, doc %s: shown %v, want %v (offsets %v)", c.assigner, d.ID, r.Probabilities, want, c.offsets)
				}
			}
			if r.Severity != p.Severity {
				moved++
			}
			sum := r.Explanation.Base
			for _, x := range r.Explanation.Contributions {
				sum += x.SHAP
			}
			if math.Abs(sum-r.Margin) > 1e-9 {
				t.Fatalf("assigner %q, doc %s: base + Σ = %.12f, margin %.12f", c.assigner, d.ID, sum, r.Margin)
			}
		}
		if c.offsets == (moved == 0) {
			t.Fatalf("assigner %q: the offsets moved %d decisions (offsets applied: %v)", c.assigner, moved, c.offsets)
		}
	}
}

func TestSummarySaysOneDocument(t *testing.T) {
	for _, c := range []struct {
		scored int
		want   string
	}{
		{1, "scored 1 document (0 failed)"},
		{2, "scored 2 documents (0 failed)"},
		{0, "scored 0 documents (0 failed)"},
	} {
		if got := (scoring.Summary{Scored: c.scored, Model: "m"}).String(); !strings.HasPrefix(got, c.want) {
			t.Errorf("%d scored: %q, want it to start %q", c.scored, got, c.want)
		}
	}
}
