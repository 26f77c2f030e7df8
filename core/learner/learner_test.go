package learner

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/drift"
	"github.com/cyberstreams/cyberstreams/core/features"
	"github.com/cyberstreams/cyberstreams/core/learner/learnertest"
	"github.com/cyberstreams/cyberstreams/core/model"
	"github.com/cyberstreams/cyberstreams/core/registry"
	"github.com/cyberstreams/cyberstreams/core/training"
	"github.com/cyberstreams/cyberstreams/core/workspace"
	"github.com/cyberstreams/cyberstreams/core/workspace/workspacetest"
	"github.com/cyberstreams/cyberstreams/labels"
)

var t0 = time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)

// installChampion saves b as version v with a drift reference of refDocs,
// registers and promotes it.
func installChampion(t *testing.T, ws *workspace.Workspace, b *model.Bundle, v string, refDocs []document.Document) {
	t.Helper()
	ctx := context.Background()
	b.Card.Version, b.Card.Created = v, t0
	dir := filepath.Join(ws.ModelsDir(), v)
	if err := b.Save(dir); err != nil {
		t.Fatal(err)
	}
	ref := drift.Summarize(features.New(b.Spec), refDocs, drift.PredictedMix(b.Card.Validation.Confusion), 1)
	if err := ref.Save(dir); err != nil {
		t.Fatal(err)
	}
	reg := registry.New(ws.DB(), ws.ModelsDir(), nil)
	if _, err := reg.Register(ctx, dir); err != nil {
		t.Fatal(err)
	}
	if _, err := reg.Promote(ctx, v, registry.Decision{}); err != nil {
		t.Fatal(err)
	}
}

// label gives docs analyst labels; wrong shifts every label by one class.
func label(t *testing.T, ws *workspace.Workspace, docs []document.Document, wrong bool) {
	t.Helper()
	store := labels.New(ws.DB())
	for i, d := range docs {
		sev := d.Severity
		if wrong {
			sev = document.Severities[(document.SeverityIndex(sev)+1)%5]
		}
		if _, err := store.Add(context.Background(), labels.Event{DocID: d.ID, Severity: sev, Analyst: "ana",
			CreatedAt: t0.Add(time.Duration(i) * time.Minute)}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestCheckTriggers(t *testing.T) {
	ctx := context.Background()
	refDocs := learnertest.Corpus{N: 300, Seed: 1}.Docs()
	opts := learnertest.FastOptions()
	res, err := training.Train(ctx, refDocs, opts)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		shift   bool // the workspace's documents come from a new feed
		labels  int
		wrong   bool // labels disagree with the truth the champion learned
		age     time.Duration
		drift   bool
		fired   []string
		minimum int
		// minHoldout is the learner's min_holdout (default 1 here); needed
		// is whether a retrain would train.
		minHoldout int
		needed     bool
	}{
		{name: "fresh champion, no labels", fired: nil},
		{name: "enough new labels", labels: 60, minimum: 50, fired: []string{TriggerNewLabels}, needed: true},
		{name: "new labels below the threshold", labels: 40, minimum: 50, fired: nil},
		{name: "old champion with new labels", labels: 5, age: 8 * 24 * time.Hour, fired: []string{TriggerAge}, needed: true},
		{name: "old champion without new labels", age: 30 * 24 * time.Hour, fired: nil},
		{name: "analysts disagree with the champion", labels: 40, wrong: true, fired: []string{TriggerAccuracy}, needed: true},
		{name: "documents drifted", shift: true, drift: true, labels: 10, fired: []string{TriggerDrift}, needed: true},
		{name: "same documents, drift checked", drift: true, fired: nil},
		// Triggers that fire without enough labels to judge a candidate
		// must not start a retrain (issue 11: "age, drift" promoted a
		// model trained on 4 labels).
		{name: "old champion, too few labels to judge", labels: 4, age: 8 * 24 * time.Hour, minHoldout: 100, fired: []string{TriggerAge}},
		{name: "drift without labels", shift: true, drift: true, fired: []string{TriggerDrift}},
		{name: "new labels trigger below min_holdout", labels: 60, minimum: 50, minHoldout: 13, fired: []string{TriggerNewLabels}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ws := workspacetest.Open(t)
			installChampion(t, ws, res.Bundle, "m1", refDocs)
			docs := learnertest.Corpus{N: 200, Seed: 2, Shift: tt.shift, Start: t0.AddDate(0, 0, -20), Prefix: "ws"}.Docs()
			if _, err := ws.PutDocuments(ctx, docs); err != nil {
				t.Fatal(err)
			}
			label(t, ws, docs[:tt.labels], tt.wrong)
			cfg := DefaultConfig()
			cfg.Now = func() time.Time { return t0.Add(tt.age) }
			cfg.MinNewLabels = max(tt.minimum, 1000)
			if tt.minimum > 0 {
				cfg.MinNewLabels = tt.minimum
			}
			cfg.MinRecentLabels = 30
			cfg.MinHoldout = max(tt.minHoldout, 1)
			cfg.Drift = tt.drift
			got, err := Check(ctx, ws, cfg)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got.Fired(), tt.fired) || got.Needed != tt.needed {
				t.Fatalf("fired %v (needed %v), want %v (needed %v)\n%+v", got.Fired(), got.Needed, tt.fired, tt.needed, got.List)
			}
			if blocked := len(tt.fired) > 0 && !tt.needed; blocked != (got.Waiting != "") {
				t.Fatalf("waiting %q with fired %v and needed %v", got.Waiting, got.Fired(), got.Needed)
			}
			if got.Champion != "m1" || got.NewLabels != tt.labels {
				t.Fatalf("champion %s with %d new labels, want m1 with %d", got.Champion, got.NewLabels, tt.labels)
			}
		})
	}
}

