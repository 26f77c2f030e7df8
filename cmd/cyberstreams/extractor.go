package main

import (
	"context"

	"github.com/cyberstreams/cyberstreams/core/extract"
	"github.com/cyberstreams/cyberstreams/core/scoring"
)

// knowledge is what the workspace adds to a model (scoring.KnowledgeOf):
// its graph's names and facts, or none when no workspace exists yet. It
// never creates a workspace.
func (a *App) knowledge(ctx context.Context) (scoring.Knowledge, error) {
	if !a.workspaceExists() {
		return scoring.PlainKnowledge(), nil
	}
	ws, err := a.Workspace(ctx)
	if err != nil {
		return scoring.Knowledge{}, err
	}
	return scoring.KnowledgeOf(ctx, ws)
}

// extractor is the workspace knowledge's entity extractor; when the graph
// cannot be read it warns and falls back to the plain extractor, for the
// commands that only store or show entities.
func (a *App) extractor(ctx context.Context) *extract.Extractor {
	k, err := a.knowledge(ctx)
	if err != nil {
		a.Logf("warning: %v; extracting without actor and software names\n", err)
		return scoring.PlainKnowledge().Extractor
	}
	return k.Extractor
}
