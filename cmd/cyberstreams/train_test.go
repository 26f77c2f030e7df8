package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cyberstreams/cyberstreams/core/training/trainingtest"
)

// writeLabelled writes n synthetic labelled documents as generic JSONL,
// plus one broken line, and returns the path.
func writeLabelled(t *testing.T, n int) string {
	t.Helper()
	var b strings.Builder
	for i, d := range trainingtest.Docs(n, 4) {
		if i == 10 {
			b.WriteString("{\"id\": \"broken\",\n")
		}
		line, _ := json.Marshal(map[string]any{"id": d.ID, "title": d.Title, "text": d.Body, "source": d.Source,
			"published": d.Published.Format(time.RFC3339), "severity": d.Severity})
		b.Write(line)
		b.WriteByte('\n')
	}
	p := filepath.Join(t.TempDir(), "labelled.jsonl")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// Train a model from labelled JSONL, then evaluate it: the end-to-end path
// an analyst takes with their own data.
func TestTrainThenEval(t *testing.T) {
	ws := t.TempDir()
	data := writeLabelled(t, 400)
	out := filepath.Join(t.TempDir(), "model")
	r := runCLI(t, ws, "", "--quiet", "train", "--data", data, "--out", out, "--iterations", "20", "--seed", "7")
	if r.Code != 1 { // the broken line is reported and fails the run, the model is still written
		t.Fatalf("train: exit %d, want 1 for the broken line (stderr %q)", r.Code, r.Err)
	}
	if !strings.Contains(r.Err, data+":11") {
		t.Fatalf("train should name the broken line %s:11: %q", data, r.Err)
	}
	for _, f := range []string{"model.txt", "features.json", "novelty.json", "card.json"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Fatalf("bundle lacks %s: %v", f, err)
		}
	}
	r = runCLI(t, ws, "", "eval", "--data", data, "--model", out, "--json")
	if r.Code != 1 {
		t.Fatalf("eval: exit %d, want 1 for the broken line (stderr %q)", r.Code, r.Err)
	}
	var got struct {
		Model  string `json:"model"`
		Report struct {
			N         int     `json:"n"`
			Accuracy  float64 `json:"accuracy"`
			Confusion [][]int `json:"confusion"`
		} `json:"report"`
	}
	if err := json.Unmarshal([]byte(r.Out), &got); err != nil {
		t.Fatalf("eval --json: %v\n%s", err, r.Out)
	}
	if got.Report.N != 400 || got.Report.Accuracy < 0.7 || len(got.Report.Confusion) != 5 {
		t.Fatalf("eval report: %+v", got.Report)
	}
	r = runCLI(t, ws, "", "eval", "--data", data, "--model", out)
	if !strings.Contains(r.Out, "macro-F1") || !strings.Contains(r.Out, "confusion") {
		t.Fatalf("eval table: %q", r.Out)
	}
}
