package kg

import (
	"context"
	"database/sql"
	"fmt"
	"unicode/utf8"
)

// FeatureIndex is an immutable in-memory snapshot of everything
// Store.DocFeatures looks up, so that scoring a document costs a few map
// lookups instead of up to three queries plus one per actor name (~80 µs a
// document in a workspace with a built graph). It answers for the graph as
// it was when Store.FeatureIndex read it, and is safe for concurrent use.
type FeatureIndex struct {
	// linked holds the keys of indicators that some document naming a
	// non-deprecated actor contains.
	linked map[string]struct{}
	// techniques holds the keys of non-deprecated, named techniques.
	techniques map[string]struct{}
	// kev holds the keys of vulnerabilities in the KEV catalog.
	kev map[string]struct{}
	// actors maps every normalised spelling (key, name, alias) of a
	// non-deprecated actor to the actors' keys.
	actors map[string][]string
}

// The sets behind FeatureIndex: each selects exactly the nodes whose keys
// the matching count of DocFeatures (actorLinkedIndicatorsQuery,
// knownTechniquesQuery, kevVulnerabilitiesQuery, findNodes) would count.
const (
	// Driven from the few actors through the document → actor edges to the
	// indicators those documents contain, instead of testing each of the
	// ~78k indicators for such a path.
	linkedIndicatorKeysQuery = `SELECT DISTINCT i.key FROM graph_nodes actor
JOIN graph_edges a ON a.dst = actor.id AND a.type = 'ASSOCIATED_WITH'
JOIN graph_edges c ON c.src = a.src AND c.type = 'CONTAINS'
JOIN graph_nodes i ON i.id = c.dst AND i.label = 'Indicator'
WHERE actor.label = 'Actor' AND actor.deprecated = 0`
	knownTechniqueKeysQuery = `SELECT key FROM graph_nodes
WHERE label = 'Technique' AND deprecated = 0 AND name <> ''`
	kevVulnerabilityKeysQuery = `SELECT key FROM graph_nodes
WHERE label = 'Vulnerability' AND json_extract(props, '$.kev') = 1`
	actorNamesQuery = `SELECT DISTINCT m.name, n.key FROM graph_names m JOIN graph_nodes n ON n.id = m.node_id
WHERE n.label = 'Actor' AND n.deprecated = 0`
)

// FeatureIndex reads the graph into a FeatureIndex with four set-based
// queries in one read transaction, so the sets agree with each other.
func (s *Store) FeatureIndex(ctx context.Context) (*FeatureIndex, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("graph feature index: %w", err)
	}
	defer tx.Rollback()
	x := &FeatureIndex{}
	if x.linked, err = keySet(ctx, tx, linkedIndicatorKeysQuery); err != nil {
		return nil, fmt.Errorf("graph feature index: actor-linked indicators: %w", err)
	}
	if x.techniques, err = keySet(ctx, tx, knownTechniqueKeysQuery); err != nil {
		return nil, fmt.Errorf("graph feature index: techniques: %w", err)
	}
	if x.kev, err = keySet(ctx, tx, kevVulnerabilityKeysQuery); err != nil {
		return nil, fmt.Errorf("graph feature index: KEV vulnerabilities: %w", err)
	}
	if x.actors, err = actorNameIndex(ctx, tx); err != nil {
		return nil, fmt.Errorf("graph feature index: actor names: %w", err)
	}
	return x, nil
}

// keySet runs a query of one text column into a set.
func keySet(ctx context.Context, tx *sql.Tx, q string) (map[string]struct{}, error) {
	rows, err := tx.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	set := map[string]struct{}{}
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, err
		}
		set[k] = struct{}{}
	}
	return set, rows.Err()
}

// actorNameIndex maps each normalised actor spelling to the actors' keys.
func actorNameIndex(ctx context.Context, tx *sql.Tx) (map[string][]string, error) {
	rows, err := tx.QueryContext(ctx, actorNamesQuery)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	names := map[string][]string{}
	for rows.Next() {
		var name, key string
		if err := rows.Scan(&name, &key); err != nil {
			return nil, err
		}
		names[name] = append(names[name], key)
	}
	return names, rows.Err()
}

// DocFeatures computes GraphFeatures for a document's entities, exactly as
// Store.DocFeatures would have on the graph the index was read from.
func (x *FeatureIndex) DocFeatures(entities map[string][]string) GraphFeatures {
	var h docHits
	eachDocKey(entities, func(k docKey, v string) {
		if k == actorNameDocKey {
			for _, a := range x.actors[Normalize(v)] {
				h.add(k, a)
			}
			return
		}
		if x.known(k, v) {
			h.add(k, v)
		}
	})
	return GraphFeatures{
		IndicatorsLinkedToKnownActor: h.n[indicatorDocKey],
		Techniques:                   h.n[techniqueDocKey],
		KEVVulnerabilities:           h.n[vulnerabilityDocKey],
		KnownActors:                  h.n[actorNameDocKey],
	}
}

// known reports whether the SQL count for kind k would count key.
func (x *FeatureIndex) known(k docKey, key string) bool {
	var set map[string]struct{}
	switch k {
	case indicatorDocKey:
		set = x.linked
	case techniqueDocKey:
		set = x.techniques
	case vulnerabilityDocKey:
		set = x.kev
	default:
		return false
	}
	_, ok := set[jsonText(key)]
	return ok
}

// jsonText is key as the SQL counts see it: they pass keys through a JSON
// array, and encoding/json writes each byte of invalid UTF-8 as U+FFFD.
// Valid keys (all but the rarest) come back unchanged and unallocated.
func jsonText(key string) string {
	if utf8.ValidString(key) {
		return key
	}
	out := make([]byte, 0, len(key)+8)
	for i := 0; i < len(key); {
		r, size := utf8.DecodeRuneInString(key[i:])
		if r == utf8.RuneError && size == 1 {
			out = utf8.AppendRune(out, utf8.RuneError)
		} else {
			out = append(out, key[i:i+size]...)
		}
		i += size
	}
	return string(out)
}

// docHit is one key a document's feature counts: each distinct key of a
// kind counts once, as the SQL counts see each distinct key once.
type docHit struct {
	kind docKey
	key  string
}

// maxLinearHits bounds the linear de-duplication: past it a map keeps a
// document with thousands of known keys from costing quadratic time.
const maxLinearHits = 32

// docHits de-duplicates a document's hits and counts them by kind. The
// first hits live in a fixed array, so the common document (a handful of
// hits) allocates nothing.
type docHits struct {
	small  [maxLinearHits]docHit
	nsmall int
	seen   map[docHit]struct{}
	n      [docKeyKinds]int
}

func (h *docHits) add(k docKey, key string) {
	e := docHit{k, key}
	if h.seen != nil {
		if _, dup := h.seen[e]; dup {
			return
		}
		h.seen[e] = struct{}{}
		h.n[k]++
		return
	}
	for _, o := range h.small[:h.nsmall] {
		if o == e {
			return
		}
	}
	h.n[k]++
	if h.nsmall < len(h.small) {
		h.small[h.nsmall] = e
		h.nsmall++
		return
	}
	h.seen = make(map[docHit]struct{}, 2*len(h.small))
	for _, o := range h.small {
		h.seen[o] = struct{}{}
	}
	h.seen[e] = struct{}{}
}
