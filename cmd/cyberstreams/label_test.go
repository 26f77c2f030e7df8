package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/workspace"
	"github.com/cyberstreams/cyberstreams/labels"
)

func TestLabelSeveritiesMatchModelClasses(t *testing.T) {
	if labels.Severities != document.Severities {
		t.Fatalf("labels.Severities %v differ from document.Severities %v", labels.Severities, document.Severities)
	}
}

// labelWorkspace holds three documents; the model scored the first "low".
func labelWorkspace(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	ctx := context.Background()
	ws, err := workspace.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	docs := []document.Document{
		{ID: "CVE-2024-0001", Title: "Remote code execution in parser", Body: "crafted input"},
		{ID: "GHSA-aaaa-bbbb-cccc", Title: "XSS in template", Body: "reflected"},
		{ID: "doc-3f2a9c0011", Title: "Feed item", Body: "phishing wave"},
	}
	if _, err := ws.PutDocuments(ctx, docs); err != nil {
		t.Fatal(err)
	}
	if _, err := ws.DB().Exec(`INSERT INTO scores(doc_id, model, severity, confidence, probabilities, scored_at)
		VALUES ('CVE-2024-0001', 'v7', 'low', 0.6, '{}', '2025-03-01T00:00:00Z')`); err != nil {
		t.Fatal(err)
	}
	return dir
}

// runCLITTY is runCLI with stdout reported as a terminal.
func runCLITTY(t *testing.T, ws string, args ...string) cliResult {
	t.Helper()
	var out, errOut bytes.Buffer
	io := &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, OutIsTTY: true}
	code := run(context.Background(), append([]string{"--workspace", ws}, args...), io)
	return cliResult{out.String(), errOut.String(), code}
}

func TestLabelAddAndUndo(t *testing.T) {
	t.Setenv("USER", "tester")
	ws := labelWorkspace(t)
	steps := []struct {
		args     []string
		code     int
		out, err string // substrings expected
	}{
		{[]string{"label", "add", "CVE-2024-0001", "high", "--analyst", "ana", "--note", "exploited"}, 0,
			"labelled CVE-2024-0001 high (event 1 by ana); the model (v7) said low", ""},
		{[]string{"label", "add", "doc-3f2a9c", "1"}, 0, "labelled doc-3f2a9c0011 critical (event 2 by tester)", ""},
		{[]string{"label", "add", "GHSA-aaaa-bbbb-cccc", "Medium", "--analyst", "bob"}, 0, "medium (event 3 by bob)", ""},
		{[]string{"label", "add", "CVE-2024-0001", "low", "--analyst", "bob"}, 0, "event 4 by bob", ""},
		{[]string{"label", "add", "nope", "high"}, 1, "", "error: label: no document nope in "},
		{[]string{"label", "add", "CVE-2024-0001", "severe"}, 2, "", `unknown severity "severe"`},
		{[]string{"label", "add", "CVE-2024-0001", "7"}, 2, "", "unknown severity"},
		{[]string{"label", "add", "CVE-2024-0001"}, 2, "", ""},
		{[]string{"label", "undo", "--analyst", "bob"}, 0, "undid CVE-2024-0001 low (event 4 by bob); its label is now high (by ana)", ""},
		{[]string{"label", "undo", "--analyst", "bob"}, 0, "undid GHSA-aaaa-bbbb-cccc medium (event 3 by bob); it has no label now", ""},
		{[]string{"label", "undo", "--analyst", "bob"}, 1, "", "undo for bob: nothing to undo"},
		{[]string{"label", "undo"}, 0, "undid doc-3f2a9c0011 critical (event 2 by tester)", ""},
	}
	for i, st := range steps {
		r := runCLI(t, ws, "", st.args...)
		if r.Code != st.code || !strings.Contains(r.Out, st.out) || !strings.Contains(r.Err, st.err) {
			t.Fatalf("step %d %v: exit %d, out %q, err %q; want exit %d, out ~%q, err ~%q",
				i, st.args, r.Code, r.Out, r.Err, st.code, st.out, st.err)
		}
	}
	r := runCLI(t, ws, "", "--json", "label", "add", "GHSA-aaaa-bbbb-cccc", "5", "--analyst", "ana")
	var e labels.Event
	if err := json.Unmarshal([]byte(r.Out), &e); err != nil || e.Severity != "informational" || e.Origin != "cli" || e.ID != 8 {
		t.Fatalf("add --json: %q %v", r.Out, err)
	}
}

