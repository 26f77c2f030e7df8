package kg

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"sync"
	"time"
)

// Store is the local graph in the workspace database. It holds a *sql.DB
// whose schema was brought up to date with Migrations.
type Store struct {
	db *sql.DB
	// prepared holds statements that run once per scored document
	// (DocFeatures), parsed and planned once instead of per call.
	mu       sync.Mutex
	prepared map[string]*sql.Stmt
}

// NewStore wraps the workspace database.
func NewStore(db *sql.DB) *Store { return &Store{db: db} }

// stmt returns q prepared on the store's database, preparing it on first
// use. The statements live as long as the database.
func (s *Store) stmt(ctx context.Context, q string) (*sql.Stmt, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st, ok := s.prepared[q]; ok {
		return st, nil
	}
	st, err := s.db.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	if s.prepared == nil {
		s.prepared = map[string]*sql.Stmt{}
	}
	s.prepared[q] = st
	return st, nil
}

// DB is the database the store writes to.
func (s *Store) DB() *sql.DB { return s.db }

// Node is one node as a source asserts it.
type Node struct {
	Label Label
	Key   string
	Name  string
	// Aliases are other names the node is known by (ATT&CK aliases, revoked
	// ids that now point at this node).
	Aliases []string
	// Value is an indicator's normalised value, searchable like a name.
	Value string
	// Props are flat properties (string, number, bool or []string) merged
	// over what other sources said.
	Props     map[string]any
	FirstSeen time.Time
	LastSeen  time.Time
	// Curated marks an assertion by a catalogue (ATT&CK, KEV): its name
	// and deprecated flag win over what documents said.
	Curated    bool
	Deprecated bool
}

// Edge is one relationship as a source asserts it, between node keys.
type Edge struct {
	Type  RelType
	From  string
	To    string
	Props map[string]any
}

// Change counts what a write did to the graph.
type Change struct {
	NodesAdded, NodesChanged, NodesDeleted int
	EdgesAdded, EdgesChanged, EdgesDeleted int
}

// Add counts o into c.
func (c *Change) Add(o Change) {
	c.NodesAdded += o.NodesAdded
	c.NodesChanged += o.NodesChanged
	c.NodesDeleted += o.NodesDeleted
	c.EdgesAdded += o.EdgesAdded
	c.EdgesChanged += o.EdgesChanged
	c.EdgesDeleted += o.EdgesDeleted
}

// ReplaceSource makes the graph hold exactly what source asserts: nodes and
// edges are merged in, and whatever the source asserted before but not now
// loses that source (and is deleted when no source is left). All of it,
// outbox rows included, happens in one transaction.
func (s *Store) ReplaceSource(ctx context.Context, source string, nodes []Node, edges []Edge) (Change, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return Change{}, fmt.Errorf("graph: write %s: %w", source, err)
	}
	defer tx.Rollback()
	w, err := newWriter(ctx, tx)
	if err != nil {
		return Change{}, fmt.Errorf("graph: write %s: %w", source, err)
	}
	defer w.close()
	if err := w.replace(ctx, source, nodes, edges); err != nil {
		return Change{}, fmt.Errorf("graph: write %s: %w", source, err)
	}
	if err := tx.Commit(); err != nil {
		return Change{}, fmt.Errorf("graph: write %s: %w", source, err)
	}
	return w.change, nil
}

// writer holds the prepared statements of one write transaction.
type writer struct {
	tx     *sql.Tx
	change Change
	stmts  map[string]*sql.Stmt
	ids    map[string]nodeRow // key → node, cached for this transaction
}

type nodeRow struct {
	id    int64
	label Label
}