// TestRunFreshWorkspace is issue 11's scenario: in a fresh workspace the
// embedded default model is the champion; four labels are far too few to
// judge a candidate, so nothing is trained and the output says how many
// labels are missing; with enough labels a candidate is trained, judged
// against the default on the newest of them and recorded either way.
func TestRunFreshWorkspace(t *testing.T) {
	ctx := context.Background()
	ws := workspacetest.Open(t)
	docs := learnertest.Corpus{N: 400, Seed: 3, Noise: 0.05}.Docs()
	if _, err := ws.PutDocuments(ctx, docs); err != nil {
		t.Fatal(err)
	}
	clock := t0
	cfg := DefaultConfig()
	cfg.Now = func() time.Time { clock = clock.Add(time.Hour); return clock }
	cfg.Tune = func(o *training.Options) { *o = fastLike(*o) }
	reg := registry.New(ws.DB(), ws.ModelsDir(), nil)

	label(t, ws, docs[:4], false)
	var stages []string
	out, err := Run(ctx, ws, cfg, func(p Progress) { stages = append(stages, p.Stage) })
	if !errors.Is(err, ErrTooFewLabels) {
		t.Fatalf("4 labels: err %v, want ErrTooFewLabels (outcome %+v)", err, out)
	}
	for _, want := range []string{"4 documents labelled since default", "at least 100 held-out labels", "499 new labels are needed (495 more)", "nothing trained, default stays the champion"} {
		if !strings.Contains(err.Error(), want) {
			t.Fatalf("the refusal does not say %q: %v", want, err)
		}
	}
	if out.Promoted || out.Candidate != "" || len(stages) != 0 {
		t.Fatalf("something was trained: %+v (stages %v)", out, stages)
	}
	if entries, _ := os.ReadDir(ws.ModelsDir()); len(entries) != 0 {
		t.Fatalf("models written: %v", entries)
	}
	if champ, _ := reg.ChampionVersion(ctx); champ != model.DefaultRef {
		t.Fatalf("champion %s, want the embedded default", champ)
	}
	if h, _ := reg.History(ctx); len(h) != 0 {
		t.Fatalf("history %+v after training nothing", h)
	}

	// 200 labels, 40 held out: judged against the default, which has never
	// seen this synthetic vocabulary.
	label(t, ws, docs[4:200], false)
	cfg.MinHoldout = 30
	out, err = Run(ctx, ws, cfg, func(p Progress) { stages = append(stages, p.Stage) })
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"collect", "train", "save", "evaluate", "decide"} {
		if !slices.Contains(stages, s) {
			t.Fatalf("progress never reported %s: %v", s, stages)
		}
	}
	j := out.Judgement
	if out.Champion != model.DefaultRef || out.HoldoutDocs != 40 || out.TrainDocs != 360 || out.LabelledDocs != 200 || j.N != 40 {
		t.Fatalf("champion %s holdout %d train %d labelled %d judged on %d", out.Champion, out.HoldoutDocs, out.TrainDocs, out.LabelledDocs, j.N)
	}
	if !out.Promoted || !j.Better || j.Difference.Low <= 0 || j.CandidateScore <= j.ChampionScore {
		t.Fatalf("candidate not promoted over the default on its own vocabulary: %s", out.Reason)
	}
	if _, err := os.Stat(filepath.Join(out.Path, drift.ReferenceFile)); err != nil {
		t.Fatalf("no drift reference beside the model: %v", err)
	}
	h, err := reg.History(ctx)
	if err != nil || len(h) != 1 || h[0].Version != out.Candidate || h[0].Decision != registry.DecisionPromoted ||
		h[0].Previous != model.DefaultRef || h[0].CandidateScore == nil || !strings.Contains(h[0].Reason, "interval") {
		t.Fatalf("history %+v, %v", h, err)
	}
	c, _ := Check(ctx, ws, Config{MinNewLabels: 1, Drift: false, RecentLabels: 500, MinRecentLabels: 1000, MinHoldout: 1, HoldoutShare: 0.2, Now: cfg.Now})
	if c.NewLabels != 0 {
		t.Fatalf("after promotion %d labels still count as new", c.NewLabels)
	}
}

// fastLike keeps what the learner set (version, inputs, labels) and makes
// the model tiny.
func fastLike(o training.Options) training.Options {
	f := learnertest.FastOptions()
	f.Version, f.Parent, f.Command, f.Inputs, f.Labels, f.MaxLabel, f.Progress, f.Seed =
		o.Version, o.Parent, o.Command, o.Inputs, o.Labels, o.MaxLabel, o.Progress, o.Seed
	f.Features.EntityTypes = o.Features.EntityTypes
	return f
}

