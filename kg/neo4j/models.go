package neo4j

import (
	"context"
	"fmt"

	n4j "github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// Model promotions travel to the team's Neo4j as (:ModelPromotion {uid, …})
// nodes, MERGEd by uid (the workspace id and the decision's local id), so
// a push sent twice adds nothing; and each workspace keeps one
// (:TeamChampion {workspace, analyst, version, model_sha256, since}) node
// that says which model scores there now. Teammates read the champions to
// see who runs the same model: no model file travels, since the same
// inputs train the same model (core/training.InputsDigest).
const (
	PromotionLabel = "ModelPromotion"
	ChampionLabel  = "TeamChampion"
)

// Promotion is one workspace's promotion decision as the server keeps it.
type Promotion struct {
	UID          string
	Workspace    string
	Analyst      string
	Seq          int64 // the decision's order in its workspace
	Version      string
	Previous     string
	Decision     string
	Reason       string
	At           string // RFC 3339, UTC
	ModelSHA256  string
	InputsSHA256 string
}

// Champion is the model a workspace scores with.
type Champion struct {
	Workspace   string
	Analyst     string
	Version     string
	ModelSHA256 string
	Since       string // RFC 3339, UTC; "" for a workspace that never promoted
	UpdatedAt   string // when the workspace last said so
}

// ensureModelSchema creates the constraints the promotion nodes rely on.
func (c *Client) ensureModelSchema(ctx context.Context) error {
	sess := c.driver.NewSession(ctx, n4j.SessionConfig{AccessMode: n4j.AccessModeWrite})
	defer sess.Close(ctx)
	return runSchema(ctx, sess, []string{
		"CREATE CONSTRAINT IF NOT EXISTS FOR (p:" + PromotionLabel + ") REQUIRE p.uid IS UNIQUE",
		"CREATE CONSTRAINT IF NOT EXISTS FOR (c:" + ChampionLabel + ") REQUIRE c.workspace IS UNIQUE",
	})
}

// PushPromotions writes promotion records and returns how many the server
// did not hold before.
func (c *Client) PushPromotions(ctx context.Context, ps []Promotion) (int, error) {
	if len(ps) == 0 {
		return 0, nil
	}
	if err := c.ensureModelSchema(ctx); err != nil {
		return 0, err
	}
	rows := make([]map[string]any, len(ps))
	for i, p := range ps {
		rows[i] = map[string]any{"uid": p.UID, "props": map[string]any{
			"workspace": p.Workspace, "analyst": p.Analyst, "seq": p.Seq, "version": p.Version, "previous": p.Previous,
			"decision": p.Decision, "reason": p.Reason, "at": p.At, "model_sha256": p.ModelSHA256, "inputs_sha256": p.InputsSHA256,
		}}
	}
	sess := c.driver.NewSession(ctx, n4j.SessionConfig{AccessMode: n4j.AccessModeWrite})
	defer sess.Close(ctx)
	out, err := sess.ExecuteWrite(ctx, func(tx n4j.ManagedTransaction) (any, error) {
		r, err := tx.Run(ctx, `UNWIND $rows AS r
MERGE (p:`+PromotionLabel+` {uid: r.uid})
ON CREATE SET p += r.props`, map[string]any{"rows": rows})
		if err != nil {
			return nil, err
		}
		sum, err := r.Consume(ctx)
		if err != nil {
			return nil, err
		}
		return sum.Counters().NodesCreated(), nil
	})
	if err != nil {
		return 0, fmt.Errorf("neo4j: push promotions (kept, pushed again next time): %w", err)
	}
	return out.(int), nil
}

// HasPromotion reports whether the server holds the record with uid.
func (c *Client) HasPromotion(ctx context.Context, uid string) (bool, error) {
	recs, err := c.read(ctx, `MATCH (p:`+PromotionLabel+` {uid: $uid}) RETURN count(p)`, map[string]any{"uid": uid})
	if err != nil {
		return false, fmt.Errorf("neo4j: promotions: %w", err)
	}
	n, _ := recs[0].Values[0].(int64)
	return n > 0, nil
}

// SetChampion records which model the workspace scores with.
func (c *Client) SetChampion(ctx context.Context, ch Champion) error {
	if err := c.ensureModelSchema(ctx); err != nil {
		return err
	}
	sess := c.driver.NewSession(ctx, n4j.SessionConfig{AccessMode: n4j.AccessModeWrite})
	defer sess.Close(ctx)
	_, err := sess.ExecuteWrite(ctx, func(tx n4j.ManagedTransaction) (any, error) {
		r, err := tx.Run(ctx, `MERGE (c:`+ChampionLabel+` {workspace: $ws})
SET c.analyst = $analyst, c.version = $version, c.model_sha256 = $sha, c.since = $since, c.updated_at = $updated`,
			map[string]any{"ws": ch.Workspace, "analyst": ch.Analyst, "version": ch.Version, "sha": ch.ModelSHA256,
				"since": ch.Since, "updated": ch.UpdatedAt})
		if err != nil {
			return nil, err
		}
		return r.Consume(ctx)
	})
	if err != nil {
		return fmt.Errorf("neo4j: champion of %s: %w", ch.Workspace, err)
	}
	return nil
}

// Champions returns every workspace's champion, by analyst.
func (c *Client) Champions(ctx context.Context) ([]Champion, error) {
	recs, err := c.read(ctx, `MATCH (c:`+ChampionLabel+`)
RETURN c.workspace, c.analyst, c.version, c.model_sha256, c.since, c.updated_at
ORDER BY c.analyst, c.workspace`, nil)
	if err != nil {
		return nil, fmt.Errorf("neo4j: champions: %w", err)
	}
	out := make([]Champion, 0, len(recs))
	for _, r := range recs {
		str := func(i int) string { s, _ := r.Values[i].(string); return s }
		out = append(out, Champion{Workspace: str(0), Analyst: str(1), Version: str(2), ModelSHA256: str(3), Since: str(4), UpdatedAt: str(5)})
	}
	return out, nil
}
