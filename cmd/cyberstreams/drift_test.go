package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cyberstreams/cyberstreams/core/drift"
)

// driftReport is the part of 'drift --json' the tests read.
type driftReport struct {
	Model  string
	Report struct {
		ReferenceDocs int `json:"reference_docs"`
		CurrentDocs   int `json:"current_docs"`
		Columns       []struct {
			Feature, Test, Kind string
			Skipped             string
		}
		Tested       int
		DatasetDrift bool `json:"dataset_drift"`
	}
}

// A fresh workspace has no retrained model: drift compares its documents
// with the reference the embedded default model ships.
func TestDriftWithTheDefaultModel(t *testing.T) {
	ws := t.TempDir()
	var feed strings.Builder
	for i := range 6 {
		line, _ := json.Marshal(map[string]any{
			"id":        fmt.Sprintf("GHSA-test-%04d-drft", i),
			"title":     fmt.Sprintf("Path traversal in example-lib %d allows reading arbitrary files", i),
			"text":      "A path traversal flaw (CWE-22) in example-lib lets a remote attacker read files outside the web root. See https://example.com/advisory and CVE-2024-1234.",
			"source":    "azu/github-advisory-database-rss",
			"ecosystem": "npm",
			"published": fmt.Sprintf("2025-0%d-15T10:00:00Z", i+1),
		})
		feed.Write(line)
		feed.WriteByte('\n')
	}
	p := filepath.Join(t.TempDir(), "feed.jsonl")
	if err := os.WriteFile(p, []byte(feed.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := runCLI(t, ws, "", "ingest", p, "-q"); r.Code != 0 {
		t.Fatalf("ingest: exit %d: %s", r.Code, r.Err)
	}

	r := runCLI(t, ws, "", "drift", "--json")
	var got driftReport
	if r.Code != 0 || json.Unmarshal([]byte(r.Out), &got) != nil {
		t.Fatalf("drift --json: exit %d %s %s", r.Code, r.Out, r.Err)
	}
	tests := map[string]bool{}
	for _, c := range got.Report.Columns {
		if c.Skipped != "" {
			t.Errorf("column %s skipped: %s", c.Feature, c.Skipped)
		}
		tests[c.Test] = true
	}
	// The default reference summarises tens of thousands of documents:
	// distances, not p-values, and a predicted-class column from the model.
	last := got.Report.Columns[len(got.Report.Columns)-1]
	if got.Model != "default" || got.Report.ReferenceDocs < drift.MaxSample || got.Report.CurrentDocs != 6 ||
		!tests["wasserstein"] || !tests["jensenshannon"] || last.Test != "psi" || got.Report.Tested != len(got.Report.Columns) {
		t.Fatalf("report on the default model: %s", r.Out)
	}

	r = runCLI(t, ws, "", "drift")
	for _, want := range []string{"model default: ", " reference documents vs 6 current documents", "FEATURE", "doc:cwe_count", "prediction", "columns drifted"} {
		if r.Code != 0 || !strings.Contains(r.Out, want) {
			t.Fatalf("drift table lacks %q: exit %d\n%s%s", want, r.Code, r.Out, r.Err)
		}
	}
}

func TestDriftCommand(t *testing.T) {
	dir, version := trainedWorkspace(t)
	r := runCLI(t, dir, "", "drift", "--since", "2023-01-01", "--json")
	var got driftReport
	if r.Code != 0 || json.Unmarshal([]byte(r.Out), &got) != nil {
		t.Fatalf("drift --json: exit %d %s %s", r.Code, r.Out, r.Err)
	}
	// The window is the training data itself: no drift.
	if got.Model != version || got.Report.CurrentDocs != 300 || got.Report.DatasetDrift || len(got.Report.Columns) < 10 {
		t.Fatalf("report %+v", got.Report)
	}
	r = runCLI(t, dir, "", "drift", "--since", "2023-01-01")
	if r.Code != 0 || !strings.Contains(r.Out, "FEATURE") || !strings.Contains(r.Out, "no dataset drift") {
		t.Fatalf("drift table: exit %d\n%s", r.Code, r.Out)
	}
	if r := runCLI(t, dir, "", "drift", "--since", "May 1"); r.Code != exitUsage {
		t.Fatalf("bad --since: exit %d", r.Code)
	}
	// A model saved without a reference (trained before bundles carried
	// one) is named, with the way out.
	if err := os.Remove(filepath.Join(dir, "models", version, drift.ReferenceFile)); err != nil {
		t.Fatal(err)
	}
	if r := runCLI(t, dir, "", "drift"); r.Code != exitError || !strings.Contains(r.Err, "no drift reference") || !strings.Contains(r.Err, "retrain") {
		t.Fatalf("champion without a reference: exit %d %q", r.Code, r.Err)
	}
}
