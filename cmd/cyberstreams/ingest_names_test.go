package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cyberstreams/cyberstreams/kg/kgtest"
)

// After the graph knows ATT&CK names, ingest tags documents with the actors
// they name by alias — the same extractor feeds ingest, scoring and graph.
func TestIngestLearnsActorNamesFromTheGraph(t *testing.T) {
	ws := t.TempDir()
	bundle := filepath.Join(t.TempDir(), "attack.json")
	if err := os.WriteFile(bundle, kgtest.SyntheticBundle(), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := runCLI(t, ws, "", "graph", "import-attack", bundle); r.Code != 0 {
		t.Fatalf("import-attack: %d %s", r.Code, r.Err)
	}
	doc := `{"id":"n1","title":"Lures from Fancy Test","text":"Phishing from 198.51.100.9"}` + "\n"
	if r := runCLI(t, ws, doc, "ingest", "-"); r.Code != 0 {
		t.Fatalf("ingest: %d %s", r.Code, r.Err)
	}
	r := runCLI(t, ws, "", "docs", "show", "n1", "--json")
	if r.Code != 0 || !strings.Contains(r.Out, `"actor": [`) || !strings.Contains(r.Out, `"Alpha Group"`) {
		t.Fatalf("alias \"Fancy Test\" should tag actor Alpha Group: %s %s", r.Out, r.Err)
	}
}

// A document ingested before `graph import-attack` shows, in every door
// that reads it from the workspace, the names the graph taught since —
// the entities `score` gives the same record now.
func TestStoredDocumentsGetNamesLearnedLater(t *testing.T) {
	ws := t.TempDir()
	doc := `{"id":"n1","title":"Lures from Fancy Test","text":"Phishing from 198.51.100.9"}` + "\n"
	if r := runCLI(t, ws, doc, "ingest", "-"); r.Code != 0 {
		t.Fatalf("ingest: %d %s", r.Code, r.Err)
	}
	bundle := filepath.Join(t.TempDir(), "attack.json")
	if err := os.WriteFile(bundle, kgtest.SyntheticBundle(), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := runCLI(t, ws, "", "graph", "import-attack", bundle); r.Code != 0 {
		t.Fatalf("import-attack: %d %s", r.Code, r.Err)
	}
	for _, args := range [][]string{
		{"docs", "show", "n1", "--json"},
		{"explain", "n1", "--json"},
		{"score", "-", "--json"},
	} {
		stdin := ""
		if args[0] == "score" {
			stdin = doc
		}
		r := runCLI(t, ws, stdin, args...)
		if r.Code != 0 || !strings.Contains(r.Out, `"Alpha Group"`) {
			t.Errorf("%s: want actor Alpha Group: %d %s %s", strings.Join(args, " "), r.Code, r.Out, r.Err)
		}
	}
}
