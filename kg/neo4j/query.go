package neo4j

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/cyberstreams/cyberstreams/kg"
)

// The named queries in Cypher. Each mirrors the SQL of the same name in
// package kg and returns the same types, sorted the same way.

const actorTechniquesCypher = `
MATCH (a:Actor) WHERE $name IN a.names AND NOT a.deprecated
CALL (a) {
	MATCH (a)-[:USES]->(t:Technique) RETURN t, '' AS via
	UNION
	MATCH (a)-[:USES]->(s:Threat)-[:USES]->(t:Technique) WHERE NOT s.deprecated RETURN t, s.key AS via
	UNION
	MATCH (a)-[:CONDUCTS]->(c:Campaign)-[:USES]->(t:Technique) WHERE NOT c.deprecated RETURN t, c.key AS via
	UNION
	MATCH (a)<-[:ASSOCIATED_WITH]-(d:Threat)-[:USES]->(t:Technique) WHERE d.kind = 'document' AND NOT d.deprecated RETURN t, d.key AS via
}
WITH a, t, via WHERE NOT t.deprecated
RETURN a.key AS actor, a.name AS actor_name, t.key AS technique, t.name AS name, coalesce(t.tactics, []) AS tactics, via`

const findActorsCypher = `
MATCH (a:Actor) WHERE $name IN a.names AND NOT a.deprecated
RETURN a.key AS key, a.name AS name ORDER BY key`

// ActorTechniques is kg.(*Store).ActorTechniques against Neo4j.
func (c *Client) ActorTechniques(ctx context.Context, name string) (kg.ActorTechniques, error) {
	recs, err := c.read(ctx, actorTechniquesCypher, map[string]any{"name": kg.Normalize(name)})
	if err != nil {
		return kg.ActorTechniques{}, fmt.Errorf("actor-techniques %q: %w", name, err)
	}
	rows := make([]kg.ActorTechniqueRow, 0, len(recs))
	for _, r := range recs {
		rows = append(rows, kg.ActorTechniqueRow{
			Actor:         kg.NodeRef{Label: kg.Actor, Key: str(r.Values[0]), Name: str(r.Values[1])},
			Technique:     str(r.Values[2]),
			TechniqueName: str(r.Values[3]),
			Tactics:       strs(r.Values[4]),
			Via:           str(r.Values[5]),
		})
	}
	if len(rows) > 0 {
		return kg.AggregateActorTechniques(rows), nil
	}
	recs, err = c.read(ctx, findActorsCypher, map[string]any{"name": kg.Normalize(name)})
	if err != nil {
		return kg.ActorTechniques{}, fmt.Errorf("actor-techniques %q: %w", name, err)
	}
	if len(recs) == 0 {
		return kg.ActorTechniques{}, fmt.Errorf("actor-techniques: no actor is called %q: %w", name, kg.ErrNotFound)
	}
	res := kg.ActorTechniques{Techniques: []kg.TechniqueUse{}}
	for _, r := range recs {
		res.Actors = append(res.Actors, kg.NodeRef{Label: kg.Actor, Key: str(r.Values[0]), Name: str(r.Values[1])})
	}
	return res, nil
}

const iocPairsCypher = `
MATCH (a:Indicator)-[e:RELATED_TO]->(b:Indicator)
WHERE e.count >= $min AND NOT a.deprecated AND NOT b.deprecated
AND (size($types) = 0 OR (a.type IN $types AND b.type IN $types))
RETURN a.key AS a, b.key AS b, e.count AS count ORDER BY count DESC, a, b LIMIT $limit`

// IOCPairs is kg.(*Store).IOCPairs against Neo4j.
func (c *Client) IOCPairs(ctx context.Context, q kg.IOCPairsQuery) ([]kg.IOCPair, error) {
	types, err := kg.IndicatorTypesFor(q.Types)
	if err != nil {
		return nil, err
	}
	if types == nil {
		types = []string{}
	}
	if q.Limit <= 0 {
		q.Limit = 50
	}
	recs, err := c.read(ctx, iocPairsCypher, map[string]any{"min": int64(q.MinCount), "types": types, "limit": int64(q.Limit)})
	if err != nil {
		return nil, fmt.Errorf("ioc-pairs: %w", err)
	}
	out := make([]kg.IOCPair, 0, len(recs))
	for _, r := range recs {
		out = append(out, kg.IOCPair{A: str(r.Values[0]), B: str(r.Values[1]), Count: int(num(r.Values[2]))})
	}
	kg.SortIOCPairs(out)
	return out, nil
}

