package kg

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"time"
)

// DocInput is what the graph needs of a scored document.
type DocInput struct {
	ID        string
	Title     string
	Published time.Time
	Severity  string
	// Entities by type, as entity extraction found them (ipv4, domain, cve,
	// attack_technique, actor, malware, tool, ...). Unknown types are
	// ignored.
	Entities map[string][]string
	// Targets are extra things the document says were attacked (vendors,
	// products) beyond the sector/country/vendor/product entities.
	Targets []string
	// Techniques are the ATT&CK techniques a tagger found in the text;
	// each becomes a USES edge carrying its confidence and provenance.
	Techniques []DocTechnique
}

// DocTechnique is one technique a document describes: Provenance
// "explicit" (its id is written in the text), "model" (a tagger read it in
// the prose) or "analyst" (an analyst said so), with its confidence in
// [0,1].
type DocTechnique struct {
	ID         string
	Confidence float64
	Provenance string
}

// MaxPairIndicators caps how many of a document's indicators take part in
// RELATED_TO pairs: pairs grow quadratically, and a document listing
// thousands of IOCs says little about any two of them. The first ones by key
// are used, so the choice is deterministic.
const MaxPairIndicators = 100

// UpsertDocument adds or refreshes the Threat node of a document and its
// relationships. Re-upserting the same document replaces what it
// contributed, so RELATED_TO counts (documents in which two indicators
// co-occur) never double.
func (s *Store) UpsertDocument(ctx context.Context, d DocInput) (Change, error) {
	var failure error
	ch, err := s.UpsertDocuments(ctx, []DocInput{d}, func(_ string, err error) { failure = err })
	if err != nil {
		return Change{}, err
	}
	return ch, failure
}

