package neo4j

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"time"

	n4j "github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/cyberstreams/cyberstreams/kg"
)

// Statements are built only from allow-listed labels and types (checked
// again here); every value travels as a parameter.

func constraintCypher(l kg.Label) (string, error) {
	if !l.Valid() {
		return "", fmt.Errorf("label %q is not in the graph schema", string(l))
	}
	return "CREATE CONSTRAINT IF NOT EXISTS FOR (n:" + string(l) + ") REQUIRE n.key IS UNIQUE", nil
}

// Several workspaces sync to one Neo4j. What each contributes to a node
// or relationship is kept apart in properties named after the workspace:
// source_count@<workspace> and sources@<workspace> on a node,
// count@<workspace> on a relationship. The shared source_count and count
// are the sums over the contributions, recomputed in the statement that
// changes one, so counts add up across workspaces; a retraction removes
// only its workspace's contribution, and a node or relationship goes only
// when nobody contributes it any more. (Descriptive properties, name and
// the like, are shared: the last writer's stand.)
const (
	nodeCountsOf = "[k IN keys(n) WHERE k STARTS WITH 'source_count@']"
	edgeCountsOf = "[k IN keys(e) WHERE k STARTS WITH 'count@']"
)

// NodeUpsertCypher is the MERGE batch for one label: the shared
// properties, this workspace's contribution (r.mine), and the sums. It
// returns the seq of every row it wrote, so that only those leave the
// outbox.
func NodeUpsertCypher(l kg.Label) (string, error) {
	if !l.Valid() {
		return "", fmt.Errorf("label %q is not in the graph schema", string(l))
	}
	return "UNWIND $rows AS r MERGE (n:" + string(l) + " {key: r.key}) SET n += r.props, n += r.mine " +
		"WITH n, r, " + nodeCountsOf + " AS ks " +
		"SET n.source_count = reduce(s = 0, k IN ks | s + n[k]), n.contributors = size(ks) RETURN r.seq AS seq", nil
}

// NodeDeleteCypher removes this workspace's contribution (r.mine holds
// its properties set to null) to nodes of one label, and each node with
// its relationships when no workspace contributes it any more.
func NodeDeleteCypher(l kg.Label) (string, error) {
	if !l.Valid() {
		return "", fmt.Errorf("label %q is not in the graph schema", string(l))
	}
	return "UNWIND $rows AS r MATCH (n:" + string(l) + " {key: r.key}) SET n += r.mine " +
		"WITH n, " + nodeCountsOf + " AS ks " +
		"SET n.source_count = reduce(s = 0, k IN ks | s + n[k]), n.contributors = size(ks) " +
		"FOREACH (_ IN CASE WHEN size(ks) = 0 THEN [1] ELSE [] END | DETACH DELETE n)", nil
}

func checkEdge(t kg.RelType, from, to kg.Label) error {
	if !t.Valid() {
		return fmt.Errorf("relationship type %q is not in the graph schema", string(t))
	}
	if !from.Valid() || !to.Valid() {
		return fmt.Errorf("label %q or %q is not in the graph schema", string(from), string(to))
	}
	return nil
}

// EdgeUpsertCypher is the MERGE batch for one (type, from label, to label).
// A row whose end nodes Neo4j lacks matches nothing and is not written;
// the seqs it returns are the rows it wrote.
func EdgeUpsertCypher(t kg.RelType, from, to kg.Label) (string, error) {
	if err := checkEdge(t, from, to); err != nil {
		return "", err
	}
	return "UNWIND $rows AS r MATCH (a:" + string(from) + " {key: r.from}) MATCH (b:" + string(to) +
		" {key: r.to}) MERGE (a)-[e:" + string(t) + "]->(b) SET e += r.props, e += r.mine " +
		"WITH e, r, " + edgeCountsOf + " AS ks SET e.count = reduce(s = 0, k IN ks | s + e[k]), e.contributors = size(ks) " +
		"RETURN r.seq AS seq", nil
}

