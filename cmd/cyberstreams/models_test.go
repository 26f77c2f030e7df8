package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cyberstreams/cyberstreams/core/registry"
	"github.com/cyberstreams/cyberstreams/core/workspace"
)

func TestModelsLifecycle(t *testing.T) {
	dir, first := trainedWorkspace(t)
	r := runCLI(t, dir, "", "models", "list", "--json")
	var list struct {
		Champion string
		Models   []struct {
			Version string
			Aliases []string
		}
	}
	if r.Code != 0 || json.Unmarshal([]byte(r.Out), &list) != nil {
		t.Fatalf("models list: exit %d %s %s", r.Code, r.Out, r.Err)
	}
	if list.Champion != first || len(list.Models) != 1 || list.Models[0].Aliases[0] != "champion" {
		t.Fatalf("list %+v", list)
	}
	if r := runCLI(t, dir, "", "models", "show", "champion"); r.Code != 0 || !strings.Contains(r.Out, "model "+first) || !strings.Contains(r.Out, "promoted") {
		t.Fatalf("models show: exit %d\n%s%s", r.Code, r.Out, r.Err)
	}
	if r := runCLI(t, dir, "", "models", "compare"); r.Code != exitError || !strings.Contains(r.Err, "challenger") {
		t.Fatalf("compare without a challenger: exit %d %s", r.Code, r.Err)
	}
	if r := runCLI(t, dir, "", "models", "rollback"); r.Code != 0 || !strings.Contains(r.Out, "champion is now default") {
		t.Fatalf("rollback: exit %d %s %s", r.Code, r.Out, r.Err)
	}
	if r := runCLI(t, dir, "", "models", "rollback"); r.Code != exitError {
		t.Fatalf("second rollback: exit %d, want 1", r.Code)
	}
	if r := runCLI(t, dir, "", "models", "promote", first, "--reason", "back"); r.Code != 0 || !strings.Contains(r.Out, "champion is now "+first) {
		t.Fatalf("promote: exit %d %s %s", r.Code, r.Out, r.Err)
	}
	if r := runCLI(t, dir, "", "models", "promote", "nope"); r.Code != exitError {
		t.Fatalf("promote unknown: exit %d", r.Code)
	}
	// Shadow-score the same model as challenger: complete agreement.
	ws, err := workspace.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	reg := registry.New(ws.DB(), ws.ModelsDir(), nil)
	if err := reg.SetChallenger(context.Background(), first); err != nil {
		t.Fatal(err)
	}
	ws.Close()
	r = runCLI(t, dir, "", "models", "compare", "--limit", "50", "--json")
	var cmp struct {
		Documents int
		Agreement float64
	}
	if r.Code != 0 || json.Unmarshal([]byte(r.Out), &cmp) != nil || cmp.Documents != 50 || cmp.Agreement != 1 {
		t.Fatalf("compare: exit %d %+v %s", r.Code, cmp, r.Err)
	}
}

func TestLoadBundleRefs(t *testing.T) {
	dir, first := trainedWorkspace(t)
	ctx := context.Background()
	for _, ref := range []string{"", "champion", first, filepath.Join(dir, "models", first)} {
		app := &App{IO: &IOStreams{}, WorkspaceFlag: dir}
		b, err := app.loadBundle(ctx, ref)
		app.close()
		if err != nil || b.Card.Version != first {
			t.Fatalf("loadBundle(%q) = %v, %v; want %s", ref, b, err, first)
		}
	}
	app := &App{IO: &IOStreams{}, WorkspaceFlag: dir}
	defer app.close()
	if _, err := app.loadBundle(ctx, "challenger"); err == nil {
		t.Fatal("challenger resolved with none set")
	}
}
