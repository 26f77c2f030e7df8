package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/nextstep"
	"github.com/cyberstreams/cyberstreams/core/workspace"
	"github.com/cyberstreams/cyberstreams/kg"
	"github.com/cyberstreams/cyberstreams/kg/kgtest"
	"github.com/cyberstreams/cyberstreams/kg/neo4j"
	"github.com/cyberstreams/cyberstreams/kg/neo4j/neo4jtest"
)

// TestMain keeps every test of the CLI away from NEO4J_URI, which may name
// a team's server: a test that needs Neo4j takes the test server from
// neo4jtest and points NEO4J_URI at it itself.
func TestMain(m *testing.M) { neo4jtest.Main(m) }

// graphWorkspace is a workspace holding the synthetic ATT&CK bundle, KEV
// catalog and documents, built through the CLI.
func graphWorkspace(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	bundle := filepath.Join(dir, "bundle.json")
	kev := filepath.Join(dir, "kev.json")
	if err := os.WriteFile(bundle, kgtest.SyntheticBundle(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(kev, []byte(kgtest.SyntheticKEV), 0o644); err != nil {
		t.Fatal(err)
	}
	ws := filepath.Join(dir, "ws")
	w, err := workspace.Open(context.Background(), ws)
	if err != nil {
		t.Fatal(err)
	}
	var docs []document.Document
	for _, d := range kgtest.SyntheticDocs() {
		docs = append(docs, document.Document{ID: d.ID, Title: d.Title, Body: d.ID, Published: d.Published, Severity: d.Severity, Entities: d.Entities})
	}
	if _, err := w.PutDocuments(context.Background(), docs); err != nil {
		t.Fatal(err)
	}
	w.Close()
	for _, args := range [][]string{{"graph", "import-attack", bundle}, {"graph", "import-kev", kev}, {"graph", "build"}} {
		if r := runCLI(t, ws, "", args...); r.Code != 0 {
			t.Fatalf("%v: exit %d: %s", args, r.Code, r.Err)
		}
	}
	return ws
}

func TestGraphCommands(t *testing.T) {
	t.Setenv("NEO4J_URI", "")
	ws := graphWorkspace(t)
	tests := []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"actor techniques by alias", []string{"graph", "query", "actor-techniques", "fancy test"}, 0, []string{"G0001", "T1105", "C0001", "T1059.001"}},
		// The model: cosine over actor, campaign and software (weight 0.3)
		// co-usage; T1566's users are G0002 (T1059.001, T1003) and G0003
		// (T1059, whose other user is G0001); the malware S0001 uses
		// T1059.001 too: 1/√(2·1.3).
		{"next steps", []string{"graph", "query", "next-steps", "T1566"}, 0, []string{"0.707  T1003 ", "0.620  T1059.001", "0.500  T1059 "}},
		{"next steps from a tactic", []string{"graph", "query", "next-steps", "T1566", "--from", "credential-access", "--limit", "1"}, 0, []string{"T1003"}},
		{"next steps by the co-usage rule", []string{"graph", "query", "next-steps", "T1566", "--rule", "co-usage", "--max-hops", "1"}, 0, []string{"2       T1059"}},
		{"bad rule", []string{"graph", "query", "next-steps", "T1566", "--rule", "magic"}, 2, nil},
		{"bad tactic", []string{"graph", "query", "next-steps", "T1566", "--from", "lunch"}, 2, nil},
		{"unknown technique", []string{"graph", "query", "next-steps", "T9999"}, 2, nil},
		{"ioc pairs", []string{"graph", "query", "ioc-pairs", "--types", "ip,domain", "--min-count", "2"}, 0, []string{"domain:evil.example"}},
		{"enrich", []string{"graph", "query", "enrich", "evil[.]example", "--hops", "1"}, 0, []string{"doc:doc-2"}},
		{"hostile actor", []string{"graph", "query", "actor-techniques", kgtest.Hostile}, 0, []string{"G0003", "T1566"}},
		{"stats without neo4j", []string{"graph", "stats"}, 0, []string{"Indicator", "not shown", "NEO4J_URI"}},
		{"dry run", []string{"graph", "sync", "--dry-run"}, 0, []string{"MERGE (n:Threat {key: r.key})", "rows pending"}},
		{"sync without neo4j", []string{"graph", "sync"}, 1, nil},
		{"unknown query", []string{"graph", "query", "frobnicate"}, 2, nil},
		{"bad technique", []string{"graph", "query", "next-steps", "X1"}, 2, nil},
		{"bad type", []string{"graph", "query", "ioc-pairs", "--types", "mac"}, 2, nil},
		{"unknown actor", []string{"graph", "query", "actor-techniques", "nobody"}, 1, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, ws, "", tt.args...)
			if r.Code != tt.code {
				t.Fatalf("exit %d, want %d: %s", r.Code, tt.code, r.Err)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.Out, w) {
					t.Errorf("output lacks %q:\n%s", w, r.Out)
				}
			}
		})
	}
	r := runCLI(t, ws, "", "--json", "graph", "query", "next-steps", "T1566", "T1059", "--rule", "co-usage")
	var steps []struct {
		ID     string `json:"id"`
		Groups int    `json:"groups"`
	}
	if err := json.Unmarshal([]byte(r.Out), &steps); err != nil || len(steps) != 3 || steps[0].ID != "T1003" {
		t.Errorf("next-steps --json: %v %s", err, r.Out)
	}
	// build is idempotent.
	r = runCLI(t, ws, "", "graph", "build")
	if r.Code != 0 || !strings.Contains(r.Err, "nodes +0 ~0 -0, relationships +0 ~0 -0") {
		t.Errorf("second build changed something: %s", r.Err)
	}
}

