package kg

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// The four named queries. Each is implemented once here for the local store
// and once in Cypher in kg/neo4j; both return these types, sorted the same
// way, so their answers can be compared exactly. Deprecated nodes are left
// out of every query.

// Querier answers the named queries: the local Store, or Neo4j
// (kg/neo4j.Client) — the one place with two implementations.
type Querier interface {
	ActorTechniques(ctx context.Context, name string) (ActorTechniques, error)
	IOCPairs(ctx context.Context, q IOCPairsQuery) ([]IOCPair, error)
	NextSteps(ctx context.Context, q NextStepsQuery) ([]NextStep, error)
	Enrich(ctx context.Context, q EnrichQuery) ([]Neighbour, error)
}

var _ Querier = (*Store)(nil)

// NodeRef names a node in a query answer.
type NodeRef struct {
	Label Label  `json:"label"`
	Key   string `json:"key"`
	Name  string `json:"name"`
}

// TechniqueUse is one technique an actor uses, and how: Direct when the
// actor's own USES relationship says so, Via listing the software (Threat
// kind malware|tool) and campaigns through which it does.
type TechniqueUse struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	Tactics []string `json:"tactics"`
	Direct  bool     `json:"direct"`
	Via     []string `json:"via"`
}

// ActorTechniques answers actor-techniques: the actors the name matched and
// the techniques they use, sorted by technique id.
type ActorTechniques struct {
	Actors     []NodeRef      `json:"actors"`
	Techniques []TechniqueUse `json:"techniques"`
}

// ActorTechniqueRow is one (actor, technique, via) fact; both stores produce
// these and AggregateActorTechniques folds them into the answer.
type ActorTechniqueRow struct {
	Actor         NodeRef
	Technique     string
	TechniqueName string
	Tactics       []string
	Via           string // "" for a direct USES
}

// AggregateActorTechniques folds rows into the sorted answer.
func AggregateActorTechniques(rows []ActorTechniqueRow) ActorTechniques {
	res := ActorTechniques{Actors: []NodeRef{}, Techniques: []TechniqueUse{}}
	actors := map[string]bool{}
	byID := map[string]*TechniqueUse{}
	for _, r := range rows {
		if !actors[r.Actor.Key] {
			actors[r.Actor.Key] = true
			res.Actors = append(res.Actors, r.Actor)
		}
		u := byID[r.Technique]
		if u == nil {
			u = &TechniqueUse{ID: r.Technique, Name: r.TechniqueName, Tactics: sortedUnique(r.Tactics), Via: []string{}}
			byID[r.Technique] = u
		}
		if r.Via == "" {
			u.Direct = true
		} else {
			u.Via = append(u.Via, r.Via)
		}
	}
	for _, u := range byID {
		u.Via = sortedUnique(u.Via)
		res.Techniques = append(res.Techniques, *u)
	}
	sort.Slice(res.Actors, func(i, j int) bool { return res.Actors[i].Key < res.Actors[j].Key })
	sort.Slice(res.Techniques, func(i, j int) bool { return res.Techniques[i].ID < res.Techniques[j].ID })
	return res
}

// IOCPair is two indicators that co-occur in Count documents (A < B).
type IOCPair struct {
	A     string `json:"a"`
	B     string `json:"b"`
	Count int    `json:"count"`
}

// IOCPairsQuery filters ioc-pairs. Types are indicator entity types; "ip"
// means ipv4 and ipv6, "hash" every hash type. Both indicators of a pair
// must be of a listed type.
type IOCPairsQuery struct {
	Types    []string
	MinCount int
	Limit    int
}

// IndicatorTypesFor expands the user's type names to indicator entity types.
func IndicatorTypesFor(names []string) ([]string, error) {
	var out []string
	for _, n := range names {
		switch n = strings.ToLower(strings.TrimSpace(n)); n {
		case "":
		case "ip":
			out = append(out, "ipv4", "ipv6")
		case "hash":
			out = append(out, "md5", "sha1", "sha256", "sha512")
		default:
			if !isIndicatorType(n) {
				return nil, fmt.Errorf("indicator type %q: want ip, hash or one of %s", n, strings.Join(IndicatorTypes, ", "))
			}
			out = append(out, n)
		}
	}
	return sortedUnique(out), nil
}

