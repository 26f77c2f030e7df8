package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// aliasWorkspace ingests a KEV catalog and an advisory in which CVE-2099-0001
// is carried by one document only (a KEV entry) and CVE-2099-0002 by two
// (an advisory and a KEV entry), through the ingest command.
func aliasWorkspace(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	kev := filepath.Join(dir, "kev.json")
	osv := filepath.Join(dir, "GHSA-aaaa-bbbb-cccc.json")
	files := map[string]string{
		kev: `{"catalogVersion":"2099.01.01","vulnerabilities":[
{"cveID":"CVE-2099-0001","vulnerabilityName":"Same name","shortDescription":"Same description","dateAdded":"2099-01-01"},
{"cveID":"CVE-2099-0002","vulnerabilityName":"Same name","shortDescription":"Same description","dateAdded":"2099-01-01"}]}`,
		osv: `{"schema_version":"1.6.0","id":"GHSA-aaaa-bbbb-cccc","aliases":["CVE-2099-0002"],"summary":"Log injection","details":"Log injection in example-log."}`,
	}
	for path, data := range files {
		if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ws := filepath.Join(dir, "ws")
	if r := runCLI(t, ws, "", "ingest", kev, osv); r.Code != 0 {
		t.Fatalf("ingest: exit %d %q", r.Code, r.Err)
	}
	return ws
}

// TestCommandsTakeACVEOneDocumentCarries: label, docs show and explain
// accept a CVE or GHSA id when exactly one document carries it, and name
// the candidates when several do.
func TestCommandsTakeACVEOneDocumentCarries(t *testing.T) {
	t.Setenv("USER", "tester")
	ws := aliasWorkspace(t)
	tests := []struct {
		args     []string
		code     int
		out, err string
	}{
		{[]string{"label", "add", "CVE-2099-0001", "high", "--note", "exploited in the wild"}, 0, "labelled KEV-CVE-2099-0001 high", ""},
		{[]string{"label", "add", "cve-2099-0001", "critical"}, 0, "labelled KEV-CVE-2099-0001 critical", ""},
		{[]string{"label", "add", "CVE-2099-0002", "high"}, 1, "",
			"GHSA-aaaa-bbbb-cccc, KEV-CVE-2099-0002 carry it as an alias"},
		{[]string{"label", "add", "CVE-2099-0003", "high"}, 1, "", "no document CVE-2099-0003"},
		{[]string{"label", "add", "GHSA-aaaa-bbbb-cccc", "medium"}, 0, "labelled GHSA-aaaa-bbbb-cccc medium", ""},
		{[]string{"docs", "show", "CVE-2099-0001"}, 0, "id:        KEV-CVE-2099-0001", ""},
		{[]string{"docs", "show", "CVE-2099-0002"}, 1, "", "GHSA-aaaa-bbbb-cccc, KEV-CVE-2099-0002"},
		{[]string{"explain", "CVE-2099-0001"}, 0, "KEV-CVE-2099-0001", ""},
		{[]string{"explain", "CVE-2099-0002"}, 1, "", "GHSA-aaaa-bbbb-cccc, KEV-CVE-2099-0002"},
	}
	for _, tt := range tests {
		r := runCLI(t, ws, "", tt.args...)
		if r.Code != tt.code || !strings.Contains(r.Out, tt.out) || !strings.Contains(r.Err, tt.err) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit %d, %q, %q", tt.args, r.Code, r.Out, r.Err, tt.code, tt.out, tt.err)
		}
	}

	// docs show lists every label with its note, the current one marked.
	r := runCLI(t, ws, "", "docs", "show", "CVE-2099-0001")
	for _, want := range []string{"labels:\n", "high          by tester\n      note: exploited in the wild\n", "critical      by tester (current)\n"} {
		if !strings.Contains(r.Out, want) {
			t.Errorf("docs show lacks %q:\n%s", want, r.Out)
		}
	}
	var shown struct {
		ID     string
		Labels []struct {
			Severity, Note string
			Current        bool
		}
	}
	r = runCLI(t, ws, "", "docs", "show", "CVE-2099-0001", "--json")
	if err := json.Unmarshal([]byte(r.Out), &shown); err != nil || shown.ID != "KEV-CVE-2099-0001" || len(shown.Labels) != 2 ||
		shown.Labels[0].Note != "exploited in the wild" || !shown.Labels[1].Current {
		t.Errorf("docs show --json: %+v %v\n%s", shown, err, r.Out)
	}
}

