package features_test

import (
	"context"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/features"
	"github.com/cyberstreams/cyberstreams/core/ingest"
	"github.com/cyberstreams/cyberstreams/internal/shareddata"
)

// stageDocs reads the first n advisories of the shared corpus through
// ingest as the scoring benchmarks do (generic JSONL, no extractor).
func stageDocs(b *testing.B, n int) []document.Document {
	b.Helper()
	corpus := shareddata.File(b, "advisories_train.jsonl.gz")
	var docs []document.Document
	errEnough := context.Canceled
	err := ingest.Read(context.Background(), []string{corpus}, ingest.Options{Format: ingest.FormatJSONL, Workers: 1},
		func(r ingest.Record) error {
			if r.Err != nil {
				return r.Err
			}
			docs = append(docs, r.Doc)
			if len(docs) == n {
				return errEnough
			}
			return nil
		})
	if err != nil && err != errEnough {
		b.Fatal(err)
	}
	return docs
}

// BenchmarkTransformDefaultSpec featurises advisories with the default
// model's spec, as BenchmarkStages/featurise does in bench/score_throughput.
func BenchmarkTransformDefaultSpec(b *testing.B) {
	docs := stageDocs(b, benchDocs())
	fz := features.New(defaultSpec(b))
	var row features.Row
	b.ReportAllocs()
	defer reportThreadCPU(b)()
	i := 0
	for b.Loop() {
		fz.TransformInto(&docs[i%len(docs)], &row)
		i++
	}
}

// benchDocs is how many documents the benchmarks cycle through:
// CYBERSTREAMS_BENCH_DOCS, or 5000 (more text than the caches hold, as
// when scoring a stream).
func benchDocs() int {
	if n, err := strconv.Atoi(os.Getenv("CYBERSTREAMS_BENCH_DOCS")); err == nil && n > 0 {
		return n
	}
	return 5000
}

// BenchmarkTokenize tokenises the advisories' lower-cased titles and bodies.
func BenchmarkTokenize(b *testing.B) {
	docs := stageDocs(b, 5000)
	texts := make([]string, len(docs))
	for i, d := range docs {
		texts[i] = strings.ToLower(d.Title + " " + d.Body)
	}
	n := 0
	defer reportThreadCPU(b)()
	i := 0
	for b.Loop() {
		features.Tokenize(texts[i%len(texts)], func(string) { n++ })
		i++
	}
}

// reportThreadCPU locks the benchmark to its thread and, when the returned
// function runs, reports the thread's CPU time per operation.
func reportThreadCPU(b *testing.B) func() {
	runtime.LockOSThread()
	cpu0, ok := threadCPU()
	return func() {
		cpu1, _ := threadCPU()
		runtime.UnlockOSThread()
		if ok {
			b.ReportMetric(float64(cpu1-cpu0)/float64(b.N), "cpu-ns/op")
		}
	}
}
