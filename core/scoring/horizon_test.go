package scoring_test

import (
	"testing"

	"github.com/cyberstreams/cyberstreams/core/demo"
	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/exploitation"
	"github.com/cyberstreams/cyberstreams/core/model"
	"github.com/cyberstreams/cyberstreams/core/scoring"
)

// A listing within 30 days is one within 90 and 365: the likelihood never
// falls as the horizon grows, for any document (a stranger found an
// advisory at 40 % within 30 days, 90 % within 90 and 66 % within 365).
func TestExploitationGrowsWithTheHorizon(t *testing.T) {
	s := defaultScorer(t)
	docs, err := demo.Documents()
	if err != nil {
		t.Fatal(err)
	}
	docs = append(docs, document.Document{ID: "CVE-2026-0001", Title: "WebKit use-after-free",
		Body: "Processing web content may lead to code execution. Apple is aware of a report that this issue may have been actively exploited."})
	grew := 0
	for i := range docs {
		prev := 0.0
		for _, h := range exploitation.Horizons {
			d := docs[i]
			r := s.Score(&d, scoring.Options{Explain: 3, Exploitation: h})
			if r.Exploitation == nil {
				t.Fatalf("%s: no likelihood at %d days", d.ID, h)
			}
			p := r.Exploitation.Probability
			if p < prev {
				t.Errorf("%s: %.4f within %d days, below the shorter horizon's %.4f", d.ID, p, h, prev)
			}
			if r.Exploitation.HorizonDays != h {
				t.Errorf("%s: asked %d days, answered %d", d.ID, h, r.Exploitation.HorizonDays)
			}
			if p > prev && prev > 0 {
				grew++
			}
			prev = p
		}
	}
	if grew == 0 {
		t.Error("no likelihood grew with the horizon: every answer is the 30-day model's")
	}
}

// defaultScorer is a plain scorer over the embedded default model.
func defaultScorer(t *testing.T) *scoring.Scorer {
	t.Helper()
	def, err := model.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	s, err := scoring.PlainKnowledge().Scorer(def)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
