package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/drift"
	"github.com/cyberstreams/cyberstreams/core/training/trainingtest"
)

// writeLabelled writes n synthetic labelled documents as generic JSONL,
// plus one broken line, and returns the path.
func writeLabelled(t *testing.T, n int) string {
	return writeDocs(t, trainingtest.Docs(n, 4), 10)
}

// writeDocs writes documents as labelled generic JSONL, with a broken line
// before docs[brokenAt] (none when brokenAt < 0), and returns the path.
func writeDocs(t *testing.T, docs []document.Document, brokenAt int) string {
	t.Helper()
	var b strings.Builder
	for i, d := range docs {
		if i == brokenAt {
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
		ByStated map[string]struct {
			N int `json:"n"`
		} `json:"by_stated"`
	}
	if err := json.Unmarshal([]byte(r.Out), &got); err != nil {
		t.Fatalf("eval --json: %v\n%s", err, r.Out)
	}
	if got.Report.N != 400 || got.Report.Accuracy < 0.7 || len(got.Report.Confusion) != 5 {
		t.Fatalf("eval report: %+v", got.Report)
	}
	if got.ByStated["stated"].N+got.ByStated["not_stated"].N != got.Report.N {
		t.Fatalf("eval by_stated %+v does not split the %d documents", got.ByStated, got.Report.N)
	}
	r = runCLI(t, ws, "", "eval", "--data", data, "--model", out)
	if !strings.Contains(r.Out, "macro-F1") || !strings.Contains(r.Out, "confusion") || !strings.Contains(r.Out, "text states none") {
		t.Fatalf("eval table: %q", r.Out)
	}
}

// Train as of a past date, judge on what came later: the gap protocol of
// bench/classifier/future_gap.sh, with the flags' misuse refused as usage
// errors.
func TestTrainUntilThenEvalSince(t *testing.T) {
	ws := t.TempDir()
	data := writeLabelled(t, 400) // four a day from 2024-01-01, up to 2024-04-09
	out := filepath.Join(t.TempDir(), "model")
	r := runCLI(t, ws, "", "--quiet", "train", "--data", data, "--out", out, "--iterations", "10", "--seed", "7",
		"--train-until", "2024-03-01", "--recency-half-life", "30", "--drop-numeric", "doc:alias_count",
		"--min-data-in-leaf", "5", "--feature-fraction", "0.8")
	if r.Code != 1 { // the broken line
		t.Fatalf("train: exit %d, want 1 for the broken line (stderr %q)", r.Code, r.Err)
	}
	card, err := os.ReadFile(filepath.Join(out, "card.json"))
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		Params map[string]any `json:"params"`
		Data   struct {
			TrainDocs int `json:"train_docs"`
			ValidDocs int `json:"valid_docs"`
		} `json:"data"`
	}
	if err := json.Unmarshal(card, &c); err != nil {
		t.Fatal(err)
	}
	if n := c.Data.TrainDocs + c.Data.ValidDocs; n != 240 { // 60 days before March
		t.Errorf("trained and validated on %d documents, want the 240 before 2024-03-01", n)
	}
	if c.Params["MinDataInLeaf"] != 5.0 || c.Params["FeatureFraction"] != 0.8 || c.Params["RowWeights"] != nil {
		t.Errorf("card params %v: want MinDataInLeaf 5, FeatureFraction 0.8, no row weights", c.Params)
	}
	for _, tc := range []struct {
		since, until string
		n            int
	}{{"", "", 400}, {"2024-03-01", "", 160}, {"2024-04-01", "", 36}, {"", "2024-01-11", 40}, {"2024-03-01", "2024-04-01", 124}} {
		args := []string{"--json", "eval", "--data", data, "--model", out}
		if tc.since != "" {
			args = append(args, "--since", tc.since)
		}
		if tc.until != "" {
			args = append(args, "--until", tc.until)
		}
		r := runCLI(t, ws, "", args...)
		var got struct {
			Report struct {
				N int `json:"n"`
			} `json:"report"`
		}
		if err := json.Unmarshal([]byte(r.Out), &got); err != nil || got.Report.N != tc.n {
			t.Errorf("eval --since %q --until %q judged %d documents (%v), want %d", tc.since, tc.until, got.Report.N, err, tc.n)
		}
	}

	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"bad train-until", []string{"train", "--data", data, "--train-until", "March"}, exitUsage, "--train-until"},
		{"negative half-life", []string{"train", "--data", data, "--recency-half-life", "-1"}, exitUsage, "--recency-half-life"},
		{"feature fraction 0", []string{"train", "--data", data, "--feature-fraction", "0"}, exitUsage, "--feature-fraction"},
		{"unknown feature", []string{"train", "--data", data, "--iterations", "2", "--drop-numeric", "time:century"}, 1, "time:century"},
		{"bad since", []string{"eval", "--data", data, "--model", out, "--since", "2024-3-1"}, exitUsage, "--since"},
		{"bad until", []string{"eval", "--data", data, "--model", out, "--until", "tomorrow"}, exitUsage, "--until"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, ws, "", append([]string{"--quiet"}, tc.args...)...)
			if r.Code != tc.code || !strings.Contains(r.Err, tc.want) {
				t.Errorf("exit %d, stderr %q; want exit %d mentioning %s", r.Code, r.Err, tc.code, tc.want)
			}
		})
	}
}

func TestStatedSplit(t *testing.T) {
	y := []int{0, 1, 2, 2}
	prob := [][]float64{{1, 0, 0, 0, 0}, {0, 0, 1, 0, 0}, {0, 0, 1, 0, 0}, {0, 1, 0, 0, 0}}
	split := statedSplit(y, prob, []bool{true, true, false, false})
	if s, n := split["stated"], split["not_stated"]; s.N != 2 || n.N != 2 || s.Accuracy != 0.5 || n.Accuracy != 0.5 {
		t.Fatalf("split %+v", split)
	}
	if split := statedSplit(y, prob, []bool{false, false, false, false}); len(split) != 1 || split["not_stated"].N != 4 {
		t.Fatalf("a part without documents should be left out: %+v", split)
	}
}