func TestPromotionDecision(t *testing.T) {
	ctx := context.Background()
	docs := learnertest.Corpus{N: 400, Seed: 4}.Docs()
	good, err := training.Train(ctx, docs, learnertest.FastOptions())
	if err != nil {
		t.Fatal(err)
	}
	weakOpts := learnertest.FastOptions()
	weakOpts.Params.NumIterations = 1
	weakOpts.Features.MaxTerms = 1
	weak, err := training.Train(ctx, docs, weakOpts)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		champion *model.Bundle
		crippled bool // the candidate is trained with one round on one term
		margin   float64
		promoted bool
	}{
		{"worse candidate is refused", good.Bundle, true, 0, false},
		{"a margin never lets a lower score through", good.Bundle, true, 0.9, false},
		{"better candidate is promoted", weak.Bundle, false, 0, true},
	}
	for _, tt := range tests {
		for _, seed := range []int64{1, 2, 3} {
			t.Run(fmt.Sprintf("%s/seed %d", tt.name, seed), func(t *testing.T) {
				ws := workspacetest.Open(t)
				if _, err := ws.PutDocuments(ctx, docs); err != nil {
					t.Fatal(err)
				}
				installChampion(t, ws, tt.champion, "champ", docs)
				label(t, ws, docs[200:], false)
				cfg := DefaultConfig()
				cfg.Now = func() time.Time { return t0.Add(time.Hour) }
				// 80 held-out labels: with 40, one seed's gain of +0.05 macro-F1 was
				// not told from chance once the time-of-day features (noise
				// here) left the spec.
				cfg.Margin, cfg.Seed, cfg.MinHoldout, cfg.HoldoutShare = tt.margin, seed, 30, 0.4
				cfg.Tune = func(o *training.Options) {
					*o = fastLike(*o)
					if tt.crippled {
						o.Params.NumIterations, o.Features.MaxTerms = 1, 1
					}
				}
				out, err := Run(ctx, ws, cfg, nil)
				if err != nil {
					t.Fatal(err)
				}
				t.Logf("seed %d: %s: %s", seed, out.Decision, out.Reason)
				if out.Promoted != tt.promoted {
					t.Fatalf("promoted %v, want %v: %s", out.Promoted, tt.promoted, out.Reason)
				}
				reg := registry.New(ws.DB(), ws.ModelsDir(), nil)
				champ, _ := reg.ChampionVersion(ctx)
				chal, _, _ := reg.Alias(ctx, registry.Challenger)
				if tt.promoted && champ != out.Candidate || !tt.promoted && (champ != "champ" || chal != out.Candidate) {
					t.Fatalf("champion %s challenger %s after %s of %s", champ, chal, out.Decision, out.Candidate)
				}
			})
		}
	}
}

func TestLoadConfig(t *testing.T) {
	dir := t.TempDir()
	cfg, err := LoadConfig(dir)
	if err != nil || cfg.MinNewLabels != 1000 || cfg.AccuracyRatio != 0.95 || cfg.MaxAgeDays != 7 {
		t.Fatalf("defaults without a file: %+v %v", cfg, err)
	}
	os.WriteFile(filepath.Join(dir, ConfigFile), []byte(`{"other":{"x":1},"learner":{"min_new_labels":5,"base_corpus":["base.jsonl"],"metric":"accuracy"}}`), 0o644)
	cfg, err = LoadConfig(dir)
	if err != nil || cfg.MinNewLabels != 5 || cfg.RecentLabels != 500 || cfg.Metric != "accuracy" || cfg.BaseCorpus[0] != filepath.Join(dir, "base.jsonl") {
		t.Fatalf("overrides: %+v %v", cfg, err)
	}
	os.WriteFile(filepath.Join(dir, ConfigFile), []byte(`{"learner":{"metric":"auc"}}`), 0o644)
	if _, err := LoadConfig(dir); err == nil {
		t.Fatal("accepted an unknown metric")
	}
}

// TestDriftJudgedForTheDefaultModel checks that a workspace with no trained
// model of its own judges drift against the reference the embedded default
// model carries, instead of skipping the trigger.
func TestDriftJudgedForTheDefaultModel(t *testing.T) {
	ctx := context.Background()
	ws := workspacetest.Open(t)
	docs := learnertest.Corpus{N: 200, Seed: 2, Start: t0.AddDate(0, 0, -20), Prefix: "ws"}.Docs()
	if _, err := ws.PutDocuments(ctx, docs); err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.Now = func() time.Time { return t0 }
	cfg.Drift = true
	got, err := Check(ctx, ws, cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range got.List {
		if tr.Name != TriggerDrift {
			continue
		}
		if got.Drift == nil || got.Drift.Tested == 0 || tr.Value != got.Drift.Share {
			t.Fatalf("drift not judged against the default model's reference: %+v (report %v)", tr, got.Drift)
		}
		return
	}
	t.Fatalf("no drift trigger in %+v", got.List)
}
