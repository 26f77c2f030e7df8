package scoring

import (
	"context"
	"fmt"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/exploitation"
	"github.com/cyberstreams/cyberstreams/core/extract"
	"github.com/cyberstreams/cyberstreams/core/features"
	"github.com/cyberstreams/cyberstreams/core/graphsync"
	"github.com/cyberstreams/cyberstreams/core/ingest"
	"github.com/cyberstreams/cyberstreams/core/model"
	"github.com/cyberstreams/cyberstreams/core/workspace"
	"github.com/cyberstreams/cyberstreams/kg"
)

// Knowledge is what a workspace adds to whichever model runs in it: the
// actor, malware and tool names its graph knows, which the entity
// extractor finds in text ("Fancy Bear" → actor APT28), and the graph
// facts behind the graph:* features.
//
// One document must get one set of entities, one feature row and so one
// score whichever door it comes in by, and a model must be trained on the
// features it is scored with. So every entry point — score, serve, triage
// (before and after a background promotion), explain, eval, models
// compare, train and retrain — takes its Knowledge from KnowledgeOf (or
// PlainKnowledge without a workspace) and builds its scorer (Knowledge.Scorer,
// ForWorkspace), its featuriser (Knowledge.Featurizer) and its reading of
// input (Knowledge.Reading) from it, and from nothing else.
type Knowledge struct {
	// Extractor finds the entities of a document's text; never nil.
	Extractor *extract.Extractor
	// Graph answers the graph-aware features; nil leaves them 0 (no
	// workspace, or an empty graph).
	Graph features.Graph
	// Revision names the graph the extractor's names and the facts were
	// read from (its revision counter, kg.Store.Revision), so that a
	// stored score or entity list made with other knowledge can be told
	// apart (Scorer.Basis); "" for no workspace.
	Revision string
}

// PathVersion is the version of the scoring path: how a model's output
// becomes the shown class and probabilities. Bump it whenever that
// changes, so that every stored score made the old way is made again
// (Scorer.Basis, workspace.Score.Basis).
//
//	1: the per-class decision offsets are folded into the probabilities
//	   (training.Fold), so the shown class is the most probable one.
//	2: a stored score carries the exploitation likelihood over
//	   exploitation.DefaultHorizon and the patch priority (workspace
//	   documents migration 7), which the triage queue shows and sorts
//	   by; scores stored before carry none. (A retrained embedded
//	   exploitation model changes the basis by itself: Knowledge.Basis.)
//	3: the exploitation model reads a document without its denied claims
//	   of exploitation (exploitation.WithoutDenials): "there is no
//	   evidence of this being exploited in the wild" no longer raises the
//	   likelihood through its words.
//	4: a document that names no CVE gets no likelihood
//	   (exploitation.Prediction.NoCVE), stored as workspace.Score.NoCVE;
//	   scores stored before gave it a small one.
//	5: a document whose assigner the model cannot name is decided
//	   without the class offsets (training.OffsetsFor).
const PathVersion = 5

// PlainKnowledge is the knowledge of no workspace: the workbench's
// indicator extractor (refanging on) without names, and no graph features.
func PlainKnowledge() Knowledge {
	return Knowledge{Extractor: extract.New(extract.Options{Refang: true})}
}

// KnowledgeOf reads what the workspace's graph knows (after `graph
// import-attack` or `graph build`): its entity names, and its graph facts
// when the graph holds anything. The facts are those of the graph as it
// is now; a later import needs a new KnowledgeOf. A graph that cannot be
// read is an error: scoring without the names would quietly give other
// scores than the ones the workspace's models were trained with.
func KnowledgeOf(ctx context.Context, ws *workspace.Workspace) (Knowledge, error) {
	// The revision is read first: a graph change that lands while the
	// names and facts are read makes the knowledge newer than its
	// revision says, so what is stored with it is made again later, never
	// kept as current when it is not.
	rev, err := kg.NewStore(ws.DB()).Revision(ctx)
	if err != nil {
		return Knowledge{}, fmt.Errorf("workspace %s: %w", ws.Dir, err)
	}
	ex, err := graphsync.Extractor(ctx, ws)
	if err != nil {
		return Knowledge{}, fmt.Errorf("workspace %s: %w", ws.Dir, err)
	}
	k := Knowledge{Extractor: ex, Revision: fmt.Sprintf("graph %d", rev)}
	if graphsync.HasGraph(ctx, ws) {
		k.Graph = graphsync.Facts(ctx, ws, nil)
	}
	return k, nil
}

// Entities are the entities a stored document has with this knowledge:
// those it was stored with, and the ones this knowledge's extractor finds
// now (names learned from the graph since it was ingested) —
// ingest.Entities.
func (k Knowledge) Entities(d *document.Document) map[string][]string {
	return ingest.Entities(k.Extractor, d)
}

// Basis is what a score made by this scorer depends on: its model
// version, the scoring path (PathVersion), the workspace knowledge
// (Knowledge.Revision) and the exploitation model whose likelihood a
// stored score carries. A stored score with another basis is stale.
func (s *Scorer) Basis() string { return s.knowledge.Basis(s.version) }

// Basis is what a score by a model version with this knowledge depends
// on (Scorer.Basis), for readers of stored scores that build no scorer.
func (k Knowledge) Basis(version string) string {
	return fmt.Sprintf("%s path %d %s exploitation %s", version, PathVersion, k.Revision,
		exploitation.DefaultRevision(exploitation.DefaultHorizon))
}

// HasGraph reports whether the graph-aware features are on.
func (k Knowledge) HasGraph() bool { return k.Graph != nil }

// Featurizer is the feature pipeline of a model's spec with this
// knowledge: the one training, evaluation and scoring share.
func (k Knowledge) Featurizer(spec *features.Spec) *features.Featurizer {
	if k.Graph == nil {
		return features.New(spec)
	}
	return features.New(spec, features.WithGraph(k.Graph))
}

// Scorer prepares a scorer for the bundle with this knowledge.
func (k Knowledge) Scorer(b *model.Bundle) (*Scorer, error) { return New(b, k) }

// ForWorkspace is the scorer every entry point uses for a model in a
// workspace: the bundle with the workspace's Knowledge.
func ForWorkspace(ctx context.Context, ws *workspace.Workspace, b *model.Bundle) (*Scorer, error) {
	k, err := KnowledgeOf(ctx, ws)
	if err != nil {
		return nil, err
	}
	return New(b, k)
}

// Knowledge is what the scorer knows besides its model; a scorer for
// another model of the same workspace is s.Knowledge().Scorer(b).
func (s *Scorer) Knowledge() Knowledge { return s.knowledge }

// Reading is in with this knowledge's extractor, so that documents read
// from files or requests get the entities a scorer would give them.
func (k Knowledge) Reading(in ingest.Options) ingest.Options {
	in.Extractor = k.Extractor
	return in
}
