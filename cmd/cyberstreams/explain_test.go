package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestExplainFileAndWorkspaceDocument(t *testing.T) {
	ws := t.TempDir()
	p := filepath.Join(t.TempDir(), "advisory.jsonl")
	doc := `{"id":"e1","title":"Unauthenticated remote code execution \u001b]0;pwned\u0007in Example VPN","text":"A crafted request runs commands as root."}` + "\n"
	if err := os.WriteFile(p, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, ws, "", "explain", p, "--top", "5")
	if r.Code != 0 {
		t.Fatalf("explain file: exit %d %s", r.Code, r.Err)
	}
	for _, want := range []string{"critical (", "mainly because it mentions", "│", "confidence", "of the evidence"} {
		if !strings.Contains(r.Out, want) {
			t.Fatalf("explain output lacks %q:\n%s", want, r.Out)
		}
	}
	if strings.Contains(r.Out, "margin ") {
		t.Fatalf("the log-odds margin is shown only with --margin:\n%s", r.Out)
	}
	if r := runCLI(t, ws, "", "explain", p, "--top", "5", "--margin"); r.Code != 0 || !strings.Contains(r.Out, "= margin ") || !strings.Contains(r.Out, "base ") {
		t.Fatalf("explain --margin: exit %d, output lacks the log-odds:\n%s", r.Code, r.Out)
	}
	if strings.ContainsRune(r.Out, 0x1b) || strings.ContainsRune(r.Out, 0x07) {
		t.Fatalf("escape sequences from the document reached the terminal: %q", r.Out)
	}

	// The same document from the workspace, as JSON: contributions add up.
	if r := runCLI(t, ws, "", "ingest", p); r.Code != 0 {
		t.Fatalf("ingest: %d %s", r.Code, r.Err)
	}
	r = runCLI(t, ws, "", "explain", "e1", "--json", "--top", "0")
	if r.Code != 0 {
		t.Fatalf("explain id: exit %d %s", r.Code, r.Err)
	}
	var rec struct {
		Explanation struct {
			Base, Margin, Omitted float64
			Contributions         []struct{ SHAP float64 }
		}
	}
	if err := json.Unmarshal([]byte(r.Out), &rec); err != nil {
		t.Fatal(err)
	}
	sum := rec.Explanation.Base + rec.Explanation.Omitted
	for _, c := range rec.Explanation.Contributions {
		sum += c.SHAP
	}
	if len(rec.Explanation.Contributions) == 0 || math.Abs(sum-rec.Explanation.Margin) > 1e-9 {
		t.Fatalf("explanation does not add up: %+v", rec.Explanation)
	}
	if r := runCLI(t, ws, "", "explain", "no-such-doc"); r.Code != 1 || !strings.Contains(r.Err, "no-such-doc") {
		t.Fatalf("unknown document: exit %d %q", r.Code, r.Err)
	}
}

// TestExplainExploitation: explain says the exploitation likelihood over
// --horizon days with its reasons in words, as score computes it; 0 leaves
// it out and a horizon without a model is a usage error.
func TestExplainExploitation(t *testing.T) {
	ws := t.TempDir()
	p := filepath.Join(t.TempDir(), "advisory.jsonl")
	doc := `{"id":"CVE-2024-0001","title":"Remote code execution in Example VPN","text":"A crafted request runs commands as root. A proof of concept is public.",` +
		`"published":"2024-03-29T00:00:00Z","vendors":["example"],"references":["https://github.com/someone/poc"]}` + "\n"
	if err := os.WriteFile(p, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		args    []string
		code    int
		want    []string
		notWant string
	}{
		{"default 30 days", nil, 0, []string{"exploitation: ", "likely to be listed as exploited within 30 days", "patch priority "}, ""},
		{"90 days", []string{"--horizon", "90"}, 0, []string{"within 90 days"}, ""},
		{"none", []string{"--horizon", "0"}, 0, []string{"of the evidence"}, "exploitation:"},
		{"no model", []string{"--horizon", "60"}, 2, nil, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := runCLI(t, ws, "", append([]string{"explain", p, "--top", "3"}, c.args...)...)
			if r.Code != c.code {
				t.Fatalf("exit %d, want %d: %s", r.Code, c.code, r.Err)
			}
			for _, w := range c.want {
				if !strings.Contains(r.Out, w) {
					t.Errorf("output lacks %q:\n%s", w, r.Out)
				}
			}
			if c.notWant != "" && strings.Contains(r.Out, c.notWant) {
				t.Errorf("output has %q:\n%s", c.notWant, r.Out)
			}
		})
	}
	// --json carries the record score writes, with the reasons in words.
	r := runCLI(t, ws, "", "explain", p, "--top", "3", "--json")
	var rec struct {
		Exploitation struct {
			Probability float64
			HorizonDays int `json:"horizon_days"`
			Summary     string
			Reasons     []struct{ Text string }
		}
	}
	if err := json.Unmarshal([]byte(r.Out), &rec); err != nil {
		t.Fatalf("%v: %s", err, r.Out)
	}
	e := rec.Exploitation
	if e.HorizonDays != 30 || e.Probability <= 0 || !strings.Contains(e.Summary, "within 30 days") || len(e.Reasons) != 3 || e.Reasons[0].Text == "" {
		t.Fatalf("explain --json exploitation: %+v", e)
	}
}
