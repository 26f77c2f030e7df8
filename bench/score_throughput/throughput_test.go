// Package scorethroughput benchmarks end-to-end scoring the way
// `cyberstreams score --output jsonl` runs it: JSONL on disk → ingest
// (parallel decode and entity extraction) → featurise → leaves predict →
// novelty → optional TreeSHAP → JSONL records, and the latency of scoring
// one document. See README.md for the commands and the measured numbers.
package scorethroughput

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"github.com/cyberstreams/cyberstreams/internal/cputime"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"testing"
	"time"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/ingest"
	"github.com/cyberstreams/cyberstreams/core/model"
	"github.com/cyberstreams/cyberstreams/core/scoring"
	"github.com/cyberstreams/cyberstreams/core/training/trainingtest"
)

// benchDocs is how many documents the end-to-end benchmark writes once and
// scores per iteration.
const benchDocs = 20000

// repoRoot walks up from the test's directory to the folder with go.mod.
func repoRoot(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Fatal("no go.mod above the benchmark directory")
		}
		dir = parent
	}
}

// loadBundle is the model under test: CYBERSTREAMS_BENCH_MODEL (a bundle
// directory, e.g. one trained on the full corpus), else the embedded
// default, else a small model trained on synthetic documents.
func loadBundle(tb testing.TB) *model.Bundle {
	tb.Helper()
	if dir := os.Getenv("CYBERSTREAMS_BENCH_MODEL"); dir != "" {
		b, err := model.LoadDir(dir)
		if err != nil {
			tb.Fatalf("CYBERSTREAMS_BENCH_MODEL: %v", err)
		}
		return b
	}
	if b, err := model.Embedded(); err == nil {
		return b
	}
	tb.Log("no embedded default model: using a small model trained on synthetic documents")
	return trainingtest.Bundle(tb, 2000, 1)
}

// inputLines returns n JSONL lines: the shared advisory corpus (repeated
// when shorter than n) when it is present, else synthetic documents.
func inputLines(tb testing.TB, n int) [][]byte {
	tb.Helper()
	path := filepath.Join(repoRoot(tb), "..", "shared", "data", "advisories_train.jsonl.gz")
	var lines [][]byte
	if f, err := os.Open(path); err == nil {
		defer f.Close()
		zr, err := gzip.NewReader(f)
		if err != nil {
			tb.Fatalf("%s: %v", path, err)
		}
		sc := bufio.NewScanner(zr)
		sc.Buffer(make([]byte, 1<<20), 64<<20)
		for sc.Scan() && len(lines) < n {
			lines = append(lines, slices.Clone(sc.Bytes()))
		}
		if err := sc.Err(); err != nil {
			tb.Fatalf("%s: %v", path, err)
		}
	} else {
		tb.Logf("shared advisory corpus absent (%v): using synthetic documents", err)
		for _, d := range trainingtest.Docs(min(n, 5000), 11) {
			b, err := json.Marshal(map[string]any{"id": d.ID, "title": d.Title, "text": d.Body,
				"source": d.Source, "cwes": d.CWEs, "published": d.Published})
			if err != nil {
				tb.Fatal(err)
			}
			lines = append(lines, b)
		}
	}
	for i := 0; len(lines) < n; i++ {
		lines = append(lines, lines[i])
	}
	return lines[:n]
}

func writeInput(tb testing.TB, lines [][]byte) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "input.jsonl")
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriter(f)
	for _, l := range lines {
		w.Write(l)
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	return path
}

// cpuSeconds is the process's user+system CPU time: on a shared machine
// wall time depends on other jobs, CPU time much less.
func cpuSeconds() float64 { return cputime.Process().Seconds() }

