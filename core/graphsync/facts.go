package graphsync

import (
	"context"

	"github.com/cyberstreams/cyberstreams/core/features"
	"github.com/cyberstreams/cyberstreams/core/workspace"
	"github.com/cyberstreams/cyberstreams/kg"
)

// Facts returns the graph-aware features' source for the workspace graph.
// It reads what the features need into memory once (kg.FeatureIndex, a few
// set queries), so each document costs map lookups instead of queries; the
// answers are those of the graph as it was when Facts was called, as the
// extractor's learned names are. When that read fails, the error goes to
// onError (may be nil) and every document is answered by its own queries
// instead: a document with nothing the graph could know (no indicators,
// techniques, CVEs or actors) then costs no query, and a failing query
// counts as "nothing known" and is reported through onError.
func Facts(ctx context.Context, ws *workspace.Workspace, onError func(error)) features.Graph {
	store := kg.NewStore(ws.DB())
	index, err := store.FeatureIndex(ctx)
	if err != nil {
		report(onError, err)
		return queryFacts(ctx, store, onError)
	}
	return func(entities map[string][]string) features.GraphFacts {
		return graphFacts(index.DocFeatures(entities))
	}
}

// queryFacts answers each document with kg.Store.DocFeatures' queries.
func queryFacts(ctx context.Context, store *kg.Store, onError func(error)) features.Graph {
	return func(entities map[string][]string) features.GraphFacts {
		f, err := store.DocFeatures(ctx, entities)
		if err != nil {
			report(onError, err)
			return features.GraphFacts{}
		}
		return graphFacts(f)
	}
}

func graphFacts(f kg.GraphFeatures) features.GraphFacts {
	return features.GraphFacts{KnownActors: f.KnownActors, KnownTechniques: f.Techniques,
		ActorLinkedIndicators: f.IndicatorsLinkedToKnownActor, KEVVulnerabilities: f.KEVVulnerabilities}
}

func report(onError func(error), err error) {
	if onError != nil {
		onError(err)
	}
}

// HasGraph reports whether the workspace graph holds anything, so callers
// skip graph features (and their queries) on an empty graph.
func HasGraph(ctx context.Context, ws *workspace.Workspace) bool {
	var n int
	err := ws.DB().QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM graph_nodes LIMIT 1)`).Scan(&n)
	return err == nil && n > 0
}