// UpsertDocuments is UpsertDocument for a batch, in one transaction with
// the statements prepared once: a graph build over tens of thousands of
// documents spends most of its time preparing and committing otherwise.
// Each document is written inside its own savepoint, so one that fails is
// rolled back alone, reported to onError, and the others are still
// written. The Change counts only what was committed; an error is
// returned only when the batch as a whole could not be written (then
// nothing of it was).
func (s *Store) UpsertDocuments(ctx context.Context, docs []DocInput, onError func(id string, err error)) (Change, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return Change{}, fmt.Errorf("graph: documents: %w", err)
	}
	defer tx.Rollback()
	w, err := newWriter(ctx, tx)
	if err != nil {
		return Change{}, fmt.Errorf("graph: documents: %w", err)
	}
	defer w.close()
	for _, d := range docs {
		if err := ctx.Err(); err != nil {
			return Change{}, fmt.Errorf("graph: documents: %w", err)
		}
		if d.ID == "" {
			if onError != nil {
				onError("", errors.New("graph: document without id"))
			}
			continue
		}
		if _, err := tx.ExecContext(ctx, "SAVEPOINT graph_document"); err != nil {
			return Change{}, fmt.Errorf("graph: document %s: %w", d.ID, err)
		}
		before := w.change
		if err := w.upsertDocument(ctx, d); err != nil {
			// Undo this document only; what the writer cached of it is gone too.
			if _, rerr := tx.ExecContext(ctx, "ROLLBACK TO graph_document"); rerr != nil {
				return Change{}, fmt.Errorf("graph: document %s: %w (and rolling it back: %v)", d.ID, err, rerr)
			}
			w.change, w.ids = before, map[string]nodeRow{}
			if onError != nil {
				onError(d.ID, fmt.Errorf("graph: document %s: %w", d.ID, err))
			}
		}
		if _, err := tx.ExecContext(ctx, "RELEASE graph_document"); err != nil {
			return Change{}, fmt.Errorf("graph: document %s: %w", d.ID, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return Change{}, fmt.Errorf("graph: documents: %w", err)
	}
	return w.change, nil
}

func (w *writer) upsertDocument(ctx context.Context, d DocInput) error {
	nodes, edges, err := documentGraph(ctx, w.tx, d)
	if err != nil {
		return err
	}
	return w.replace(ctx, DocumentKey(d.ID), nodes, edges)
}

// DeleteDocument retracts everything a document contributed.
func (s *Store) DeleteDocument(ctx context.Context, id string) (Change, error) {
	return s.ReplaceSource(ctx, DocumentKey(id), nil, nil)
}

// documentGraph turns a document into the nodes and relationships it
// asserts. Actor and software names are resolved to existing nodes (an
// imported ATT&CK group or its alias) before a new named node is made.
func documentGraph(ctx context.Context, q queryer, d DocInput) ([]Node, []Edge, error) {
	doc := DocumentKey(d.ID)
	props := map[string]any{"kind": KindDocument}
	if d.Severity != "" {
		props["severity"] = d.Severity
	}
	if !d.Published.IsZero() {
		props["published"] = timeText(d.Published)
	}
	nodes := []Node{{Label: Threat, Key: doc, Name: d.Title, Props: props, FirstSeen: d.Published, LastSeen: d.Published, Curated: true}}
	var edges []Edge
	seen := map[string]bool{doc: true}
	add := func(n Node, rel RelType) {
		if n.Key == "" {
			return
		}
		n.FirstSeen, n.LastSeen = d.Published, d.Published
		if !seen[n.Key] {
			seen[n.Key] = true
			nodes = append(nodes, n)
		}
		edges = append(edges, Edge{Type: rel, From: doc, To: n.Key})
	}
	for _, t := range d.Techniques {
		if k := TechniqueKey(t.ID); k != "" && !seen[k] {
			add(Node{Label: Technique, Key: k}, Uses)
			edges[len(edges)-1].Props = map[string]any{"confidence": t.Confidence, "provenance": t.Provenance}
		}
	}
	var indicators []string
	for _, typ := range sortedTypes(d.Entities) {
		for _, v := range sortedUnique(d.Entities[typ]) {
			switch {
			case isIndicatorType(typ):
				key, val := IndicatorKey(typ, v)
				if key == "" || seen[key] {
					continue
				}
				add(Node{Label: Indicator, Key: key, Name: val, Value: val, Props: map[string]any{"type": typ, "value": val}}, Contains)
				indicators = append(indicators, key)
			case typ == "cve":
				if k := VulnerabilityKey(v); k != "" && !seen[k] {
					add(Node{Label: Vulnerability, Key: k, Name: k}, Exploits)
				}
			case typ == "attack_technique":
				if k := TechniqueKey(v); k != "" && !seen[k] {
					add(Node{Label: Technique, Key: k}, Uses)
				}
			case typ == "actor" || typ == "malware" || typ == "tool":
				n, err := resolveNamed(ctx, q, typ, v)
				if err != nil {
					return nil, nil, err
				}
				if n.Key != "" && !seen[n.Key] {
					add(n, AssociatedWith)
				}
			case contains(targetTypes, typ):
				if k := NameKey(typ, v); k != "" && !seen[k] {
					add(Node{Label: Target, Key: k, Name: v, Props: map[string]any{"kind": typ}}, Targets)
				}
			}
		}
	}
	for _, t := range sortedUnique(d.Targets) {
		if k := NameKey("target", t); k != "" && !seen[k] {
			add(Node{Label: Target, Key: k, Name: t, Props: map[string]any{"kind": "target"}}, Targets)
		}
	}
	sort.Strings(indicators)
	if len(indicators) > MaxPairIndicators {
		indicators = indicators[:MaxPairIndicators]
	}
	for i := range indicators {
		for j := i + 1; j < len(indicators); j++ {
			edges = append(edges, Edge{Type: RelatedTo, From: indicators[i], To: indicators[j]})
		}
	}
	return nodes, edges, nil
}

type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// resolveNamed finds the node an actor, malware or tool name refers to: an
// existing node of the right kind whose key, name or alias matches, else a
// new node keyed by the normalised name.
func resolveNamed(ctx context.Context, q queryer, typ, name string) (Node, error) {
	norm := Normalize(name)
	if norm == "" {
		return Node{}, nil
	}
	label, kinds := Threat, []string{KindMalware, KindTool}
	if typ == "actor" {
		label, kinds = Actor, nil
	}
	rows, err := q.QueryContext(ctx, `SELECT DISTINCT n.key, coalesce(json_extract(n.props, '$.kind'), '')
		FROM graph_names m JOIN graph_nodes n ON n.id = m.node_id
		WHERE m.name = ? AND n.label = ? ORDER BY n.deprecated, n.key`, norm, string(label))
	if err != nil {
		return Node{}, fmt.Errorf("resolve %s %q: %w", typ, name, err)
	}
	defer rows.Close()
	for rows.Next() {
		var key, kind string
		if err := rows.Scan(&key, &kind); err != nil {
			return Node{}, err
		}
		if kinds == nil || contains(kinds, kind) {
			return Node{Label: label, Key: key}, nil
		}
	}
	if err := rows.Err(); err != nil {
		return Node{}, err
	}
	n := Node{Label: label, Key: NameKey(typ, name), Name: name, Aliases: []string{name}}
	if label == Threat {
		n.Props = map[string]any{"kind": typ}
	}
	return n, nil
}

func sortedTypes(m map[string][]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
