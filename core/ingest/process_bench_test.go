package ingest

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// BenchmarkProcessAdvisory is the per-document cost of ingest's own work on
// a line of the shared advisory corpus — decode, document building,
// structured entities, content hash — with a no-op extractor, so that
// core/extract's cost stays out: "jsonl" decodes as generic JSONL (the
// benchmarks' --format jsonl), "osv" as the CLI's detection reads these
// lines. One goroutine; ns/op and cpu-ns/op (all threads, garbage collection
// included) are per document.
func BenchmarkProcessAdvisory(b *testing.B) {
	var lines [][]byte
	eachAdvisoryLine(b, 5000, func(line []byte) { lines = append(lines, slices.Clone(line)) })
	p, err := newProcessor(Options{Extract: func(string) map[string][]string { return nil }})
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		decode decodeFunc
	}{
		{"jsonl", newFieldMap(nil).decode},
		{"osv", decodeOSV},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			cpu0 := processCPU()
			defer func() { b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N), "cpu-ns/op") }()
			for b.Loop() {
				r := rawRecord{data: lines[i%len(lines)], decode: c.decode}
				if it := p.process(&r); it.Err != nil {
					b.Fatal(it.Err)
				}
				i++
			}
		})
	}
}

// BenchmarkReadAdvisories is Read's whole per-document cost on the shared
// advisory corpus as `cyberstreams score --format jsonl` reads it — line
// splitting, the pipeline's hand-offs, decode, hash — with a no-op
// extractor and one worker. cpu-ns/op is per document, all threads.
func BenchmarkReadAdvisories(b *testing.B) {
	in := filepath.Join(b.TempDir(), "advisories.jsonl")
	out, err := os.Create(in)
	if err != nil {
		b.Fatal(err)
	}
	eachAdvisoryLine(b, 5000, func(line []byte) {
		out.Write(line)
		out.Write([]byte{'\n'})
	})
	if err := out.Close(); err != nil {
		b.Fatal(err)
	}
	for _, skipMeta := range []bool{false, true} {
		name := "meta"
		if skipMeta {
			name = "skipmeta"
		}
		b.Run(name, func(b *testing.B) {
			opts := Options{Format: FormatJSONL, Workers: 1, SkipMeta: skipMeta,
				Extract: func(string) map[string][]string { return nil }}
			b.ReportAllocs()
			docs := 0
			cpu0 := processCPU()
			for b.Loop() {
				err := Read(context.Background(), []string{in}, opts, func(r Record) error {
					docs++
					return r.Err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(processCPU()-cpu0)/float64(docs), "cpu-ns/doc")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(docs), "ns/doc")
		})
	}
}