var writerSQL = map[string]string{
	"node.get":     `SELECT id, label, name, props, first_seen, last_seen, deprecated FROM graph_nodes WHERE key = ?`,
	"node.ins":     `INSERT INTO graph_nodes(key, label, name, props, first_seen, last_seen, deprecated) VALUES (?,?,?,?,?,?,?)`,
	"node.upd":     `UPDATE graph_nodes SET name = ?, props = ?, first_seen = ?, last_seen = ?, deprecated = ? WHERE id = ?`,
	"node.src":     `INSERT OR IGNORE INTO graph_node_sources(node_id, source) VALUES (?,?)`,
	"node.name":    `INSERT OR IGNORE INTO graph_names(name, node_id, kind) VALUES (?,?,?)`,
	"node.alias":   `INSERT OR IGNORE INTO graph_aliases(node_id, alias) VALUES (?,?)`,
	"node.count":   `SELECT count(*), coalesce(sum(source IN ('mitre-attack','cisa-kev')), 0) FROM graph_node_sources WHERE node_id = ?`,
	"node.conf":    `UPDATE graph_nodes SET source_count = ?, confidence = ? WHERE id = ?`,
	"node.olds":    `SELECT node_id FROM graph_node_sources WHERE source = ?`,
	"node.unsrc":   `DELETE FROM graph_node_sources WHERE source = ? AND node_id = ?`,
	"node.linked":  `SELECT EXISTS(SELECT 1 FROM graph_edges WHERE src = ?1) OR EXISTS(SELECT 1 FROM graph_edges WHERE dst = ?1)`,
	"node.del":     `DELETE FROM graph_nodes WHERE id = ?`,
	"node.byid":    `SELECT key, label FROM graph_nodes WHERE id = ?`,
	"edge.get":     `SELECT id, props FROM graph_edges WHERE src = ? AND type = ? AND dst = ?`,
	"edge.ins":     `INSERT INTO graph_edges(src, type, dst, props) VALUES (?,?,?,?)`,
	"edge.upd":     `UPDATE graph_edges SET props = ? WHERE id = ?`,
	"edge.src":     `INSERT OR IGNORE INTO graph_edge_sources(edge_id, source) VALUES (?,?)`,
	"edge.count":   `UPDATE graph_edges SET count = (SELECT count(*) FROM graph_edge_sources WHERE edge_id = ?1) WHERE id = ?1 RETURNING count`,
	"edge.olds":    `SELECT edge_id FROM graph_edge_sources WHERE source = ?`,
	"edge.unsrc":   `DELETE FROM graph_edge_sources WHERE source = ? AND edge_id = ?`,
	"edge.del":     `DELETE FROM graph_edges WHERE id = ?`,
	"edge.byid":    `SELECT a.key, a.label, e.type, b.key, b.label FROM graph_edges e JOIN graph_nodes a ON a.id = e.src JOIN graph_nodes b ON b.id = e.dst WHERE e.id = ?`,
	"outbox.queue": `INSERT OR REPLACE INTO graph_outbox(entity, kind, op, label, key, rel, to_label, to_key) VALUES (?,?,?,?,?,?,?,?)`,
}

func newWriter(ctx context.Context, tx *sql.Tx) (*writer, error) {
	w := &writer{tx: tx, stmts: map[string]*sql.Stmt{}, ids: map[string]nodeRow{}}
	for name, q := range writerSQL {
		st, err := tx.PrepareContext(ctx, q)
		if err != nil {
			w.close()
			return nil, fmt.Errorf("prepare %s: %w", name, err)
		}
		w.stmts[name] = st
	}
	return w, nil
}

func (w *writer) close() {
	for _, st := range w.stmts {
		st.Close()
	}
}

func (w *writer) st(name string) *sql.Stmt { return w.stmts[name] }

func nodeEntity(key string) string { return "n\x00" + key }

func edgeEntity(from string, t RelType, to string) string {
	return "e\x00" + from + "\x00" + string(t) + "\x00" + to
}

func (w *writer) queueNode(ctx context.Context, op string, l Label, key string) error {
	_, err := w.st("outbox.queue").ExecContext(ctx, nodeEntity(key), "node", op, string(l), key, "", "", "")
	return err
}

func (w *writer) queueEdge(ctx context.Context, op string, fl Label, from string, t RelType, tl Label, to string) error {
	_, err := w.st("outbox.queue").ExecContext(ctx, edgeEntity(from, t, to), "edge", op, string(fl), from, string(t), string(tl), to)
	return err
}

