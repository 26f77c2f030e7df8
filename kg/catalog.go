package kg

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// NamedEntity is an actor, malware or tool the graph knows by name, for
// entity extraction to learn after an ATT&CK import.
type NamedEntity struct {
	Kind      string   `json:"kind"` // actor, malware or tool
	Canonical string   `json:"canonical"`
	Aliases   []string `json:"aliases"`
}

// Names lists every non-deprecated actor and piece of software with its
// aliases, sorted by kind and name.
func (s *Store) Names(ctx context.Context) ([]NamedEntity, error) {
	rows, err := s.db.QueryContext(ctx, `
SELECT CASE n.label WHEN 'Actor' THEN 'actor' ELSE json_extract(n.props, '$.kind') END AS kind, n.name,
	(SELECT json_group_array(alias) FROM (SELECT alias FROM graph_aliases WHERE node_id = n.id AND alias <> n.name ORDER BY alias))
FROM graph_nodes n
WHERE n.deprecated = 0 AND n.name <> '' AND (n.label = 'Actor' OR
	(n.label = 'Threat' AND json_extract(n.props, '$.kind') IN ('malware', 'tool')))
ORDER BY kind, n.name, n.key`)
	if err != nil {
		return nil, fmt.Errorf("graph names: %w", err)
	}
	defer rows.Close()
	var out []NamedEntity
	for rows.Next() {
		var e NamedEntity
		var aliases string
		if err := rows.Scan(&e.Kind, &e.Canonical, &aliases); err != nil {
			return nil, err
		}
		e.Aliases = jsonStrings(aliases)
		out = append(out, e)
	}
	return out, rows.Err()
}

// Revision is the graph's revision counter (migration 2): it changes
// whenever a node, relationship, name or alias does, so equal revisions
// mean the same names and facts.
func (s *Store) Revision(ctx context.Context) (int64, error) {
	var n int64
	if err := s.db.QueryRowContext(ctx, `SELECT n FROM graph_revision WHERE id = 1`).Scan(&n); err != nil {
		return 0, fmt.Errorf("graph revision: %w", err)
	}
	return n, nil
}

// GraphFeatures are what the graph knows about a document's entities, as
// meta features for the classifier.
type GraphFeatures struct {
	// IndicatorsLinkedToKnownActor counts the document's indicators that
	// some document naming an actor also contains.
	IndicatorsLinkedToKnownActor int `json:"indicators_linked_to_known_actor"`
	// Techniques counts the document's ATT&CK techniques that the graph
	// knows (and are not deprecated).
	Techniques int `json:"techniques"`
	// KEVVulnerabilities counts the document's CVEs in the KEV catalog.
	KEVVulnerabilities int `json:"kev_vulnerabilities"`
	// KnownActors counts the document's actor names that resolve to an
	// actor node (by ATT&CK id, name or alias).
	KnownActors int `json:"known_actors"`
}

// The counts behind GraphFeatures, each over a JSON array of node keys.
const (
	actorLinkedIndicatorsQuery = `SELECT count(*) FROM json_each(?1) j CROSS JOIN graph_nodes i ON i.key = j.value
WHERE i.label = 'Indicator' AND EXISTS (
	SELECT 1 FROM graph_edges c
	JOIN graph_edges a ON a.src = c.src AND a.type = 'ASSOCIATED_WITH'
	JOIN graph_nodes actor ON actor.id = a.dst AND actor.label = 'Actor' AND actor.deprecated = 0
	WHERE c.dst = i.id AND c.type = 'CONTAINS')`
	knownTechniquesQuery = `SELECT count(*) FROM json_each(?1) j CROSS JOIN graph_nodes n ON n.key = j.value
WHERE n.label = 'Technique' AND n.deprecated = 0 AND n.name <> ''`
	kevVulnerabilitiesQuery = `SELECT count(*) FROM json_each(?1) j CROSS JOIN graph_nodes n ON n.key = j.value
WHERE n.label = 'Vulnerability' AND json_extract(n.props, '$.kev') = 1`
)

// docKey says which GraphFeatures count a key or name feeds.
type docKey int

const (
	indicatorDocKey docKey = iota
	techniqueDocKey
	vulnerabilityDocKey
	actorNameDocKey
	docKeyKinds
)

