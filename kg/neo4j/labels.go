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
//
// Analysts' technique verdicts travel the same way as
// (:TechniqueLabelEvent) nodes with a counter of their own ({name:
// 'techniques'}): a version that knows only severity labels never reads
// them, and each log keeps its own seqs.
const (
	LabelEventLabel     = "LabelEvent"
	TechniqueEventLabel = "TechniqueLabelEvent"
	labelLogLabel       = "CyberstreamsLabelLog"
)

// errLabelLogMoved ends a push to a server whose label log is not the one
// the exchange started with.
var errLabelLogMoved = errors.New("the server's label log changed during the exchange (server reset?)")

// eventLog is one history on the server: its event nodes' label, its
// counter's name, and the properties an event is stored with.
type eventLog struct {
	node, name string
	props      func(labels.SharedEvent) map[string]any
}

func severityEvents() eventLog {
	return eventLog{node: LabelEventLabel, name: "labels", props: func(e labels.SharedEvent) map[string]any {
		return map[string]any{
			"workspace": e.Workspace, "doc_id": e.DocID, "kind": e.Kind, "severity": e.Severity, "analyst": e.Analyst,
			"created_at": e.CreatedAt, "note": e.Note, "model_version": e.ModelVersion, "predicted": e.Predicted,
			"origin": e.Origin, "retracts_uid": e.RetractsUID,
		}
	}}
}

func techniqueEvents() eventLog {
	return eventLog{node: TechniqueEventLabel, name: "techniques", props: func(e labels.SharedEvent) map[string]any {
		return map[string]any{
			"workspace": e.Workspace, "doc_id": e.DocID, "kind": e.Kind, "technique": e.Technique, "present": e.Present,
			"sentence": e.Sentence, "analyst": e.Analyst, "created_at": e.CreatedAt, "note": e.Note,
			"origin": e.Origin, "retracts_uid": e.RetractsUID,
		}
	}}
}

// openLog returns the id of a log on the server, creating the log on a
// server that has none.
func (c *Client) openLog(ctx context.Context, lg eventLog) (string, error) {
	sess := c.driver.NewSession(ctx, n4j.SessionConfig{AccessMode: n4j.AccessModeWrite})
	defer sess.Close(ctx)
	for _, q := range []string{
		"CREATE CONSTRAINT IF NOT EXISTS FOR (e:" + lg.node + ") REQUIRE e.uid IS UNIQUE",
		"CREATE INDEX IF NOT EXISTS FOR (e:" + lg.node + ") ON (e.seq)",
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
		r, err := tx.Run(ctx, "MERGE (l:"+labelLogLabel+" {name: $name}) ON CREATE SET l.log = $log, l.n = 0 RETURN l.log",
			map[string]any{"name": lg.name, "log": newEpoch()})
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
		return "", fmt.Errorf("neo4j: %s log: %w", lg.name, err)
	}
	log, _ := out.(string)
	return log, nil
}