func TestGraphSyncCommand(t *testing.T) {
	srv := neo4jtest.Open(t)
	// The CLI finds its Neo4j in NEO4J_URI: here, the test server.
	t.Setenv("NEO4J_URI", srv.Config.URI)
	t.Setenv("NEO4J_USERNAME", srv.Config.Username)
	t.Setenv("NEO4J_PASSWORD", srv.Config.Password)
	ws := graphWorkspace(t)
	// Other tests may share this Neo4j, so nothing here depends on it
	// being empty.
	if r := runCLI(t, ws, "", "graph", "sync", "--full"); r.Code != 0 {
		t.Fatalf("sync: %d %s", r.Code, r.Err)
	}
	r := runCLI(t, ws, "", "graph", "sync")
	if r.Code != 0 || !strings.Contains(r.Out, "synced 0 nodes (0 new), 0 relationships (0 new)") {
		t.Errorf("second sync: %d %s %s", r.Code, r.Out, r.Err)
	}
	// The server loses this workspace's graph (another test's wipe, a
	// reset, a restore): a plain sync notices and sends it all again.
	srv.Write(t, "MATCH (m:"+neo4j.SyncMarkerLabel+") DETACH DELETE m", nil)
	r = runCLI(t, ws, "", "graph", "sync")
	if r.Code != 0 || !strings.Contains(r.Err, "holds no sync marker of this workspace") || strings.Contains(r.Out, "synced 0 nodes") {
		t.Errorf("sync after the marker was lost: %d %s %s", r.Code, r.Out, r.Err)
	}
	// Neo4j loses a node whose relationships are then sent without it:
	// they are not counted as synced, stay pending, and the command fails
	// saying so.
	srv.Write(t, "MATCH (n:Technique {key: 'T1566'}) DETACH DELETE n", nil)
	requeueRelationships(t, ws)
	r = runCLI(t, ws, "", "graph", "sync")
	if r.Code != 1 || !strings.Contains(r.Err, "relationships not written: Neo4j lacks an end node") ||
		!strings.Contains(r.Err, "outbox rows pending") {
		t.Errorf("sync with missing end nodes: exit %d\n%s%s", r.Code, r.Out, r.Err)
	}
	if r = runCLI(t, ws, "", "graph", "sync", "--full"); r.Code != 0 {
		t.Errorf("sync --full after missing end nodes: exit %d\n%s%s", r.Code, r.Out, r.Err)
	}
	// The named queries' local/remote equality is pinned in kg/neo4j on a
	// wiped database; this Neo4j may hold other tests' data, so here only
	// check that --remote answers.
	if r := runCLI(t, ws, "", "--json", "graph", "query", "--remote", "actor-techniques", "G0001"); r.Code != 0 || !strings.Contains(r.Out, "T1566.001") {
		t.Errorf("remote query: %d %s %s", r.Code, r.Out, r.Err)
	}
	w := runCLI(t, ws, "", "graph", "query", "--cypher", "CREATE (n:Actor {key: $k})", "--param", "k=intruder")
	if w.Code == 0 {
		t.Error("--cypher ran a write")
	}
	for _, refused := range []string{"LOAD CSV FROM 'file:///etc/passwd' AS l RETURN l", "load/**/csv from $u as l return l",
		"CALL apoc.load.json('file:///etc/passwd')", "CALL dbms.security.listUsers()"} {
		if r := runCLI(t, ws, "", "graph", "query", "--cypher", refused, "--param", "u=file:///etc/passwd"); r.Code != 2 ||
			!strings.Contains(r.Err, "refused") || strings.Contains(r.Out, "root:") {
			t.Errorf("--cypher %q: exit %d\n%s%s", refused, r.Code, r.Out, r.Err)
		}
	}
	q := runCLI(t, ws, "", "--json", "graph", "query", "--cypher", "MATCH (a:Actor {key: $k}) RETURN a.name AS name", "--param", "k=G0003")
	if q.Code != 0 || !strings.Contains(q.Out, `"name": "x'}) DETACH DELETE n //"`) {
		t.Errorf("cypher read: %d %s %s", q.Code, q.Out, q.Err)
	}
	bad := runCLI(t, ws, "", "graph", "stats")
	if bad.Code != 0 || strings.Contains(bad.Out, "not shown") {
		t.Errorf("stats with neo4j: %s %s", bad.Out, bad.Err)
	}
	t.Setenv("NEO4J_PASSWORD", "wrong-password")
	a := runCLI(t, ws, "", "graph", "sync")
	if a.Code != 1 || strings.Count(a.Err, "\n") != 1 || !strings.Contains(a.Err, "refused the credentials") {
		t.Errorf("wrong password: exit %d, stderr %q", a.Code, a.Err)
	}
}

