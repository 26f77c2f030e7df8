package kg

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"
)

// TechniqueUsage is what the graph knows about who uses which ATT&CK
// technique: every live technique with its tactics, and every live actor,
// campaign and software node with the techniques it uses directly. The
// next-step model (core/nextstep) learns from it; it is read the same way
// from a parsed bundle (UsageOf) and from the local store.
type TechniqueUsage struct {
	Techniques []TechniqueInfo `json:"techniques"` // sorted by key
	Users      []TechniqueUser `json:"users"`      // sorted by key
}

// TechniqueInfo is one technique and its kill-chain tactics.
type TechniqueInfo struct {
	Key     string   `json:"key"`
	Name    string   `json:"name"`
	Tactics []string `json:"tactics"`
}

// TechniqueUser is an actor, campaign or software node and the techniques
// it uses (a direct USES relationship, not through other nodes). A
// workspace document is a Threat node of Kind "document" whose USES are the
// techniques it names. Actors
// lists, for a campaign, the actors that conduct it and, for malware or a
// tool, the actors that use it, so a measurement that leaves an actor out
// can leave its campaigns and its software out too.
type TechniqueUser struct {
	Label      Label     `json:"label"`
	Key        string    `json:"key"`
	Name       string    `json:"name"`
	Kind       string    `json:"kind,omitempty"`
	FirstSeen  time.Time `json:"first_seen"`
	Actors     []string  `json:"actors,omitempty"`
	Techniques []string  `json:"techniques"`
}

// UsageOf folds nodes and relationships (as a source asserts them, for
// example attack.Parse's bundle) into TechniqueUsage. Deprecated nodes are
// left out; users with no live technique are dropped.
func UsageOf(nodes []Node, edges []Edge) TechniqueUsage {
	var u TechniqueUsage
	live := map[string]*Node{}
	for i := range nodes {
		n := &nodes[i]
		if n.Deprecated {
			continue
		}
		switch n.Label {
		case Technique:
			live[n.Key] = n
			u.Techniques = append(u.Techniques, TechniqueInfo{Key: n.Key, Name: n.Name, Tactics: sortedUnique(propStrings(n.Props["tactics"]))})
		case Actor, Campaign, Threat:
			live[n.Key] = n
		}
	}
	uses := map[string][]string{}
	actorsOf := map[string][]string{}
	for _, e := range edges {
		from, to := live[e.From], live[e.To]
		if from == nil || to == nil {
			continue
		}
		switch {
		case e.Type == Uses && to.Label == Technique && from.Label != Technique:
			uses[e.From] = append(uses[e.From], e.To)
		case e.Type == Conducts && from.Label == Actor && to.Label == Campaign,
			e.Type == Uses && from.Label == Actor && to.Label == Threat:
			actorsOf[e.To] = append(actorsOf[e.To], e.From)
		}
	}
	for key, ts := range uses {
		n := live[key]
		kind, _ := n.Props["kind"].(string)
		usr := TechniqueUser{
			Label: n.Label, Key: key, Name: n.Name, Kind: kind, FirstSeen: n.FirstSeen,
			Techniques: sortedUnique(ts),
		}
		if a := actorsOf[key]; len(a) > 0 {
			usr.Actors = sortedUnique(a)
		}
		u.Users = append(u.Users, usr)
	}
	sort.Slice(u.Techniques, func(i, j int) bool { return u.Techniques[i].Key < u.Techniques[j].Key })
	sort.Slice(u.Users, func(i, j int) bool { return u.Users[i].Key < u.Users[j].Key })
	return u
}

// propStrings reads a []string property as written by a source ([]string)
// or as read back from the store's JSON ([]any).
func propStrings(v any) []string {
	switch v := v.(type) {
	case []string:
		return v
	case []any:
		out := make([]string, 0, len(v))
		for _, x := range v {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// TechniqueUsage reads the local graph's technique usage: the same fold as
// UsageOf over the live technique, actor, campaign and software nodes and
// their USES and CONDUCTS relationships, whichever source asserted them.
func (s *Store) TechniqueUsage(ctx context.Context) (TechniqueUsage, error) {
	rows, err := s.db.QueryContext(ctx, `
SELECT key, label, name, props, first_seen FROM graph_nodes
WHERE label IN ('Technique', 'Actor', 'Campaign', 'Threat') AND deprecated = 0`)
	if err != nil {
		return TechniqueUsage{}, fmt.Errorf("technique usage: nodes: %w", err)
	}
	var nodes []Node
	for rows.Next() {
		var n Node
		var label, props, first string
		if err := rows.Scan(&n.Key, &label, &n.Name, &props, &first); err != nil {
			rows.Close()
			return TechniqueUsage{}, fmt.Errorf("technique usage: nodes: %w", err)
		}
		n.Label = Label(label)
		if err := json.Unmarshal([]byte(props), &n.Props); err != nil {
			rows.Close()
			return TechniqueUsage{}, fmt.Errorf("technique usage: node %s: props: %w", n.Key, err)
		}
		n.FirstSeen, _ = time.Parse(time.RFC3339, first)
		nodes = append(nodes, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return TechniqueUsage{}, fmt.Errorf("technique usage: nodes: %w", err)
	}
	rows, err = s.db.QueryContext(ctx, `
SELECT a.key, e.type, b.key FROM graph_edges e
JOIN graph_nodes a ON a.id = e.src JOIN graph_nodes b ON b.id = e.dst
WHERE e.type IN ('USES', 'CONDUCTS') AND a.label IN ('Actor', 'Campaign', 'Threat')
AND b.label IN ('Technique', 'Campaign', 'Threat')`)
	if err != nil {
		return TechniqueUsage{}, fmt.Errorf("technique usage: relationships: %w", err)
	}
	defer rows.Close()
	var edges []Edge
	for rows.Next() {
		var e Edge
		var typ string
		if err := rows.Scan(&e.From, &typ, &e.To); err != nil {
			return TechniqueUsage{}, fmt.Errorf("technique usage: relationships: %w", err)
		}
		e.Type = RelType(typ)
		edges = append(edges, e)
	}
	if err := rows.Err(); err != nil {
		return TechniqueUsage{}, fmt.Errorf("technique usage: relationships: %w", err)
	}
	return UsageOf(nodes, edges), nil
}
