package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cyberstreams/cyberstreams/core/drift"
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

// Training twice with the same seed writes byte-identical model files and
// drift reference, and the reference summarises the documents trained on.
func TestTrainIsReproducible(t *testing.T) {
	data := writeLabelled(t, 300)
	var outs []string
	for range 2 {
		out := filepath.Join(t.TempDir(), "model")
		if r := runCLI(t, t.TempDir(), "", "--quiet", "train", "--data", data, "--out", out, "--iterations", "10", "--seed", "3"); r.Code != 1 {
			t.Fatalf("train: exit %d, want 1 for the broken line (stderr %q)", r.Code, r.Err)
		}
		outs = append(outs, out)
	}
	for _, f := range []string{"model.txt", "features.json", "novelty.json", "reference.json"} {
		a, errA := os.ReadFile(filepath.Join(outs[0], f))
		b, errB := os.ReadFile(filepath.Join(outs[1], f))
		if errA != nil || errB != nil || !bytes.Equal(a, b) {
			t.Errorf("%s differs between two runs with the same seed (%v, %v)", f, errA, errB)
		}
	}
	ref, err := drift.LoadReference(outs[0])
	if err != nil {
		t.Fatal(err)
	}
	if ref.Docs != 300 || ref.Categorical["source"] == nil || len(ref.Numeric["doc:cwe_count"]) != 300 || len(ref.Predicted) == 0 {
		t.Fatalf("reference of %d docs, sources %v, %d cwe_count values, predicted %v",
			ref.Docs, ref.Categorical["source"], len(ref.Numeric["doc:cwe_count"]), ref.Predicted)
	}
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
	for _, f := range []string{"model.txt", "features.json", "novelty.json", "card.json", "reference.json"} {
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
