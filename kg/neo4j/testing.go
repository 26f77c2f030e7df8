package neo4j

import (
	"context"
	"fmt"

	n4j "github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// WipeForTests deletes every node of the database. Integration tests use
// it on the throwaway Neo4j from scripts/neo4j; nothing else calls it.
func WipeForTests(ctx context.Context, c *Client) error {
	sess := c.driver.NewSession(ctx, n4j.SessionConfig{AccessMode: n4j.AccessModeWrite})
	defer sess.Close(ctx)
	_, err := sess.ExecuteWrite(ctx, func(tx n4j.ManagedTransaction) (any, error) {
		r, err := tx.Run(ctx, "MATCH (n) DETACH DELETE n", nil)
		if err != nil {
			return nil, err
		}
		return r.Consume(ctx)
	})
	if err != nil {
		return fmt.Errorf("wipe neo4j: %w", err)
	}
	return nil
}
