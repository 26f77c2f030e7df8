package neo4j

import (
	"context"
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

// NodeUpsertCypher is the MERGE batch for one label.
func NodeUpsertCypher(l kg.Label) (string, error) {
	if !l.Valid() {
		return "", fmt.Errorf("label %q is not in the graph schema", string(l))
	}
	return "UNWIND $rows AS r MERGE (n:" + string(l) + " {key: r.key}) SET n += r.props", nil
}

// NodeDeleteCypher removes nodes of one label and their relationships.
func NodeDeleteCypher(l kg.Label) (string, error) {
	if !l.Valid() {
		return "", fmt.Errorf("label %q is not in the graph schema", string(l))
	}
	return "UNWIND $rows AS r MATCH (n:" + string(l) + " {key: r.key}) DETACH DELETE n", nil
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
func EdgeUpsertCypher(t kg.RelType, from, to kg.Label) (string, error) {
	if err := checkEdge(t, from, to); err != nil {
		return "", err
	}
	return "UNWIND $rows AS r MATCH (a:" + string(from) + " {key: r.from}) MATCH (b:" + string(to) +
		" {key: r.to}) MERGE (a)-[e:" + string(t) + "]->(b) SET e += r.props", nil
}

// EdgeDeleteCypher removes relationships of one (type, from, to).
func EdgeDeleteCypher(t kg.RelType, from, to kg.Label) (string, error) {
	if err := checkEdge(t, from, to); err != nil {
		return "", err
	}
	return "UNWIND $rows AS r MATCH (a:" + string(from) + " {key: r.from})-[e:" + string(t) + "]->(b:" +
		string(to) + " {key: r.to}) DELETE e", nil
}

// EnsureConstraints creates the uniqueness constraint on key for every
// allowed label; it is idempotent, so every sync runs it first.
func (c *Client) EnsureConstraints(ctx context.Context) error {
	sess := c.driver.NewSession(ctx, n4j.SessionConfig{AccessMode: n4j.AccessModeWrite})
	defer sess.Close(ctx)
	for _, l := range kg.Labels {
		q, err := constraintCypher(l)
		if err != nil {
			return err
		}
		// Schema changes cannot share a transaction with data writes; each
		// runs in its own auto-commit transaction.
		res, err := sess.Run(ctx, q, nil)
		if err == nil {
			_, err = res.Consume(ctx)
		}
		if err != nil {
			return fmt.Errorf("neo4j: create constraint on %s: %w", l, err)
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
}

// SyncProgress is the state of a running sync.
type SyncProgress struct {
	Phase   string // "nodes", "relationships", "relationship deletes", "node deletes"
	Done    int    // rows acknowledged so far, all phases
	Pending int    // rows pending when the sync started
	Elapsed time.Duration
}

// SyncResult counts what a sync sent.
type SyncResult struct {
	Nodes, Relationships, RelationshipDeletes, NodeDeletes int
	Batches                                                int
	Elapsed                                                time.Duration
}

// Total is the number of outbox rows acknowledged.
func (r SyncResult) Total() int {
	return r.Nodes + r.Relationships + r.RelationshipDeletes + r.NodeDeletes
}

// Sync drains the outbox into Neo4j: node upserts, then relationship
// upserts, relationship deletes and node deletes, each batch in one write
// transaction. Outbox rows are deleted only after Neo4j committed their
// batch, so an interrupted sync resumes where it stopped; MERGE makes a
// batch sent twice harmless.
func Sync(ctx context.Context, s *kg.Store, c *Client, opts SyncOptions) (SyncResult, error) {
	start := time.Now()
	var res SyncResult
	if opts.Batch <= 0 {
		opts.Batch = 5000
	}
	pending, err := s.Pending(ctx)
	if err != nil {
		return res, err
	}
	if err := c.EnsureConstraints(ctx); err != nil {
		return res, err
	}
	sess := c.driver.NewSession(ctx, n4j.SessionConfig{AccessMode: n4j.AccessModeWrite})
	defer sess.Close(ctx)
	report := func(phase string) {
		if opts.Progress != nil {
			opts.Progress(SyncProgress{Phase: phase, Done: res.Total(), Pending: pending.Total(), Elapsed: time.Since(start)})
		}
	}
	write := func(stmts []statement) error {
		if len(stmts) == 0 {
			return nil
		}
		_, err := sess.ExecuteWrite(ctx, func(tx n4j.ManagedTransaction) (any, error) {
			for _, st := range stmts {
				r, err := tx.Run(ctx, st.cypher, map[string]any{"rows": st.rows})
				if err != nil {
					return nil, err
				}
				if _, err := r.Consume(ctx); err != nil {
					return nil, err
				}
			}
			return nil, nil
		})
		if err != nil {
			return fmt.Errorf("neo4j write (outbox kept, run sync again to resume): %w", err)
		}
		res.Batches++
		return nil
	}
	// drain writes one kind of outbox row, batch by batch, until none is
	// left; a batch is acknowledged only after Neo4j committed it.
	drain := func(phase string, count *int, next func() ([]statement, []int64, error)) error {
		for {
			stmts, seqs, err := next()
			if err != nil {
				return err
			}
			if len(seqs) == 0 {
				return nil
			}
			if err := write(stmts); err != nil {
				return err
			}
			if err := s.Ack(ctx, seqs); err != nil {
				return err
			}
			*count += len(seqs)
			report(phase)
		}
	}
	nodes := func(op string) func() ([]statement, []int64, error) {
		return func() ([]statement, []int64, error) {
			states, err := s.OutboxNodes(ctx, op, opts.Batch)
			if err != nil || len(states) == 0 {
				return nil, nil, err
			}
			return nodeStatements(states, op)
		}
	}
	edges := func(op string) func() ([]statement, []int64, error) {
		return func() ([]statement, []int64, error) {
			states, err := s.OutboxEdges(ctx, op, opts.Batch)
			if err != nil || len(states) == 0 {
				return nil, nil, err
			}
			return edgeStatements(states, op)
		}
	}
	// Nodes first, so that every relationship finds its ends; relationship
	// deletes before node deletes, which would otherwise take them along
	// unacknowledged.
	phases := []struct {
		name  string
		count *int
		next  func() ([]statement, []int64, error)
	}{
		{"nodes", &res.Nodes, nodes(kg.OpUpsert)},
		{"relationships", &res.Relationships, edges(kg.OpUpsert)},
		{"relationship deletes", &res.RelationshipDeletes, edges(kg.OpDelete)},
		{"node deletes", &res.NodeDeletes, nodes(kg.OpDelete)},
	}
	for _, p := range phases {
		if err := drain(p.name, p.count, p.next); err != nil {
			res.Elapsed = time.Since(start)
			return res, err
		}
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

type statement struct {
	cypher string
	rows   []map[string]any
}

func nodeStatements(states []kg.NodeState, op string) ([]statement, []int64, error) {
	byLabel := map[kg.Label][]map[string]any{}
	var order []kg.Label
	seqs := make([]int64, 0, len(states))
	for _, st := range states {
		seqs = append(seqs, st.Seq)
		if op == kg.OpUpsert && st.Props == nil {
			continue // the node is gone locally; its delete row follows
		}
		if _, ok := byLabel[st.Label]; !ok {
			order = append(order, st.Label)
		}
		row := map[string]any{"key": st.Key}
		if op == kg.OpUpsert {
			row["props"] = st.Props
		}
		byLabel[st.Label] = append(byLabel[st.Label], row)
	}
	var stmts []statement
	for _, l := range order {
		build := NodeUpsertCypher
		if op == kg.OpDelete {
			build = NodeDeleteCypher
		}
		q, err := build(l)
		if err != nil {
			return nil, nil, err
		}
		stmts = append(stmts, statement{q, byLabel[l]})
	}
	return stmts, seqs, nil
}

func edgeStatements(states []kg.EdgeState, op string) ([]statement, []int64, error) {
	type group struct {
		t        kg.RelType
		from, to kg.Label
	}
	byGroup := map[group][]map[string]any{}
	var order []group
	seqs := make([]int64, 0, len(states))
	for _, st := range states {
		seqs = append(seqs, st.Seq)
		if op == kg.OpUpsert && st.Props == nil {
			continue
		}
		g := group{st.Type, st.FromLabel, st.ToLabel}
		if _, ok := byGroup[g]; !ok {
			order = append(order, g)
		}
		row := map[string]any{"from": st.From, "to": st.To}
		if op == kg.OpUpsert {
			row["props"] = st.Props
		}
		byGroup[g] = append(byGroup[g], row)
	}
	var stmts []statement
	for _, g := range order {
		build := EdgeUpsertCypher
		if op == kg.OpDelete {
			build = EdgeDeleteCypher
		}
		q, err := build(g.t, g.from, g.to)
		if err != nil {
			return nil, nil, err
		}
		stmts = append(stmts, statement{q, byGroup[g]})
	}
	return stmts, seqs, nil
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