// replace is ReplaceSource inside an open transaction.
func (w *writer) replace(ctx context.Context, source string, nodes []Node, edges []Edge) error {
	keepNodes := make(map[int64]bool, len(nodes))
	for i := range nodes {
		id, err := w.upsertNode(ctx, source, &nodes[i])
		if err != nil {
			return err
		}
		keepNodes[id] = true
	}
	keepEdges := make(map[int64]bool, len(edges))
	for i := range edges {
		id, err := w.upsertEdge(ctx, source, &edges[i])
		if err != nil {
			return err
		}
		keepEdges[id] = true
	}
	// Retract what the source no longer says: relationships first, so that
	// a node left without sources is also left without relationships.
	oldEdges, err := w.ids64(ctx, "edge.olds", source)
	if err != nil {
		return err
	}
	for _, id := range oldEdges {
		if !keepEdges[id] {
			if err := w.retractEdge(ctx, source, id); err != nil {
				return err
			}
		}
	}
	oldNodes, err := w.ids64(ctx, "node.olds", source)
	if err != nil {
		return err
	}
	for _, id := range oldNodes {
		if !keepNodes[id] {
			if err := w.retractNode(ctx, source, id); err != nil {
				return err
			}
		}
	}
	return nil
}

func (w *writer) ids64(ctx context.Context, stmt string, args ...any) ([]int64, error) {
	rows, err := w.st(stmt).QueryContext(ctx, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

func timeText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func propsJSON(p map[string]any) (string, error) {
	if len(p) == 0 {
		return "{}", nil
	}
	b, err := json.Marshal(p) // map keys are sorted: equal props give equal text
	if err != nil {
		return "", fmt.Errorf("properties: %w", err)
	}
	return string(b), nil
}

// mergeProps lays new over old and reports the merged JSON text.
func mergeProps(old string, add map[string]any) (string, error) {
	if len(add) == 0 {
		return old, nil
	}
	m := map[string]any{}
	if err := json.Unmarshal([]byte(old), &m); err != nil {
		return "", fmt.Errorf("stored properties: %w", err)
	}
	nb, err := json.Marshal(add)
	if err != nil {
		return "", fmt.Errorf("properties: %w", err)
	}
	var na map[string]any // round-trip so types compare as stored
	if err := json.Unmarshal(nb, &na); err != nil {
		return "", err
	}
	for k, v := range na {
		m[k] = v
	}
	return propsJSON(m)
}

func (w *writer) upsertNode(ctx context.Context, source string, n *Node) (int64, error) {
	if err := checkLabel(n.Label); err != nil {
		return 0, err
	}
	if n.Key == "" {
		return 0, fmt.Errorf("%s node %q has no key", n.Label, n.Name)
	}
	var (
		id                              int64
		label, name, props, first, last string
		deprecated                      bool
		changed, added                  bool
		newFirst, newLast               = timeText(n.FirstSeen), timeText(n.LastSeen)
	)
	err := w.st("node.get").QueryRowContext(ctx, n.Key).Scan(&id, &label, &name, &props, &first, &last, &deprecated)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		p, err := propsJSON(n.Props)
		if err != nil {
			return 0, fmt.Errorf("node %s: %w", n.Key, err)
		}
		if newLast == "" {
			newLast = newFirst
		}
		r, err := w.st("node.ins").ExecContext(ctx, n.Key, string(n.Label), n.Name, p, newFirst, newLast, n.Deprecated)
		if err != nil {
			return 0, fmt.Errorf("node %s: %w", n.Key, err)
		}
		if id, err = r.LastInsertId(); err != nil {
			return 0, err
		}
		added = true
	case err != nil:
		return 0, fmt.Errorf("node %s: %w", n.Key, err)
	default:
		if Label(label) != n.Label {
			return 0, fmt.Errorf("node %s is a %s, not a %s", n.Key, label, n.Label)
		}
		p, err := mergeProps(props, n.Props)
		if err != nil {
			return 0, fmt.Errorf("node %s: %w", n.Key, err)
		}
		nn, nd := name, deprecated
		if n.Name != "" && (n.Curated || name == "") {
			nn = n.Name
		}
		if n.Curated {
			nd = n.Deprecated
		}
		nf, nl := first, last
		for _, t := range []string{newFirst, newLast} {
			if t == "" {
				continue
			}
			if nf == "" || t < nf {
				nf = t
			}
			if nl == "" || t > nl {
				nl = t
			}
		}
		if nn != name || p != props || nf != first || nl != last || nd != deprecated {
			if _, err := w.st("node.upd").ExecContext(ctx, nn, p, nf, nl, nd, id); err != nil {
				return 0, fmt.Errorf("node %s: %w", n.Key, err)
			}
			changed = true
		}
	}
	w.ids[n.Key] = nodeRow{id, n.Label}
	names := []struct{ kind, v string }{{"key", n.Key}, {"name", n.Name}, {"value", n.Value}}
	for _, a := range n.Aliases {
		names = append(names, struct{ kind, v string }{"alias", a})
		if a == "" || a == n.Name {
			continue
		}
		r, err := w.st("node.alias").ExecContext(ctx, id, a)
		if err != nil {
			return 0, fmt.Errorf("node %s alias: %w", n.Key, err)
		}
		if k, _ := r.RowsAffected(); k > 0 {
			changed = true
		}
	}
	for _, nm := range names {
		v := Normalize(nm.v)
		if v == "" {
			continue
		}
		r, err := w.st("node.name").ExecContext(ctx, v, id, nm.kind)
		if err != nil {
			return 0, fmt.Errorf("node %s name: %w", n.Key, err)
		}
		if k, _ := r.RowsAffected(); k > 0 {
			changed = true
		}
	}
	r, err := w.st("node.src").ExecContext(ctx, id, source)
	if err != nil {
		return 0, fmt.Errorf("node %s source: %w", n.Key, err)
	}
	if k, _ := r.RowsAffected(); k > 0 {
		changed = true
		if err := w.recount(ctx, id); err != nil {
			return 0, fmt.Errorf("node %s: %w", n.Key, err)
		}
	}
	switch {
	case added:
		w.change.NodesAdded++
	case changed:
		w.change.NodesChanged++
	default:
		return id, nil
	}
	if err := w.queueNode(ctx, "upsert", n.Label, n.Key); err != nil {
		return 0, fmt.Errorf("node %s outbox: %w", n.Key, err)
	}
	return id, nil
}

// recount sets a node's source count and confidence. A catalogue's word is
// taken as certain; otherwise each independent document halves the doubt
// left (1 − 0.5^n), a simple noisy-OR over equally reliable reports.
func (w *writer) recount(ctx context.Context, id int64) error {
	var n, curated int
	if err := w.st("node.count").QueryRowContext(ctx, id).Scan(&n, &curated); err != nil {
		return err
	}
	conf := 1 - math.Pow(0.5, float64(n))
	if curated > 0 {
		conf = 1
	}
	_, err := w.st("node.conf").ExecContext(ctx, n, conf, id)
	return err
}

func (w *writer) node(ctx context.Context, key string) (nodeRow, error) {
	if r, ok := w.ids[key]; ok {
		return r, nil
	}
	var r nodeRow
	var label, name, props, first, last string
	var dep bool
	err := w.st("node.get").QueryRowContext(ctx, key).Scan(&r.id, &label, &name, &props, &first, &last, &dep)
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("no node with key %q", key)
	}
	if err != nil {
		return r, err
	}
	r.label = Label(label)
	w.ids[key] = r
	return r, nil
}