// SortIOCPairs orders pairs by count, most first, then by keys.
func SortIOCPairs(p []IOCPair) {
	sort.Slice(p, func(i, j int) bool {
		if p[i].Count != p[j].Count {
			return p[i].Count > p[j].Count
		}
		if p[i].A != p[j].A {
			return p[i].A < p[j].A
		}
		return p[i].B < p[j].B
	})
}

// MaxHops bounds next-steps and enrich traversals. The Cypher text holds
// the same bound as a literal, since Cypher cannot take a parameter there.
const MaxHops = 4

// NextStepsQuery asks what follows the given techniques.
//
// Definition: the groups are the actors and campaigns that reach every given
// technique (or one of its sub-techniques) along USES/CONDUCTS
// relationships in at most MaxHops steps — 1 is a direct USES, 2 goes
// through the group's software or (for an actor) its campaigns, or through
// a document associated with the group that describes the technique (the
// document's USES edges from technique tagging), 3 through a campaign's
// software. Every other technique those groups reach within the
// same bound is a candidate next step, ranked by how many of the groups
// reach it.
type NextStepsQuery struct {
	Techniques []string
	MaxHops    int
	Limit      int
}

// NextStep is a technique that groups using the given ones also use.
type NextStep struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	Tactics []string `json:"tactics"`
	Groups  int      `json:"groups"`
}

// SortNextSteps orders by groups, most first, then id.
func SortNextSteps(s []NextStep) {
	sort.Slice(s, func(i, j int) bool {
		if s[i].Groups != s[j].Groups {
			return s[i].Groups > s[j].Groups
		}
		return s[i].ID < s[j].ID
	})
}

// Normalized checks the query and returns its canonical form.
func (q NextStepsQuery) Normalized() (NextStepsQuery, error) {
	var ts []string
	for _, t := range q.Techniques {
		k := TechniqueKey(t)
		if k == "" {
			return q, fmt.Errorf("%q is not an ATT&CK technique id (T1234 or T1234.001)", t)
		}
		ts = append(ts, k)
	}
	if len(ts) == 0 {
		return q, fmt.Errorf("next-steps needs at least one technique id")
	}
	q.Techniques = sortedUnique(ts)
	if q.MaxHops == 0 {
		q.MaxHops = 3
	}
	if q.MaxHops < 1 || q.MaxHops > MaxHops {
		return q, fmt.Errorf("max hops %d: want 1 to %d", q.MaxHops, MaxHops)
	}
	if q.Limit <= 0 {
		q.Limit = 25
	}
	return q, nil
}

// EnrichQuery asks for the neighbourhood of a node found by key, name,
// alias or indicator value (case-insensitive).
type EnrichQuery struct {
	Value string
	Hops  int
	Limit int
}

// Normalized checks the query and returns its canonical form.
func (q EnrichQuery) Normalized() (EnrichQuery, error) {
	if Normalize(q.Value) == "" {
		return q, fmt.Errorf("enrich needs a value")
	}
	if q.Hops == 0 {
		q.Hops = 2
	}
	if q.Hops < 1 || q.Hops > MaxHops {
		return q, fmt.Errorf("hops %d: want 1 to %d", q.Hops, MaxHops)
	}
	if q.Limit <= 0 {
		q.Limit = 200
	}
	return q, nil
}

// SearchNames are the normalised spellings a looked-up value may be
// stored under: as typed, and refanged (an analyst pastes "evil[.]com").
func SearchNames(v string) []string {
	return sortedUnique([]string{Normalize(v), Normalize(Refang(v))})
}

// Neighbour is a node near the enriched one; Distance 0 is the node itself.
type Neighbour struct {
	Label    Label  `json:"label"`
	Key      string `json:"key"`
	Name     string `json:"name"`
	Distance int    `json:"distance"`
}

