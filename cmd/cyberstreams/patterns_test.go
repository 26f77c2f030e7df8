package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// patternDocs: four documents pair technique T1059 with CWE-79, three at vendor
// Acme; three others do not, two of them at a vendor whose name carries a
// terminal escape. They
// take the advisory (OSV-like) shape, whose reader keeps vendors.
const patternDocs = `{"id":"p1","summary":"Acme portal","details":"Attackers chain CWE-79 with T1059 script execution.","vendors":["Acme"]}
{"id":"p2","summary":"Acme admin","details":"CWE-79 in the admin page leads to T1059.","vendors":["Acme"]}
{"id":"p3","summary":"Acme api","details":"Stored XSS (CWE-79) then T1059 command execution.","vendors":["Acme"]}
{"id":"p4","summary":"Other","details":"CWE-79 reflected; operators ran T1059.","vendors":["Beta"]}
{"id":"p5","summary":"Unrelated","details":"An SQL injection, CWE-89.","vendors":["Beta"]}
{"id":"p6","summary":"Hostile","details":"CWE-89 again.","vendors":["Evil\u001b]0;pwned\u0007Corp"]}
{"id":"p7","summary":"Hostile too","details":"More CWE-89.","vendors":["Evil\u001b]0;pwned\u0007Corp"]}
`

func patternsWorkspace(t *testing.T) string {
	t.Helper()
	ws := t.TempDir()
	if r := runCLI(t, ws, patternDocs, "ingest", "-"); r.Code != 0 {
		t.Fatalf("ingest: %d %s", r.Code, r.Err)
	}
	return ws
}

func TestPatternsTable(t *testing.T) {
	ws := patternsWorkspace(t)
	r := runCLI(t, ws, "", "patterns", "--min-support", "2", "--min-confidence", "0.9", "--limit", "0")
	if r.Code != 0 {
		t.Fatalf("patterns: %d %s", r.Code, r.Err)
	}
	for _, want := range []string{
		"7 documents, 7 with items",
		"attack_technique:T1059 + cwe:CWE-79",
		"vendor:Acme → cwe:CWE-79",
		"cwe:CWE-89 + vendor:EvilCorp", // the escape sequence stripped
	} {
		if !strings.Contains(r.Out, want) {
			t.Errorf("output lacks %q:\n%s", want, r.Out)
		}
	}
	if strings.Contains(r.Out, "\x1b") || strings.Contains(r.Out, "\a") {
		t.Errorf("output carries terminal control bytes: %q", r.Out)
	}
	// The pair's row: 4 of 7 documents, first examples in ingest order.
	row := regexp.MustCompile(`(?m)^4 +57\.1% +attack_technique:T1059 \+ cwe:CWE-79 +p1 p2 p3$`)
	if !row.MatchString(r.Out) {
		t.Errorf("no row with support 4 for T1059 + CWE-79 and examples p1 p2 p3:\n%s", r.Out)
	}
}

func TestPatternsJSON(t *testing.T) {
	ws := patternsWorkspace(t)
	r := runCLI(t, ws, "", "patterns", "--types", "cwe, attack_technique", "--min-support", "2", "--json")
	if r.Code != 0 {
		t.Fatalf("patterns --json: %d %s", r.Code, r.Err)
	}
	var rep struct {
		Documents, Transactions int
		Itemsets                []struct {
			Items    []string
			Support  int
			Examples []string
		}
		Rules []struct {
			Antecedent, Consequent []string
			Support                int
			Confidence, Lift       float64
		}
	}
	if err := json.Unmarshal([]byte(r.Out), &rep); err != nil {
		t.Fatalf("decode: %v\n%s", err, r.Out)
	}
	if rep.Documents != 7 || len(rep.Itemsets) != 1 {
		t.Fatalf("report = %+v", rep)
	}
	if s := rep.Itemsets[0]; strings.Join(s.Items, ",") != "attack_technique:T1059,cwe:CWE-79" || s.Support != 4 || len(s.Examples) != 3 {
		t.Errorf("itemset = %+v", s)
	}
	// T1059 ⇒ CWE-79: 4 of 4 documents; CWE-79 is in 4 of 7, so lift 7/4.
	var ok bool
	for _, ru := range rep.Rules {
		if strings.Join(ru.Antecedent, ",") == "attack_technique:T1059" && ru.Confidence == 1 && ru.Lift == 1.75 && ru.Support == 4 {
			ok = true
		}
	}
	if !ok {
		t.Errorf("rule T1059 → CWE-79 (support 4, confidence 1, lift 1.75) missing: %+v", rep.Rules)
	}
}

func TestPatternsFlagErrors(t *testing.T) {
	ws := t.TempDir()
	tests := []struct {
		name string
		args []string
		err  string
	}{
		{"unknown type", []string{"--types", "cwe,severity"}, `unknown item type "severity"`},
		{"confidence above 1", []string{"--min-confidence", "1.5"}, "--min-confidence"},
		{"negative support", []string{"--min-support", "-1"}, "--min-support"},
		{"zero length", []string{"--max-len", "0"}, "--max-len"},
		{"argument", []string{"extra"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, ws, "", append([]string{"patterns"}, tc.args...)...)
			if r.Code != exitUsage || !strings.Contains(r.Err, tc.err) {
				t.Errorf("exit %d, stderr %q; want %d and %q", r.Code, r.Err, exitUsage, tc.err)
			}
		})
	}
}

// TestPatternsOnAdvisories mines the shared advisories: vendors with their
// characteristic weaknesses must surface (Tenda routers and stack overflows).
func TestPatternsOnAdvisories(t *testing.T) {
	if testing.Short() {
		t.Skip("ingests 38k advisories; skipped with -short")
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(wd, "..", "..", "..", "shared", "data", "advisories_train.jsonl.gz")
	if _, err := os.Stat(data); err != nil {
		t.Skipf("shared advisories absent (%v)", err)
	}
	ws := t.TempDir()
	if r := runCLI(t, ws, "", "-q", "ingest", data); r.Code != 0 {
		t.Fatalf("ingest: %d %s", r.Code, r.Err)
	}
	r := runCLI(t, ws, "", "patterns", "--types", "cwe,vendor", "--min-support", "50", "--max-len", "2", "--json")
	if r.Code != 0 {
		t.Fatalf("patterns: %d %s", r.Code, r.Err)
	}
	var rep struct {
		Itemsets []struct {
			Items   []string
			Support int
		}
	}
	if err := json.Unmarshal([]byte(r.Out), &rep); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, s := range rep.Itemsets {
		if strings.Join(s.Items, ",") == "cwe:CWE-121,vendor:Tenda" && s.Support >= 50 {
			found = true
		}
	}
	if !found {
		t.Errorf("cwe:CWE-121 + vendor:Tenda missing from %+v", rep.Itemsets)
	}
}
