package learner

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
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

// Progress is one step of a retrain, for a progress bar or a log line.
type Progress struct {
	Stage   string // collect, train, save, evaluate, decide
	Message string
}

// ErrTooFewLabels says that a retrain trained nothing because too few new
// labels could be held out to judge a candidate against the champion.
var ErrTooFewLabels = errors.New("too few new labels to judge a candidate")

// Outcome is what a retrain did.
type Outcome struct {
	Candidate string `json:"candidate"`
	Champion  string `json:"champion"` // the champion the candidate was judged against
	Promoted  bool   `json:"promoted"`
	Decision  string `json:"decision"`
	Reason    string `json:"reason"`
	Metric    string `json:"metric"`
	// Judgement is candidate vs champion on the held-out labels: n, both
	// scores, the difference with its interval and p-value.
	Judgement Judgement `json:"judgement"`
	// Scores on the held-out labels in Metric (nil when too few to judge).
	CandidateScore *float64       `json:"candidate_score"`
	ChampionScore  *float64       `json:"champion_score"`
	Validation     metrics.Report `json:"validation"`
	TrainDocs      int            `json:"train_docs"`
	LabelledDocs   int            `json:"labelled_docs"`
	HoldoutDocs    int            `json:"holdout_docs"`
	Path           string         `json:"path"`
	TrainSeconds   float64        `json:"train_seconds"`
	Seconds        float64        `json:"seconds"`
}

