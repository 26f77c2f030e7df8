package shadow_test

import (
	"context"
	"math"
	"testing"

	"github.com/cyberstreams/cyberstreams/core/demo"
	"github.com/cyberstreams/cyberstreams/core/model"
	"github.com/cyberstreams/cyberstreams/core/scoring"
	"github.com/cyberstreams/cyberstreams/core/shadow"
	"github.com/cyberstreams/cyberstreams/core/workspace/workspacetest"
	"github.com/cyberstreams/cyberstreams/labels"
)

// TestCompareCountsWhereModelsDisagree: a challenger that differs from the
// champion only by its decision offsets disagrees on some documents; the
// comparison lists each disagreement, counts the class changes, and
// scores both on the analysts' labels.
func TestCompareCountsWhereModelsDisagree(t *testing.T) {
	ctx := context.Background()
	ws := workspacetest.Open(t)
	if _, err := demo.Load(ctx, ws); err != nil {
		t.Fatal(err)
	}
	champ, err := model.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	chal := *champ
	spec := *champ.Spec
	spec.ClassBias = []float64{0, 3, 0, 0, 0} // leans hard to high
	chal.Spec = &spec
	chal.Card.Version = "leaning-high"
	know, err := scoring.KnowledgeOf(ctx, ws)
	if err != nil {
		t.Fatal(err)
	}
	a, err := know.Scorer(champ)
	if err != nil {
		t.Fatal(err)
	}
	b, err := know.Scorer(&chal)
	if err != nil {
		t.Fatal(err)
	}
	store := labels.New(ws.DB())
	for _, l := range []struct{ doc, sev string }{{"demo-001", "critical"}, {"demo-002", "high"}} {
		if _, err := store.Add(ctx, labels.Event{DocID: l.doc, Severity: l.sev, Analyst: "test"}); err != nil {
			t.Fatal(err)
		}
	}
	c, err := shadow.Compare(ctx, ws, a, b, 0)
	if err != nil {
		t.Fatal(err)
	}
	n, err := ws.CountDocuments(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if c.Documents != n || c.Champion != a.Version() || c.Challenger != "leaning-high" {
		t.Fatalf("compared %d of %d documents, %s vs %s", c.Documents, n, c.Champion, c.Challenger)
	}
	changed := 0
	for pair, k := range c.Changes {
		changed += k
		if pair[len(pair)-len("high"):] != "high" {
			t.Errorf("a challenger leaning to high changed %q", pair)
		}
	}
	if len(c.Disagreements) == 0 || changed != len(c.Disagreements) {
		t.Fatalf("%d disagreements, %d counted changes", len(c.Disagreements), changed)
	}
	if want := float64(n-changed) / float64(n); math.Abs(c.Agreement-want) > 1e-12 {
		t.Errorf("agreement %v, want %v", c.Agreement, want)
	}
	if c.Labelled != 2 || c.ChampionAccuracy == nil || c.ChallengerAccuracy == nil {
		t.Fatalf("labelled %d, accuracies %v %v", c.Labelled, c.ChampionAccuracy, c.ChallengerAccuracy)
	}
}
