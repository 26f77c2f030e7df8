package neo4j

import (
	"context"
	"errors"
	"fmt"
	"time"

	n4j "github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/cyberstreams/cyberstreams/labels"
)

// Label events travel through Neo4j as (:LabelEvent {uid, seq, …}) nodes,
// MERGEd by uid so that a push sent twice adds nothing. seq is the
// server's order of arrival: one counter node, (:CyberstreamsLabelLog
// {name: 'labels', log, n}), hands out seqs in the transaction that
// writes the events, and its write lock makes pushes take turns, so seqs
// are committed in order and a pull that reads up to seq n never misses a
// lower one later. log is a random id made with the counter: a server
// that was reset has a new one, and workspaces then push and pull their
// whole history again.
const (
	LabelEventLabel = "LabelEvent"
	labelLogLabel   = "CyberstreamsLabelLog"
)

// errLabelLogMoved ends a push to a server whose label log is not the one
// the exchange started with.
var errLabelLogMoved = errors.New("the server's label log changed during the exchange (server reset?)")

// LabelLog returns the id of the server's label log, creating the log on
// a server that has none.
func (c *Client) LabelLog(ctx context.Context) (string, error) {
	sess := c.driver.NewSession(ctx, n4j.SessionConfig{AccessMode: n4j.AccessModeWrite})
	defer sess.Close(ctx)
	for _, q := range []string{
		"CREATE CONSTRAINT IF NOT EXISTS FOR (e:" + LabelEventLabel + ") REQUIRE e.uid IS UNIQUE",
		"CREATE INDEX IF NOT EXISTS FOR (e:" + LabelEventLabel + ") ON (e.seq)",
		"CREATE CONSTRAINT IF NOT EXISTS FOR (l:" + labelLogLabel + ") REQUIRE l.name IS UNIQUE",
	} {
		res, err := sess.Run(ctx, q, nil)
		if err == nil {
			_, err = res.Consume(ctx)
		}
		if err != nil {
			return "", fmt.Errorf("neo4j: %s: %w", q, err)
		}
	}
	out, err := sess.ExecuteWrite(ctx, func(tx n4j.ManagedTransaction) (any, error) {
		r, err := tx.Run(ctx, "MERGE (l:"+labelLogLabel+" {name: 'labels'}) ON CREATE SET l.log = $log, l.n = 0 RETURN l.log",
			map[string]any{"log": newEpoch()})
		if err != nil {
			return nil, err
		}
		rec, err := r.Single(ctx)
		if err != nil {
			return nil, err
		}
		return rec.Values[0], nil
	})
	if err != nil {
		return "", fmt.Errorf("neo4j: label log: %w", err)
	}
	log, _ := out.(string)
	return log, nil
}

// PushLabels writes events to the server's label log named log, in their
// order, and returns how many the server did not hold before.
func (c *Client) PushLabels(ctx context.Context, log string, evs []labels.SharedEvent) (int, error) {
	if len(evs) == 0 {
		return 0, nil
	}
	rows := make([]map[string]any, len(evs))
	for i, e := range evs {
		rows[i] = map[string]any{"uid": e.UID, "props": map[string]any{
			"workspace": e.Workspace, "doc_id": e.DocID, "kind": e.Kind, "severity": e.Severity, "analyst": e.Analyst,
			"created_at": e.CreatedAt, "note": e.Note, "model_version": e.ModelVersion, "predicted": e.Predicted,
			"origin": e.Origin, "retracts_uid": e.RetractsUID,
		}}
	}
	sess := c.driver.NewSession(ctx, n4j.SessionConfig{AccessMode: n4j.AccessModeWrite})
	defer sess.Close(ctx)
	out, err := sess.ExecuteWrite(ctx, func(tx n4j.ManagedTransaction) (any, error) {
		r, err := tx.Run(ctx, `MATCH (l:`+labelLogLabel+` {name: 'labels'}) WHERE l.log = $log
SET l.n = l.n + size($rows)
WITH l.n - size($rows) AS base
UNWIND range(0, size($rows) - 1) AS i
WITH base + i + 1 AS seq, $rows[i] AS r
MERGE (e:`+LabelEventLabel+` {uid: r.uid})
ON CREATE SET e += r.props, e.seq = seq
RETURN count(*) AS rows`, map[string]any{"log": log, "rows": rows})
		if err != nil {
			return nil, err
		}
		rec, err := r.Single(ctx)
		if err != nil {
			return nil, err
		}
		sum, err := r.Consume(ctx)
		if err != nil {
			return nil, err
		}
		if n, _ := rec.Values[0].(int64); int(n) != len(rows) {
			return nil, errLabelLogMoved
		}
		return sum.Counters().NodesCreated(), nil
	})
	if err != nil {
		return 0, fmt.Errorf("neo4j: push labels (kept, pushed again next time): %w", err)
	}
	return out.(int), nil
}

