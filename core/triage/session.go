// Package triage is the backend of the triage screen: it keeps the queue of
// scored documents in the workspace up to date, loads it for sorting and
// filtering in memory, and records the analyst's labels durably. The TUI
// talks to this package only, never to the database.
package triage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/exploitation"
	"github.com/cyberstreams/cyberstreams/core/scoring"
	"github.com/cyberstreams/cyberstreams/core/techniques"
	"github.com/cyberstreams/cyberstreams/core/termsafe"
	"github.com/cyberstreams/cyberstreams/core/workspace"
	"github.com/cyberstreams/cyberstreams/kg"
	"github.com/cyberstreams/cyberstreams/labels"
)

// ExplainTop is how many reasons the detail pane shows (the rest are summed
// into Explanation.Omitted, so the kept ones still add up to the margin).
const ExplainTop = 20

// ExploitationTop is how many reasons the detail pane's exploitation
// likelihood has.
const ExploitationTop = 3

// scoreBatch is how many scores share one transaction: one fsync per batch
// instead of per document.
const scoreBatch = 256

// Session is one analyst's triage over a workspace with one model.
type Session struct {
	ws      *workspace.Workspace
	labels  *labels.Store
	graph   *kg.Store
	analyst string

	mu     sync.RWMutex
	scorer *scoring.Scorer
	// skip are the documents a team session leaves to teammates (Team):
	// Items leaves them out.
	skip map[string]bool

	// tagger is the technique model, loaded when the first document is
	// opened (start-up never waits for it); taggerErr is why it is not.
	taggerOnce sync.Once
	tagger     *techniques.Model
	taggerErr  error
}

// New starts a session. The scorer may be replaced later (SetScorer) when a
// new model is promoted.
func New(ws *workspace.Workspace, scorer *scoring.Scorer, analyst string) (*Session, error) {
	analyst = strings.TrimSpace(analyst)
	if analyst == "" {
		return nil, errors.New("triage: an analyst name is required")
	}
	if scorer == nil {
		return nil, errors.New("triage: a model is required")
	}
	return &Session{ws: ws, labels: ws.Labels(), graph: kg.NewStore(ws.DB()), analyst: analyst, scorer: scorer}, nil
}

// Tagger is the technique model of the session's workspace (its own, else
// the embedded default), loaded on first use.
func (s *Session) Tagger() (*techniques.Model, error) {
	s.taggerOnce.Do(func() {
		s.tagger, _, s.taggerErr = techniques.ForWorkspace(s.ws.Dir)
	})
	return s.tagger, s.taggerErr
}

// Analyst is the name labels are recorded under.
func (s *Session) Analyst() string { return s.analyst }

// Workspace is the workspace the session works in.
func (s *Session) Workspace() *workspace.Workspace { return s.ws }

// Model is the version of the model scoring the queue.
func (s *Session) Model() string { return s.Scorer().Version() }

// Scorer is the session's current scorer.
func (s *Session) Scorer() *scoring.Scorer {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.scorer
}

// SetScorer switches the session to another model (after a promotion);
// call ScoreMissing afterwards to rescore the queue with it.
func (s *Session) SetScorer(sc *scoring.Scorer) {
	s.mu.Lock()
	s.scorer = sc
	s.mu.Unlock()
}

// Progress reports scoring progress.
type Progress struct {
	Done, Total int
}

