package neo4j

import (
	"context"
	"fmt"
	"time"

	n4j "github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// A labeling session holds the documents it is about to show as
// (:DocumentLease {doc_id, workspace, analyst, until}) nodes, one per
// document, so that teammates' sessions skip them. A lease expires at
// until, read on the server's clock (datetime()), so analysts' clocks do
// not matter; an expired lease is taken over by the next session that
// asks. Every statement takes its values as parameters.
const LeaseLabel = "DocumentLease"

// Hold is a teammate's claim on a document: a live lease, or a label.
type Hold struct {
	DocID    string
	Analyst  string
	Labelled bool // the teammate labelled it (else holds a lease on it)
}

// ensureLeaseSchema makes leases unique per document and label events
// found by document.
func (c *Client) ensureLeaseSchema(ctx context.Context) error {
	sess := c.driver.NewSession(ctx, n4j.SessionConfig{AccessMode: n4j.AccessModeWrite})
	defer sess.Close(ctx)
	return runSchema(ctx, sess, []string{
		"CREATE CONSTRAINT IF NOT EXISTS FOR (l:" + LeaseLabel + ") REQUIRE l.doc_id IS UNIQUE",
		"CREATE INDEX IF NOT EXISTS FOR (e:" + LabelEventLabel + ") ON (e.doc_id)",
	})
}

// ClaimDocuments takes leases on docIDs for ttl for workspace's analyst,
// where nobody else holds a live one, and renews those it holds. It
// returns the documents it holds now, in docIDs' order.
func (c *Client) ClaimDocuments(ctx context.Context, workspace, analyst string, docIDs []string, ttl time.Duration) ([]string, error) {
	if len(docIDs) == 0 {
		return nil, nil
	}
	if err := c.ensureLeaseSchema(ctx); err != nil {
		return nil, err
	}
	sess := c.driver.NewSession(ctx, n4j.SessionConfig{AccessMode: n4j.AccessModeWrite})
	defer sess.Close(ctx)
	out, err := sess.ExecuteWrite(ctx, func(tx n4j.ManagedTransaction) (any, error) {
		r, err := tx.Run(ctx, `UNWIND range(0, size($ids) - 1) AS i
WITH i, $ids[i] AS id
MERGE (l:`+LeaseLabel+` {doc_id: id})
ON CREATE SET l.workspace = $ws, l.analyst = $analyst, l.until = datetime() + duration({milliseconds: $ttl})
WITH i, l
WHERE l.workspace = $ws OR l.until < datetime()
SET l.workspace = $ws, l.analyst = $analyst, l.until = datetime() + duration({milliseconds: $ttl})
RETURN l.doc_id ORDER BY i`, map[string]any{"ids": docIDs, "ws": workspace, "analyst": analyst, "ttl": ttl.Milliseconds()})
		if err != nil {
			return nil, err
		}
		recs, err := r.Collect(ctx)
		if err != nil {
			return nil, err
		}
		held := make([]string, 0, len(recs))
		for _, rec := range recs {
			s, _ := rec.Values[0].(string)
			held = append(held, s)
		}
		return held, nil
	})
	if err != nil {
		return nil, fmt.Errorf("neo4j: claim documents: %w", err)
	}
	return out.([]string), nil
}

// ReleaseDocuments gives up workspace's leases on docIDs (all of its
// leases when docIDs is nil) and returns how many it held.
func (c *Client) ReleaseDocuments(ctx context.Context, workspace string, docIDs []string) (int, error) {
	sess := c.driver.NewSession(ctx, n4j.SessionConfig{AccessMode: n4j.AccessModeWrite})
	defer sess.Close(ctx)
	q, params := `MATCH (l:`+LeaseLabel+` {workspace: $ws}) DELETE l`, map[string]any{"ws": workspace}
	if docIDs != nil {
		q, params["ids"] = `MATCH (l:`+LeaseLabel+` {workspace: $ws}) WHERE l.doc_id IN $ids DELETE l`, docIDs
	}
	out, err := sess.ExecuteWrite(ctx, func(tx n4j.ManagedTransaction) (any, error) {
		r, err := tx.Run(ctx, q, params)
		if err != nil {
			return nil, err
		}
		sum, err := r.Consume(ctx)
		if err != nil {
			return nil, err
		}
		return sum.Counters().NodesDeleted(), nil
	})
	if err != nil {
		return 0, fmt.Errorf("neo4j: release documents: %w", err)
	}
	return out.(int), nil
}

// TeamHolds returns, of docIDs, those another workspace than workspace
// holds: with a live lease, or with a label it sent that was not undone.
func (c *Client) TeamHolds(ctx context.Context, workspace string, docIDs []string) ([]Hold, error) {
	if len(docIDs) == 0 {
		return nil, nil
	}
	if err := c.ensureLeaseSchema(ctx); err != nil {
		return nil, err
	}
	recs, err := c.read(ctx, `UNWIND $ids AS id
OPTIONAL MATCH (l:`+LeaseLabel+` {doc_id: id}) WHERE l.workspace <> $ws AND l.until >= datetime()
OPTIONAL MATCH (e:`+LabelEventLabel+` {doc_id: id, kind: 'label'}) WHERE e.workspace <> $ws
	AND NOT EXISTS { MATCH (r:`+LabelEventLabel+` {kind: 'retract', retracts_uid: e.uid}) }
WITH id, l, collect(e.analyst) AS labellers
WHERE l IS NOT NULL OR size(labellers) > 0
RETURN id, CASE WHEN size(labellers) > 0 THEN labellers[0] ELSE l.analyst END, size(labellers) > 0`,
		map[string]any{"ids": docIDs, "ws": workspace})
	if err != nil {
		return nil, fmt.Errorf("neo4j: teammates' documents: %w", err)
	}
	out := make([]Hold, 0, len(recs))
	for _, r := range recs {
		id, _ := r.Values[0].(string)
		who, _ := r.Values[1].(string)
		lab, _ := r.Values[2].(bool)
		out = append(out, Hold{DocID: id, Analyst: who, Labelled: lab})
	}
	return out, nil
}