// EdgeDeleteCypher removes relationships of one (type, from, to).
func EdgeDeleteCypher(t kg.RelType, from, to kg.Label) (string, error) {
	if err := checkEdge(t, from, to); err != nil {
		return "", err
	}
	return "UNWIND $rows AS r MATCH (a:" + string(from) + " {key: r.from})-[e:" + string(t) + "]->(b:" +
		string(to) + " {key: r.to}) SET e += r.mine " +
		"WITH e, " + edgeCountsOf + " AS ks SET e.count = reduce(s = 0, k IN ks | s + e[k]), e.contributors = size(ks) " +
		"FOREACH (_ IN CASE WHEN size(ks) = 0 THEN [1] ELSE [] END | DELETE e)", nil
}

// SyncMarkerLabel labels the one node per workspace in Neo4j that says
// which epoch and generation of the workspace's outbox the server holds:
// (:CyberstreamsSync {workspace, epoch, generation}). Every acknowledged
// batch moves the generation on in the transaction that writes it, and the
// workspace records the same generation with the acknowledgement, so a
// server that lost writes (reset, restored from a backup, or another
// server behind the same URI) is recognised at the next sync.
const SyncMarkerLabel = "CyberstreamsSync"

// EnsureConstraints creates the uniqueness constraint on key for every
// allowed label, and on workspace for the sync markers; it is idempotent,
// so every sync runs it first.
func (c *Client) EnsureConstraints(ctx context.Context) error {
	sess := c.driver.NewSession(ctx, n4j.SessionConfig{AccessMode: n4j.AccessModeWrite})
	defer sess.Close(ctx)
	qs := []string{"CREATE CONSTRAINT IF NOT EXISTS FOR (m:" + SyncMarkerLabel + ") REQUIRE m.workspace IS UNIQUE"}
	for _, l := range kg.Labels {
		q, err := constraintCypher(l)
		if err != nil {
			return err
		}
		qs = append(qs, q)
	}
	return runSchema(ctx, sess, qs)
}

// runSchema runs schema statements, each in its own auto-commit
// transaction: schema changes cannot share a transaction with data writes.
func runSchema(ctx context.Context, sess n4j.SessionWithContext, qs []string) error {
	for _, q := range qs {
		res, err := sess.Run(ctx, q, nil)
		if err == nil {
			_, err = res.Consume(ctx)
		}
		if err != nil {
			return fmt.Errorf("neo4j: %s: %w", q, err)
		}
	}
	return nil
}

// SyncOptions tune a sync.
type SyncOptions struct {
	// Batch is the number of outbox rows per write transaction (default
	// 5000).
	Batch int
	// Progress, when set, is told after every acknowledged batch.
	Progress func(SyncProgress)
	// Resend, when set, is told once why the whole graph is being sent
	// again, before it is.
	Resend func(reason string, rows int)
}

// SyncProgress is the state of a running sync.
type SyncProgress struct {
	Phase   string // "nodes", "relationships", "relationship deletes", "node deletes"
	Done    int    // rows acknowledged so far, all phases
	Pending int    // rows pending when the sync started
	Elapsed time.Duration
}

// SyncResult counts what a sync wrote, as Neo4j reported it: upserts by
// the rows each statement returned, deletes by the server's counters.
type SyncResult struct {
	Nodes, Relationships, RelationshipDeletes, NodeDeletes int
	// NodesCreated and RelationshipsCreated are the part of Nodes and
	// Relationships that Neo4j did not hold before.
	NodesCreated, RelationshipsCreated int
	// Acknowledged is the number of outbox rows removed: rows written,
	// deletes applied (also of what Neo4j no longer held) and rows whose
	// entity is gone locally.
	Acknowledged int
	Batches      int
	// Resent says why the whole graph was queued again; empty when the
	// server held what the workspace had sent it.
	Resent   string
	Requeued int
	// MissingEnds counts relationship rows Neo4j did not write because it
	// lacks an end node; they stay in the outbox.
	MissingEnds int
	// Pending is the outbox when the sync ended.
	Pending kg.Pending
	Elapsed time.Duration
}

