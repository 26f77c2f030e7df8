package main

import (
	"context"

	"github.com/cyberstreams/cyberstreams/core/extract"
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