// eachDocKey calls visit with every graph key a document's entities name
// (indicator, technique and CVE keys) and every actor name, as written, in
// no particular order and with repeats. It is the one derivation behind
// Store.DocFeatures and FeatureIndex.DocFeatures, so the SQL reference and
// the in-memory index cannot drift apart.
func eachDocKey(entities map[string][]string, visit func(docKey, string)) {
	for typ, vals := range entities {
		switch {
		case isIndicatorType(typ):
			for _, v := range vals {
				if k, _ := IndicatorKey(typ, v); k != "" {
					visit(indicatorDocKey, k)
				}
			}
		case typ == "attack_technique":
			for _, v := range vals {
				if k := TechniqueKey(v); k != "" {
					visit(techniqueDocKey, k)
				}
			}
		case typ == "cve":
			for _, v := range vals {
				if k := VulnerabilityKey(v); k != "" {
					visit(vulnerabilityDocKey, k)
				}
			}
		case typ == "actor":
			for _, v := range vals {
				visit(actorNameDocKey, v)
			}
		}
	}
}

// DocFeatures computes GraphFeatures for a document's entities with a few
// queries. It is the reference for FeatureIndex.DocFeatures, which answers
// the same from memory.
func (s *Store) DocFeatures(ctx context.Context, entities map[string][]string) (GraphFeatures, error) {
	var f GraphFeatures
	var keys [docKeyKinds][]string
	eachDocKey(entities, func(k docKey, v string) { keys[k] = append(keys[k], v) })
	// Each count drives from the document's keys (json_each CROSS JOIN
	// forces that order) into the unique key index: left to the planner,
	// SQLite scanned every node of the label instead, ~20 ms a document on
	// a graph built from the 39k shared advisories (78k indicators).
	count := func(q string, keys []string) (int, error) {
		keys = sortedUnique(keys)
		if len(keys) == 0 {
			return 0, nil
		}
		j, _ := json.Marshal(keys)
		st, err := s.stmt(ctx, q)
		if err != nil {
			return 0, err
		}
		var n int
		err = st.QueryRowContext(ctx, string(j)).Scan(&n)
		return n, err
	}
	var err error
	if f.IndicatorsLinkedToKnownActor, err = count(actorLinkedIndicatorsQuery, keys[indicatorDocKey]); err != nil {
		return f, fmt.Errorf("graph features: %w", err)
	}
	if f.Techniques, err = count(knownTechniquesQuery, keys[techniqueDocKey]); err != nil {
		return f, fmt.Errorf("graph features: %w", err)
	}
	if f.KEVVulnerabilities, err = count(kevVulnerabilitiesQuery, keys[vulnerabilityDocKey]); err != nil {
		return f, fmt.Errorf("graph features: %w", err)
	}
	actors := map[string]bool{}
	for _, name := range keys[actorNameDocKey] {
		found, err := s.findNodes(ctx, Actor, name)
		if err != nil {
			return f, fmt.Errorf("graph features: %w", err)
		}
		for _, a := range found {
			actors[a.Key] = true
		}
	}
	f.KnownActors = len(actors)
	return f, nil
}

// kevCatalog is the part of CISA's known_exploited_vulnerabilities.json the
// graph keeps.
type kevCatalog struct {
	CatalogVersion  string `json:"catalogVersion"`
	Vulnerabilities []struct {
		CveID                      string `json:"cveID"`
		VendorProject              string `json:"vendorProject"`
		Product                    string `json:"product"`
		VulnerabilityName          string `json:"vulnerabilityName"`
		DateAdded                  string `json:"dateAdded"`
		KnownRansomwareCampaignUse string `json:"knownRansomwareCampaignUse"`
	} `json:"vulnerabilities"`
}

// ImportKEV reads a CISA KEV catalog and marks its CVEs as Vulnerability
// nodes with kev=true (plus the date added and ransomware use). Importing a
// newer catalog replaces the older one's assertions.
func (s *Store) ImportKEV(ctx context.Context, r io.Reader) (Change, error) {
	var cat kevCatalog
	if err := json.NewDecoder(r).Decode(&cat); err != nil {
		return Change{}, fmt.Errorf("kev catalog: %w", err)
	}
	if len(cat.Vulnerabilities) == 0 {
		return Change{}, fmt.Errorf("kev catalog: no vulnerabilities (is this known_exploited_vulnerabilities.json?)")
	}
	nodes := make([]Node, 0, len(cat.Vulnerabilities))
	seen := map[string]bool{}
	for _, v := range cat.Vulnerabilities {
		key := VulnerabilityKey(v.CveID)
		if key == "" || seen[key] {
			continue
		}
		seen[key] = true
		added, _ := time.Parse("2006-01-02", v.DateAdded)
		nodes = append(nodes, Node{
			Label: Vulnerability, Key: key, Name: key, Curated: true,
			FirstSeen: added,
			Props: map[string]any{
				"kev": true, "kev_date_added": v.DateAdded,
				"kev_ransomware": v.KnownRansomwareCampaignUse == "Known",
				"vendor":         v.VendorProject, "product": v.Product, "title": v.VulnerabilityName,
			},
		})
	}
	return s.ReplaceSource(ctx, SourceKEV, nodes, nil)
}
