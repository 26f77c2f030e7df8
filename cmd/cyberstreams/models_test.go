package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cyberstreams/cyberstreams/core/learner/learnertest"
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
	// No label is newer than both models: the promotion cannot be judged,
	// so it is refused with the judgement unless forced.
	if r := runCLI(t, dir, "", "models", "promote", first, "--reason", "back"); r.Code != exitError ||
		!strings.Contains(r.Out, "only 0 held-out labels") || !strings.Contains(r.Err, "--force") {
		t.Fatalf("promote unjudged: exit %d %s %s", r.Code, r.Out, r.Err)
	}
	if r := runCLI(t, dir, "", "models", "promote", first, "--reason", "back", "--force"); r.Code != 0 ||
		!strings.Contains(r.Out, "champion is now "+first) || !strings.Contains(r.Out, "manual") {
		t.Fatalf("promote --force: exit %d %s %s", r.Code, r.Out, r.Err)
	}
	if r := runCLI(t, dir, "", "models", "show", first); r.Code != 0 || !strings.Contains(r.Out, "forced by hand although not judged better (back)") {
		t.Fatalf("forced promotion not in the history: exit %d\n%s", r.Code, r.Out)
	}
	if r := runCLI(t, dir, "", "models", "promote", "nope"); r.Code != exitError || !strings.Contains(r.Err, "not a registered version") {
		t.Fatalf("promote unknown: exit %d %s", r.Code, r.Err)
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

// A model 'train' writes into a workspace is registered (models list and
// show see it) but does not score until 'models promote' judges it better
// than the champion on labels neither saw; a worse one is refused with the
// judgement printed; eval names the model it measures.
func TestTrainRegistersAndPromoteJudges(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "1600000000") // both models made in 2020, before every label
	dir := seedWorkspace(t)
	data := writeDocs(t, learnertest.Corpus{N: 300, Seed: 11, Noise: 0.05}.Docs()[:150], -1)
	train := func(version string, extra ...string) {
		args := append([]string{"train", "--data", data, "--iterations", "5", "--version", version}, extra...)
		if r := runCLI(t, dir, "", args...); r.Code != 0 || !strings.Contains(r.Out, "registered in the workspace") {
			t.Fatalf("train %s: exit %d\n%s%s", version, r.Code, r.Out, r.Err)
		}
	}
	train("t1")
	train("t2", "--leaves", "2", "--feature-fraction", "0.05")
	r := runCLI(t, dir, "", "models", "list", "--json")
	var list struct {
		Champion string
		Models   []struct{ Version string }
	}
	if r.Code != 0 || json.Unmarshal([]byte(r.Out), &list) != nil || list.Champion != "default" || len(list.Models) != 2 {
		t.Fatalf("models list: exit %d %s", r.Code, r.Out)
	}
	if r := runCLI(t, dir, "", "models", "show", "t1"); r.Code != 0 || !strings.Contains(r.Out, "model t1") || !strings.Contains(r.Out, "path") {
		t.Fatalf("models show t1: exit %d\n%s%s", r.Code, r.Out, r.Err)
	}
	if r := runCLI(t, dir, "", "eval", "--data", data); r.Code != 0 || !strings.Contains(r.Err, "eval: measuring model default") || !strings.Contains(r.Err, "workspace champion") {
		t.Fatalf("eval does not name the champion it measures: exit %d %q", r.Code, r.Err)
	}
	if r := runCLI(t, dir, labelLines(150, 300, false), "label", "import", "-"); r.Code != 0 {
		t.Fatalf("label import: exit %d: %s", r.Code, r.Err)
	}
	r = runCLI(t, dir, "", "models", "promote", "t1")
	for _, want := range []string{"judged on 150 held-out labels", "champion default", "candidate t1", "interval", "p = ", "champion is now t1 (was default; promoted)"} {
		if r.Code != 0 || !strings.Contains(r.Out, want) {
			t.Fatalf("promote t1 lacks %q: exit %d\n%s%s", want, r.Code, r.Out, r.Err)
		}
	}
	r = runCLI(t, dir, "", "models", "promote", "t2")
	if r.Code != exitError || !strings.Contains(r.Out, "candidate t2") || !strings.Contains(r.Err, "not judged better") {
		t.Fatalf("promote of a worse model: exit %d\n%s%s", r.Code, r.Out, r.Err)
	}
	if r := runCLI(t, dir, "", "eval", "--data", data); !strings.Contains(r.Err, "eval: measuring model t1") {
		t.Fatalf("eval after the promotion: %q", r.Err)
	}
	// The embedded default stays listed, no longer champion: it is what
	// rollback returns to.
	r = runCLI(t, dir, "", "models", "list")
	var defaultRow string
	for _, line := range strings.Split(r.Out, "\n") {
		if strings.HasPrefix(line, "default ") {
			defaultRow = line
		}
	}
	if r.Code != 0 || !strings.Contains(defaultRow, "(embedded)") || strings.Contains(defaultRow, "champion") {
		t.Fatalf("models list after a promotion: exit %d, default row %q\n%s", r.Code, defaultRow, r.Out)
	}
}
