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
