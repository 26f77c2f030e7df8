// Package kg is the knowledge graph of the workbench: a fixed schema of
// threat-intelligence nodes and relationships, a local graph kept in the
// workspace SQLite database with a transactional outbox, the named analyst
// queries over it, and graph features for scoring. Syncing to Neo4j lives in
// kg/neo4j and the ATT&CK STIX import in kg/attack; both speak only the
// types of this package.
package kg

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"unicode"
)

// Label is a node label. Only the values in Labels exist: labels are never
// taken from data, so they can be written into Cypher text safely.
type Label string

// The seed schema's node labels.
const (
	Threat        Label = "Threat"        // a scored document, or ATT&CK software (kind malware|tool)
	Actor         Label = "Actor"         // an intrusion set / threat group
	Technique     Label = "Technique"     // an ATT&CK technique or sub-technique
	Indicator     Label = "Indicator"     // an IOC: ip, domain, url, email, hash
	Target        Label = "Target"        // a sector, vendor, product or country attacked
	Campaign      Label = "Campaign"      // an ATT&CK campaign
	Vulnerability Label = "Vulnerability" // a CVE
)

// Labels is the allow-list of node labels, in a fixed order.
var Labels = []Label{Threat, Actor, Technique, Indicator, Target, Campaign, Vulnerability}

// RelType is a relationship type; like Label, only the allow-listed values
// exist.
type RelType string

// The seed schema's relationship types.
const (
	Uses           RelType = "USES"            // actor/campaign/software/document → technique or software
	Conducts       RelType = "CONDUCTS"        // actor → campaign
	Targets        RelType = "TARGETS"         // document → target
	Contains       RelType = "CONTAINS"        // document → indicator
	Exploits       RelType = "EXPLOITS"        // document → vulnerability
	AssociatedWith RelType = "ASSOCIATED_WITH" // document → actor or software it names
	RelatedTo      RelType = "RELATED_TO"      // indicator ↔ indicator co-occurring; count = documents
	PrecededBy     RelType = "PRECEDED_BY"     // campaign → earlier campaign of the same actor; days between starts
	EvolvedFrom    RelType = "EVOLVED_FROM"    // reserved: no importer asserts lineage yet
)

// RelTypes is the allow-list of relationship types, in a fixed order.
var RelTypes = []RelType{Uses, Conducts, Targets, Contains, Exploits, AssociatedWith, RelatedTo, PrecededBy, EvolvedFrom}

// Valid reports whether l is an allow-listed label.
func (l Label) Valid() bool {
	for _, v := range Labels {
		if v == l {
			return true
		}
	}
	return false
}

// Valid reports whether t is an allow-listed relationship type.
func (t RelType) Valid() bool {
	for _, v := range RelTypes {
		if v == t {
			return true
		}
	}
	return false
}

// Kinds of Threat node. ATT&CK software is not a seed label, so malware and
// tools are Threat nodes told apart by their kind property.
const (
	KindDocument = "document"
	KindMalware  = "malware"
	KindTool     = "tool"
)

// Sources that are curated catalogues rather than documents: what they
// assert gets confidence 1.
const (
	SourceATTACK = "mitre-attack"
	SourceKEV    = "cisa-kev"
)

// IndicatorTypes are the document entity types that become Indicator nodes.
var IndicatorTypes = []string{"ipv4", "ipv6", "domain", "url", "email", "md5", "sha1", "sha256", "sha512"}

func isIndicatorType(t string) bool {
	for _, v := range IndicatorTypes {
		if v == t {
			return true
		}
	}
	return false
}

// targetTypes are entity types naming what a document says was attacked.
var targetTypes = []string{"sector", "country", "vendor", "product"}

var (
	techniqueID = regexp.MustCompile(`^T\d{4}(\.\d{3})?$`)
	cveID       = regexp.MustCompile(`^CVE-\d{4}-\d{4,}$`)
	attackID    = map[Label]*regexp.Regexp{
		Actor:    regexp.MustCompile(`^G\d{4}$`),
		Campaign: regexp.MustCompile(`^C\d{4}$`),
		Threat:   regexp.MustCompile(`^S\d{4}$`),
	}
)

// TechniqueKey returns the canonical key of an ATT&CK technique id
// ("t1566.001" → "T1566.001"), or "" when s is not one.
func TechniqueKey(s string) string {
	s = strings.ToUpper(strings.TrimSpace(s))
	if !techniqueID.MatchString(s) {
		return ""
	}
	return s
}

// VulnerabilityKey returns the canonical key of a CVE id, or "".
func VulnerabilityKey(s string) string {
	s = strings.ToUpper(strings.TrimSpace(s))
	if !cveID.MatchString(s) {
		return ""
	}
	return s
}

// AttackKey returns an ATT&CK id (G0007, C0022, S0061) as the key of a node
// with that label, or "" when the id does not have the label's shape.
func AttackKey(l Label, id string) string {
	re := attackID[l]
	id = strings.ToUpper(strings.TrimSpace(id))
	if re == nil || !re.MatchString(id) {
		return ""
	}
	return id
}