// nextStepsCypher bounds the path at kg.MaxHops (4) as a literal, since
// Cypher takes no parameter there; $hops narrows it.
const nextStepsCypher = `
MATCH (g) WHERE (g:Actor OR g:Campaign) AND NOT g.deprecated
CALL (g) {
	MATCH p = (g)-[:USES|CONDUCTS*1..4]->(t:Technique)
	WHERE length(p) <= $hops AND all(x IN nodes(p) WHERE NOT x.deprecated)
	RETURN t
	UNION
	MATCH (g)<-[:ASSOCIATED_WITH]-(d:Threat)-[:USES]->(t:Technique)
	WHERE $hops >= 2 AND d.kind = 'document' AND NOT d.deprecated AND NOT t.deprecated
	RETURN t
}
WITH g, collect(DISTINCT t.key) AS ts
WHERE all(k IN $given WHERE any(x IN ts WHERE x = k OR x STARTS WITH k + '.'))
UNWIND ts AS tk
WITH tk, count(DISTINCT g) AS groups
WHERE none(k IN $given WHERE tk = k OR tk STARTS WITH k + '.')
MATCH (t:Technique {key: tk})
RETURN t.key AS id, t.name AS name, coalesce(t.tactics, []) AS tactics, groups
ORDER BY groups DESC, id LIMIT $limit`

// NextSteps is kg.(*Store).NextSteps against Neo4j.
func (c *Client) NextSteps(ctx context.Context, q kg.NextStepsQuery) ([]kg.NextStep, error) {
	q, err := q.Normalized()
	if err != nil {
		return nil, err
	}
	recs, err := c.read(ctx, nextStepsCypher, map[string]any{"given": q.Techniques, "hops": int64(q.MaxHops), "limit": int64(q.Limit)})
	if err != nil {
		return nil, fmt.Errorf("next-steps: %w", err)
	}
	out := make([]kg.NextStep, 0, len(recs))
	for _, r := range recs {
		out = append(out, kg.NextStep{ID: str(r.Values[0]), Name: str(r.Values[1]), Tactics: sortedStrs(r.Values[2]), Groups: int(num(r.Values[3]))})
	}
	kg.SortNextSteps(out)
	return out, nil
}

const enrichStartCypher = `
MATCH (n) WHERE any(q IN $qs WHERE q IN n.names) AND NOT n.deprecated
RETURN labels(n)[0] AS label, n.key AS key, n.name AS name`

// enrichStepCypher expands one label's frontier by one relationship in
// either direction. The label comes from the allow-list.
func enrichStepCypher(l kg.Label) (string, error) {
	if !l.Valid() {
		return "", fmt.Errorf("label %q is not in the graph schema", string(l))
	}
	return `UNWIND $keys AS k MATCH (a:` + string(l) + ` {key: k})--(b) WHERE NOT b.deprecated
RETURN DISTINCT labels(b)[0] AS label, b.key AS key, b.name AS name`, nil
}

// Enrich is kg.(*Store).Enrich against Neo4j: a breadth-first walk, one
// Cypher step per hop, so each node gets its shortest distance without
// enumerating every path.
func (c *Client) Enrich(ctx context.Context, q kg.EnrichQuery) ([]kg.Neighbour, error) {
	q, err := q.Normalized()
	if err != nil {
		return nil, err
	}
	recs, err := c.read(ctx, enrichStartCypher, map[string]any{"qs": kg.SearchNames(q.Value)})
	if err != nil {
		return nil, fmt.Errorf("enrich %q: %w", q.Value, err)
	}
	seen := map[string]bool{}
	var out []kg.Neighbour
	frontier := map[kg.Label][]string{}
	for _, r := range recs {
		n := kg.Neighbour{Label: kg.Label(str(r.Values[0])), Key: str(r.Values[1]), Name: str(r.Values[2])}
		if !seen[n.Key] {
			seen[n.Key] = true
			out = append(out, n)
			frontier[n.Label] = append(frontier[n.Label], n.Key)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("enrich: nothing is called %q: %w", q.Value, kg.ErrNotFound)
	}
	for d := 1; d <= q.Hops && len(frontier) > 0; d++ {
		next := map[kg.Label][]string{}
		for _, l := range kg.Labels {
			keys := frontier[l]
			if len(keys) == 0 {
				continue
			}
			cy, err := enrichStepCypher(l)
			if err != nil {
				return nil, err
			}
			recs, err := c.read(ctx, cy, map[string]any{"keys": keys})
			if err != nil {
				return nil, fmt.Errorf("enrich %q: %w", q.Value, err)
			}
			for _, r := range recs {
				n := kg.Neighbour{Label: kg.Label(str(r.Values[0])), Key: str(r.Values[1]), Name: str(r.Values[2]), Distance: d}
				if !seen[n.Key] {
					seen[n.Key] = true
					out = append(out, n)
					next[n.Label] = append(next[n.Label], n.Key)
				}
			}
		}
		frontier = next
	}
	kg.SortNeighbours(out)
	if len(out) > q.Limit {
		out = out[:q.Limit]
	}
	return out, nil
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func num(v any) float64 {
	switch x := v.(type) {
	case int64:
		return float64(x)
	case float64:
		return x
	}
	return 0
}

func strs(v any) []string {
	l, _ := v.([]any)
	out := make([]string, 0, len(l))
	for _, e := range l {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func sortedStrs(v any) []string {
	s := strs(v)
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && strings.Compare(s[j-1], s[j]) > 0; j-- {
			s[j-1], s[j] = s[j], s[j-1]
		}
	}
	return s
}

// IsNotFound reports whether a query named nothing in the graph.
func IsNotFound(err error) bool { return errors.Is(err, kg.ErrNotFound) }