// SortNeighbours orders by distance, then label, then key.
func SortNeighbours(n []Neighbour) {
	sort.Slice(n, func(i, j int) bool {
		if n[i].Distance != n[j].Distance {
			return n[i].Distance < n[j].Distance
		}
		if n[i].Label != n[j].Label {
			return n[i].Label < n[j].Label
		}
		return n[i].Key < n[j].Key
	})
}

// ActorTechniques answers actor-techniques: the techniques the actors
// matching name (ATT&CK id, name or alias, case-insensitive) use directly,
// through their software, through the campaigns they conduct, and as the
// documents associated with them describe (via the document's key).
func (s *Store) ActorTechniques(ctx context.Context, name string) (ActorTechniques, error) {
	rows, err := s.db.QueryContext(ctx, `
WITH actors AS (
	SELECT DISTINCT n.id, n.key, n.name FROM graph_names m JOIN graph_nodes n ON n.id = m.node_id
	WHERE m.name = ?1 AND n.label = 'Actor' AND n.deprecated = 0
), uses(actor, tech, via) AS (
	SELECT a.id, e.dst, '' FROM actors a JOIN graph_edges e ON e.src = a.id AND e.type = 'USES'
	UNION
	SELECT a.id, e2.dst, s.key FROM actors a
		JOIN graph_edges e1 ON e1.src = a.id AND e1.type = 'USES'
		JOIN graph_nodes s ON s.id = e1.dst AND s.label = 'Threat' AND s.deprecated = 0
		JOIN graph_edges e2 ON e2.src = s.id AND e2.type = 'USES'
	UNION
	SELECT a.id, e2.dst, c.key FROM actors a
		JOIN graph_edges e1 ON e1.src = a.id AND e1.type = 'CONDUCTS'
		JOIN graph_nodes c ON c.id = e1.dst AND c.label = 'Campaign' AND c.deprecated = 0
		JOIN graph_edges e2 ON e2.src = c.id AND e2.type = 'USES'
	UNION
	SELECT a.id, e2.dst, d.key FROM actors a
		JOIN graph_edges e1 ON e1.dst = a.id AND e1.type = 'ASSOCIATED_WITH'
		JOIN graph_nodes d ON d.id = e1.src AND d.label = 'Threat' AND d.deprecated = 0
			AND json_extract(d.props, '$.kind') = 'document'
		JOIN graph_edges e2 ON e2.src = d.id AND e2.type = 'USES'
)
SELECT a.key, a.name, t.key, t.name, coalesce(json_extract(t.props, '$.tactics'), '[]'), u.via
FROM uses u JOIN actors a ON a.id = u.actor
JOIN graph_nodes t ON t.id = u.tech AND t.label = 'Technique' AND t.deprecated = 0`, Normalize(name))
	if err != nil {
		return ActorTechniques{}, fmt.Errorf("actor-techniques %q: %w", name, err)
	}
	defer rows.Close()
	var out []ActorTechniqueRow
	for rows.Next() {
		var r ActorTechniqueRow
		var tactics string
		if err := rows.Scan(&r.Actor.Key, &r.Actor.Name, &r.Technique, &r.TechniqueName, &tactics, &r.Via); err != nil {
			return ActorTechniques{}, err
		}
		r.Actor.Label = Actor
		r.Tactics = jsonStrings(tactics)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return ActorTechniques{}, fmt.Errorf("actor-techniques %q: %w", name, err)
	}
	if len(out) == 0 {
		// An actor with no techniques is still an answer; say whom we found.
		actors, err := s.findNodes(ctx, Actor, name)
		if err != nil {
			return ActorTechniques{}, err
		}
		if len(actors) == 0 {
			return ActorTechniques{}, fmt.Errorf("actor-techniques: no actor is called %q: %w", name, ErrNotFound)
		}
		return ActorTechniques{Actors: actors, Techniques: []TechniqueUse{}}, nil
	}
	return AggregateActorTechniques(out), nil
}

// ErrNotFound is returned when a query names no node in the graph.
var ErrNotFound = fmt.Errorf("not found in the graph")

