package kg

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
)

// Outbox operations.
const (
	OpUpsert = "upsert"
	OpDelete = "delete"
)

// Pending counts the outbox rows Neo4j has not acknowledged.
type Pending struct {
	NodeUpserts int `json:"node_upserts"`
	EdgeUpserts int `json:"edge_upserts"`
	EdgeDeletes int `json:"edge_deletes"`
	NodeDeletes int `json:"node_deletes"`
}

// Total is the number of pending rows.
func (p Pending) Total() int { return p.NodeUpserts + p.EdgeUpserts + p.EdgeDeletes + p.NodeDeletes }

// Pending counts the outbox.
func (s *Store) Pending(ctx context.Context) (Pending, error) {
	var p Pending
	err := s.db.QueryRowContext(ctx, `SELECT
		coalesce(sum(kind = 'node' AND op = 'upsert'), 0), coalesce(sum(kind = 'edge' AND op = 'upsert'), 0),
		coalesce(sum(kind = 'edge' AND op = 'delete'), 0), coalesce(sum(kind = 'node' AND op = 'delete'), 0)
		FROM graph_outbox`).Scan(&p.NodeUpserts, &p.EdgeUpserts, &p.EdgeDeletes, &p.NodeDeletes)
	if err != nil {
		return p, fmt.Errorf("graph outbox: %w", err)
	}
	return p, nil
}

// NodeState is a pending node change with the node's current properties,
// flat and ready for Neo4j (nil Props for a delete).
type NodeState struct {
	Seq   int64
	Label Label
	Key   string
	Props map[string]any
}

// EdgeState is a pending relationship change with its current properties.
type EdgeState struct {
	Seq       int64
	Type      RelType
	FromLabel Label
	From      string
	ToLabel   Label
	To        string
	Props     map[string]any
}

// MaxSyncedSources caps the sources list property a node carries to Neo4j;
// source_count always has the full number.
const MaxSyncedSources = 100

// OutboxNodes returns up to limit pending node rows of one op with a seq
// above after, oldest first (a sync pages with after, so that rows Neo4j
// did not take stay behind without being read again). An upsert row whose
// node no longer exists comes back with nil Props: there is nothing to
// write, only to acknowledge.
func (s *Store) OutboxNodes(ctx context.Context, op string, after int64, limit int) ([]NodeState, error) {
	rows, err := s.db.QueryContext(ctx, `
SELECT o.seq, o.label, o.key, n.id IS NOT NULL, coalesce(n.name, ''), coalesce(n.props, '{}'), coalesce(n.first_seen, ''),
	coalesce(n.last_seen, ''), coalesce(n.deprecated, 0), coalesce(n.source_count, 0), coalesce(n.confidence, 0),
	(SELECT json_group_array(alias) FROM (SELECT alias FROM graph_aliases WHERE node_id = n.id ORDER BY alias)),
	(SELECT json_group_array(name) FROM (SELECT DISTINCT name FROM graph_names WHERE node_id = n.id ORDER BY name)),
	(SELECT json_group_array(source) FROM (SELECT source FROM graph_node_sources WHERE node_id = n.id ORDER BY source LIMIT ?3))
FROM graph_outbox o LEFT JOIN graph_nodes n ON n.key = o.key AND o.op = 'upsert'
WHERE o.kind = 'node' AND o.op = ?1 AND o.seq > ?4 ORDER BY o.seq LIMIT ?2`, op, limit, MaxSyncedSources, after)
	if err != nil {
		return nil, fmt.Errorf("graph outbox: %w", err)
	}
	defer rows.Close()
	var out []NodeState
	for rows.Next() {
		var st NodeState
		var exists, deprecated bool
		var name, props, first, last, aliases, names, sources string
		var count int
		var conf float64
		if err := rows.Scan(&st.Seq, &st.Label, &st.Key, &exists, &name, &props, &first, &last, &deprecated,
			&count, &conf, &aliases, &names, &sources); err != nil {
			return nil, fmt.Errorf("graph outbox: %w", err)
		}
		if op == OpUpsert && exists {
			p, err := flatProps(props)
			if err != nil {
				return nil, fmt.Errorf("graph outbox: node %s: %w", st.Key, err)
			}
			p["name"] = name
			p["deprecated"] = deprecated
			p["source_count"] = int64(count)
			p["confidence"] = conf
			p["aliases"] = jsonStrings(aliases)
			p["names"] = jsonStrings(names)
			p["sources"] = jsonStrings(sources)
			if first != "" {
				p["first_seen"] = first
			}
			if last != "" {
				p["last_seen"] = last
			}
			st.Props = p
		}
		out = append(out, st)
	}
	return out, rows.Err()
}