func (w *writer) upsertEdge(ctx context.Context, source string, e *Edge) (int64, error) {
	if !e.Type.Valid() {
		return 0, fmt.Errorf("relationship type %q is not in the graph schema", string(e.Type))
	}
	a, err := w.node(ctx, e.From)
	if err != nil {
		return 0, fmt.Errorf("%s relationship: %w", e.Type, err)
	}
	b, err := w.node(ctx, e.To)
	if err != nil {
		return 0, fmt.Errorf("%s relationship: %w", e.Type, err)
	}
	var id int64
	var props string
	added, changed := false, false
	err = w.st("edge.get").QueryRowContext(ctx, a.id, string(e.Type), b.id).Scan(&id, &props)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		p, err := propsJSON(e.Props)
		if err != nil {
			return 0, err
		}
		r, err := w.st("edge.ins").ExecContext(ctx, a.id, string(e.Type), b.id, p)
		if err != nil {
			return 0, fmt.Errorf("%s %s→%s: %w", e.Type, e.From, e.To, err)
		}
		if id, err = r.LastInsertId(); err != nil {
			return 0, err
		}
		added = true
	case err != nil:
		return 0, fmt.Errorf("%s %s→%s: %w", e.Type, e.From, e.To, err)
	default:
		p, err := mergeProps(props, e.Props)
		if err != nil {
			return 0, err
		}
		if p != props {
			if _, err := w.st("edge.upd").ExecContext(ctx, p, id); err != nil {
				return 0, err
			}
			changed = true
		}
	}
	r, err := w.st("edge.src").ExecContext(ctx, id, source)
	if err != nil {
		return 0, err
	}
	if k, _ := r.RowsAffected(); k > 0 {
		changed = true
		var c int
		if err := w.st("edge.count").QueryRowContext(ctx, id).Scan(&c); err != nil {
			return 0, err
		}
	}
	switch {
	case added:
		w.change.EdgesAdded++
	case changed:
		w.change.EdgesChanged++
	default:
		return id, nil
	}
	if err := w.queueEdge(ctx, "upsert", a.label, e.From, e.Type, b.label, e.To); err != nil {
		return 0, err
	}
	return id, nil
}