// Run trains a candidate from the base corpus and the analyst labels except
// the newest ones, judges it against the champion (the embedded default
// model while none is registered) on those held-out labels (Judge), records
// the decision and returns it: promoted when judged better, else the
// challenger. When too few new labels can be held out it trains nothing
// and returns an error wrapping ErrTooFewLabels that says how many more
// are needed. progress may be nil.
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
	out := Outcome{Metric: cfg.Metric, Champion: champ.version}
	store := labels.New(ws.DB())
	fresh, err := newLabels(ctx, store, champ.bundle.Card.Data.MaxLabelID)
	if err != nil {
		return out, fmt.Errorf("retrain: %w", err)
	}
	holdout := holdoutLabels(fresh, cfg)
	if len(holdout) < cfg.MinHoldout {
		out.Decision, out.Reason = "not_trained", tooFewLabels(len(fresh), champ.version, cfg)
		return out, fmt.Errorf("retrain: %w: %s", ErrTooFewLabels, out.Reason)
	}
	held := make(map[string]bool, len(holdout))
	for _, e := range holdout {
		held[e.DocID] = true
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
	if len(holdDocs) < cfg.MinHoldout {
		out.Decision = "not_trained"
		out.Reason = fmt.Sprintf("only %d of the %d held-out labels name documents in the workspace; a judgement needs %d: nothing trained, %s stays the champion",
			len(holdDocs), len(holdout), cfg.MinHoldout, champ.version)
		return out, fmt.Errorf("retrain: %w: %s", ErrTooFewLabels, out.Reason)
	}
	if len(train) < training.MinDocuments {
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
	opts.Parent = out.Champion
	opts.Command = "cyberstreams retrain"
	opts.Inputs = set.inputs
	opts.Labels = set.labelled - len(holdDocs)
	// The candidate learned every label up to the newest one except the
	// held-out ones; counting those as seen keeps them out of the next
	// hold-out, where it would be judged on labels it was chosen by.
	opts.MaxLabel = set.maxLabelID
	opts.Progress = func(format string, args ...any) { say("train", format, args...) }
	// A continued candidate keeps the champion's class offsets, tuned on
	// its far larger validation slice: re-tuned on the newest 15 % of the
	// labels they moved with a few hundred documents (replay: +4.4 points
	// of accuracy on the following months kept, +4.3 re-tuned, with a
	// third of the spread across periods).
	opts.TuneBias = cfg.Candidate != CandidateContinue
	if cfg.Tune != nil {
		cfg.Tune(&opts)
	}
	// The candidate is named by the digest of what it learns from, so a
	// teammate who retrains on the same labels and base corpus gets the
	// same version, and byte-identical model files.
	base := ""
	if cfg.Candidate == CandidateContinue {
		base = champ.bundle.ModelSHA256()
		if base == "" {
			base = "version " + champ.version
		}
	}
	digest, err := training.InputsDigest(train, opts, base)
	if err != nil {
		return out, fmt.Errorf("retrain: %w", err)
	}
	opts.Version = training.VersionOf(digest)
	if _, err := reg.Get(ctx, opts.Version); err == nil {
		return retrainedBefore(ctx, reg, out, opts.Version)
	} else if !errors.Is(err, registry.ErrNotFound) {
		return out, fmt.Errorf("retrain: %w", err)
	}
	var res *training.Result
	if cfg.Candidate == CandidateContinue {
		say("train", "continuing %s on %d documents", champ.version, len(train))
		res, err = training.Continue(ctx, champ.bundle, train, opts)
	} else {
		res, err = training.Train(ctx, train, opts)
	}
	if err != nil {
		return out, fmt.Errorf("retrain: %w", err)
	}
	out.Candidate, out.Validation, out.TrainSeconds = opts.Version, res.Validation, res.Duration.Seconds()
	res.Bundle.Card.Created = cfg.now().UTC().Truncate(time.Second)
	res.Bundle.Card.Version = opts.Version
	res.Bundle.Card.Notes = append(res.Bundle.Card.Notes,
		fmt.Sprintf("retrained from %d documents; %d newest labels held out to judge it against %s", len(train), len(holdDocs), out.Champion))

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
	ref := drift.Summarize(know.Featurizer(res.Bundle.Spec), train, drift.PredictedMix(res.Validation.Confusion), uint64(cfg.Seed))
	if err := ref.Save(dir); err != nil {
		return out, fmt.Errorf("retrain: %w", err)
	}
	if _, err := reg.Register(ctx, dir); err != nil {
		return out, fmt.Errorf("retrain: %w", err)
	}
	out.Path = dir

	say("evaluate", "judging %s and %s on %d held-out labels", opts.Version, out.Champion, len(holdDocs))
	j := Judge(know, champ.bundle, res.Bundle, holdDocs, cfg)
	out.Judgement = j
	if j.ChampionReport != nil {
		out.CandidateScore, out.ChampionScore = &j.CandidateScore, &j.ChampionScore
	}
	d := registry.Decision{Decision: registry.DecisionRejected, CandidateScore: out.CandidateScore,
		ChampionScore: out.ChampionScore, Reason: j.Reason}
	if j.Better {
		d.Decision = registry.DecisionPromoted
	}
	say("decide", "%s: %s", d.Decision, d.Reason)
	if j.Better {
		_, err = reg.Promote(ctx, opts.Version, d)
	} else {
		_, err = reg.Reject(ctx, opts.Version, d)
	}
	if err != nil {
		return out, fmt.Errorf("retrain: %w", err)
	}
	out.Promoted, out.Decision, out.Reason = j.Better, d.Decision, d.Reason
	out.Seconds = time.Since(start).Seconds()
	return out, nil
}

// tooFewLabels says why nothing is trained: how many new labels there are
// and how many a judgement needs.
func tooFewLabels(fresh int, champion string, cfg Config) string {
	need := neededLabels(cfg)
	return fmt.Sprintf("%d documents labelled since %s was trained; a candidate is judged on the newest %.0f%% of them "+
		"and a judgement needs at least %d held-out labels, so %d new labels are needed (%d more): nothing trained, %s stays the champion",
		fresh, champion, 100*cfg.HoldoutShare, cfg.MinHoldout, need, max(need-fresh, 0), champion)
}

// neededLabels is the fewest new labels whose held-out share reaches
// MinHoldout.
func neededLabels(cfg Config) int {
	n := max(int(math.Ceil(float64(cfg.MinHoldout)/cfg.HoldoutShare))-1, cfg.MinHoldout)
	for int(math.Round(cfg.HoldoutShare*float64(n))) < cfg.MinHoldout {
		n++
	}
	return n
}

// holdoutLabels are the newest HoldoutShare of the labels the champion has
// not trained on, by label time — the candidate is judged on what analysts
// said most recently, as it will be used.
func holdoutLabels(fresh []labels.Event, cfg Config) []labels.Event {
	n := int(math.Round(cfg.HoldoutShare * float64(len(fresh))))
	if n <= 0 {
		return nil
	}
	sorted := append([]labels.Event(nil), fresh...)
	// Ties by document, not by event id: ids are local, and teammates
	// holding the same labels must hold out the same ones.
	sort.SliceStable(sorted, func(i, j int) bool {
		if !sorted[i].CreatedAt.Equal(sorted[j].CreatedAt) {
			return sorted[i].CreatedAt.Before(sorted[j].CreatedAt)
		}
		return sorted[i].DocID < sorted[j].DocID
	})
	return sorted[len(sorted)-n:]
}

// ErrRetrainedBefore says that a retrain found its candidate already
// trained: the same inputs (labels, base corpus, settings, seed) make the
// same model, so there is nothing new to learn or judge.
var ErrRetrainedBefore = errors.New("a model from exactly these inputs was trained before")

// retrainedBefore is the outcome of a retrain whose inputs make version,
// which the registry already holds (judged then, or trained by hand).
func retrainedBefore(ctx context.Context, reg *registry.Registry, out Outcome, version string) (Outcome, error) {
	out.Candidate, out.Decision = version, "not_trained"
	champ, err := reg.ChampionVersion(ctx)
	if err != nil {
		return out, fmt.Errorf("retrain: %w", err)
	}
	out.Reason = fmt.Sprintf("%s is the model these labels, base corpus and settings make, and it is registered already", version)
	if champ == version {
		out.Reason += " (it is the champion)"
	} else {
		out.Reason += fmt.Sprintf("; %s stays the champion (judge it again with 'cyberstreams models promote %s')", champ, version)
	}
	return out, fmt.Errorf("retrain: %w: %s", ErrRetrainedBefore, out.Reason)
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