func (s *Store) findNodes(ctx context.Context, l Label, name string) ([]NodeRef, error) {
	st, err := s.stmt(ctx, `SELECT DISTINCT n.key, n.name FROM graph_names m JOIN graph_nodes n ON n.id = m.node_id
		WHERE m.name = ? AND n.label = ? AND n.deprecated = 0 ORDER BY n.key`)
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(ctx, Normalize(name), string(l))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []NodeRef
	for rows.Next() {
		r := NodeRef{Label: l}
		if err := rows.Scan(&r.Key, &r.Name); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func jsonStrings(s string) []string {
	var v []string
	if err := json.Unmarshal([]byte(s), &v); err != nil || v == nil {
		return []string{}
	}
	return v
}

// IOCPairs answers ioc-pairs: indicators that co-occur in documents.
func (s *Store) IOCPairs(ctx context.Context, q IOCPairsQuery) ([]IOCPair, error) {
	types, err := IndicatorTypesFor(q.Types)
	if err != nil {
		return nil, err
	}
	tj, _ := json.Marshal(types)
	if q.Limit <= 0 {
		q.Limit = 50
	}
	rows, err := s.db.QueryContext(ctx, `
SELECT a.key, b.key, e.count FROM graph_edges e
JOIN graph_nodes a ON a.id = e.src AND a.label = 'Indicator' AND a.deprecated = 0
JOIN graph_nodes b ON b.id = e.dst AND b.label = 'Indicator' AND b.deprecated = 0
WHERE e.type = 'RELATED_TO' AND e.count >= ?1
AND (json_array_length(?2) = 0 OR (
	json_extract(a.props, '$.type') IN (SELECT value FROM json_each(?2)) AND
	json_extract(b.props, '$.type') IN (SELECT value FROM json_each(?2))))
ORDER BY e.count DESC, a.key, b.key LIMIT ?3`, q.MinCount, string(tj), q.Limit)
	if err != nil {
		return nil, fmt.Errorf("ioc-pairs: %w", err)
	}
	defer rows.Close()
	out := []IOCPair{}
	for rows.Next() {
		var p IOCPair
		if err := rows.Scan(&p.A, &p.B, &p.Count); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	SortIOCPairs(out)
	return out, rows.Err()
}

// NextSteps answers next-steps; see NextStepsQuery for the definition.
func (s *Store) NextSteps(ctx context.Context, q NextStepsQuery) ([]NextStep, error) {
	q, err := q.Normalized()
	if err != nil {
		return nil, err
	}
	given, _ := json.Marshal(q.Techniques)
	rows, err := s.db.QueryContext(ctx, `
WITH RECURSIVE
given(k) AS (SELECT value FROM json_each(?1)),
grp(id) AS (SELECT id FROM graph_nodes WHERE label IN ('Actor', 'Campaign') AND deprecated = 0),
reach(g, n, d) AS (
	SELECT id, id, 0 FROM grp
	UNION
	SELECT g.id, e.src, 1 FROM grp g
	JOIN graph_edges e ON e.dst = g.id AND e.type = 'ASSOCIATED_WITH'
	JOIN graph_nodes x ON x.id = e.src AND x.label = 'Threat' AND x.deprecated = 0
		AND json_extract(x.props, '$.kind') = 'document'
	UNION
	SELECT r.g, e.dst, r.d + 1 FROM reach r
	JOIN graph_edges e ON e.src = r.n AND +e.type IN ('USES', 'CONDUCTS')
	JOIN graph_nodes x ON x.id = e.dst AND x.deprecated = 0
	WHERE r.d < ?2
),
gt(g, key) AS MATERIALIZED (
	SELECT DISTINCT r.g, t.key FROM reach r JOIN graph_nodes t ON t.id = r.n AND t.label = 'Technique'
),
hit(g, k) AS (
	SELECT DISTINCT gt.g, given.k FROM gt JOIN given
	ON gt.key = given.k OR substr(gt.key, 1, length(given.k) + 1) = given.k || '.'
),
qual(g) AS MATERIALIZED (
	SELECT g FROM hit GROUP BY g HAVING count(*) = (SELECT count(*) FROM given)
)
SELECT t.key, t.name, coalesce(json_extract(t.props, '$.tactics'), '[]'), count(DISTINCT q.g) AS groups
FROM qual q JOIN gt ON gt.g = q.g JOIN graph_nodes t ON t.key = gt.key
WHERE NOT EXISTS (SELECT 1 FROM given WHERE gt.key = given.k OR substr(gt.key, 1, length(given.k) + 1) = given.k || '.')
GROUP BY t.key ORDER BY groups DESC, t.key LIMIT ?3`, string(given), q.MaxHops, q.Limit)
	if err != nil {
		return nil, fmt.Errorf("next-steps: %w", err)
	}
	defer rows.Close()
	out := []NextStep{}
	for rows.Next() {
		var n NextStep
		var tactics string
		if err := rows.Scan(&n.ID, &n.Name, &tactics, &n.Groups); err != nil {
			return nil, err
		}
		n.Tactics = sortedUnique(jsonStrings(tactics))
		out = append(out, n)
	}
	SortNextSteps(out)
	return out, rows.Err()
}

// Enrich answers enrich: the nodes within q.Hops relationships (either
// direction) of the node(s) q.Value names, each at its shortest distance.
func (s *Store) Enrich(ctx context.Context, q EnrichQuery) ([]Neighbour, error) {
	q, err := q.Normalized()
	if err != nil {
		return nil, err
	}
	names, _ := json.Marshal(SearchNames(q.Value))
	rows, err := s.db.QueryContext(ctx, `
WITH RECURSIVE
start(id) AS (
	SELECT DISTINCT m.node_id FROM graph_names m JOIN graph_nodes n ON n.id = m.node_id AND n.deprecated = 0
	WHERE m.name IN (SELECT value FROM json_each(?1))
),
walk(id, d) AS (
	SELECT id, 0 FROM start
	UNION
	SELECT e.dst, w.d + 1 FROM walk w JOIN graph_edges e ON e.src = w.id
		JOIN graph_nodes x ON x.id = e.dst AND x.deprecated = 0 WHERE w.d < ?2
	UNION
	SELECT e.src, w.d + 1 FROM walk w JOIN graph_edges e ON e.dst = w.id
		JOIN graph_nodes x ON x.id = e.src AND x.deprecated = 0 WHERE w.d < ?2
)
SELECT n.label, n.key, n.name, min(w.d) AS dist FROM walk w JOIN graph_nodes n ON n.id = w.id
GROUP BY w.id ORDER BY dist, n.label, n.key LIMIT ?3`, string(names), q.Hops, q.Limit)
	if err != nil {
		return nil, fmt.Errorf("enrich %q: %w", q.Value, err)
	}
	defer rows.Close()
	out := []Neighbour{}
	for rows.Next() {
		var n Neighbour
		if err := rows.Scan(&n.Label, &n.Key, &n.Name, &n.Distance); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("enrich: nothing is called %q: %w", q.Value, ErrNotFound)
	}
	SortNeighbours(out)
	return out, nil
}

// DocumentsUsing returns the ids of the documents with a USES edge to the
// technique (ids written in them, or tagged in their prose), at most limit
// (0: all), sorted.
func (s *Store) DocumentsUsing(ctx context.Context, technique string, limit int) ([]string, error) {
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	rows, err := s.db.QueryContext(ctx, `
SELECT substr(d.key, 5) FROM graph_nodes t
JOIN graph_edges e ON e.dst = t.id AND e.type = 'USES'
JOIN graph_nodes d ON d.id = e.src AND d.label = 'Threat' AND json_extract(d.props, '$.kind') = 'document'
WHERE t.key = ?1 AND t.label = 'Technique'
ORDER BY d.key LIMIT ?2`, TechniqueKey(technique), limit)
	if err != nil {
		return nil, fmt.Errorf("documents using %s: %w", technique, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("documents using %s: %w", technique, err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