func (w *writer) retractEdge(ctx context.Context, source string, id int64) error {
	var from, fl, typ, to, tl string
	if err := w.st("edge.byid").QueryRowContext(ctx, id).Scan(&from, &fl, &typ, &to, &tl); err != nil {
		return fmt.Errorf("retract relationship %d: %w", id, err)
	}
	if _, err := w.st("edge.unsrc").ExecContext(ctx, source, id); err != nil {
		return err
	}
	var c int
	if err := w.st("edge.count").QueryRowContext(ctx, id).Scan(&c); err != nil {
		return err
	}
	op := "upsert"
	if c == 0 {
		if _, err := w.st("edge.del").ExecContext(ctx, id); err != nil {
			return err
		}
		op = "delete"
		w.change.EdgesDeleted++
	} else {
		w.change.EdgesChanged++
	}
	return w.queueEdge(ctx, op, Label(fl), from, RelType(typ), Label(tl), to)
}

func (w *writer) retractNode(ctx context.Context, source string, id int64) error {
	var key, label string
	if err := w.st("node.byid").QueryRowContext(ctx, id).Scan(&key, &label); err != nil {
		return fmt.Errorf("retract node %d: %w", id, err)
	}
	if _, err := w.st("node.unsrc").ExecContext(ctx, source, id); err != nil {
		return err
	}
	if err := w.recount(ctx, id); err != nil {
		return err
	}
	var n int
	var linked bool
	if err := w.st("node.count").QueryRowContext(ctx, id).Scan(&n, new(int)); err != nil {
		return err
	}
	if err := w.st("node.linked").QueryRowContext(ctx, id).Scan(&linked); err != nil {
		return err
	}
	op := "upsert"
	if n == 0 && !linked {
		if _, err := w.st("node.del").ExecContext(ctx, id); err != nil {
			return err
		}
		delete(w.ids, key)
		op = "delete"
		w.change.NodesDeleted++
	} else {
		w.change.NodesChanged++
	}
	return w.queueNode(ctx, op, Label(label), key)
}

// sortedUnique returns the distinct non-empty values of in, sorted.
func sortedUnique(in []string) []string {
	seen := make(map[string]bool, len(in))
	out := make([]string, 0, len(in))
	for _, v := range in {
		if v != "" && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	sort.Strings(out)
	return out
}