// requeueRelationships queues every relationship of the workspace's graph
// again, and no node.
func requeueRelationships(t *testing.T, dir string) {
	t.Helper()
	ctx := context.Background()
	w, err := workspace.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := kg.NewStore(w.DB()).RequeueAll(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := w.DB().ExecContext(ctx, `DELETE FROM graph_outbox WHERE kind = 'node'`); err != nil {
		t.Fatal(err)
	}
}

// No graph command prints the password of a NEO4J_URI that carries one:
// not in errors, not in graph stats' note (table or JSON), not in a dry run.
func TestGraphCommandsNeverPrintCredentials(t *testing.T) {
	const secret = "s3cret-Pw"
	ws := graphWorkspace(t)
	t.Setenv("NEO4J_PASSWORD", "")
	for _, uri := range []string{
		"bolt://ana:" + secret + "@127.0.0.1:1", // nothing listens on port 1
		"bolt://ana:" + secret + "/#@127.0.0.1:bad",
	} {
		t.Setenv("NEO4J_URI", uri)
		tests := []struct {
			args []string
			code int
		}{
			{[]string{"graph", "stats"}, 0},
			{[]string{"--json", "graph", "stats"}, 0},
			{[]string{"graph", "sync"}, 1},
			{[]string{"graph", "sync", "--dry-run"}, 0},
			{[]string{"graph", "query", "--cypher", "RETURN 1"}, 1},
			{[]string{"graph", "query", "--remote", "actor-techniques", "fancy test"}, 1},
		}
		for _, tt := range tests {
			t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
				r := runCLI(t, ws, "", tt.args...)
				if r.Code != tt.code {
					t.Fatalf("exit %d, want %d: %s", r.Code, tt.code, r.Err)
				}
				if strings.Contains(r.Out+r.Err, secret) {
					t.Fatalf("printed the password:\n%s\n%s", r.Out, r.Err)
				}
			})
		}
	}
}

