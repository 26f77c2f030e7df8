package kg_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/cyberstreams/cyberstreams/kg"
	"github.com/cyberstreams/cyberstreams/kg/kgtest"
)

// A document's tagged techniques become USES edges with confidence and
// provenance, and show in the actor's techniques (via the document) and in
// next steps.
func TestDocumentTechniquesReachQueries(t *testing.T) {
	s := kgtest.OpenStore(t)
	kgtest.LoadSynthetic(t, s)
	ctx := context.Background()
	doc := kg.DocInput{ID: "doc-t", Title: "Beta report", Entities: map[string][]string{"actor": {"Beta"}},
		Techniques: []kg.DocTechnique{{ID: "T1105", Confidence: 0.87, Provenance: "model"}, {ID: "t1003", Confidence: 1, Provenance: "explicit"}, {ID: "bogus"}}}
	if _, err := s.UpsertDocument(ctx, doc); err != nil {
		t.Fatal(err)
	}
	at, err := s.ActorTechniques(ctx, "Beta")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, u := range at.Techniques {
		got = append(got, u.ID+"<"+strings.Join(u.Via, ","))
	}
	for _, want := range []string{"T1105<doc:doc-t", "T1003<doc:doc-t"} {
		if !slices.Contains(got, want) {
			t.Errorf("actor-techniques Beta: %v lacks %s", got, want)
		}
	}
	for _, tc := range []struct {
		hops int
		want bool
	}{{1, false}, {2, true}} {
		ns, err := s.NextSteps(ctx, kg.NextStepsQuery{Techniques: []string{"T1059.001"}, MaxHops: tc.hops})
		if err != nil {
			t.Fatal(err)
		}
		has := slices.ContainsFunc(ns, func(n kg.NextStep) bool { return n.ID == "T1105" })
		if has != tc.want {
			t.Errorf("next-steps after T1059.001 within %d hops: T1105 present %v, want %v (%+v)", tc.hops, has, tc.want, ns)
		}
	}
	edges, err := s.OutboxEdges(ctx, "upsert", 0, 10000)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range edges {
		if e.From == "doc:doc-t" && e.To == "T1105" {
			found = true
			if e.Props["provenance"] != "model" || e.Props["confidence"] != 0.87 {
				t.Errorf("edge props %+v", e.Props)
			}
		}
	}
	if !found {
		t.Error("no outbox USES edge doc:doc-t → T1105 to sync")
	}
}

func TestDocumentsUsing(t *testing.T) {
	s := kgtest.OpenStore(t)
	kgtest.LoadSynthetic(t, s)
	ctx := context.Background()
	for _, id := range []string{"doc-b", "doc-a"} {
		if _, err := s.UpsertDocument(ctx, kg.DocInput{ID: id, Techniques: []kg.DocTechnique{{ID: "T1105", Confidence: 0.9, Provenance: "model"}}}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		technique string
		limit     int
		want      []string
	}{
		{"T1105", 10, []string{"doc-a", "doc-b"}},
		{"t1105", 1, []string{"doc-a"}},
		{"T1566.001", 10, []string{"doc-1"}}, // written in doc-1
		{"T9999", 10, nil},
	} {
		got, err := s.DocumentsUsing(ctx, tc.technique, tc.limit)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("DocumentsUsing(%s, %d) = %v, %v; want %v", tc.technique, tc.limit, got, err, tc.want)
		}
	}
}
