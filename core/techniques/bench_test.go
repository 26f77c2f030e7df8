package techniques

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// tramReports are the TRAM reports rebuilt from their sentences, in file
// order, and their size in bytes; the benchmark skips without the shared
// data.
func tramReports(b *testing.B) ([]string, int) {
	b.Helper()
	f, err := os.Open(filepath.Join("..", "..", "..", "shared", "data", SentencesFile))
	if err != nil {
		b.Skipf("shared data not beside the repository (%v)", err)
	}
	defer f.Close()
	ss, err := ReadSentences(f, f.Name())
	if err != nil {
		b.Fatal(err)
	}
	docs := map[string]*strings.Builder{}
	var order []string
	size := 0
	for _, s := range ss {
		d := docs[s.DocID]
		if d == nil {
			d = &strings.Builder{}
			docs[s.DocID] = d
			order = append(order, s.DocID)
		}
		d.WriteString(s.Text)
		d.WriteString(" ")
		size += len(s.Text) + 1
	}
	out := make([]string, len(order))
	for i, id := range order {
		out[i] = docs[id].String()
	}
	return out, size
}

// reportCPU adds the throughput per CPU-second since start (MB/cpu-s)
// to a benchmark that tagged size bytes b.N times: on a machine other
// work shares, MB/s is what the benchmark got of the cores, and MB/cpu-s
// what tagging costs; GOMAXPROCS cores to itself would tag up to
// GOMAXPROCS times MB/cpu-s.
func reportCPU(b *testing.B, start time.Duration, size int) {
	if cpu := processCPU() - start; cpu > 0 {
		b.ReportMetric(float64(size)*float64(b.N)/1e6/cpu.Seconds(), "MB/cpu-s")
	}
}

// BenchmarkTag tags the TRAM reports with the embedded model on one
// goroutine; b.SetBytes makes `go test -bench` report MB/s of report text.
func BenchmarkTag(b *testing.B) {
	docs, size := tramReports(b)
	m, err := Embedded()
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(size))
	b.ResetTimer()
	start := processCPU()
	for b.Loop() {
		for _, d := range docs {
			m.Tag(d, false)
		}
	}
	reportCPU(b, start, size)
}

// BenchmarkTagAllCores tags the TRAM reports as `tag` does, one report
// per worker at a time on GOMAXPROCS workers sharing one model: the
// throughput goal (5 MB/s of report text on 2 cores) is read from this
// one with -cpu 2.
func BenchmarkTagAllCores(b *testing.B) {
	docs, size := tramReports(b)
	m, err := Embedded()
	if err != nil {
		b.Fatal(err)
	}
	workers := runtime.GOMAXPROCS(0)
	b.SetBytes(int64(size))
	b.ResetTimer()
	start := processCPU()
	for b.Loop() {
		var next atomic.Int64
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for i := next.Add(1) - 1; i < int64(len(docs)); i = next.Add(1) - 1 {
					m.Tag(docs[i], false)
				}
			})
		}
		wg.Wait()
	}
	reportCPU(b, start, size)
}