// Total is the number of outbox rows acknowledged.
func (r SyncResult) Total() int { return r.Acknowledged }

// errMarkerMoved ends a batch whose server's sync marker is no longer the
// one the sync started from: the server was reset or restored under it.
var errMarkerMoved = errors.New("the workspace's sync marker in Neo4j changed during the sync (server reset or restored?)")

// Sync drains the outbox into Neo4j: node upserts, then relationship
// upserts, relationship deletes and node deletes, each batch in one write
// transaction with the move of the workspace's sync marker. Outbox rows
// are deleted only after Neo4j committed their batch and only if Neo4j
// wrote them, so an interrupted sync resumes where it stopped, and a row
// Neo4j could not write stays pending (counted in the result). MERGE makes
// a batch sent twice harmless. A server whose marker does not match the
// workspace's record is sent the whole graph again first.
func Sync(ctx context.Context, s *kg.Store, c *Client, opts SyncOptions) (SyncResult, error) {
	start := time.Now()
	var res SyncResult
	if opts.Batch <= 0 {
		opts.Batch = 5000
	}
	if err := c.EnsureConstraints(ctx); err != nil {
		return res, err
	}
	sess := c.driver.NewSession(ctx, n4j.SessionConfig{AccessMode: n4j.AccessModeWrite})
	defer sess.Close(ctx)
	var err error
	// A marker that moves during the sync means the server was reset
	// under it: check again (which resends) once, then give up.
	for attempt := 0; attempt < 2; attempt++ {
		var m marker
		m, err = c.checkMarker(ctx, sess, s, &res, opts.Resend)
		if err != nil {
			break
		}
		err = drainOutbox(ctx, s, sess, m, opts, start, &res)
		if !errors.Is(err, errMarkerMoved) {
			break
		}
	}
	res.Elapsed = time.Since(start)
	if p, perr := s.Pending(ctx); perr == nil {
		res.Pending = p
	} else if err == nil {
		err = perr
	}
	return res, err
}

// marker is where the workspace's sync marker stands.
type marker struct {
	workspace, epoch string
	generation       int64
}

// checkMarker compares the server's sync marker of the workspace with the
// workspace's record of it. When they differ, it queues the whole graph
// again and starts a new epoch on both sides (the local record last, so
// that a failure in between only repeats the resend).
func (c *Client) checkMarker(ctx context.Context, sess n4j.SessionWithContext, s *kg.Store, res *SyncResult, told func(string, int)) (marker, error) {
	st, err := s.SyncState(ctx)
	if err != nil {
		return marker{}, err
	}
	out, err := sess.ExecuteRead(ctx, func(tx n4j.ManagedTransaction) (any, error) {
		r, err := tx.Run(ctx, "MATCH (m:"+SyncMarkerLabel+" {workspace: $ws}) RETURN m.epoch AS epoch, m.generation AS generation",
			map[string]any{"ws": st.Workspace})
		if err != nil {
			return nil, err
		}
		return r.Collect(ctx)
	})
	if err != nil {
		return marker{}, fmt.Errorf("neo4j: read the sync marker: %w", err)
	}
	recs := out.([]*n4j.Record)
	var reason string
	switch {
	case len(recs) == 0 && st.Epoch == "":
		reason = "first sync of this workspace to " + c.URI()
	case len(recs) == 0:
		reason = c.URI() + " holds no sync marker of this workspace: it was reset, restored from an older backup, or is another server"
	default:
		epoch, _ := recs[0].Values[0].(string)
		gen, _ := recs[0].Values[1].(int64)
		switch {
		case epoch != st.Epoch:
			reason = c.URI() + " holds this workspace's graph from another epoch (restored from a backup, or synced by a copy of this workspace)"
		case gen != st.Generation:
			reason = fmt.Sprintf("%s is at sync generation %d and this workspace at %d: it was restored from a backup or lost acknowledged writes",
				c.URI(), gen, st.Generation)
		default:
			return marker{st.Workspace, st.Epoch, st.Generation}, nil
		}
	}
	n, err := s.RequeueAll(ctx)
	if err != nil {
		return marker{}, err
	}
	res.Resent, res.Requeued = reason, n
	if told != nil {
		told(reason, n)
	}
	epoch := newEpoch()
	_, err = sess.ExecuteWrite(ctx, func(tx n4j.ManagedTransaction) (any, error) {
		r, err := tx.Run(ctx, "MERGE (m:"+SyncMarkerLabel+" {workspace: $ws}) SET m.epoch = $epoch, m.generation = 0, m.updated = datetime()",
			map[string]any{"ws": st.Workspace, "epoch": epoch})
		if err != nil {
			return nil, err
		}
		return r.Consume(ctx)
	})
	if err != nil {
		return marker{}, fmt.Errorf("neo4j: write the sync marker: %w", err)
	}
	if err := s.StartEpoch(ctx, epoch); err != nil {
		return marker{}, err
	}
	return marker{st.Workspace, epoch, 0}, nil
}