// OutboxEdges returns up to limit pending relationship rows of one op
// with a seq above after, oldest first.
func (s *Store) OutboxEdges(ctx context.Context, op string, after int64, limit int) ([]EdgeState, error) {
	rows, err := s.db.QueryContext(ctx, `
SELECT o.seq, o.rel, o.label, o.key, o.to_label, o.to_key, e.id IS NOT NULL, coalesce(e.props, '{}'), coalesce(e.count, 0)
FROM graph_outbox o
LEFT JOIN graph_nodes a ON a.key = o.key AND o.op = 'upsert'
LEFT JOIN graph_nodes b ON b.key = o.to_key AND o.op = 'upsert'
LEFT JOIN graph_edges e ON e.src = a.id AND e.type = o.rel AND e.dst = b.id
WHERE o.kind = 'edge' AND o.op = ?1 AND o.seq > ?3 ORDER BY o.seq LIMIT ?2`, op, limit, after)
	if err != nil {
		return nil, fmt.Errorf("graph outbox: %w", err)
	}
	defer rows.Close()
	var out []EdgeState
	for rows.Next() {
		var st EdgeState
		var exists bool
		var props string
		var count int
		if err := rows.Scan(&st.Seq, &st.Type, &st.FromLabel, &st.From, &st.ToLabel, &st.To, &exists, &props, &count); err != nil {
			return nil, fmt.Errorf("graph outbox: %w", err)
		}
		if op == OpUpsert && exists {
			p, err := flatProps(props)
			if err != nil {
				return nil, fmt.Errorf("graph outbox: %s %s→%s: %w", st.Type, st.From, st.To, err)
			}
			p["count"] = int64(count)
			st.Props = p
		}
		out = append(out, st)
	}
	return out, rows.Err()
}

// Ack deletes the outbox rows Neo4j acknowledged and records the sync
// generation the server's marker reached with them, in one transaction. A
// row that was replaced by a newer change since it was read has a new seq
// and stays.
func (s *Store) Ack(ctx context.Context, seqs []int64, generation int64) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("graph outbox ack: %w", err)
	}
	defer tx.Rollback()
	st, err := tx.PrepareContext(ctx, `DELETE FROM graph_outbox WHERE seq = ?`)
	if err != nil {
		return fmt.Errorf("graph outbox ack: %w", err)
	}
	defer st.Close()
	for _, q := range seqs {
		if _, err := st.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("graph outbox ack: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE graph_sync_state SET generation = ? WHERE id = 1`, generation); err != nil {
		return fmt.Errorf("graph outbox ack: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("graph outbox ack: %w", err)
	}
	return nil
}

// RequeueAll puts every node and relationship back in the outbox, for
// filling a new or reset Neo4j. It returns the number of rows queued.
func (s *Store) RequeueAll(ctx context.Context) (int, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("graph requeue: %w", err)
	}
	defer tx.Rollback()
	r1, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO graph_outbox(entity, kind, op, label, key, rel, to_label, to_key)
		SELECT 'n' || char(0) || key, 'node', 'upsert', label, key, '', '', '' FROM graph_nodes ORDER BY id`)
	if err != nil {
		return 0, fmt.Errorf("graph requeue: %w", err)
	}
	r2, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO graph_outbox(entity, kind, op, label, key, rel, to_label, to_key)
		SELECT 'e' || char(0) || a.key || char(0) || e.type || char(0) || b.key, 'edge', 'upsert', a.label, a.key, e.type, b.label, b.key
		FROM graph_edges e JOIN graph_nodes a ON a.id = e.src JOIN graph_nodes b ON b.id = e.dst ORDER BY e.id`)
	if err != nil {
		return 0, fmt.Errorf("graph requeue: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("graph requeue: %w", err)
	}
	n1, _ := r1.RowsAffected()
	n2, _ := r2.RowsAffected()
	return int(n1 + n2), nil
}

