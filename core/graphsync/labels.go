package graphsync

import (
	"context"

	"github.com/cyberstreams/cyberstreams/core/workspace"
	"github.com/cyberstreams/cyberstreams/kg"
	"github.com/cyberstreams/cyberstreams/kg/neo4j"
)

// ExchangeLabels sends the workspace's new label events to the team's
// Neo4j (when push) and appends teammates' newer ones to its history,
// under the workspace id its graph sync marker carries.
func ExchangeLabels(ctx context.Context, ws *workspace.Workspace, c *neo4j.Client, push bool) (neo4j.LabelExchange, error) {
	st, err := kg.NewStore(ws.DB()).SyncState(ctx)
	if err != nil {
		return neo4j.LabelExchange{}, err
	}
	return neo4j.ExchangeLabels(ctx, ws.Labels(), c, st.Workspace, push)
}