// BenchmarkScoreEndToEnd scores a JSONL file of benchDocs documents per
// iteration (or the JSONL file CYBERSTREAMS_BENCH_INPUT names) through
// Scorer.Stream and the JSONL record writer into io.Discard, exactly the
// path of `cyberstreams score --output jsonl`.
// Reports docs/s (wall) and docs/cpu-s (per CPU-second, all cores).
func BenchmarkScoreEndToEnd(b *testing.B) {
	s, err := scoring.PlainKnowledge().Scorer(loadBundle(b))
	if err != nil {
		b.Fatal(err)
	}
	path := writeInput(b, inputLines(b, benchDocs))
	if in := os.Getenv("CYBERSTREAMS_BENCH_INPUT"); in != "" {
		path = in // compare.sh: the very file the Python anchor scores
	}
	if os.Getenv("GOGC") == "" {
		// As `cyberstreams score` runs.
		defer debug.SetGCPercent(debug.SetGCPercent(scoring.StreamGCPercent))
	}
	for _, c := range []struct {
		name    string
		explain int
		docs    int
	}{{"plain", -1, benchDocs}, {"top5", 5, benchDocs / 10}} {
		in := path
		if c.docs != benchDocs {
			in = writeInput(b, inputLines(b, c.docs))
		}
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			cpu0, wall0 := cpuSeconds(), time.Now()
			var n int
			for b.Loop() {
				n += scoreFile(b, s, in, c.explain)
			}
			wall, cpu := time.Since(wall0).Seconds(), cpuSeconds()-cpu0
			b.ReportMetric(float64(n)/wall, "docs/s")
			b.ReportMetric(float64(n)/cpu, "docs/cpu-s")
			b.ReportMetric(0, "ns/op")
			b.ReportMetric(wall*1e9/float64(n), "ns/doc")
		})
	}
}

func scoreFile(tb testing.TB, s *scoring.Scorer, path string, explain int) int {
	w := bufio.NewWriterSize(io.Discard, 256<<10)
	var buf []byte
	n := 0
	err := s.Stream(context.Background(), []string{path}, ingest.Options{Format: ingest.FormatJSONL},
		scoring.Options{Explain: explain}, func(o scoring.Scored) error {
			if o.Failure != nil {
				tb.Fatalf("unexpected failure: %v", o.Failure)
			}
			n++
			var err error
			if buf, err = o.Result.AppendJSONL(buf[:0]); err != nil {
				return err
			}
			_, err = w.Write(buf)
			return err
		})
	if err != nil {
		tb.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	return n
}

// BenchmarkScoreLatency measures single-document Score latency (one
// goroutine, entities extracted inside Score as for a document that
// arrives without them) and reports the 50th and 99th percentile of wall
// time and, on Linux, of the thread's CPU time: on a loaded shared machine
// the wall p99 is mostly time spent waiting for a core.
func BenchmarkScoreLatency(b *testing.B) {
	s, err := scoring.PlainKnowledge().Scorer(loadBundle(b))
	if err != nil {
		b.Fatal(err)
	}
	var docs []document.Document
	err = ingest.Read(context.Background(), []string{writeInput(b, inputLines(b, 5000))}, ingest.Options{Format: ingest.FormatJSONL},
		func(r ingest.Record) error {
			if r.Err != nil {
				return r.Err
			}
			r.Doc.Entities = nil
			docs = append(docs, r.Doc)
			return nil
		})
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name    string
		explain int
	}{{"plain", -1}, {"top5", 5}} {
		b.Run(c.name, func(b *testing.B) {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			lat := make([]time.Duration, 0, 1<<16)
			var cpu []int64
			i := 0
			for b.Loop() {
				d := docs[i%len(docs)]
				i++
				c0, ok := threadCPU()
				t := time.Now()
				s.Score(&d, scoring.Options{Explain: c.explain})
				lat = append(lat, time.Since(t))
				if c1, _ := threadCPU(); ok {
					cpu = append(cpu, c1-c0)
				}
			}
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds()), "p50-ns")
			b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds()), "p99-ns")
			if len(cpu) > 0 {
				slices.Sort(cpu)
				b.ReportMetric(float64(cpu[len(cpu)/2]), "p50-cpu-ns")
				b.ReportMetric(float64(cpu[len(cpu)*99/100]), "p99-cpu-ns")
			}
		})
	}
}
