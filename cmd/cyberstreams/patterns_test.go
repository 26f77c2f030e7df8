package main

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/cyberstreams/cyberstreams/internal/shareddata"
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

// ingestedWorkspace is a new workspace holding the JSONL documents docs.
func ingestedWorkspace(t *testing.T, docs string) string {
	t.Helper()
	ws := t.TempDir()
	if r := runCLI(t, ws, docs, "ingest", "-"); r.Code != 0 {
		t.Fatalf("ingest: %d %s", r.Code, r.Err)
	}
	return ws
}

func TestPatternsTable(t *testing.T) {
	ws := ingestedWorkspace(t, patternDocs)
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
	ws := ingestedWorkspace(t, patternDocs)
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
		{"eps without clusters", []string{"--eps", "0.3"}, "--eps applies to --clusters"},
		{"min-docs without clusters", []string{"--min-docs", "4"}, "--min-docs applies to --clusters"},
		{"support with clusters", []string{"--clusters", "--min-support", "3"}, "--min-support applies to co-occurrences"},
		{"eps of 1", []string{"--clusters", "--eps", "1"}, "--eps 1"},
		{"eps of 0", []string{"--clusters", "--eps", "0"}, "--eps 0"},
		{"min-docs 0", []string{"--clusters", "--min-docs", "0"}, "--min-docs 0"},
		{"negative cap", []string{"--clusters", "--max-item-docs", "-1"}, "--max-item-docs"},
		{"unknown cluster type", []string{"--clusters", "--types", "ipv4,colour"}, `unknown item type "colour"`},
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
// characteristic weaknesses must surface (Tenda routers and stack overflows),
// and errata fixing the same CVE must cluster.
func TestPatternsOnAdvisories(t *testing.T) {
	if testing.Short() {
		t.Skip("ingests 38k advisories; skipped with -short")
	}
	data := shareddata.File(t, "advisories_train.jsonl.gz")
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

	// Clusters: the AlmaLinux errata for HTTP/2 rapid reset (CVE-2023-44487)
	// form one, and the hosting domains every advisory links are capped.
	r = runCLI(t, ws, "", "patterns", "--clusters", "--limit", "0", "--json")
	if r.Code != 0 {
		t.Fatalf("patterns --clusters: %d %s", r.Code, r.Err)
	}
	var crep struct {
		Ignored []struct {
			Item string
		}
		Clusters []struct {
			Size   int
			Shared []struct {
				Item  string
				Count int
			}
		}
	}
	if err := json.Unmarshal([]byte(r.Out), &crep); err != nil {
		t.Fatal(err)
	}
	found = false
	for _, c := range crep.Clusters {
		if len(c.Shared) > 0 && c.Shared[0].Item == "cve:CVE-2023-44487" && c.Shared[0].Count >= 10 {
			found = true
		}
	}
	if !found {
		t.Errorf("no cluster led by cve:CVE-2023-44487 among %d clusters", len(crep.Clusters))
	}
	if len(crep.Ignored) == 0 || crep.Ignored[0].Item != "domain:github.com" {
		t.Errorf("ignored = %+v, want domain:github.com first", crep.Ignored)
	}
}

// clusterDocs: campaign K (k1–k3) shares two documentation addresses and a
// domain; campaign M (m1–m4) shares a hash, an address and a domain (m4 adds
// a CVE); z1 names one of K's addresses among three other items, too few in
// common to be anyone's neighbour, and z2 shares nothing. k3's id carries a
// terminal escape that must not reach the terminal.
const clusterDocs = `{"id":"k1","published":"2024-03-01T00:00:00Z","summary":"Loader beacons","details":"The loader beacons to 192.0.2.10 and 198.51.100.7 and fetches kilo.example.com."}
{"id":"m1","published":"2024-05-02T00:00:00Z","summary":"Stealer","details":"Sample 44d88612fea8a8f36de82e1278abb02f talks to 192.0.2.50 at mike.example.org."}
{"id":"z1","published":"2024-04-01T00:00:00Z","summary":"Unrelated","details":"Scans from 192.0.2.10, 198.51.100.99 and zulu.example.net exploiting CVE-2024-0001."}
{"id":"k2","published":"2024-03-05T00:00:00Z","summary":"Loader again","details":"Traffic to kilo.example.com resolving to 192.0.2.10; fallback 198.51.100.7."}
{"id":"m2","published":"2024-05-03T00:00:00Z","summary":"Stealer 2","details":"Hash 44d88612fea8a8f36de82e1278abb02f, C2 192.0.2.50, mike.example.org."}
{"id":"k3\u001b[31m","published":"2024-02-27T00:00:00Z","summary":"Loader origin","details":"First seen: kilo.example.com, 192.0.2.10, 198.51.100.7."}
{"id":"m3","published":"2024-05-04T00:00:00Z","summary":"Stealer 3","details":"mike.example.org served 44d88612fea8a8f36de82e1278abb02f from 192.0.2.50."}
{"id":"m4","published":"2024-05-20T00:00:00Z","summary":"Stealer 4","details":"44d88612fea8a8f36de82e1278abb02f via 192.0.2.50 and mike.example.org now exploits CVE-2024-0002."}
{"id":"z2","summary":"Quiet","details":"Nothing to see at 198.51.100.200."}
`

func TestPatternsClusters(t *testing.T) {
	ws := ingestedWorkspace(t, clusterDocs)
	r := runCLI(t, ws, "", "patterns", "--clusters")
	if r.Code != 0 {
		t.Fatalf("patterns --clusters: %d %s", r.Code, r.Err)
	}
	for _, want := range []string{
		"9 documents, 9 with items",
		"2 clusters holding 7 documents; 2 documents in none",
		"cluster 1 · 4 documents · 2024-05-02 … 2024-05-20",
		"md5:44d88612fea8a8f36de82e1278abb02f (4)",
		"members   m1 m2 m3 m4\n",
		"cluster 2 · 3 documents · 2024-02-27 … 2024-03-05",
		"shared    domain:kilo.example.com (3), ipv4:192.0.2.10 (3), ipv4:198.51.100.7 (3)",
		"members   k1 k2 k3\n", // the escape sequence stripped
	} {
		if !strings.Contains(r.Out, want) {
			t.Errorf("output lacks %q:\n%s", want, r.Out)
		}
	}
	if strings.Contains(r.Out, "z1") || strings.Contains(r.Out, "z2") {
		t.Errorf("a noise document is in a cluster:\n%s", r.Out)
	}
	if strings.Contains(r.Out, "\x1b") {
		t.Errorf("output carries terminal control bytes: %q", r.Out)
	}
	if !strings.Contains(r.Err, "patterns: 2 clusters in") {
		t.Errorf("no timing on stderr: %q", r.Err)
	}
}

func TestPatternsClustersJSON(t *testing.T) {
	ws := ingestedWorkspace(t, clusterDocs)
	tests := []struct {
		name string
		args []string
		want []string // members per cluster, largest first
	}{
		{"defaults", nil, []string{"m1 m2 m3 m4", "k1 k2 k3\x1b[31m"}},
		{"min-docs 4", []string{"--min-docs", "4"}, []string{"m1 m2 m3 m4"}},
		// At eps 0.9 z1 (one item of six in common with each k) joins K.
		{"loose eps", []string{"--eps", "0.9"}, []string{"k1 k2 k3\x1b[31m z1", "m1 m2 m3 m4"}},
		{"only addresses", []string{"--types", "ipv4"}, []string{"m1 m2 m3 m4", "k1 k2 k3\x1b[31m"}},
		{"limit", []string{"--limit", "1"}, []string{"m1 m2 m3 m4"}},
		// A cap of 3 documents ignores M's items (4 documents each) and
		// 192.0.2.10 (4): K still holds together by the other two.
		{"cap", []string{"--max-item-docs", "3"}, []string{"k1 k2 k3\x1b[31m"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, ws, "", append([]string{"patterns", "--clusters", "--json"}, tc.args...)...)
			if r.Code != 0 {
				t.Fatalf("exit %d: %s", r.Code, r.Err)
			}
			var rep struct {
				Documents     int
				TotalClusters int `json:"total_clusters"`
				Clusters      []struct {
					Size     int
					Members  []string
					Severity map[string]int
				}
			}
			if err := json.Unmarshal([]byte(r.Out), &rep); err != nil {
				t.Fatalf("decode: %v\n%s", err, r.Out)
			}
			var got []string
			for _, c := range rep.Clusters {
				got = append(got, strings.Join(c.Members, " "))
				if c.Size != len(c.Members) || c.Severity["unknown"] != c.Size {
					t.Errorf("cluster %+v: size or severity mix wrong", c)
				}
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("clusters = %q, want %q", got, tc.want)
			}
		})
	}
}
