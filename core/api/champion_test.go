package api

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/cyberstreams/cyberstreams/core/model"
	"github.com/cyberstreams/cyberstreams/core/registry"
	"github.com/cyberstreams/cyberstreams/core/training/trainingtest"
	"github.com/cyberstreams/cyberstreams/core/workspace"
)

// TestFollowTheWorkspaceChampion: a promotion, a rollback and a broken
// champion, each made through another handle on the workspace (as another
// process makes them), reach a serving server as the next check.
func TestFollowTheWorkspaceChampion(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	ws, err := workspace.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	other, err := workspace.Open(ctx, dir) // the other process
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	reg := registry.New(other.DB(), other.ModelsDir(), nil)
	for i, v := range []string{"m-a", "m-b"} {
		b := trainingtest.Bundle(t, 300, int64(i+1))
		b.Card.Version = v
		if err := b.Save(filepath.Join(other.ModelsDir(), v)); err != nil {
			t.Fatal(err)
		}
		if _, err := reg.Register(ctx, filepath.Join(other.ModelsDir(), v)); err != nil {
			t.Fatal(err)
		}
	}

	c := WorkspaceChampion(ws)
	serving, err := c.Version(ctx)
	if err != nil || serving != model.DefaultRef {
		t.Fatalf("a fresh workspace's champion: %q, %v; want the embedded default", serving, err)
	}
	first, err := c.Scorer(ctx, serving)
	if err != nil {
		t.Fatal(err)
	}
	srv := New(first)
	logf := func(string, ...any) {}
	steps := []struct {
		name   string
		change func() error
		want   string
		fails  bool
	}{
		{"nothing changed", func() error { return nil }, first.Version(), false},
		{"promote m-a", func() error { _, err := reg.Promote(ctx, "m-a", registry.Decision{}); return err }, "m-a", false},
		{"promote m-b", func() error { _, err := reg.Promote(ctx, "m-b", registry.Decision{}); return err }, "m-b", false},
		{"roll back", func() error { _, err := reg.Rollback(ctx, "test"); return err }, "m-a", false},
		{"a champion that cannot load", func() error {
			if _, err := reg.Promote(ctx, "m-b", registry.Decision{}); err != nil {
				return err
			}
			return os.RemoveAll(filepath.Join(other.ModelsDir(), "m-b"))
		}, "m-a", true},
	}
	for _, st := range steps {
		if err := st.change(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		before := srv.Scorer()
		err := srv.followOnce(ctx, c, &serving, logf)
		if (err != nil) != st.fails {
			t.Fatalf("%s: error %v, want an error: %v", st.name, err, st.fails)
		}
		if got := srv.Scorer().Version(); got != st.want {
			t.Fatalf("%s: serving %s, want %s", st.name, got, st.want)
		}
		if st.want == before.Version() && srv.Scorer() != before {
			t.Fatalf("%s: the scorer was rebuilt although the champion did not change", st.name)
		}
	}
}
