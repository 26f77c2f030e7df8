package learner

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/drift"
	"github.com/cyberstreams/cyberstreams/core/extract"
	"github.com/cyberstreams/cyberstreams/core/features"
	"github.com/cyberstreams/cyberstreams/core/ingest"
	"github.com/cyberstreams/cyberstreams/core/model"
	"github.com/cyberstreams/cyberstreams/core/registry"
	"github.com/cyberstreams/cyberstreams/core/scoring"
	"github.com/cyberstreams/cyberstreams/core/training"
	"github.com/cyberstreams/cyberstreams/core/workspace"
	"github.com/cyberstreams/cyberstreams/labels"
	"github.com/cyberstreams/cyberstreams/ml/metrics"
)

type metricsReport = metrics.Report

// Progress is one step of a retrain, for a progress bar or a log line.
type Progress struct {
	Stage   string // collect, train, save, evaluate, decide
	Message string
}

// Outcome is what a retrain did.
type Outcome struct {
	Candidate string `json:"candidate"`
	Champion  string `json:"champion"` // the champion the candidate was judged against
	Promoted  bool   `json:"promoted"`
	Decision  string `json:"decision"`
	Reason    string `json:"reason"`
	Metric    string `json:"metric"`
	// Scores on the held-out labels in Metric; nil when there was no
	// hold-out (or no champion to score).
	CandidateScore *float64 `json:"candidate_score"`
	ChampionScore  *float64 `json:"champion_score"`
	// Hold-out reports (nil without a hold-out).
	CandidateHoldout *metrics.Report `json:"candidate_holdout,omitempty"`
	ChampionHoldout  *metrics.Report `json:"champion_holdout,omitempty"`
	Validation       metrics.Report  `json:"validation"`
	TrainDocs        int             `json:"train_docs"`
	LabelledDocs     int             `json:"labelled_docs"`
	HoldoutDocs      int             `json:"holdout_docs"`
	Path             string          `json:"path"`
	TrainSeconds     float64         `json:"train_seconds"`
	Seconds          float64         `json:"seconds"`
}