// ScoreMissing scores every document that has no score made the way the
// current scorer makes them (Scorer.Basis: the model version, the scoring
// path, the workspace's graph knowledge and the exploitation model) and
// stores the results in batched transactions, with the exploitation
// likelihood over exploitation.DefaultHorizon and the patch priority (the
// queue's column and sort) but without reasons: Detail computes those for
// the documents an analyst opens. A document scored again gets the entities
// the current knowledge gives it (Knowledge.Entities), stored with its
// score when they changed: a document ingested before `graph
// import-attack` then carries the actor and software names that `score`
// would find in it now. It returns how many documents it scored.
func (s *Session) ScoreMissing(ctx context.Context, progress func(Progress)) (int, error) {
	sc := s.Scorer()
	version := sc.Version()
	basis := sc.Basis()
	need, err := s.ws.Unscored(ctx, basis)
	if err != nil || len(need) == 0 {
		return 0, err
	}
	total := len(need)
	done := 0
	batch := make([]document.Document, 0, scoreBatch)
	renamed := make([]bool, 0, scoreBatch) // the document's entities changed
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		results := scoreAll(sc, batch)
		if err := s.storeScores(ctx, basis, results, renamed); err != nil {
			return err
		}
		done += len(batch)
		batch, renamed = batch[:0], renamed[:0]
		if progress != nil {
			progress(Progress{Done: done, Total: total})
		}
		return nil
	}
	err = s.ws.EachDocument(ctx, workspace.ListOptions{}, func(d document.Document) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if !need[d.ID] {
			return nil
		}
		ents := sc.Knowledge().Entities(&d)
		changed := !sameEntities(ents, d.Entities)
		if changed {
			d.Entities = ents
		}
		batch = append(batch, d)
		renamed = append(renamed, changed)
		if len(batch) == scoreBatch {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		return done, fmt.Errorf("score the queue with %s: %w", version, err)
	}
	return done, nil
}

// sameEntities reports whether two entity maps hold the same values by
// type (an empty list counts as absent).
func sameEntities(a, b map[string][]string) bool {
	for typ, vals := range a {
		if !slices.Equal(vals, b[typ]) {
			return false
		}
	}
	for typ, vals := range b {
		if len(vals) > 0 && len(a[typ]) == 0 {
			return false
		}
	}
	return true
}

// scoreAll scores a batch on every core, keeping batch order.
func scoreAll(sc *scoring.Scorer, docs []document.Document) []scoring.Result {
	out := make([]scoring.Result, len(docs))
	workers := min(runtime.GOMAXPROCS(0), len(docs))
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < len(docs); i += workers {
				out[i] = sc.Score(&docs[i], scoring.Options{Explain: -1, Exploitation: exploitation.DefaultHorizon})
			}
		}(w)
	}
	wg.Wait()
	return out
}

// storeScores stores results made on basis; renamed marks the results
// whose document's entities are to be replaced by the result's.
func (s *Session) storeScores(ctx context.Context, basis string, results []scoring.Result, renamed []bool) error {
	scores := make([]workspace.Score, len(results))
	for i, r := range results {
		// Probabilities that are not numbers (never from a loaded model)
		// store as "", which reads back as none.
		p, _ := json.Marshal(r.Probabilities)
		ex, err := json.Marshal(r.Explanation)
		if err != nil {
			return fmt.Errorf("store score of %s: explanation: %w", r.ID, err)
		}
		scores[i] = workspace.Score{DocID: r.ID, Model: r.Model, Severity: r.Severity, Confidence: r.Confidence,
			Margin: r.Margin, Novelty: r.Novelty, Probabilities: string(p), Explanation: string(ex), Basis: basis}
		if e := r.Exploitation; e != nil {
			scores[i].Exploitation, scores[i].ExploitationHorizon, scores[i].PatchPriority = e.Probability, e.HorizonDays, e.Priority
			scores[i].NoCVE = e.NoCVE
		}
		if renamed[i] {
			scores[i].Entities = r.Entities
		}
	}
	return s.ws.PutScores(ctx, scores)
}

// Detail is everything the detail pane shows about one document.
type Detail struct {
	Document document.Document
	// Score is the stored score with its reasons, or a fresh one when the
	// document has not been scored yet.
	Score scoring.Result
	// Label is the document's current label, if any.
	Label    labels.Event
	Labelled bool
	// Techniques are the ATT&CK techniques the text describes, each with
	// its evidence sentence (nil when no technique model could be loaded),
	// as analysts' verdicts correct them: confirmed or added ones kept,
	// rejected ones moved to Rejected.
	Techniques []techniques.Tag
	Rejected   []techniques.Tag
	// Verdicts are the analysts' verdicts in force on the document's
	// techniques (own and pulled teammates'), by technique id.
	Verdicts map[string]techniques.Verdict
}

