package main

import (
	"context"

	"github.com/cyberstreams/cyberstreams/core/extract"
	"github.com/cyberstreams/cyberstreams/core/features"
	"github.com/cyberstreams/cyberstreams/core/graphsync"
)

// extractor is the entity extractor for this run: with the actor, malware
// and tool names of the workspace graph when a workspace exists, else the
// plain indicator extractor. It never creates a workspace.
func (a *App) extractor(ctx context.Context) *extract.Extractor {
	if a.workspaceExists() {
		if ws, err := a.Workspace(ctx); err == nil {
			if ex, err := graphsync.Extractor(ctx, ws); err == nil {
				return ex
			} else {
				a.Logf("warning: %v; extracting without actor and software names\n", err)
			}
		}
	}
	return extract.New(extract.Options{Refang: true})
}

// graphFacts is the workspace graph as a source of graph-aware features,
// or nil when there is no workspace or its graph is empty.
func (a *App) graphFacts(ctx context.Context) features.Graph {
	if !a.workspaceExists() {
		return nil
	}
	ws, err := a.Workspace(ctx)
	if err != nil || !graphsync.HasGraph(ctx, ws) {
		return nil
	}
	return graphsync.Facts(ctx, ws, nil)
}

// featureOptions adds the graph-aware features when the workspace has a
// graph (after 'graph import-attack' or 'graph build').
func (a *App) featureOptions(ctx context.Context) []features.Option {
	if g := a.graphFacts(ctx); g != nil {
		return []features.Option{features.WithGraph(g)}
	}
	return nil
}