// Run trains a candidate from the base corpus and the analyst labels,
// judges it against the champion on held-out labels, records the decision
// and returns it. progress may be nil.
func Run(ctx context.Context, ws *workspace.Workspace, cfg Config, progress func(Progress)) (Outcome, error) {
	start := time.Now()
	if err := cfg.validate(); err != nil {
		return Outcome{}, err
	}
	say := func(stage, format string, args ...any) {
		if progress != nil {
			progress(Progress{Stage: stage, Message: fmt.Sprintf(format, args...)})
		}
	}
	reg := registry.New(ws.DB(), ws.ModelsDir(), cfg.Now)
	champ, err := loadChampion(ctx, reg)
	if err != nil {
		return Outcome{}, fmt.Errorf("retrain: %w", err)
	}
	out := Outcome{Metric: cfg.Metric}
	var seen int64
	if champ != nil {
		out.Champion, seen = champ.version, champ.bundle.Card.Data.MaxLabelID
	}

	// The entities and features the candidate learns from are those every
	// scorer of this workspace will give it (scoring.Knowledge).
	know, err := scoring.KnowledgeOf(ctx, ws)
	if err != nil {
		return out, fmt.Errorf("retrain: %w", err)
	}
	say("collect", "reading the base corpus and workspace documents")
	set, err := collect(ctx, ws, cfg, know)
	if err != nil {
		return out, fmt.Errorf("retrain: %w", err)
	}
	store := labels.New(ws.DB())
	fresh, err := newLabels(ctx, store, seen)
	if err != nil {
		return out, fmt.Errorf("retrain: %w", err)
	}
	holdout := holdoutLabels(fresh, cfg)
	held := make(map[string]bool, len(holdout))
	for _, e := range holdout {
		held[e.DocID] = true
	}
	var train, holdDocs []document.Document
	for _, d := range set.docs {
		if held[d.ID] {
			holdDocs = append(holdDocs, d)
			continue
		}
		if document.SeverityIndex(d.Severity) >= 0 {
			train = append(train, d)
		}
	}
	out.TrainDocs, out.LabelledDocs, out.HoldoutDocs = len(train), set.labelled, len(holdDocs)
	say("collect", "%d training documents (%d with analyst labels), %d held-out labels", len(train), set.labelled, len(holdDocs))
	if len(train) < training.MinDocuments && len(cfg.BaseCorpus) == 0 {
		return out, fmt.Errorf("retrain: only %d labelled documents to learn from; point the learner at a base corpus "+
			"(\"learner\": {\"base_corpus\": [\"advisories.jsonl.gz\"]} in %s, or --base PATH) or ingest labelled documents",
			len(train), ConfigFile)
	}

	opts := training.DefaultOptions()
	opts.Seed = cfg.Seed
	if cfg.Iterations > 0 {
		opts.Params.NumIterations = cfg.Iterations
	}
	opts.Features.EntityTypes = extract.Types
	opts.Graph = know.Graph
	if cfg.KEV != "" {
		kev, err := features.ReadKEVFile(cfg.KEV)
		if err != nil {
			return out, fmt.Errorf("retrain: %w", err)
		}
		opts.Features.KEV = kev
	}
	opts.Version = candidateVersion(ws, cfg.now())
	opts.Parent = out.Champion
	opts.Command = "cyberstreams retrain"
	opts.Inputs = set.inputs
	opts.Labels = set.labelled
	opts.MaxLabel = set.maxLabelID
	opts.Progress = func(format string, args ...any) { say("train", format, args...) }
	if cfg.Tune != nil {
		cfg.Tune(&opts)
	}
	res, err := training.Train(ctx, train, opts)
	if err != nil {
		return out, fmt.Errorf("retrain: %w", err)
	}
	out.Candidate, out.Validation, out.TrainSeconds = opts.Version, res.Validation, res.Duration.Seconds()
	res.Bundle.Card.Created = cfg.now().UTC().Truncate(time.Second)
	res.Bundle.Card.Notes = append(res.Bundle.Card.Notes,
		fmt.Sprintf("retrained from %d documents; %d newest labels held out to judge it against %s", len(train), len(holdDocs), orDefault(out.Champion)))

	// A retrain cancelled (the analyst quit the triage screen) stops here,
	// before anything is written. Past this point the candidate is saved,
	// registered and decided on as one step, so that a cancellation never
	// leaves a model on disk that the registry does not know, or one
	// registered without a decision.
	if err := ctx.Err(); err != nil {
		return out, fmt.Errorf("retrain: %w", err)
	}
	ctx = context.WithoutCancel(ctx)
	dir := filepath.Join(ws.ModelsDir(), opts.Version)
	say("save", "writing %s", dir)
	if err := res.Bundle.Save(dir); err != nil {
		return out, fmt.Errorf("retrain: %w", err)
	}
	ref := drift.Summarize(features.New(res.Bundle.Spec), train, drift.PredictedMix(res.Validation.Confusion), uint64(cfg.Seed))
	if err := ref.Save(dir); err != nil {
		return out, fmt.Errorf("retrain: %w", err)
	}
	if _, err := reg.Register(ctx, dir); err != nil {
		return out, fmt.Errorf("retrain: %w", err)
	}
	out.Path = dir

	say("evaluate", "judging %s and %s on %d held-out labels", opts.Version, orDefault(out.Champion), len(holdDocs))
	d := decide(&out, res.Bundle, champ, holdDocs, cfg, know)
	say("decide", "%s: %s", d.Decision, d.Reason)
	if d.Decision == registry.DecisionPromoted {
		_, err = reg.Promote(ctx, opts.Version, d)
	} else {
		_, err = reg.Reject(ctx, opts.Version, d)
	}
	if err != nil {
		return out, fmt.Errorf("retrain: %w", err)
	}
	out.Promoted, out.Decision, out.Reason = d.Decision == registry.DecisionPromoted, d.Decision, d.Reason
	out.Seconds = time.Since(start).Seconds()
	return out, nil
}

func orDefault(v string) string {
	if v == "" {
		return "no champion"
	}
	return v
}

// holdoutLabels are the newest HoldoutShare of the labels the champion has
// not trained on, by label time — the candidate is judged on what analysts
// said most recently, as it will be used. Too few to judge gives none.
func holdoutLabels(fresh []labels.Event, cfg Config) []labels.Event {
	n := int(math.Round(cfg.HoldoutShare * float64(len(fresh))))
	if n < max(cfg.MinHoldout, 1) {
		return nil
	}
	sorted := append([]labels.Event(nil), fresh...)
	sort.SliceStable(sorted, func(i, j int) bool {
		if !sorted[i].CreatedAt.Equal(sorted[j].CreatedAt) {
			return sorted[i].CreatedAt.Before(sorted[j].CreatedAt)
		}
		return sorted[i].ID < sorted[j].ID
	})
	return sorted[len(sorted)-n:]
}