// Detail loads one document with its score and current label. Title and
// text are returned as stored: render them through termsafe.
func (s *Session) Detail(ctx context.Context, docID string) (Detail, error) {
	d, err := s.ws.Document(ctx, docID)
	if err != nil {
		return Detail{}, fmt.Errorf("detail: %w", err)
	}
	sc := s.Scorer()
	res, ok, err := s.storedScore(ctx, d, sc.Basis())
	if err != nil {
		return Detail{}, err
	}
	if !ok {
		// No score, or a stale one (ScoreMissing has not reached the
		// document yet): the entities are the current knowledge's too.
		d.Entities = sc.Knowledge().Entities(&d)
	}
	out := Detail{Document: d}
	if !ok || res.Explanation == nil {
		// Reasons are computed when a document is opened, not stored for
		// the whole queue: TreeSHAP is most of the cost of scoring, and
		// an analyst opens a fraction of the documents.
		res = sc.Score(&d, scoring.Options{Explain: ExplainTop})
	}
	// The exploitation likelihood with its top reasons, as `score` and
	// `explain` give it over the default horizon.
	sc.AddExploitation(&d, &res, scoring.Options{Explain: ExploitationTop, Exploitation: exploitation.DefaultHorizon})
	out.Score = res
	if tagger, err := s.Tagger(); err == nil {
		verdicts, err := techniques.ReadVerdicts(ctx, s.labels, d.ID)
		if err != nil {
			return Detail{}, fmt.Errorf("detail: %w", err)
		}
		tags := tagger.Tag(d.Text(), false).Techniques
		out.Techniques = verdicts.Apply(d.ID, tags, tagger.Names)
		out.Rejected = verdicts.Rejected(d.ID, tags, tagger.Names)
		out.Verdicts = verdicts[d.ID]
	}
	out.Label, out.Labelled, err = s.labels.Current(ctx, d.ID)
	if err != nil {
		return Detail{}, fmt.Errorf("detail: %w", err)
	}
	return out, nil
}

// storedScore is the document's stored score; false when it has none made
// on basis.
func (s *Session) storedScore(ctx context.Context, d document.Document, basis string) (scoring.Result, bool, error) {
	r := scoring.Result{ID: d.ID, Title: d.Title, Source: d.Source, Entities: d.Entities}
	if !d.Published.IsZero() {
		p := d.Published.UTC()
		r.Published = &p
	}
	stored, ok, err := s.ws.Score(ctx, d.ID)
	if err != nil || !ok || stored.Basis != basis {
		return r, false, err
	}
	r.Model, r.Severity, r.Confidence, r.Margin, r.Novelty = stored.Model, stored.Severity, stored.Confidence, stored.Margin, stored.Novelty
	r.Novel = s.Scorer().Novel(r.Novelty) // the basis is this scorer's
	prob, ex := stored.Probabilities, stored.Explanation
	if err := json.Unmarshal([]byte(prob), &r.Probabilities); err != nil {
		return r, false, fmt.Errorf("score of %s: probabilities: %w", d.ID, err)
	}
	if ex != "" && ex != "{}" && ex != "null" {
		r.Explanation = &scoring.Explanation{}
		if err := json.Unmarshal([]byte(ex), r.Explanation); err != nil {
			return r, false, fmt.Errorf("score of %s: explanation: %w", d.ID, err)
		}
	}
	if r.Entities == nil {
		r.Entities = map[string][]string{}
	}
	return r, true, nil
}

// LabelEvent is one label as the label store records it. The triage screen
// reaches the label store through the session only, so it names labels by
// this name and not by the labels package's.
type LabelEvent = labels.Event

// LabelStats counts the label store's events and current labels.
type LabelStats = labels.Stats

// ErrNothingToUndo is returned by Undo when the analyst has no live label.
var ErrNothingToUndo = labels.ErrNothingToUndo

// Label records the analyst's severity for a document (from the TUI). It
// returns once the label is durable on disk.
func (s *Session) Label(ctx context.Context, docID, severity, note string) (LabelEvent, error) {
	return s.labels.Add(ctx, labels.Event{DocID: docID, Severity: severity, Analyst: s.analyst, Note: note, Origin: "tui"})
}

// Undo retracts the analyst's most recent live label and returns it
// (ErrNothingToUndo when there is none).
func (s *Session) Undo(ctx context.Context) (LabelEvent, error) {
	return s.labels.Undo(ctx, s.analyst)
}

// TechniqueLabel is one technique verdict as the label store records it.
type TechniqueLabel = labels.TechniqueLabel

// Tag is a technique the text describes, with its evidence; the triage
// screen names tags and verdicts by these names.
type Tag = techniques.Tag

// TechniqueVerdict is the analysts' verdict in force on a technique.
type TechniqueVerdict = techniques.Verdict

