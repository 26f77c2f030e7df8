package graphsync

import (
	"context"

	"github.com/cyberstreams/cyberstreams/core/features"
	"github.com/cyberstreams/cyberstreams/core/workspace"
	"github.com/cyberstreams/cyberstreams/kg"
)

// Facts returns the graph-aware features' source for the workspace graph.
// A document with nothing the graph could know (no indicators, techniques,
// CVEs or actors) costs no query; a failing query counts as "nothing known"
// and is reported through onError (may be nil).
func Facts(ctx context.Context, ws *workspace.Workspace, onError func(error)) features.Graph {
	store := kg.NewStore(ws.DB())
	return func(entities map[string][]string) features.GraphFacts {
		f, err := store.DocFeatures(ctx, entities)
		if err != nil {
			if onError != nil {
				onError(err)
			}
			return features.GraphFacts{}
		}
		return features.GraphFacts{KnownActors: f.KnownActors, KnownTechniques: f.Techniques,
			ActorLinkedIndicators: f.IndicatorsLinkedToKnownActor, KEVVulnerabilities: f.KEVVulnerabilities}
	}
}

// HasGraph reports whether the workspace graph holds anything, so callers
// skip graph features (and their queries) on an empty graph.
func HasGraph(ctx context.Context, ws *workspace.Workspace) bool {
	var n int
	err := ws.DB().QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM graph_nodes LIMIT 1)`).Scan(&n)
	return err == nil && n > 0
}