// decide compares candidate and champion on the hold-out.
func decide(out *Outcome, cand *model.Bundle, champ *champion, hold []document.Document, cfg Config, know scoring.Knowledge) registry.Decision {
	pick := func(r metrics.Report) float64 {
		if cfg.Metric == "accuracy" {
			return r.Accuracy
		}
		return r.MacroF1
	}
	if len(hold) == 0 {
		if champ == nil || champ.version == model.DefaultRef {
			return registry.Decision{Decision: registry.DecisionPromoted,
				Reason: fmt.Sprintf("no held-out labels to compare on and no registered champion (%s); the candidate becomes the first champion", orDefault(out.Champion))}
		}
		return registry.Decision{Decision: registry.DecisionRejected,
			Reason: fmt.Sprintf("fewer than %d new labels to hold out: %s cannot be shown to be at least as good as %s", cfg.MinHoldout, out.Candidate, champ.version)}
	}
	cr := evaluate(know, cand, hold)
	out.CandidateHoldout = &cr
	cs := pick(cr)
	out.CandidateScore = &cs
	if champ == nil {
		return registry.Decision{Decision: registry.DecisionPromoted, CandidateScore: &cs,
			Reason: fmt.Sprintf("no champion; candidate %s %.4f on %d held-out labels", cfg.Metric, cs, len(hold))}
	}
	hr := evaluate(know, champ.bundle, hold)
	out.ChampionHoldout = &hr
	hs := pick(hr)
	out.ChampionScore = &hs
	d := registry.Decision{CandidateScore: &cs, ChampionScore: &hs}
	why := fmt.Sprintf("%s on %d held-out labels: candidate %.4f, champion %s %.4f (accuracy %.4f vs %.4f), margin %.4f",
		cfg.Metric, len(hold), cs, champ.version, hs, cr.Accuracy, hr.Accuracy, cfg.Margin)
	if cs >= hs-cfg.Margin {
		d.Decision, d.Reason = registry.DecisionPromoted, why
	} else {
		d.Decision, d.Reason = registry.DecisionRejected, why+"; champion kept"
	}
	return d
}

// candidateVersion names a candidate by its training time, with a suffix
// when that name is taken.
func candidateVersion(ws *workspace.Workspace, now time.Time) string {
	base := "m" + now.UTC().Format("20060102-150405")
	v := base
	for i := 2; ; i++ {
		if _, err := os.Stat(filepath.Join(ws.ModelsDir(), v)); os.IsNotExist(err) {
			return v
		}
		v = fmt.Sprintf("%s-%d", base, i)
	}
}

// trainingSet is every labelled document a candidate may learn from.
type trainingSet struct {
	docs       []document.Document // in a stable order (by id)
	labelled   int                 // documents whose severity is an analyst label
	maxLabelID int64
	inputs     []model.Input
}

// collect merges the base corpus, workspace documents with a source
// severity, and the current analyst labels (which override both).
func collect(ctx context.Context, ws *workspace.Workspace, cfg Config, know scoring.Knowledge) (trainingSet, error) {
	var set trainingSet
	byID := map[string]document.Document{}
	for _, p := range cfg.BaseCorpus {
		in, err := checksum(p)
		if err != nil {
			return set, err
		}
		set.inputs = append(set.inputs, in)
	}
	if len(cfg.BaseCorpus) > 0 {
		err := ingest.Read(ctx, cfg.BaseCorpus, know.Reading(ingest.Options{SkipMeta: true}), func(r ingest.Record) error {
			if r.Err != nil {
				return fmt.Errorf("base corpus: %s", r.Failure().Error())
			}
			if document.SeverityIndex(r.Doc.Severity) >= 0 {
				byID[r.Doc.ID] = r.Doc.Detach() // kept: not its read block
			}
			return nil
		})
		if err != nil {
			return set, err
		}
	}
	store := labels.New(ws.DB())
	current, err := store.CurrentAll(ctx, labels.Filter{})
	if err != nil {
		return set, err
	}
	label := make(map[string]string, len(current))
	for _, e := range current {
		label[e.DocID] = e.Severity
	}
	err = ws.EachDocument(ctx, workspace.ListOptions{}, func(d document.Document) error {
		sev, ok := label[d.ID]
		switch {
		case ok:
			d.Severity = sev
		case cfg.IgnoreWorkspaceSeverity || document.SeverityIndex(d.Severity) < 0:
			return nil
		}
		d.Meta = nil
		byID[d.ID] = d
		return nil
	})
	if err != nil {
		return set, err
	}
	st, err := store.Stats(ctx)
	if err != nil {
		return set, err
	}
	set.maxLabelID = st.MaxEventID
	ids := make([]string, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	set.docs = make([]document.Document, len(ids))
	for i, id := range ids {
		set.docs[i] = byID[id]
		if _, ok := label[id]; ok {
			set.labelled++
		}
	}
	return set, nil
}

func checksum(path string) (model.Input, error) {
	f, err := os.Open(path)
	if err != nil {
		return model.Input{}, fmt.Errorf("base corpus: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return model.Input{}, fmt.Errorf("base corpus %s: %w", path, err)
	}
	return model.Input{Path: filepath.Base(path), SHA256: hex.EncodeToString(h.Sum(nil)), Bytes: n}, nil
}