// push writes events to the server's log named log, in their order, and
// returns how many the server did not hold before.
func (c *Client) push(ctx context.Context, lg eventLog, log string, evs []labels.SharedEvent) (int, error) {
	if len(evs) == 0 {
		return 0, nil
	}
	rows := make([]map[string]any, len(evs))
	for i, e := range evs {
		rows[i] = map[string]any{"uid": e.UID, "props": lg.props(e)}
	}
	sess := c.driver.NewSession(ctx, n4j.SessionConfig{AccessMode: n4j.AccessModeWrite})
	defer sess.Close(ctx)
	out, err := sess.ExecuteWrite(ctx, func(tx n4j.ManagedTransaction) (any, error) {
		r, err := tx.Run(ctx, `MATCH (l:`+labelLogLabel+` {name: $name}) WHERE l.log = $log
SET l.n = l.n + size($rows)
WITH l.n - size($rows) AS base
UNWIND range(0, size($rows) - 1) AS i
WITH base + i + 1 AS seq, $rows[i] AS r
MERGE (e:`+lg.node+` {uid: r.uid})
ON CREATE SET e += r.props, e.seq = seq
RETURN count(*) AS rows`, map[string]any{"name": lg.name, "log": log, "rows": rows})
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
		return 0, fmt.Errorf("neo4j: push %s (kept, pushed again next time): %w", lg.name, err)
	}
	return out.(int), nil
}

// pull returns up to limit events of other workspaces than workspace with
// a seq above after, in the server's order.
func (c *Client) pull(ctx context.Context, lg eventLog, workspace string, after int64, limit int) ([]labels.PulledEvent, error) {
	recs, err := c.read(ctx, `MATCH (e:`+lg.node+`) WHERE e.seq > $after AND e.workspace <> $ws
RETURN e.seq, e.uid, e.workspace, e.doc_id, e.kind, e.severity, e.analyst, e.created_at, e.note, e.model_version,
	e.predicted, e.origin, e.retracts_uid, e.technique, e.present, e.sentence
ORDER BY e.seq LIMIT $limit`, map[string]any{"after": after, "ws": workspace, "limit": limit})
	if err != nil {
		return nil, fmt.Errorf("neo4j: pull %s: %w", lg.name, err)
	}
	out := make([]labels.PulledEvent, 0, len(recs))
	for _, r := range recs {
		str := func(i int) string { s, _ := r.Values[i].(string); return s }
		seq, _ := r.Values[0].(int64)
		present, _ := r.Values[14].(bool)
		out = append(out, labels.PulledEvent{Seq: seq, SharedEvent: labels.SharedEvent{
			UID: str(1), Workspace: str(2), DocID: str(3), Kind: str(4), Severity: str(5), Analyst: str(6),
			CreatedAt: str(7), Note: str(8), ModelVersion: str(9), Predicted: str(10), Origin: str(11), RetractsUID: str(12),
			Technique: str(13), Present: present, Sentence: str(15),
		}})
	}
	return out, nil
}

// LogExchange counts what an exchange did with one log.
type LogExchange struct {
	// NewLog says the server's log was new to this workspace (a first
	// exchange, or a reset server): everything was sent again.
	NewLog bool `json:"new_log"`
	// Pushed is the number of own events sent, Created those the server
	// did not hold yet.
	Pushed  int `json:"pushed"`
	Created int `json:"created"`
	labels.AppendResult
}

// LabelExchange counts what ExchangeLabels did: the severity labels, and
// under Techniques the technique verdicts.
type LabelExchange struct {
	LogExchange
	Techniques LogExchange   `json:"techniques"`
	Elapsed    time.Duration `json:"elapsed_ns"`
}

// logStore is the label store's side of one log.
type logStore struct {
	state    func(context.Context) (labels.ShareState, error)
	start    func(context.Context, string) error
	unpushed func(ctx context.Context, workspace string, limit int) ([]labels.SharedEvent, int64, error)
	pushed   func(context.Context, int64) error
	appended func(context.Context, []labels.PulledEvent, int64) (labels.AppendResult, error)
}

// ExchangeLabels pushes this workspace's label events and technique
// verdicts the server does not hold yet (push true) and appends
// teammates' events newer than the last pull to the local history.
// workspace is this workspace's id (the graph sync marker's). Every step
// is acknowledged only after the server or the local store committed it,
// so an interrupted exchange resumes.
func ExchangeLabels(ctx context.Context, st *labels.Store, c *Client, workspace string, push bool) (LabelExchange, error) {
	start := time.Now()
	var res LabelExchange
	var err error
	res.LogExchange, err = exchange(ctx, c, severityEvents(), logStore{st.ShareState, st.StartLog, st.Unpushed, st.MarkPushed, st.AppendPulled}, workspace, push)
	if err != nil {
		return res, err
	}
	res.Techniques, err = exchange(ctx, c, techniqueEvents(), logStore{st.TechniqueShareState, st.StartTechniqueLog,
		st.UnpushedTechniques, st.MarkTechniquesPushed, st.AppendPulledTechniques}, workspace, push)
	if err != nil {
		return res, err
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

func exchange(ctx context.Context, c *Client, lg eventLog, st logStore, workspace string, push bool) (LogExchange, error) {
	var res LogExchange
	const batch = 1000
	log, err := c.openLog(ctx, lg)
	if err != nil {
		return res, err
	}
	state, err := st.state(ctx)
	if err != nil {
		return res, err
	}
	if state.Log != log {
		if err := st.start(ctx, log); err != nil {
			return res, err
		}
		res.NewLog = true
	}
	for push {
		evs, last, err := st.unpushed(ctx, workspace, batch)
		if err != nil {
			return res, err
		}
		if len(evs) == 0 {
			break
		}
		n, err := c.push(ctx, lg, log, evs)
		if err != nil {
			return res, err
		}
		if err := st.pushed(ctx, last); err != nil {
			return res, err
		}
		res.Pushed += len(evs)
		res.Created += n
	}
	for {
		state, err := st.state(ctx)
		if err != nil {
			return res, err
		}
		evs, err := c.pull(ctx, lg, workspace, state.PulledThrough, batch)
		if err != nil {
			return res, err
		}
		through := state.PulledThrough
		if len(evs) > 0 {
			through = evs[len(evs)-1].Seq
		}
		a, err := st.appended(ctx, evs, through)
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
	return res, nil
}