// newEpoch is a random name for a new epoch.
func newEpoch() string {
	var b [16]byte
	rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b[:])
}

// batch is one write transaction's worth of outbox rows.
type batch struct {
	stmts []statement
	// free are rows with nothing to write (their entity is gone locally);
	// sent are the rows the statements carry.
	free, sent []int64
	upsert     bool
	last       int64 // highest seq read, where the next batch starts
}

// written is what Neo4j reported for one batch.
type written struct {
	seqs                      map[int64]bool // upsert rows returned
	nodesCreated, relsCreated int
	nodesDeleted, relsDeleted int
}

// drainOutbox writes the outbox, phase by phase and batch by batch.
func drainOutbox(ctx context.Context, s *kg.Store, sess n4j.SessionWithContext, m marker, opts SyncOptions, start time.Time, res *SyncResult) error {
	pending, err := s.Pending(ctx)
	if err != nil {
		return err
	}
	nodes := func(op string) func(after int64) (batch, error) {
		return func(after int64) (batch, error) {
			states, err := s.OutboxNodes(ctx, op, after, opts.Batch)
			if err != nil || len(states) == 0 {
				return batch{}, err
			}
			return nodeBatch(states, op, m.workspace)
		}
	}
	edges := func(op string) func(after int64) (batch, error) {
		return func(after int64) (batch, error) {
			states, err := s.OutboxEdges(ctx, op, after, opts.Batch)
			if err != nil || len(states) == 0 {
				return batch{}, err
			}
			return edgeBatch(states, op, m.workspace)
		}
	}
	// Nodes first, so that every relationship finds its ends; relationship
	// deletes before node deletes, which would otherwise take them along
	// unacknowledged.
	phases := []struct {
		name string
		next func(after int64) (batch, error)
	}{
		{"nodes", nodes(kg.OpUpsert)},
		{"relationships", edges(kg.OpUpsert)},
		{"relationship deletes", edges(kg.OpDelete)},
		{"node deletes", nodes(kg.OpDelete)},
	}
	for _, p := range phases {
		var after int64
		for {
			b, err := p.next(after)
			if err != nil {
				return err
			}
			if b.last == 0 {
				break
			}
			after = b.last
			w, err := writeBatch(ctx, sess, m, b)
			if err != nil {
				return err
			}
			if len(b.stmts) > 0 {
				m.generation++
				res.Batches++
			}
			ack := b.free
			if b.upsert {
				for _, q := range b.sent {
					if w.seqs[q] {
						ack = append(ack, q)
					} else if p.name == "relationships" {
						res.MissingEnds++
					}
				}
				if p.name == "nodes" {
					res.Nodes += len(w.seqs)
				} else {
					res.Relationships += len(w.seqs)
				}
			} else {
				ack = append(ack, b.sent...)
			}
			res.NodesCreated += w.nodesCreated
			res.RelationshipsCreated += w.relsCreated
			res.NodeDeletes += w.nodesDeleted
			res.RelationshipDeletes += w.relsDeleted
			if err := s.Ack(ctx, ack, m.generation); err != nil {
				return err
			}
			res.Acknowledged += len(ack)
			if opts.Progress != nil {
				opts.Progress(SyncProgress{Phase: p.name, Done: res.Acknowledged, Pending: pending.Total(), Elapsed: time.Since(start)})
			}
		}
	}
	return nil
}

