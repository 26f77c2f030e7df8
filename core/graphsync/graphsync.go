// Package graphsync turns workspace documents into knowledge-graph input:
// it is the one place where core's Document meets kg's DocInput.
package graphsync

import (
	"context"
	"fmt"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/ingest"
	"github.com/cyberstreams/cyberstreams/core/techniques"
	"github.com/cyberstreams/cyberstreams/core/workspace"
	"github.com/cyberstreams/cyberstreams/kg"
)

// DocInput is the graph's view of a document: its entities, plus the
// vendors it names as targets.
func DocInput(d document.Document) kg.DocInput {
	return kg.DocInput{
		ID: d.ID, Title: d.Title, Published: d.Published, Severity: d.Severity,
		Entities: d.Entities, Targets: d.Vendors,
	}
}

// DocTechniques are a document's technique tags as the graph stores them.
func DocTechniques(tags []techniques.Tag) []kg.DocTechnique {
	out := make([]kg.DocTechnique, 0, len(tags))
	for _, t := range tags {
		out = append(out, kg.DocTechnique{ID: t.Technique, Confidence: t.Confidence, Provenance: t.Provenance})
	}
	return out
}

// BuildResult counts a build.
type BuildResult struct {
	Documents int
	Failed    int
	Change    kg.Change
}

// buildBatch is how many documents Build writes per transaction: most of
// a build's time went to preparing statements and committing, one
// document at a time.
const buildBatch = 256

// Build upserts every document of the workspace into the local graph.
// Re-running it changes only what changed; one bad document is reported
// through onError and never stops the others. Each document comes with
// the entities the graph's names give it as the build starts
// (ingest.Entities with Extractor), as scoring it would: a document
// ingested before `graph import-attack` is associated with the actors
// and software it names, not only with what it was stored with. Each
// document's ATT&CK techniques, as the workspace's technique model (else
// the embedded one) tags them and analysts' verdicts (label techniques)
// correct them, become USES edges with their confidence and provenance.
// Documents are written buildBatch to a transaction.
func Build(ctx context.Context, ws *workspace.Workspace, s *kg.Store, onError func(id string, err error), progress func(done int)) (BuildResult, error) {
	var res BuildResult
	ex, err := Extractor(ctx, ws)
	if err != nil {
		return res, fmt.Errorf("graph build: %w", err)
	}
	tagger, _, err := techniques.ForWorkspace(ws.Dir)
	if err != nil {
		return res, fmt.Errorf("graph build: %w", err)
	}
	verdicts, err := techniques.ReadVerdicts(ctx, ws.Labels(), "")
	if err != nil {
		return res, fmt.Errorf("graph build: %w", err)
	}
	var batch []kg.DocInput
	flush := func() error {
		ch, err := s.UpsertDocuments(ctx, batch, func(id string, err error) {
			res.Failed++
			if onError != nil {
				onError(id, err)
			}
		})
		if err != nil {
			return err
		}
		res.Change.Add(ch)
		before := res.Documents
		res.Documents += len(batch)
		batch = batch[:0]
		if progress != nil && res.Documents/1000 > before/1000 {
			progress(res.Documents)
		}
		return nil
	}
	err = ws.EachDocument(ctx, workspace.ListOptions{}, func(d document.Document) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		d.Entities = ingest.Entities(ex, &d)
		in := DocInput(d)
		in.Techniques = DocTechniques(verdicts.Apply(d.ID, tagger.Tag(d.Text(), false).Techniques, tagger.Names))
		if batch = append(batch, in); len(batch) < buildBatch {
			return nil
		}
		return flush()
	})
	if err == nil && len(batch) > 0 {
		err = flush()
	}
	if err != nil {
		return res, fmt.Errorf("graph build: %w", err)
	}
	return res, nil
}