func TestLabelList(t *testing.T) {
	ws := labelWorkspace(t)
	for _, args := range [][]string{
		{"CVE-2024-0001", "critical", "--analyst", "ana"}, // model said low: disagrees
		{"GHSA-aaaa-bbbb-cccc", "medium", "--analyst", "bob", "--note", "needs auth"},
	} {
		if r := runCLI(t, ws, "", append([]string{"label", "add"}, args...)...); r.Code != 0 {
			t.Fatalf("add: %s", r.Err)
		}
	}
	tests := []struct {
		name string
		args []string
		code int
		docs []string // newest first
	}{
		{"all, piped as JSONL", nil, 0, []string{"GHSA-aaaa-bbbb-cccc", "CVE-2024-0001"}},
		{"analyst", []string{"--analyst", "ana"}, 0, []string{"CVE-2024-0001"}},
		{"severity digit", []string{"--severity", "3"}, 0, []string{"GHSA-aaaa-bbbb-cccc"}},
		{"disagreeing", []string{"--disagreeing"}, 0, []string{"CVE-2024-0001"}},
		{"since today", []string{"--since", time.Now().UTC().Format("2006-01-02")}, 0, []string{"GHSA-aaaa-bbbb-cccc", "CVE-2024-0001"}},
		{"since tomorrow", []string{"--since", time.Now().UTC().AddDate(0, 0, 1).Format("2006-01-02")}, 0, nil},
		{"limit", []string{"--limit", "1"}, 0, []string{"GHSA-aaaa-bbbb-cccc"}},
		{"bad since", []string{"--since", "March"}, 2, nil},
		{"bad severity", []string{"--severity", "huge"}, 2, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, ws, "", append([]string{"label", "list"}, tt.args...)...)
			if r.Code != tt.code {
				t.Fatalf("exit %d, want %d: %s", r.Code, tt.code, r.Err)
			}
			if tt.code != 0 {
				return
			}
			var got []string
			for _, line := range strings.Split(strings.TrimSpace(r.Out), "\n") {
				if line == "" {
					continue
				}
				var e labels.Event
				if err := json.Unmarshal([]byte(line), &e); err != nil {
					t.Fatalf("not JSONL: %q: %v", line, err)
				}
				got = append(got, e.DocID)
			}
			if strings.Join(got, " ") != strings.Join(tt.docs, " ") {
				t.Fatalf("got %v, want %v", got, tt.docs)
			}
		})
	}
	r := runCLI(t, ws, "", "--json", "label", "list", "--analyst", "nobody")
	if r.Code != 0 || strings.TrimSpace(r.Out) != "[]" {
		t.Fatalf("empty --json list: %q", r.Out)
	}
	r = runCLITTY(t, ws, "label", "list")
	if r.Code != 0 || !strings.Contains(r.Out, "EVENT") || !strings.Contains(r.Out, "needs auth") ||
		!strings.Contains(r.Out, "low") {
		t.Fatalf("table at a terminal:\n%s", r.Out)
	}
}

