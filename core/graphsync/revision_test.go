package graphsync_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/cyberstreams/cyberstreams/core/demo"
	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/graphsync"
	"github.com/cyberstreams/cyberstreams/core/workspace/workspacetest"
	"github.com/cyberstreams/cyberstreams/kg"
	"github.com/cyberstreams/cyberstreams/kg/attack"
	"github.com/cyberstreams/cyberstreams/kg/kgtest"
)

// TestRevisionFollowsGraphChanges: the graph's revision counter, which
// tells stored scores and entities that the workspace's knowledge
// changed, moves with every change to the graph and only then.
func TestRevisionFollowsGraphChanges(t *testing.T) {
	ctx := context.Background()
	ws := workspacetest.Open(t)
	if _, err := demo.Load(ctx, ws); err != nil {
		t.Fatal(err)
	}
	store := kg.NewStore(ws.DB())
	importAttack := func() error {
		_, err := attack.Import(ctx, store, bytes.NewReader(kgtest.SyntheticBundle()))
		return err
	}
	build := func() error {
		_, err := graphsync.Build(ctx, ws, store, nil, nil)
		return err
	}
	for _, tc := range []struct {
		step    string
		do      func() error
		changes bool
	}{
		{"graph import-attack", importAttack, true},
		{"graph build", build, true},
		{"graph build again over the same documents", build, false},
	} {
		was, err := store.Revision(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := tc.do(); err != nil {
			t.Fatalf("%s: %v", tc.step, err)
		}
		now, err := store.Revision(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if changed := now != was; changed != tc.changes {
			t.Errorf("%s: revision %d → %d, want a change: %v", tc.step, was, now, tc.changes)
		}
	}
}

// TestBuildUsesTheNamesTheGraphKnows: a document stored before `graph
// import-attack` (without actor and software names) is associated in the
// graph build with the actor and malware its text names, as scoring it
// now finds them.
func TestBuildUsesTheNamesTheGraphKnows(t *testing.T) {
	ctx := context.Background()
	ws := workspacetest.Open(t)
	plain, err := graphsync.Extractor(ctx, ws)
	if err != nil {
		t.Fatal(err)
	}
	d := document.Document{ID: "NAMED-1", Title: "Fancy Test phishing wave", Body: "Fancy Test dropped RatBad on ministry hosts."}
	d.Entities = plain.Extract(d.Text())
	d.Finish()
	if len(d.Entities["actor"]) != 0 || len(d.Entities["malware"]) != 0 {
		t.Fatalf("names found before the graph knows any: %v", d.Entities)
	}
	if _, err := ws.PutDocuments(ctx, []document.Document{d}); err != nil {
		t.Fatal(err)
	}
	store := kg.NewStore(ws.DB())
	if _, err := attack.Import(ctx, store, bytes.NewReader(kgtest.SyntheticBundle())); err != nil {
		t.Fatal(err)
	}
	if _, err := graphsync.Build(ctx, ws, store, func(id string, err error) { t.Errorf("%s: %v", id, err) }, nil); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"Alpha Group", "BadRat"} {
		ns, err := store.Enrich(ctx, kg.EnrichQuery{Value: name, Hops: 1})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, n := range ns {
			found = found || n.Key == kg.DocumentKey("NAMED-1")
		}
		if !found {
			t.Errorf("%s: neighbours %+v lack the document naming it", name, ns)
		}
	}
}
