package learner

import (
	"context"
	"errors"
	"fmt"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/model"
	"github.com/cyberstreams/cyberstreams/core/registry"
	"github.com/cyberstreams/cyberstreams/core/scoring"
	"github.com/cyberstreams/cyberstreams/core/workspace"
	"github.com/cyberstreams/cyberstreams/labels"
)

// ErrNotJudgedBetter refuses a hand promotion of a version that was not
// judged better than the champion.
var ErrNotJudgedBetter = errors.New("not judged better than the champion")

// JudgeVersion judges a registered version against the champion on every
// current label that neither can have learned: given after the newest label
// either trained on and after both were made (a model made by 'train' may
// have read an export of older labels).
func JudgeVersion(ctx context.Context, ws *workspace.Workspace, cfg Config, version string) (Judgement, error) {
	if err := cfg.validate(); err != nil {
		return Judgement{}, err
	}
	reg := registry.New(ws.DB(), ws.ModelsDir(), cfg.Now)
	if _, err := reg.Get(ctx, version); err != nil {
		return Judgement{}, fmt.Errorf("judge %s: %w", version, err)
	}
	cand, err := reg.Resolve(ctx, version)
	if err != nil {
		return Judgement{}, fmt.Errorf("judge %s: %w", version, err)
	}
	cand.Card.Version = version
	champ, err := loadChampion(ctx, reg)
	if err != nil {
		return Judgement{}, fmt.Errorf("judge %s: %w", version, err)
	}
	champ.bundle.Card.Version = champ.version
	hold, err := unseenLabelled(ctx, ws, champ.bundle.Card, cand.Card)
	if err != nil {
		return Judgement{}, fmt.Errorf("judge %s: %w", version, err)
	}
	know, err := scoring.KnowledgeOf(ctx, ws)
	if err != nil {
		return Judgement{}, fmt.Errorf("judge %s: %w", version, err)
	}
	return Judge(know, champ.bundle, cand, hold, cfg), nil
}

// unseenLabelled returns the labelled workspace documents whose current
// label neither model can have trained on.
func unseenLabelled(ctx context.Context, ws *workspace.Workspace, cards ...model.Card) ([]document.Document, error) {
	var since int64
	for _, c := range cards {
		since = max(since, c.Data.MaxLabelID)
	}
	evs, err := newLabels(ctx, labels.New(ws.DB()), since)
	if err != nil {
		return nil, err
	}
	var docs []document.Document
	for _, e := range evs {
		late := true
		for _, c := range cards {
			late = late && e.CreatedAt.After(c.Created)
		}
		if !late {
			continue
		}
		d, err := ws.Document(ctx, e.DocID)
		if err != nil {
			return nil, err
		}
		d.Severity, d.Meta = e.Severity, nil
		docs = append(docs, d)
	}
	return docs, nil
}

// Promote makes a registered version the champion by hand, after judging it
// against the champion (JudgeVersion). A version judged better is promoted
// with the judgement as its reason. Any other is refused with an error
// wrapping ErrNotJudgedBetter, unless force: then it is promoted as a
// manual decision whose reason records the judgement it overrode. The
// judgement is returned in every case, for the caller to print.
func Promote(ctx context.Context, ws *workspace.Workspace, cfg Config, version, reason string, force bool) (Judgement, registry.Promotion, error) {
	reg := registry.New(ws.DB(), ws.ModelsDir(), cfg.Now)
	if cur, err := reg.ChampionVersion(ctx); err != nil {
		return Judgement{}, registry.Promotion{}, err
	} else if cur == version {
		return Judgement{}, registry.Promotion{}, fmt.Errorf("promote %s: it is already the champion", version)
	}
	j, err := JudgeVersion(ctx, ws, cfg, version)
	if err != nil {
		return j, registry.Promotion{}, fmt.Errorf("promote: %w", err)
	}
	d := registry.Decision{Decision: registry.DecisionPromoted, Reason: j.Reason}
	if j.ChampionReport != nil {
		d.CandidateScore, d.ChampionScore = &j.CandidateScore, &j.ChampionScore
	}
	switch {
	case j.Better && reason != "":
		d.Reason = reason + "; " + j.Reason
	case !j.Better && !force:
		return j, registry.Promotion{}, fmt.Errorf("promote %s: %w: %s (--force promotes it anyway)", version, ErrNotJudgedBetter, j.Reason)
	case !j.Better:
		d.Decision = registry.DecisionManual
		d.Reason = "forced by hand although not judged better"
		if reason != "" {
			d.Reason += " (" + reason + ")"
		}
		d.Reason += ": " + j.Summary
	}
	p, err := reg.Promote(ctx, version, d)
	return j, p, err
}