// TestLabelsTravelThroughGraphSync: two analysts' workspaces exchange label
// events and technique verdicts through the test server with graph sync
// and label pull, and see each other's labels in label list, agreement and
// the training rule.
func TestLabelsTravelThroughGraphSync(t *testing.T) {
	srv := neo4jtest.Empty(t)
	t.Setenv("NEO4J_URI", srv.Config.URI)
	t.Setenv("NEO4J_USERNAME", srv.Config.Username)
	t.Setenv("NEO4J_PASSWORD", srv.Config.Password)
	ana, ben := graphWorkspace(t), graphWorkspace(t)
	steps := []struct {
		ws   string
		args []string
		want []string
	}{
		{ana, []string{"label", "add", "doc-1", "high", "--analyst", "ana"}, nil},
		{ana, []string{"label", "add", "doc-2", "low", "--analyst", "ana"}, nil},
		{ana, []string{"label", "techniques", "add", "doc-1", "T1140", "--sentence", "doc-1", "--analyst", "ana"}, nil},
		{ben, []string{"label", "add", "doc-1", "low", "--analyst", "ben"}, nil},
		{ben, []string{"label", "add", "doc-2", "low", "--analyst", "ben"}, nil},
		{ben, []string{"label", "techniques", "add", "doc-1", "T1140", "--absent", "--sentence", "doc-1", "--analyst", "ben"}, nil},
		{ana, []string{"graph", "sync"}, []string{"labels: sent 2 events (2 new to the server), appended 0 from teammates",
			"technique verdicts: sent 1 verdicts (1 new to the server), appended 0 from teammates"}},
		{ben, []string{"graph", "sync"}, []string{"labels: sent 2 events (2 new to the server), appended 2 from teammates",
			"technique verdicts: sent 1 verdicts (1 new to the server), appended 1 from teammates"}},
		{ana, []string{"label", "pull"}, []string{"labels: sent 0 events (0 new to the server), appended 2 from teammates",
			"technique verdicts: sent 0 verdicts (0 new to the server), appended 1 from teammates"}},
		{ana, []string{"label", "pull"}, []string{"appended 0 from teammates"}},
		{ana, []string{"label", "list", "--contested", "--json"}, []string{`"doc_id": "doc-1"`}},
		{ana, []string{"label", "agreement"}, []string{"Krippendorff's alpha (nominal): 0.000 over 2 documents"}},
		// A tie on the technique: the latest verdict, ben's, is in force.
		{ana, []string{"label", "techniques", "list", "doc-1", "--json"}, []string{`"analyst": "ben"`, `"present": false`}},
		{ana, []string{"label", "adjudicators", "ana"}, []string{"ana"}},
		{ana, []string{"label", "list", "--contested", "--json"}, []string{`"severity": "high"`}},
		{ana, []string{"label", "techniques", "list", "doc-1", "--json"}, []string{`"analyst": "ana"`, `"present": true`}},
	}
	for i, st := range steps {
		r := runCLI(t, st.ws, "", st.args...)
		if r.Code != 0 {
			t.Fatalf("step %d %v: exit %d\n%s%s", i+1, st.args, r.Code, r.Out, r.Err)
		}
		for _, w := range st.want {
			if !strings.Contains(r.Out, w) {
				t.Fatalf("step %d %v: no %q in\n%s%s", i+1, st.args, w, r.Out, r.Err)
			}
		}
	}
	r := runCLI(t, ana, "", "--json", "label", "list", "--contested")
	if strings.Contains(r.Out, "doc-2") {
		t.Errorf("doc-2, which both labelled low, listed as contested: %s", r.Out)
	}
}

// TestNextStepsFromText: the incident's text goes through the technique
// tagger; an id written in it counts as given, and a technique the graph
// does not hold (the synthetic graph has no T1547.001) is left out, so the
// techniques ranked are those for the ids alone, in the same order here;
// their scores differ, since techniques found in text are ranked with
// popularity blended in (nextstep.DefaultForText).
func TestNextStepsFromText(t *testing.T) {
	t.Setenv("NEO4J_URI", "")
	ws := graphWorkspace(t)
	steps := func(r cliResult) (ids []string, scores []float64) {
		var s []nextstep.Step
		if err := json.Unmarshal([]byte(r.Out), &s); err != nil {
			t.Fatalf("next-steps --json: %v: %s", err, r.Out)
		}
		for _, x := range s {
			ids, scores = append(ids, x.ID), append(scores, x.Score)
		}
		return ids, scores
	}
	byID := runCLI(t, ws, "", "--json", "graph", "query", "next-steps", "T1566")
	if byID.Code != 0 {
		t.Fatalf("next-steps T1566: exit %d: %s", byID.Code, byID.Err)
	}
	wantIDs, idScores := steps(byID)
	tests := []struct {
		name  string
		stdin string
		code  int
		err   string
	}{
		{"an id written in the text", "Access began with T1566 phishing.", 0, "found in the text: T1566"},
		{"a technique not in the graph is left out", "Access began with T1566 phishing. The loader then wrote a Run key in the registry for persistence at logon.", 0, "found in the text: T1547.001"},
		{"no technique in the text", "The weather was fine and nobody came.", 2, "found no technique"},
		{"only techniques the graph lacks", "The loader wrote a Run key in the registry for persistence at logon.", 2, "none of the techniques found in the text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, ws, tt.stdin, "--json", "graph", "query", "next-steps", "--text", "-")
			if r.Code != tt.code {
				t.Fatalf("exit %d, want %d: %s", r.Code, tt.code, r.Err)
			}
			if !strings.Contains(r.Err, tt.err) {
				t.Errorf("stderr lacks %q:\n%s", tt.err, r.Err)
			}
			if tt.code != 0 {
				return
			}
			got, scores := steps(r)
			if !slices.Equal(got, wantIDs) {
				t.Errorf("--text ranked %v, want %v as for T1566", got, wantIDs)
			}
			if slices.Equal(scores, idScores) {
				t.Errorf("--text scored %v as the ids do: popularity is not blended in", scores)
			}
		})
	}
}
