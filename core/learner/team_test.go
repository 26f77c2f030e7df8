package learner

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cyberstreams/cyberstreams/core/learner/learnertest"
	"github.com/cyberstreams/cyberstreams/core/model"
	"github.com/cyberstreams/cyberstreams/core/registry"
	"github.com/cyberstreams/cyberstreams/core/training"
	"github.com/cyberstreams/cyberstreams/core/workspace"
	"github.com/cyberstreams/cyberstreams/core/workspace/workspacetest"
	"github.com/cyberstreams/cyberstreams/labels"
)

// TestTeammatesRetrainTheSameModel: two analysts label in their own
// workspaces and exchange their labels as a pull does (the other's events
// land under other local ids, in another order). Each retrains on the
// same base documents: both get the same version, made from the digest of
// the inputs, and byte-identical model files, without any model file
// changing hands. A retrain on unchanged inputs trains nothing again.
func TestTeammatesRetrainTheSameModel(t *testing.T) {
	ctx := context.Background()
	docs := learnertest.Corpus{N: 300, Seed: 5, Noise: 0.05}.Docs()
	ana, ben := workspacetest.Open(t), workspacetest.Open(t)
	for _, ws := range []*workspace.Workspace{ana, ben} {
		if _, err := ws.PutDocuments(ctx, docs); err != nil {
			t.Fatal(err)
		}
	}
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * time.Minute) }
	for i, d := range docs[:200] {
		ws, who := ana, "ana"
		if i%2 == 1 {
			ws, who = ben, "ben"
		}
		if _, err := ws.Labels().Add(ctx, labels.Event{DocID: d.ID, Severity: d.Severity, Analyst: who, Origin: "tui", CreatedAt: at(i)}); err != nil {
			t.Fatal(err)
		}
	}
	// ben's labels reach ana and ana's reach ben, as `label pull` appends them.
	exchange(t, ben, "ws-ben", ana)
	exchange(t, ana, "ws-ana", ben)

	cfg := DefaultConfig()
	cfg.MinHoldout = 30
	var versions []string
	var dirs []string
	for _, ws := range []*workspace.Workspace{ana, ben} {
		clock := t0.Add(time.Duration(len(dirs)+1) * 24 * time.Hour) // they retrain on different days
		cfg.Now = func() time.Time { clock = clock.Add(time.Hour); return clock }
		cfg.Tune = func(o *training.Options) { *o = fastLike(*o) }
		out, err := Run(ctx, ws, cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		versions = append(versions, out.Candidate)
		dirs = append(dirs, out.Path)
		card, err := model.LoadDir(out.Path)
		if err != nil {
			t.Fatal(err)
		}
		if card.Card.InputsSHA256 == "" || training.VersionOf(card.Card.InputsSHA256) != out.Candidate {
			t.Errorf("version %s is not made from the inputs digest %q", out.Candidate, card.Card.InputsSHA256)
		}
	}
	if versions[0] != versions[1] {
		t.Fatalf("the same inputs made versions %s and %s", versions[0], versions[1])
	}
	for _, f := range []string{model.ModelFile, model.FeaturesFile, model.NoveltyFile, model.ReferenceFile} {
		a, errA := os.ReadFile(filepath.Join(dirs[0], f))
		b, errB := os.ReadFile(filepath.Join(dirs[1], f))
		if errA != nil || errB != nil || !bytes.Equal(a, b) {
			t.Errorf("%s differs between the teammates' retrains (%v, %v)", f, errA, errB)
		}
	}

	// Unchanged inputs train nothing again: ana rolls her champion back
	// to the default, and the retrain finds its candidate registered.
	if _, err := registry.New(ana.DB(), ana.ModelsDir(), nil).Rollback(ctx, ""); err != nil {
		t.Fatal(err)
	}
	out, err := Run(ctx, ana, cfg, nil)
	if !errors.Is(err, ErrRetrainedBefore) || out.Candidate != versions[0] {
		t.Errorf("a retrain on the same inputs: %s, %v; want ErrRetrainedBefore naming %s", out.Candidate, err, versions[0])
	}
}

// exchange appends from's own label events to to's history, as a pull of
// them from the team's server would.
func exchange(t *testing.T, from *workspace.Workspace, fromID string, to *workspace.Workspace) {
	t.Helper()
	ctx := context.Background()
	evs, _, err := from.Labels().Unpushed(ctx, fromID, 100000)
	if err != nil {
		t.Fatal(err)
	}
	pulled := make([]labels.PulledEvent, len(evs))
	for i, e := range evs {
		pulled[i] = labels.PulledEvent{Seq: int64(i + 1), SharedEvent: e}
	}
	res, err := to.Labels().AppendPulled(ctx, pulled, int64(len(evs)))
	if err != nil || res.Appended != len(evs) {
		t.Fatalf("pull: %+v, %v", res, err)
	}
}
