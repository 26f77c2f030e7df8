package graphsync_test

import (
	"bytes"
	"context"
	"slices"
	"testing"

	"github.com/cyberstreams/cyberstreams/core/graphsync"
	"github.com/cyberstreams/cyberstreams/core/workspace/workspacetest"
	"github.com/cyberstreams/cyberstreams/kg"
	"github.com/cyberstreams/cyberstreams/kg/attack"
	"github.com/cyberstreams/cyberstreams/kg/kgtest"
)

func TestExtractorLearnsNamesFromTheGraph(t *testing.T) {
	ctx := context.Background()
	ws := workspacetest.Open(t)
	ex, err := graphsync.Extractor(ctx, ws)
	if err != nil {
		t.Fatal(err)
	}
	text := "Fancy Test used a spearphishing link against the ministry."
	if got := ex.Extract(text)["actor"]; len(got) != 0 {
		t.Fatalf("no graph yet, but found actors %v", got)
	}
	if _, err := attack.Import(ctx, kg.NewStore(ws.DB()), bytes.NewReader(kgtest.SyntheticBundle())); err != nil {
		t.Fatal(err)
	}
	names, err := kg.NewStore(ws.DB()).Names(ctx)
	if err != nil || len(names) == 0 {
		t.Fatalf("synthetic bundle gave no names (%v)", err)
	}
	ex, err = graphsync.Extractor(ctx, ws)
	if err != nil {
		t.Fatal(err)
	}
	var actor kg.NamedEntity
	for _, n := range names {
		if n.Kind == "actor" && len(n.Aliases) > 0 {
			actor = n
			break
		}
	}
	if actor.Canonical == "" {
		t.Fatal("synthetic bundle has no actor with an alias")
	}
	got := ex.Extract("Reports tie the intrusion to " + actor.Aliases[0] + " operators.")["actor"]
	if !slices.Contains(got, actor.Canonical) {
		t.Fatalf("alias %q should extract as actor %q, got %v", actor.Aliases[0], actor.Canonical, got)
	}
}
