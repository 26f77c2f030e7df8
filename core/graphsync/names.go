package graphsync

import (
	"context"
	"fmt"

	"github.com/cyberstreams/cyberstreams/core/extract"
	"github.com/cyberstreams/cyberstreams/core/workspace"
	"github.com/cyberstreams/cyberstreams/kg"
)

// Extractor builds the workbench's entity extractor with the actor, malware
// and tool names the workspace graph knows (from `graph import-attack`), so
// that documents naming "Fancy Bear" get actor APT28. Without a graph it is
// the plain indicator extractor.
func Extractor(ctx context.Context, ws *workspace.Workspace) (*extract.Extractor, error) {
	names, err := kg.NewStore(ws.DB()).Names(ctx)
	if err != nil {
		return nil, fmt.Errorf("entity names from the graph: %w", err)
	}
	opts := extract.Options{Refang: true}
	if len(names) > 0 {
		opts.Names = extract.NewNames()
		for _, n := range names {
			opts.Names.Add(n.Kind, n.Canonical, n.Aliases...)
		}
	}
	return extract.New(opts), nil
}
