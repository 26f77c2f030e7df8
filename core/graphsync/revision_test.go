package graphsync_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/cyberstreams/cyberstreams/core/demo"
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
