package learner

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/drift"
	"github.com/cyberstreams/cyberstreams/core/model"
	"github.com/cyberstreams/cyberstreams/core/registry"
	"github.com/cyberstreams/cyberstreams/core/scoring"
	"github.com/cyberstreams/cyberstreams/core/workspace"
	"github.com/cyberstreams/cyberstreams/labels"
)

// Trigger names.
const (
	TriggerNewLabels = "new_labels"
	TriggerAccuracy  = "recent_accuracy"
	TriggerAge       = "age"
	TriggerDrift     = "drift"
)

// Trigger is one retraining condition and whether it fired.
type Trigger struct {
	Name      string  `json:"name"`
	Fired     bool    `json:"fired"`
	Value     float64 `json:"value"`
	Threshold float64 `json:"threshold"`
	Detail    string  `json:"detail"`
}

// Triggers is the answer to "does the champion need retraining?".
type Triggers struct {
	Champion  string    `json:"champion"`
	NewLabels int       `json:"new_labels"`
	List      []Trigger `json:"triggers"`
	// Needed: a trigger fired and enough new labels can be held out to
	// judge a candidate (Run would train). A trigger that fires without
	// them leaves Needed false and Waiting saying what is missing: a
	// retrain then could only promote a model nobody judged.
	Needed bool `json:"needed"`
	// HeldOut is how many of the new labels a retrain would hold out, of
	// the MinHoldout a judgement needs.
	HeldOut    int `json:"held_out"`
	MinHoldout int `json:"min_holdout"`
	// JudgeLabels is how many labels since the champion was trained a
	// judgement needs (MinHoldout of them held out).
	JudgeLabels int           `json:"judge_labels"`
	Waiting     string        `json:"waiting,omitempty"`
	Drift       *drift.Report `json:"drift,omitempty"`
}

// Fired names the triggers that fired.
func (t Triggers) Fired() []string {
	var out []string
	for _, tr := range t.List {
		if tr.Fired {
			out = append(out, tr.Name)
		}
	}
	return out
}

func (t *Triggers) add(tr Trigger) {
	t.List = append(t.List, tr)
	t.Needed = t.Needed || tr.Fired
}

// champion is the loaded champion and where its bundle lives ("" for the
// embedded default).
type champion struct {
	version string
	bundle  *model.Bundle
	dir     string
}

// loadChampion loads the registered champion, or the embedded default
// model, which is the champion of every workspace that has promoted
// nothing: a candidate always has a champion to beat.
func loadChampion(ctx context.Context, reg *registry.Registry) (*champion, error) {
	v, err := reg.ChampionVersion(ctx)
	if err != nil {
		return nil, err
	}
	b, err := reg.Resolve(ctx, v)
	if err != nil {
		return nil, fmt.Errorf("champion %s: %w", v, err)
	}
	c := &champion{version: v, bundle: b}
	if e, err := reg.Get(ctx, v); err == nil {
		c.dir = e.Path
	} else if !errors.Is(err, registry.ErrNotFound) {
		return nil, err
	}
	return c, nil
}

// newLabels returns the current labels given after the champion's last
// trained-on label event, oldest first.
func newLabels(ctx context.Context, store *labels.Store, since int64) ([]labels.Event, error) {
	evs, err := store.Since(ctx, since)
	if err != nil {
		return nil, err
	}
	out := evs[:0]
	for _, e := range evs {
		if e.Severity != "" { // a label retracted to nothing
			out = append(out, e)
		}
	}
	return out, nil
}