// TestDocsListKeepsThreeOpinionsApart: the source's label, the model's
// class and the analyst's label are three columns.
func TestDocsListKeepsThreeOpinionsApart(t *testing.T) {
	t.Setenv("USER", "tester")
	ws := labelWorkspace(t) // the model scored CVE-2024-0001 "low"
	if r := runCLI(t, ws, "", "label", "add", "CVE-2024-0001", "critical"); r.Code != 0 {
		t.Fatalf("label add: %q", r.Err)
	}
	r := runCLI(t, ws, "", "docs", "list")
	lines := strings.Split(strings.TrimSpace(r.Out), "\n")
	if r.Code != 0 || len(lines) != 4 {
		t.Fatalf("docs list: exit %d\n%s%s", r.Code, r.Out, r.Err)
	}
	header := strings.Fields(lines[0])
	if got := strings.Join(header, " "); got != "ID PUBLISHED SOURCE SOURCE SAYS MODEL ANALYST TITLE" {
		t.Fatalf("header %q", got)
	}
	row := strings.Fields(lines[1])
	// id, published, source, source says, model, analyst, title…
	if row[0] != "CVE-2024-0001" || row[3] != "-" || row[4] != "low" || row[5] != "critical" {
		t.Fatalf("row %q", lines[1])
	}
	var docs []struct {
		ID, Severity string
		ModelClass   string `json:"model_class"`
		AnalystLabel string `json:"analyst_label"`
	}
	r = runCLI(t, ws, "", "docs", "list", "--json")
	if err := json.Unmarshal([]byte(r.Out), &docs); err != nil || len(docs) != 3 {
		t.Fatalf("docs list --json: %v\n%s", err, r.Out)
	}
	if d := docs[0]; d.ID != "CVE-2024-0001" || d.Severity != "" || d.ModelClass != "low" || d.AnalystLabel != "critical" {
		t.Errorf("docs list --json first row %+v", d)
	}
}

// TestReingestUpdatesAndKeepsHistory: a changed record is an update, said
// in the summary, and docs show --history lists the version it replaced.
func TestReingestUpdatesAndKeepsHistory(t *testing.T) {
	dir := t.TempDir()
	ws := filepath.Join(dir, "ws")
	feed := filepath.Join(dir, "feed.jsonl")
	write := func(text string) {
		t.Helper()
		data := `{"id":"F-1","title":"First","text":"` + text + `"}` + "\n" + `{"id":"F-2","title":"Second","text":"stays"}` + "\n"
		if err := os.WriteFile(feed, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	steps := []struct {
		text, summary string
	}{
		{"original text", "2 new, 0 updated, 0 unchanged, 0 failed"},
		{"original text", "0 new, 0 updated, 2 unchanged, 0 failed"},
		{"corrected text", "0 new, 1 updated, 1 unchanged, 0 failed"},
	}
	for _, st := range steps {
		write(st.text)
		if r := runCLI(t, ws, "", "ingest", feed); r.Code != 0 || !strings.HasPrefix(r.Err, st.summary) {
			t.Fatalf("ingest of %q: exit %d, stderr %q; want %q", st.text, r.Code, r.Err, st.summary)
		}
	}
	r := runCLI(t, ws, "", "docs", "show", "F-1", "--history")
	for _, want := range []string{"corrected text", "version:   2,", "earlier versions:\n  1  "} {
		if !strings.Contains(r.Out, want) {
			t.Errorf("docs show --history lacks %q:\n%s", want, r.Out)
		}
	}
	var shown struct {
		Version int
		Earlier []struct {
			Version  int
			Document struct{ Text string }
		} `json:"earlier_versions"`
	}
	r = runCLI(t, ws, "", "docs", "show", "F-1", "--history", "--json")
	if err := json.Unmarshal([]byte(r.Out), &shown); err != nil || shown.Version != 2 || len(shown.Earlier) != 1 ||
		shown.Earlier[0].Document.Text != "original text" {
		t.Errorf("docs show --history --json: %+v %v\n%s", shown, err, r.Out)
	}
}

// TestFirstUseSaysWhereTheWorkspaceIs: the default workspace is created on
// first use, and the user is told where, once; a --workspace they named is
// not announced.
func TestFirstUseSaysWhereTheWorkspaceIs(t *testing.T) {
	data := t.TempDir()
	t.Setenv("CYBERSTREAMS_HOME", "")
	t.Setenv("XDG_DATA_HOME", data)
	want := "created a workspace in " + filepath.Join(data, "cyberstreams")
	steps := []struct {
		ws       string
		announce bool
	}{{"", true}, {"", false}, {filepath.Join(data, "named"), false}}
	for i, st := range steps {
		r := runCLI(t, st.ws, "", "docs", "list")
		if r.Code != 0 || strings.Contains(r.Err, want) != st.announce || (!st.announce && strings.Contains(r.Err, "created")) {
			t.Errorf("step %d: exit %d, stderr %q; want the announcement: %v", i+1, r.Code, r.Err, st.announce)
		}
	}
}
