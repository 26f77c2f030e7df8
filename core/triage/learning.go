package triage

import (
	"context"
	"fmt"
	"time"

	"github.com/cyberstreams/cyberstreams/core/learner"
	"github.com/cyberstreams/cyberstreams/core/registry"
	"github.com/cyberstreams/cyberstreams/core/scoring"
)

// Trigger progress and retraining for a labeling session. The learner
// decides; the session only asks it and, after a promotion, switches the
// queue to the new champion.

// LearningStatus is what the status bar shows about the learning loop.
type LearningStatus struct {
	Champion string
	// NewLabels of NeedLabels: progress toward a retrain (see Learning).
	NewLabels, NeedLabels int
	// Needed: some trigger fired and there are enough new labels to judge
	// a candidate; Fired names the triggers that fired. Waiting says what
	// is missing when triggers fired without enough labels (then Needed
	// is false: a retrain would train nothing).
	Needed  bool
	Fired   []string
	Waiting string
	// Drift: the drift trigger fired.
	Drift bool
}

// LearnerConfig reads the workspace's learner settings (config.json), or
// the defaults.
func (s *Session) LearnerConfig() (learner.Config, error) {
	return learner.LoadConfig(s.ws.Dir)
}

// Learning checks the learner's triggers against the workspace champion.
func (s *Session) Learning(ctx context.Context, cfg learner.Config) (LearningStatus, error) {
	t, err := learner.Check(ctx, s.ws, cfg)
	if err != nil {
		return LearningStatus{}, fmt.Errorf("check retraining triggers: %w", err)
	}
	// Progress is toward the new-labels trigger, which cannot retrain
	// before a judgement is possible; once another trigger has fired, it
	// is toward the labels a judgement needs.
	need := max(cfg.MinNewLabels, t.JudgeLabels)
	if t.Waiting != "" {
		need = t.JudgeLabels
	}
	st := LearningStatus{Champion: t.Champion, NewLabels: t.NewLabels, NeedLabels: need,
		Needed: t.Needed, Fired: t.Fired(), Waiting: t.Waiting}
	for _, tr := range t.List {
		if tr.Name == learner.TriggerDrift && tr.Fired {
			st.Drift = true
		}
	}
	return st, nil
}

// RetrainProgress is one step of a background retrain.
type RetrainProgress = learner.Progress

// RetrainResult is what a retrain did, and whether the session now scores
// with a new champion (then the queue has been rescored).
type RetrainResult struct {
	Outcome  learner.Outcome
	Switched bool
	Rescored int
	Took     time.Duration
}

// Retrain trains a candidate, lets the learner judge it against the
// champion and, when it is promoted, switches the session to it and
// rescores the queue. Long: run it in the background.
func (s *Session) Retrain(ctx context.Context, cfg learner.Config, progress func(RetrainProgress)) (RetrainResult, error) {
	start := time.Now()
	out, err := learner.Run(ctx, s.ws, cfg, progress)
	res := RetrainResult{Outcome: out}
	if err != nil {
		return res, fmt.Errorf("retrain: %w", err)
	}
	if out.Promoted {
		if err := s.UseChampion(ctx); err != nil {
			return res, err
		}
		res.Switched = true
		if progress != nil {
			progress(RetrainProgress{Stage: "rescore", Message: "rescoring the queue with " + s.Model()})
		}
		res.Rescored, err = s.ScoreMissing(ctx, nil)
		if err != nil {
			return res, err
		}
	}
	res.Took = time.Since(start)
	return res, nil
}

// UseChampion switches the session to the workspace's champion model.
func (s *Session) UseChampion(ctx context.Context) error {
	reg := registry.New(s.ws.DB(), s.ws.ModelsDir(), nil)
	b, err := reg.Resolve(ctx, registry.Champion)
	if err != nil {
		return fmt.Errorf("load the champion: %w", err)
	}
	// The same knowledge the session started with, read again: names and
	// graph facts the new champion was trained with.
	sc, err := scoring.ForWorkspace(ctx, s.ws, b)
	if err != nil {
		return fmt.Errorf("load the champion: %w", err)
	}
	s.SetScorer(sc)
	return nil
}
