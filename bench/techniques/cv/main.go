// Command cv measures the technique model with report-level
// cross-validation on the TRAM sentences and ATT&CK prose, printing JSON,
// and writes the folds and the ATT&CK texts it used so that the Python
// anchor trains and judges on the very same split.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/cyberstreams/cyberstreams/core/techniques"
)

func main() {
	data := flag.String("data", "../shared/data", "shared data directory")
	out := flag.String("out", "bench/techniques/out", "directory for split.json and attack_texts.jsonl")
	folds := flag.Int("folds", 5, "report-level outer folds")
	seed := flag.Uint64("seed", 1, "fold seed")
	heldOut := flag.Int("held-out", 0, "judge only the first N folds (default all)")
	splitOnly := flag.Bool("split-only", false, "write the split and the ATT&CK texts, skip the cross-validation")
	flag.Parse()
	if err := run(*data, *out, *folds, *heldOut, *seed, *splitOnly); err != nil {
		fmt.Fprintln(os.Stderr, "cv:", err)
		os.Exit(1)
	}
}

func run(data, out string, folds, heldOut int, seed uint64, splitOnly bool) error {
	if heldOut == 0 {
		heldOut = folds
	}
	c, _, err := techniques.LoadCorpus(data)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	if err := writeJSON(filepath.Join(out, "split.json"), techniques.ReportFolds(c.Sentences, folds, seed)); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(out, "attack_texts.jsonl"))
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	for _, t := range c.Texts {
		if err := enc.Encode(t); err != nil {
			return err
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if splitOnly {
		return nil
	}
	opts := techniques.DefaultOptions()
	opts.Seed = seed
	start := time.Now()
	ev, err := techniques.CrossValidate(context.Background(), c, opts, folds, heldOut, seed)
	if err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(struct {
		techniques.Evaluation
		Seconds float64 `json:"seconds"`
	}{ev, time.Since(start).Seconds()})
}

func writeJSON(path string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}