// Check evaluates every trigger against the workspace's champion.
func Check(ctx context.Context, ws *workspace.Workspace, cfg Config) (Triggers, error) {
	reg := registry.New(ws.DB(), ws.ModelsDir(), cfg.Now)
	champ, err := loadChampion(ctx, reg)
	if err != nil {
		return Triggers{}, err
	}
	t := Triggers{Champion: champ.version, MinHoldout: cfg.MinHoldout, JudgeLabels: neededLabels(cfg)}
	card := champ.bundle.Card
	store := labels.New(ws.DB())
	fresh, err := newLabels(ctx, store, card.Data.MaxLabelID)
	if err != nil {
		return t, fmt.Errorf("check: %w", err)
	}
	t.NewLabels = len(fresh)
	t.add(Trigger{Name: TriggerNewLabels, Fired: len(fresh) >= cfg.MinNewLabels, Value: float64(len(fresh)),
		Threshold: float64(cfg.MinNewLabels), Detail: fmt.Sprintf("%d documents labelled since the champion trained", len(fresh))})

	acc, err := recentAccuracy(ctx, ws, champ.bundle, fresh, cfg)
	if err != nil {
		return t, err
	}
	t.add(acc)

	age := cfg.now().Sub(card.Created)
	maxAge := time.Duration(cfg.MaxAgeDays * float64(24*time.Hour))
	t.add(Trigger{Name: TriggerAge, Fired: !card.Created.IsZero() && age >= maxAge && len(fresh) > 0,
		Value: age.Hours() / 24, Threshold: cfg.MaxAgeDays,
		Detail: fmt.Sprintf("champion is %.1f days old; %d new labels", age.Hours()/24, len(fresh))})

	if cfg.Drift {
		know, err := scoring.KnowledgeOf(ctx, ws)
		if err != nil {
			return t, fmt.Errorf("check: %w", err)
		}
		tr, rep, err := driftTrigger(ctx, ws, champ, cfg, know)
		if err != nil {
			return t, err
		}
		t.Drift = rep
		t.add(tr)
	}
	t.HeldOut = len(holdoutLabels(fresh, cfg))
	if t.Needed && t.HeldOut < cfg.MinHoldout {
		t.Needed = false
		t.Waiting = tooFewLabels(len(fresh), champ.version, cfg)
	}
	return t, nil
}

// recentAccuracy scores the newest labels the champion did not train on
// and compares its accuracy with its own validation accuracy.
func recentAccuracy(ctx context.Context, ws *workspace.Workspace, b *model.Bundle, fresh []labels.Event, cfg Config) (Trigger, error) {
	tr := Trigger{Name: TriggerAccuracy}
	baseline := 0.0
	if b.Card.Validation != nil {
		baseline = b.Card.Validation.Accuracy
	}
	tr.Threshold = cfg.AccuracyRatio * baseline
	recent := fresh[max(len(fresh)-cfg.RecentLabels, 0):]
	if len(recent) < cfg.MinRecentLabels || baseline == 0 {
		tr.Detail = fmt.Sprintf("%d recent labels (need %d) and baseline accuracy %.3f: not judged", len(recent), cfg.MinRecentLabels, baseline)
		return tr, nil
	}
	docs := make([]document.Document, 0, len(recent))
	for _, e := range recent {
		d, err := ws.Document(ctx, e.DocID)
		if err != nil {
			return tr, fmt.Errorf("recent accuracy: %w", err)
		}
		d.Severity = e.Severity
		docs = append(docs, d)
	}
	know, err := scoring.KnowledgeOf(ctx, ws)
	if err != nil {
		return tr, fmt.Errorf("recent accuracy: %w", err)
	}
	_, _, r := decisions(know, b, docs)
	tr.Value = r.Accuracy
	tr.Fired = r.Accuracy < tr.Threshold
	tr.Detail = fmt.Sprintf("accuracy %.3f on the %d newest labels vs %.2f × validation accuracy %.3f", r.Accuracy, len(docs), cfg.AccuracyRatio, baseline)
	return tr, nil
}

func driftTrigger(ctx context.Context, ws *workspace.Workspace, champ *champion, cfg Config, know scoring.Knowledge) (Trigger, *drift.Report, error) {
	tr := Trigger{Name: TriggerDrift, Threshold: 0.5}
	// The bundle carries its reference, whether it was loaded from a
	// directory or is the embedded default model.
	ref, err := drift.BundleReference(champ.bundle)
	if err != nil {
		tr.Detail = "not judged: " + err.Error()
		return tr, nil, nil
	}
	since := cfg.now().AddDate(0, 0, -max(cfg.DriftDays, 1))
	rep, err := drift.DetectReference(ctx, ws, champ.bundle, ref, since,
		drift.Options{Featurizer: know.Featurizer, Basis: know.Basis(champ.version)})
	if err != nil {
		tr.Detail = "not judged: " + err.Error()
		return tr, nil, nil
	}
	tr.Value, tr.Threshold, tr.Fired = rep.Share, rep.Threshold, rep.DatasetDrift
	tr.Detail = fmt.Sprintf("%d of %d columns drifted over %d current documents", rep.Drifted, rep.Tested, rep.CurrentDocs)
	return tr, &rep, nil
}