// writeBatch runs a batch's statements in one write transaction that
// first moves the workspace's sync marker on from m, and says what Neo4j
// wrote. The transaction is retried by the driver on transient errors, so
// it counts afresh on every attempt.
func writeBatch(ctx context.Context, sess n4j.SessionWithContext, m marker, b batch) (written, error) {
	if len(b.stmts) == 0 {
		return written{}, nil
	}
	out, err := sess.ExecuteWrite(ctx, func(tx n4j.ManagedTransaction) (any, error) {
		w := written{seqs: map[int64]bool{}}
		r, err := tx.Run(ctx, "MATCH (m:"+SyncMarkerLabel+" {workspace: $ws}) WHERE m.epoch = $epoch AND m.generation = $gen "+
			"SET m.generation = $gen + 1, m.updated = datetime() RETURN m.generation",
			map[string]any{"ws": m.workspace, "epoch": m.epoch, "gen": m.generation})
		if err != nil {
			return nil, err
		}
		recs, err := r.Collect(ctx)
		if err != nil {
			return nil, err
		}
		if len(recs) != 1 {
			return nil, errMarkerMoved
		}
		for _, st := range b.stmts {
			r, err := tx.Run(ctx, st.cypher, map[string]any{"rows": st.rows})
			if err != nil {
				return nil, err
			}
			for r.Next(ctx) {
				if q, ok := r.Record().Values[0].(int64); ok {
					w.seqs[q] = true
				}
			}
			sum, err := r.Consume(ctx)
			if err != nil {
				return nil, err
			}
			cs := sum.Counters()
			w.nodesCreated += cs.NodesCreated()
			w.relsCreated += cs.RelationshipsCreated()
			w.nodesDeleted += cs.NodesDeleted()
			w.relsDeleted += cs.RelationshipsDeleted()
		}
		return w, nil
	})
	if err != nil {
		if errors.Is(err, errMarkerMoved) {
			return written{}, err
		}
		return written{}, fmt.Errorf("neo4j write (outbox kept, run sync again to resume): %w", err)
	}
	return out.(written), nil
}

type statement struct {
	cypher string
	rows   []map[string]any
}

// nodeContribution splits a node's properties into the shared ones and
// the workspace's own (source_count@ws, sources@ws); for a delete, the own
// ones are null, which removes them.
func nodeContribution(props map[string]any, ws string) (shared, mine map[string]any) {
	mine = map[string]any{"source_count@" + ws: nil, "sources@" + ws: nil}
	if props == nil {
		return nil, mine
	}
	shared = make(map[string]any, len(props))
	for k, v := range props {
		switch k {
		case "source_count", "sources":
			mine[k+"@"+ws] = v
		default:
			shared[k] = v
		}
	}
	return shared, mine
}

// edgeContribution is nodeContribution for a relationship's count.
func edgeContribution(props map[string]any, ws string) (shared, mine map[string]any) {
	mine = map[string]any{"count@" + ws: nil}
	if props == nil {
		return nil, mine
	}
	shared = make(map[string]any, len(props))
	for k, v := range props {
		if k == "count" {
			mine["count@"+ws] = v
		} else {
			shared[k] = v
		}
	}
	return shared, mine
}

func nodeBatch(states []kg.NodeState, op, ws string) (batch, error) {
	b := batch{upsert: op == kg.OpUpsert, last: states[len(states)-1].Seq}
	byLabel := map[kg.Label][]map[string]any{}
	var order []kg.Label
	for _, st := range states {
		if b.upsert && st.Props == nil {
			b.free = append(b.free, st.Seq) // the node is gone locally; its delete row follows
			continue
		}
		b.sent = append(b.sent, st.Seq)
		if _, ok := byLabel[st.Label]; !ok {
			order = append(order, st.Label)
		}
		row := map[string]any{"key": st.Key, "seq": st.Seq}
		row["props"], row["mine"] = nodeContribution(st.Props, ws)
		byLabel[st.Label] = append(byLabel[st.Label], row)
	}
	for _, l := range order {
		build := NodeUpsertCypher
		if !b.upsert {
			build = NodeDeleteCypher
		}
		q, err := build(l)
		if err != nil {
			return batch{}, err
		}
		b.stmts = append(b.stmts, statement{q, byLabel[l]})
	}
	return b, nil
}

