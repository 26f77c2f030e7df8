package neo4j_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/cyberstreams/cyberstreams/kg/neo4j"
)

func TestCheckReadOnlyCypher(t *testing.T) {
	tests := []struct {
		name    string
		q       string
		refused string // "" when the query is allowed
	}{
		{"load csv", "LOAD CSV FROM 'file:///etc/passwd' AS l RETURN l", "LOAD CSV"},
		{"load csv lower case", "load csv from 'file:///etc/passwd' as l return l", "LOAD CSV"},
		{"load csv mixed case behind a comment", "LoAd/* c */CsV FROM 'x' AS l RETURN l", "LOAD CSV"},
		{"load csv after a line comment", "RETURN 1 // fine\nLOAD CSV FROM 'x' AS l RETURN l", "LOAD CSV"},
		{"load csv with headers from a parameter", "MATCH (n) WITH n\n\tLOAD CSV WITH HEADERS FROM $u AS r RETURN r", "LOAD CSV"},
		{"load csv after a string holding a quote", `RETURN 'it\'s' AS s LOAD CSV FROM 'x' AS l RETURN l`, "LOAD CSV"},
		{"apoc procedure", "CALL apoc.load.json('file:///etc/passwd')", "CALL apoc.load.json"},
		{"dbms procedure lower case", "call dbms.setConfigValue('a', 'b')", "CALL dbms.setConfigValue"},
		{"backquoted procedure name", "CALL `apoc`.`load`.`json`('x')", "CALL apoc.load.json"},
		{"procedure name with spaces and comments", "CALL /* x */ dbms . security /* y */ . listUsers()", "CALL dbms.security.listUsers"},
		{"procedure inside a subquery", "MATCH (n) CALL { CALL apoc.load.json('x') YIELD value RETURN value } RETURN n", "CALL apoc.load.json"},
		{"second call", "CALL db.labels() YIELD label CALL apoc.cypher.run('x', {}) YIELD value RETURN value", "CALL apoc.cypher.run"},
		{"allowed name as a prefix", "CALL db.labels.evil()", "CALL db.labels.evil"},
		{"use another database", "USE system SHOW USERS", "USE"},
		{"unterminated string", "RETURN 'LOAD", "unterminated string"},
		{"unterminated comment", "RETURN 1 /* LOAD CSV", "unterminated /*"},
		{"unterminated name", "MATCH (n:`Actor) RETURN n", "unterminated `name`"},
		{"load as a variable", "MATCH (load) RETURN load", "LOAD CSV"},

		{"strings mention load csv", "MATCH (n:Actor) WHERE n.name = 'LOAD CSV FROM x' OR n.name = \"CALL apoc.load.json('x')\" RETURN n", ""},
		{"comments mention load csv", "// LOAD CSV FROM 'x'\nMATCH (n) /* CALL apoc.load.json() */ RETURN count(n)", ""},
		{"properties named like keywords", "MATCH (n) RETURN n.load, n.call, n.use", ""},
		{"map keys named like keywords", "MATCH (n {load: 1, call: 2, use: 3}) RETURN n", ""},
		{"label named like a keyword", "MATCH (n:`LOAD CSV`)-[:LOAD]->(m:Load) RETURN n", ""},
		{"parameter named load", "RETURN $load AS x", ""},
		{"escaped quote in a string", `RETURN 'it\'s LOAD CSV' AS s`, ""},
		{"read-only procedure", "CALL db.labels() YIELD label RETURN label", ""},
		{"read-only procedure in another case", "call DB.RelationshipTypes()", ""},
		{"subquery", "MATCH (n) CALL { WITH n RETURN n.key AS k } RETURN k", ""},
		{"scoped subquery", "MATCH (n) CALL (n) { RETURN n.key AS k } RETURN k", ""},
		{"plain match", "MATCH (a:Actor {key: $k})-[:USES]->(t) RETURN t.key", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := neo4j.CheckReadOnlyCypher(tt.q)
			switch {
			case tt.refused == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tt.refused != "" && err == nil:
				t.Errorf("allowed, want refused for %q", tt.refused)
			case tt.refused != "" && (!errors.Is(err, neo4j.ErrRefusedCypher) || !strings.Contains(err.Error(), tt.refused)):
				t.Errorf("error %v, want ErrRefusedCypher naming %q", err, tt.refused)
			}
		})
	}
}

// FuzzCheckReadOnlyCypher: whatever the text, the check never panics, and
// a query it allows cannot be followed by a LOAD CSV that slips through
// (the text it allowed left no string or comment open to hide it in).
func FuzzCheckReadOnlyCypher(f *testing.F) {
	for _, s := range []string{"MATCH (n) RETURN n", "RETURN 'a\\'b'", "// x", "/* x */", "`a``b`", "CALL db.labels()", "RETURN \"x\" //",
		"MATCH (n {load: 1})", "RETURN 1.5e3, 0x1F", "RETURN '\\\\'", "CALL { RETURN 1 }"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		if neo4j.CheckReadOnlyCypher(q) != nil {
			return
		}
		if neo4j.CheckReadOnlyCypher(q+"\n; LOAD CSV FROM 'file:///etc/passwd' AS l RETURN l") == nil {
			t.Errorf("LOAD CSV after %q was allowed", q)
		}
	})
}