// SyncState is what the workspace knows of the Neo4j it syncs to: the id
// of its sync marker there, and the marker's epoch and generation when the
// outbox was last acknowledged (an empty Epoch: never synced).
type SyncState struct {
	Workspace  string
	Epoch      string
	Generation int64
}

// SyncState reads the workspace's sync state.
func (s *Store) SyncState(ctx context.Context) (SyncState, error) {
	var st SyncState
	err := s.db.QueryRowContext(ctx, `SELECT workspace, epoch, generation FROM graph_sync_state WHERE id = 1`).
		Scan(&st.Workspace, &st.Epoch, &st.Generation)
	if err != nil {
		return st, fmt.Errorf("graph sync state: %w", err)
	}
	return st, nil
}

// StartEpoch records a new epoch, at generation 0, for the server's
// marker that a full resend starts.
func (s *Store) StartEpoch(ctx context.Context, epoch string) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE graph_sync_state SET epoch = ?, generation = 0 WHERE id = 1`, epoch); err != nil {
		return fmt.Errorf("graph sync state: %w", err)
	}
	return nil
}

// flatProps decodes stored properties into values Neo4j stores: lists of
// strings stay lists, whole numbers become integers.
func flatProps(s string) (map[string]any, error) {
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, err
	}
	if m == nil {
		m = map[string]any{}
	}
	for k, v := range m {
		switch x := v.(type) {
		case float64:
			if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
				m[k] = int64(x)
			}
		case []any:
			ss := make([]string, 0, len(x))
			for _, e := range x {
				if s, ok := e.(string); ok {
					ss = append(ss, s)
				}
			}
			m[k] = ss
		case map[string]any, nil:
			delete(m, k) // Neo4j has no map or null properties
		}
	}
	return m, nil
}

// Counts are node counts per label and relationship counts per type.
type Counts struct {
	Nodes map[Label]int   `json:"nodes"`
	Edges map[RelType]int `json:"relationships"`
}

// Stats counts the local graph per allow-listed label and type.
func (s *Store) Stats(ctx context.Context) (Counts, error) {
	c := Counts{Nodes: map[Label]int{}, Edges: map[RelType]int{}}
	for _, l := range Labels {
		c.Nodes[l] = 0
	}
	for _, t := range RelTypes {
		c.Edges[t] = 0
	}
	rows, err := s.db.QueryContext(ctx, `SELECT label, count(*) FROM graph_nodes GROUP BY label`)
	if err != nil {
		return c, fmt.Errorf("graph stats: %w", err)
	}
	for rows.Next() {
		var l string
		var n int
		if err := rows.Scan(&l, &n); err != nil {
			rows.Close()
			return c, err
		}
		c.Nodes[Label(l)] = n
	}
	rows.Close()
	rows, err = s.db.QueryContext(ctx, `SELECT type, count(*) FROM graph_edges GROUP BY type`)
	if err != nil {
		return c, fmt.Errorf("graph stats: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var t string
		var n int
		if err := rows.Scan(&t, &n); err != nil {
			return c, err
		}
		c.Edges[RelType(t)] = n
	}
	return c, rows.Err()
}

// OutboxGroup counts pending rows that share one Cypher statement.
type OutboxGroup struct {
	Kind    string // node or edge
	Op      string
	Label   Label
	Type    RelType
	ToLabel Label
	Rows    int
}

// OutboxGroups groups the outbox by statement, in sync order: node
// upserts, relationship upserts, relationship deletes, node deletes.
func (s *Store) OutboxGroups(ctx context.Context) ([]OutboxGroup, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT kind, op, label, rel, to_label, count(*) FROM graph_outbox
		GROUP BY kind, op, label, rel, to_label
		ORDER BY CASE kind || op WHEN 'nodeupsert' THEN 0 WHEN 'edgeupsert' THEN 1 WHEN 'edgedelete' THEN 2 ELSE 3 END,
		label, rel, to_label`)
	if err != nil {
		return nil, fmt.Errorf("graph outbox: %w", err)
	}
	defer rows.Close()
	var out []OutboxGroup
	for rows.Next() {
		var g OutboxGroup
		if err := rows.Scan(&g.Kind, &g.Op, &g.Label, &g.Type, &g.ToLabel, &g.Rows); err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}