// NameKey is the key of a named node that has no catalogue id: a prefix
// per kind and the normalised name, e.g. "actor:fancy bear".
func NameKey(prefix, name string) string {
	n := Normalize(name)
	if n == "" {
		return ""
	}
	return prefix + ":" + n
}

// DocumentKey is the key of the Threat node of a document.
func DocumentKey(id string) string { return "doc:" + id }

// Normalize folds a name for matching: Unicode lower case, white space
// collapsed. It is done in Go, never in SQL or Cypher, so that both stores
// compare exactly the same strings (SQLite's lower() folds ASCII only).
func Normalize(s string) string {
	return strings.Join(strings.Fields(strings.ToLower(s)), " ")
}

// Refang undoes the usual defanging of an indicator ("hxxp", "[.]", "(.)",
// "[at]") so that one IOC has one key however a report wrote it.
func Refang(s string) string {
	s = strings.TrimSpace(s)
	// Every bracketed form opens with one of these; most indicators reach
	// here refanged already, and building the replacer was nearly all of
	// the graph features' cost per document.
	if strings.ContainsAny(s, "[({") {
		r := strings.NewReplacer(
			"[.]", ".", "(.)", ".", "{.}", ".", "[dot]", ".", "(dot)", ".",
			"[@]", "@", "[at]", "@", "(at)", "@", "[:]", ":", "[://]", "://",
		)
		s = r.Replace(s)
	}
	low := strings.ToLower(s)
	for _, p := range []struct{ from, to string }{{"hxxps", "https"}, {"hxxp", "http"}, {"fxp", "ftp"}} {
		if strings.HasPrefix(low, p.from+"://") {
			s = p.to + s[len(p.from):]
			break
		}
	}
	return s
}

// IndicatorKey returns the key and normalised value of an indicator of the
// given entity type: type + ":" + refanged value. Host names, e-mail
// addresses and hashes are case-insensitive and are lower-cased; URLs keep
// their path's case. It returns "" for an unknown type or empty value.
func IndicatorKey(typ, value string) (key, val string) {
	if !isIndicatorType(typ) {
		return "", ""
	}
	v := Refang(value)
	if strings.IndexFunc(v, unicode.IsControl) >= 0 {
		v = strings.Map(func(r rune) rune {
			if unicode.IsControl(r) {
				return -1
			}
			return r
		}, v)
	}
	switch typ {
	case "url":
		// Scheme and host are case-insensitive; the rest is not.
		if i := strings.Index(v, "://"); i > 0 {
			rest := v[i+3:]
			j := strings.IndexAny(rest, "/?#")
			if j < 0 {
				j = len(rest)
			}
			v = strings.ToLower(v[:i+3]+rest[:j]) + rest[j:]
		}
	default:
		v = strings.ToLower(v)
	}
	v = strings.TrimSpace(v)
	if v == "" {
		return "", ""
	}
	return typ + ":" + v, v
}

// Migrations are the graph's schema steps for workspace.Migrate; step i
// brings the "graph" component to version i+1.
func Migrations() []string { return migrations }