func TestLabelImportExport(t *testing.T) {
	ws := labelWorkspace(t)
	in := filepath.Join(t.TempDir(), "team.jsonl")
	content := `{"doc_id":"CVE-2024-0001","severity":"high","analyst":"ana","created_at":"2025-03-01T10:00:00Z","note":"a"}
{"doc_id":"CVE-2024-0001","severity":"banana","analyst":"bob"}
{"doc_id":"GHSA-aaaa-bbbb-cccc","severity":"low","analyst":"bob","created_at":"2025-03-02"}
{"doc_id":"unknown-doc","severity":"low"}
`
	if err := os.WriteFile(in, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, ws, "", "label", "import", in)
	if r.Code != 1 || r.Out != "2 imported, 0 already present, 2 failed\n" ||
		!strings.Contains(r.Err, "error: "+in+`:2: unknown severity "banana"`) ||
		!strings.Contains(r.Err, "error: "+in+":4: unknown document unknown-doc") {
		t.Fatalf("import: exit %d\nout %q\nerr %q", r.Code, r.Out, r.Err)
	}
	r = runCLI(t, ws, "", "label", "import", in)
	if r.Code != 1 || r.Out != "0 imported, 2 already present, 2 failed\n" {
		t.Fatalf("re-import: exit %d %q", r.Code, r.Out)
	}
	csvIn := "doc_id,severity,analyst,created_at,note\ndoc-3f2a9c0011,2,carol,2025-03-03T08:00:00Z,\"phish, again\"\n"
	r = runCLI(t, ws, csvIn, "label", "import", "-", "--format", "csv")
	if r.Code != 0 || r.Out != "1 imported, 0 already present, 0 failed\n" {
		t.Fatalf("csv from stdin: exit %d %q %q", r.Code, r.Out, r.Err)
	}
	if r := runCLI(t, ws, "", "label", "import", "-", "--format", "xml"); r.Code != 2 {
		t.Fatalf("bad format: exit %d", r.Code)
	}
	if r := runCLI(t, ws, "", "label", "import", filepath.Join(t.TempDir(), "missing.jsonl")); r.Code != 1 {
		t.Fatalf("missing file: exit %d", r.Code)
	}

	r = runCLI(t, ws, "", "label", "export")
	wantJSONL := `{"doc_id":"CVE-2024-0001","severity":"high","analyst":"ana","created_at":"2025-03-01T10:00:00Z","note":"a"}
{"doc_id":"GHSA-aaaa-bbbb-cccc","severity":"low","analyst":"bob","created_at":"2025-03-02T00:00:00Z","note":""}
{"doc_id":"doc-3f2a9c0011","severity":"high","analyst":"carol","created_at":"2025-03-03T08:00:00Z","note":"phish, again"}
`
	if r.Code != 0 || r.Out != wantJSONL {
		t.Fatalf("export jsonl: exit %d\n%s", r.Code, r.Out)
	}
	out := filepath.Join(t.TempDir(), "labels.csv")
	if r := runCLI(t, ws, "", "label", "export", out); r.Code != 0 {
		t.Fatalf("export csv: %s", r.Err)
	}
	got, err := os.ReadFile(out)
	wantCSV := "doc_id,severity,analyst,created_at,note\n" +
		"CVE-2024-0001,high,ana,2025-03-01T10:00:00Z,a\n" +
		"GHSA-aaaa-bbbb-cccc,low,bob,2025-03-02T00:00:00Z,\n" +
		"doc-3f2a9c0011,high,carol,2025-03-03T08:00:00Z,\"phish, again\"\n"
	if err != nil || string(got) != wantCSV {
		t.Fatalf("export csv file:\n%s", got)
	}
	// The export imports back as nothing new.
	if r := runCLI(t, ws, "", "label", "import", out); r.Out != "0 imported, 3 already present, 0 failed\n" {
		t.Fatalf("re-import of export: %q %q", r.Out, r.Err)
	}
	runCLI(t, ws, "", "label", "undo", "--analyst", "carol")
	r = runCLI(t, ws, "", "label", "export", "--all", "--format", "csv")
	lines := strings.Split(strings.TrimSpace(r.Out), "\n")
	if r.Code != 0 || len(lines) != 5 || !strings.HasPrefix(lines[0], "doc_id,severity,analyst,created_at,note,id,kind,retracts,origin") ||
		!strings.Contains(lines[4], ",retract,5,import,") {
		t.Fatalf("export --all:\n%s", r.Out)
	}
}

func TestLabelAgreementAndStats(t *testing.T) {
	ws := labelWorkspace(t)
	r := runCLI(t, ws, "", "label", "agreement")
	if r.Code != 0 || !strings.Contains(r.Out, "no document has labels from two analysts yet") {
		t.Fatalf("empty agreement: %q %q", r.Out, r.Err)
	}
	// ana and bob agree on two documents of three.
	imp := `{"doc_id":"CVE-2024-0001","severity":"high","analyst":"ana"}
{"doc_id":"CVE-2024-0001","severity":"high","analyst":"bob"}
{"doc_id":"GHSA-aaaa-bbbb-cccc","severity":"low","analyst":"ana"}
{"doc_id":"GHSA-aaaa-bbbb-cccc","severity":"low","analyst":"bob"}
{"doc_id":"doc-3f2a9c0011","severity":"low","analyst":"ana"}
{"doc_id":"doc-3f2a9c0011","severity":"high","analyst":"bob"}
`
	if r := runCLI(t, ws, imp, "label", "import", "-"); r.Code != 0 {
		t.Fatalf("import: %s", r.Err)
	}
	r = runCLI(t, ws, "", "label", "agreement")
	// p_o = 2/3, p_e = (2·1 + 1·2)/9 = 4/9, κ = (2/3 − 4/9)/(5/9) = 0.4.
	if r.Code != 0 || !strings.Contains(r.Out, "ana      bob      3     66.7%  0.400") ||
		!strings.Contains(r.Out, "over 3 documents") {
		t.Fatalf("agreement:\n%s", r.Out)
	}
	r = runCLI(t, ws, "", "--json", "label", "agreement")
	var ag labels.Agreement
	if err := json.Unmarshal([]byte(r.Out), &ag); err != nil || len(ag.Pairs) != 1 || ag.Alpha == nil || ag.Units != 3 {
		t.Fatalf("agreement --json: %q %v", r.Out, err)
	}
	r = runCLI(t, ws, "", "label", "stats")
	if r.Code != 0 || !strings.Contains(r.Out, "3 documents labelled (6 labels given, 0 retracted; last event 6)") {
		t.Fatalf("stats:\n%s", r.Out)
	}
}