// ErrNoEvidence is JudgeTechnique's error when nothing names the sentence
// a verdict is about: give a few words of it.
var ErrNoEvidence = techniques.ErrNoEvidence

// JudgeTechnique records the analyst's verdict that a document describes
// ATT&CK technique id (present) or not, as label techniques add does (from
// the TUI), and returns it once it is durable on disk. The evidence is the
// sentence words name, else the one the verdict in force on the technique
// is about, else the model's evidence (techniques.VerdictSentence).
func (s *Session) JudgeTechnique(ctx context.Context, docID, id string, present bool, words string) (TechniqueLabel, error) {
	d, err := s.ws.Document(ctx, docID)
	if err != nil {
		return TechniqueLabel{}, fmt.Errorf("technique verdict: %w", err)
	}
	if kg.TechniqueKey(id) == "" {
		return TechniqueLabel{}, fmt.Errorf("technique verdict: %q is not an ATT&CK technique id (T1234 or T1234.001)", termsafe.Line(id, 20))
	}
	sentence, err := techniques.VerdictSentence(ctx, s.labels, s.Tagger, d.ID, d.Text(), id, words)
	if err != nil {
		return TechniqueLabel{}, fmt.Errorf("technique verdict on %s: %w", d.ID, err)
	}
	return s.labels.AddTechnique(ctx, labels.TechniqueLabel{DocID: d.ID, Technique: id, Present: present,
		Sentence: sentence, Analyst: s.analyst, Origin: "tui"})
}

// UndoTechnique retracts the analyst's most recent technique verdict still
// in force and returns it (ErrNothingToUndo when there is none).
func (s *Session) UndoTechnique(ctx context.Context) (TechniqueLabel, error) {
	return s.labels.UndoTechnique(ctx, s.analyst)
}

// CurrentLabel is a document's current label, whoever gave it; false when
// it has none.
func (s *Session) CurrentLabel(ctx context.Context, docID string) (LabelEvent, bool, error) {
	return s.labels.Current(ctx, docID)
}

// LabelCount is the number of label events in the store (all analysts),
// for learner triggers and progress.
func (s *Session) LabelCount(ctx context.Context) (LabelStats, error) {
	return s.labels.Stats(ctx)
}

// DocsWithEntity returns the ids of other documents mentioning an entity,
// newest first (at most limit; 0 = all).
//
// The type "technique" is an ATT&CK technique tagged in documents' prose:
// the documents are those the graph links to it (graph build writes a USES
// edge for each tagged or written technique).
func (s *Session) DocsWithEntity(ctx context.Context, typ, value string, limit int) ([]string, error) {
	if typ == "technique" {
		// Documents that write the id (newest first, known from ingest
		// on), then those whose prose describes it (the graph's USES
		// edges, once graph build has run).
		tagged, err := s.graph.DocumentsUsing(ctx, value, limit)
		if err != nil {
			return nil, err
		}
		written, err := s.ws.DocumentsWithEntity(ctx, "attack_technique", value, limit)
		if err != nil {
			return nil, err
		}
		out := written
		for _, id := range tagged {
			if !slices.Contains(out, id) {
				out = append(out, id)
			}
		}
		if limit > 0 && len(out) > limit {
			out = out[:limit]
		}
		return out, nil
	}
	return s.ws.DocumentsWithEntity(ctx, typ, value, limit)
}

// Neighbour is a node of the local knowledge graph near an entity.
type Neighbour struct {
	Label    string
	Key      string
	Name     string
	Distance int
}

// Neighbourhood returns the graph nodes within hops of an entity value in
// the local knowledge graph; an entity the graph does not know gives none.
func (s *Session) Neighbourhood(ctx context.Context, value string, hops, limit int) ([]Neighbour, error) {
	ns, err := s.graph.Enrich(ctx, kg.EnrichQuery{Value: value, Hops: hops, Limit: limit})
	if errors.Is(err, kg.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("graph neighbourhood of %s: %w", value, err)
	}
	out := make([]Neighbour, 0, len(ns))
	for _, n := range ns {
		out = append(out, Neighbour{Label: string(n.Label), Key: termsafe.Strip(n.Key), Name: termsafe.Strip(n.Name), Distance: n.Distance})
	}
	return out, nil
}