func edgeBatch(states []kg.EdgeState, op, ws string) (batch, error) {
	type group struct {
		t        kg.RelType
		from, to kg.Label
	}
	b := batch{upsert: op == kg.OpUpsert, last: states[len(states)-1].Seq}
	byGroup := map[group][]map[string]any{}
	var order []group
	for _, st := range states {
		if b.upsert && st.Props == nil {
			b.free = append(b.free, st.Seq)
			continue
		}
		b.sent = append(b.sent, st.Seq)
		g := group{st.Type, st.FromLabel, st.ToLabel}
		if _, ok := byGroup[g]; !ok {
			order = append(order, g)
		}
		row := map[string]any{"from": st.From, "to": st.To, "seq": st.Seq}
		row["props"], row["mine"] = edgeContribution(st.Props, ws)
		byGroup[g] = append(byGroup[g], row)
	}
	for _, g := range order {
		build := EdgeUpsertCypher
		if !b.upsert {
			build = EdgeDeleteCypher
		}
		q, err := build(g.t, g.from, g.to)
		if err != nil {
			return batch{}, err
		}
		b.stmts = append(b.stmts, statement{q, byGroup[g]})
	}
	return b, nil
}

// DryRun prints the statements a sync would run and how many rows each
// would carry, without connecting.
func DryRun(ctx context.Context, s *kg.Store, w io.Writer, batch int) (int, error) {
	if batch <= 0 {
		batch = 5000
	}
	groups, err := s.OutboxGroups(ctx)
	if err != nil {
		return 0, err
	}
	total := 0
	for _, l := range kg.Labels {
		q, _ := constraintCypher(l)
		fmt.Fprintf(w, "%s;\n", q)
	}
	for _, g := range groups {
		var q string
		var err error
		switch {
		case g.Kind == "node" && g.Op == kg.OpUpsert:
			q, err = NodeUpsertCypher(g.Label)
		case g.Kind == "node":
			q, err = NodeDeleteCypher(g.Label)
		case g.Op == kg.OpUpsert:
			q, err = EdgeUpsertCypher(g.Type, g.Label, g.ToLabel)
		default:
			q, err = EdgeDeleteCypher(g.Type, g.Label, g.ToLabel)
		}
		if err != nil {
			return total, err
		}
		batches := (g.Rows + batch - 1) / batch
		fmt.Fprintf(w, "%s;  // %d rows in %d batch(es)\n", q, g.Rows, batches)
		total += g.Rows
	}
	fmt.Fprintf(w, "// %d outbox rows pending\n", total)
	return total, nil
}

// Counts counts the remote graph per allow-listed label and type.
func (c *Client) Counts(ctx context.Context) (kg.Counts, error) {
	out := kg.Counts{Nodes: map[kg.Label]int{}, Edges: map[kg.RelType]int{}}
	for _, l := range kg.Labels {
		recs, err := c.read(ctx, "MATCH (n:"+string(l)+") RETURN count(n) AS n", nil)
		if err != nil {
			return out, fmt.Errorf("neo4j count %s: %w", l, err)
		}
		out.Nodes[l] = int(recs[0].Values[0].(int64))
	}
	for _, t := range kg.RelTypes {
		recs, err := c.read(ctx, "MATCH ()-[r:"+string(t)+"]->() RETURN count(r) AS n", nil)
		if err != nil {
			return out, fmt.Errorf("neo4j count %s: %w", t, err)
		}
		out.Edges[t] = int(recs[0].Values[0].(int64))
	}
	return out, nil
}