var migrations = []string{
	// 1: nodes, relationships, names, provenance and the outbox.
	`CREATE TABLE graph_nodes (
		id           INTEGER PRIMARY KEY,
		key          TEXT NOT NULL UNIQUE,
		label        TEXT NOT NULL,
		name         TEXT NOT NULL DEFAULT '',
		props        TEXT NOT NULL DEFAULT '{}',
		first_seen   TEXT NOT NULL DEFAULT '',
		last_seen    TEXT NOT NULL DEFAULT '',
		deprecated   INTEGER NOT NULL DEFAULT 0,
		source_count INTEGER NOT NULL DEFAULT 0,
		confidence   REAL NOT NULL DEFAULT 0
	);
	CREATE INDEX graph_nodes_label ON graph_nodes(label);
	-- Every spelling a node can be found by, normalised in Go: key, name,
	-- aliases and indicator value. kind says which.
	CREATE TABLE graph_names (
		name    TEXT NOT NULL,
		node_id INTEGER NOT NULL REFERENCES graph_nodes(id) ON DELETE CASCADE,
		kind    TEXT NOT NULL,
		PRIMARY KEY (name, node_id, kind)
	) WITHOUT ROWID;
	CREATE INDEX graph_names_node ON graph_names(node_id);
	CREATE TABLE graph_aliases (
		node_id INTEGER NOT NULL REFERENCES graph_nodes(id) ON DELETE CASCADE,
		alias   TEXT NOT NULL,
		PRIMARY KEY (node_id, alias)
	) WITHOUT ROWID;
	-- Which source (a document's Threat key, mitre-attack, cisa-kev)
	-- asserted each node and relationship: re-importing a source replaces
	-- its contributions, so counts never double.
	CREATE TABLE graph_node_sources (
		node_id INTEGER NOT NULL REFERENCES graph_nodes(id) ON DELETE CASCADE,
		source  TEXT NOT NULL,
		PRIMARY KEY (source, node_id)
	) WITHOUT ROWID;
	CREATE INDEX graph_node_sources_node ON graph_node_sources(node_id);
	CREATE TABLE graph_edges (
		id    INTEGER PRIMARY KEY,
		src   INTEGER NOT NULL REFERENCES graph_nodes(id) ON DELETE CASCADE,
		type  TEXT NOT NULL,
		dst   INTEGER NOT NULL REFERENCES graph_nodes(id) ON DELETE CASCADE,
		props TEXT NOT NULL DEFAULT '{}',
		count INTEGER NOT NULL DEFAULT 0,
		UNIQUE (src, type, dst)
	);
	CREATE INDEX graph_edges_dst ON graph_edges(dst, type);
	CREATE INDEX graph_edges_type ON graph_edges(type);
	CREATE TABLE graph_edge_sources (
		edge_id INTEGER NOT NULL REFERENCES graph_edges(id) ON DELETE CASCADE,
		source  TEXT NOT NULL,
		PRIMARY KEY (source, edge_id)
	) WITHOUT ROWID;
	CREATE INDEX graph_edge_sources_edge ON graph_edge_sources(edge_id);
	-- The outbox: one row per node or relationship whose state Neo4j has
	-- not acknowledged. A later change to the same entity replaces the row
	-- with a new seq, so a row is deleted only if the acknowledged batch
	-- carried its latest state.
	CREATE TABLE graph_outbox (
		seq      INTEGER PRIMARY KEY AUTOINCREMENT,
		entity   TEXT NOT NULL UNIQUE,
		kind     TEXT NOT NULL,
		op       TEXT NOT NULL,
		label    TEXT NOT NULL,
		key      TEXT NOT NULL,
		rel      TEXT NOT NULL DEFAULT '',
		to_label TEXT NOT NULL DEFAULT '',
		to_key   TEXT NOT NULL DEFAULT ''
	);
	CREATE INDEX graph_outbox_phase ON graph_outbox(kind, op, seq);`,
	// 2: a revision counter of the graph. What a workspace's scorer knows
	// besides its model (its entity names and graph facts) is read from
	// these tables, and a stored score or entity list is only as good as
	// the graph it was made with. The counter goes up with every change
	// to a node, a relationship, a name or an alias, whoever makes it
	// (graph import-attack, import-kev, build), so a reader can tell that
	// the graph changed by reading one row instead of hashing the graph
	// (Store.Revision). An update that changes nothing (a re-run of graph
	// build over the same documents) leaves it alone.
	`CREATE TABLE graph_revision (
		id INTEGER PRIMARY KEY CHECK (id = 1),
		n  INTEGER NOT NULL
	);
	INSERT INTO graph_revision (id, n) VALUES (1, 0);` +
		revisionTriggers(map[string][]string{
			"graph_nodes":   {"key", "label", "name", "props", "first_seen", "last_seen", "deprecated", "source_count", "confidence"},
			"graph_edges":   {"src", "type", "dst", "props", "count"},
			"graph_names":   nil,
			"graph_aliases": nil,
		}),
	// 3: what the workspace knows of the Neo4j it syncs to. workspace
	// names this workspace's sync marker there, (:CyberstreamsSync
	// {workspace}); epoch and generation are the marker's values when the
	// outbox was last acknowledged. A server whose marker is missing or
	// says otherwise was reset, restored from a backup, or is another
	// server, and what the outbox no longer holds is sent again in full
	// (kg/neo4j.Sync).
	`CREATE TABLE graph_sync_state (
		id         INTEGER PRIMARY KEY CHECK (id = 1),
		workspace  TEXT NOT NULL,
		epoch      TEXT NOT NULL DEFAULT '',
		generation INTEGER NOT NULL DEFAULT 0
	);
	INSERT INTO graph_sync_state (id, workspace) VALUES (1, lower(hex(randomblob(16))));`,
}

// revisionTriggers is the text of the triggers that count changes to
// tables in graph_revision (migration 2): on insert and delete of a row,
// and on an update that changes one of the table's columns (a table
// without columns is never updated in place, only inserted and deleted).
// Tables come in name order, so the text is the same on every run.
func revisionTriggers(tables map[string][]string) string {
	const bump = "BEGIN UPDATE graph_revision SET n = n + 1 WHERE id = 1; END;\n"
	var b strings.Builder
	for _, table := range slices.Sorted(maps.Keys(tables)) {
		for _, ev := range []string{"INSERT", "DELETE"} {
			fmt.Fprintf(&b, "CREATE TRIGGER %s_%s AFTER %s ON %s\n%s", table, strings.ToLower(ev[:3]), ev, table, bump)
		}
		cols := tables[table]
		if len(cols) == 0 {
			continue
		}
		changed := make([]string, len(cols))
		for i, c := range cols {
			changed[i] = "OLD." + c + " IS NOT NEW." + c
		}
		fmt.Fprintf(&b, "CREATE TRIGGER %s_upd AFTER UPDATE ON %s\nWHEN %s\n%s", table, table, strings.Join(changed, " OR "), bump)
	}
	return b.String()
}

func checkLabel(l Label) error {
	if !l.Valid() {
		return fmt.Errorf("label %q is not in the graph schema", string(l))
	}
	return nil
}