// PullLabels returns up to limit events of other workspaces than
// workspace with a seq above after, in the server's order.
func (c *Client) PullLabels(ctx context.Context, workspace string, after int64, limit int) ([]labels.PulledEvent, error) {
	recs, err := c.read(ctx, `MATCH (e:`+LabelEventLabel+`) WHERE e.seq > $after AND e.workspace <> $ws
RETURN e.seq, e.uid, e.workspace, e.doc_id, e.kind, e.severity, e.analyst, e.created_at, e.note, e.model_version,
	e.predicted, e.origin, e.retracts_uid
ORDER BY e.seq LIMIT $limit`, map[string]any{"after": after, "ws": workspace, "limit": limit})
	if err != nil {
		return nil, fmt.Errorf("neo4j: pull labels: %w", err)
	}
	out := make([]labels.PulledEvent, 0, len(recs))
	for _, r := range recs {
		str := func(i int) string { s, _ := r.Values[i].(string); return s }
		seq, _ := r.Values[0].(int64)
		out = append(out, labels.PulledEvent{Seq: seq, SharedEvent: labels.SharedEvent{
			UID: str(1), Workspace: str(2), DocID: str(3), Kind: str(4), Severity: str(5), Analyst: str(6),
			CreatedAt: str(7), Note: str(8), ModelVersion: str(9), Predicted: str(10), Origin: str(11), RetractsUID: str(12),
		}})
	}
	return out, nil
}

// LabelExchange counts what ExchangeLabels did.
type LabelExchange struct {
	// NewLog says the server's label log was new to this workspace (a
	// first exchange, or a reset server): everything was sent again.
	NewLog bool `json:"new_log"`
	// Pushed is the number of own events sent, Created those the server
	// did not hold yet.
	Pushed  int `json:"pushed"`
	Created int `json:"created"`
	labels.AppendResult
	Elapsed time.Duration `json:"elapsed_ns"`
}

// ExchangeLabels pushes this workspace's label events the server does not
// hold yet (push true) and appends teammates' events newer than the last
// pull to the local history. workspace is this workspace's id (the graph
// sync marker's). Every step is acknowledged only after the server or the
// local store committed it, so an interrupted exchange resumes.
func ExchangeLabels(ctx context.Context, st *labels.Store, c *Client, workspace string, push bool) (LabelExchange, error) {
	start := time.Now()
	var res LabelExchange
	const batch = 1000
	log, err := c.LabelLog(ctx)
	if err != nil {
		return res, err
	}
	state, err := st.ShareState(ctx)
	if err != nil {
		return res, err
	}
	if state.Log != log {
		if err := st.StartLog(ctx, log); err != nil {
			return res, err
		}
		res.NewLog = true
	}
	for push {
		evs, last, err := st.Unpushed(ctx, workspace, batch)
		if err != nil {
			return res, err
		}
		if len(evs) == 0 {
			break
		}
		n, err := c.PushLabels(ctx, log, evs)
		if err != nil {
			return res, err
		}
		if err := st.MarkPushed(ctx, last); err != nil {
			return res, err
		}
		res.Pushed += len(evs)
		res.Created += n
	}
	for {
		state, err := st.ShareState(ctx)
		if err != nil {
			return res, err
		}
		evs, err := c.PullLabels(ctx, workspace, state.PulledThrough, batch)
		if err != nil {
			return res, err
		}
		through := state.PulledThrough
		if len(evs) > 0 {
			through = evs[len(evs)-1].Seq
		}
		a, err := st.AppendPulled(ctx, evs, through)
		if err != nil {
			return res, err
		}
		res.Appended += a.Appended
		res.Already += a.Already
		res.Failed += a.Failed
		res.Waiting = a.Waiting
		if len(evs) < batch {
			break
		}
	}
	res.Elapsed = time.Since(start)
	return res, nil
}
