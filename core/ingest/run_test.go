package ingest

import (
	"bufio"
	"compress/gzip"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/workspace"
	"github.com/cyberstreams/cyberstreams/core/workspace/workspacetest"
	"github.com/cyberstreams/cyberstreams/internal/shareddata"
)

// writeJSONL writes generic records of about 2 KB (the size of a typical
// advisory) until the file reaches size bytes, and returns how many it wrote.
func writeJSONL(t testing.TB, path string, size int64) int {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	const prose = "The intrusion began with a phishing message carrying a macro-enabled document. " +
		"Once opened, the macro fetched a second stage over HTTPS, installed a scheduled task for persistence " +
		"and enumerated the domain with built-in tools before moving laterally over SMB. "
	var written int64
	n := 0
	for written < size {
		line := fmt.Sprintf(`{"id":"gen-%d","title":"Generated advisory %d","text":"Host 192.0.2.%d served a loader from files%d.example.com; `+
			`the dropper exploited CVE-2024-%05d and beaconed every %d seconds. %s%s%s%s%s%s Remediation: block the address and rotate credentials.",`+
			`"source":"generator","published":"2024-%02d-%02dT00:00:00Z"}`+"\n",
			n, n, n%250+1, n%97, n%100000, n%300+1, prose, prose, prose, prose, prose, prose, n%12+1, n%28+1)
		k, err := w.WriteString(line)
		if err != nil {
			t.Fatal(err)
		}
		written += int64(k)
		n++
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestRunIngestsGoodAndReportsBroken is the analyst's directory of mixed
// quality: every good document lands, every broken file is named with its
// line, and a second run adds nothing.
func TestRunIngestsGoodAndReportsBroken(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"feed.jsonl", "report.md", "advisories.jsonl", "cve5.json", "bundle.json", "kev.json"} {
		data, err := os.ReadFile(td(name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	broken := map[string]string{
		"truncated.json": "{\n  \"type\": \"bundle\",\n  \"objects\": [\n    {\"type\": \"report\", \"id\": \"report--9\", \"name\": \"cut",
		"garbage.jsonl":  "\x00\x01\x02\xff\xfe binary",
		"latin1.md":      "# Rapport\n\nLe caf\xe9 est ferm\xe9.\n",
		"empty.json":     "",
	}
	for name, data := range broken {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	size := int64(50 << 20)
	if testing.Short() {
		size = 5 << 20
	}
	big := writeJSONL(t, filepath.Join(dir, "big.jsonl"), size)

	// Good documents: 3 feed + 1 report + 3 advisories + 1 CVE + 7 STIX
	// (one STIX and one KEV element are broken) + 2 KEV + the generated ones.
	wantNew := 3 + 1 + 3 + 1 + 7 + 2 + big
	wantFailures := []string{
		"bundle.json:15#/objects/10",
		"empty.json",
		"garbage.jsonl",
		"kev.json:20#/vulnerabilities/1",
		"latin1.md:3",
		"truncated.json:4#/objects/0",
	}

	ws := workspacetest.Open(t)
	ctx := context.Background()
	var calls int
	start := time.Now()
	sum, err := Run(ctx, ws, []string{dir}, Options{}, func(Progress) { calls++ })
	if err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	t.Logf("first run: %d documents (%d MB generated) in %v = %.0f docs/s", sum.New, size>>20, elapsed, float64(sum.New)/elapsed.Seconds())
	var got []string
	for _, f := range sum.Failures {
		got = append(got, strings.TrimPrefix(f.Location(), dir+string(filepath.Separator)))
	}
	slices.Sort(got)
	if sum.New != wantNew || sum.Updated+sum.Unchanged != 0 || sum.Failed != len(wantFailures) || !slices.Equal(got, wantFailures) {
		t.Fatalf("summary %+v %v; want new=%d failed %v", sum.Counts, got, wantNew, wantFailures)
	}
	if len(sum.Paths) != 1 || sum.Paths[0].Counts != sum.Counts {
		t.Errorf("per path %+v, want the run's counts %+v", sum.Paths, sum.Counts)
	}
	if sum.Skipped != 4 {
		t.Errorf("skipped = %d, want the 4 STIX non-documents", sum.Skipped)
	}
	if n, _ := ws.CountDocuments(ctx); n != wantNew {
		t.Errorf("workspace holds %d documents, want %d", n, wantNew)
	}
	if max := int(elapsed/progressEvery) + 2; calls < 1 || calls > max {
		t.Errorf("progress called %d times in %v, want 1..%d", calls, elapsed, max)
	}
	ids, err := ws.DocumentsWithEntity(ctx, "email", "billing@example.com", 10)
	if err != nil || !slices.Contains(ids, "feed-1") {
		t.Errorf("entity index lacks feed-1: %v %v", ids, err)
	}

	again, err := Run(ctx, ws, []string{dir}, Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if again.New+again.Updated != 0 || again.Unchanged != wantNew || again.Failed != len(wantFailures) {
		t.Fatalf("second run %+v; want %d unchanged, %d failed", again.Counts, wantNew, len(wantFailures))
	}
}

// TestRunKeepsInputOrder: the workspace lists documents in the order they
// were read, batch boundaries and workers notwithstanding.
func TestRunKeepsInputOrder(t *testing.T) {
	dir := t.TempDir()
	n := writeJSONL(t, filepath.Join(dir, "a.jsonl"), 300<<10)
	ws := workspacetest.Open(t)
	ctx := context.Background()
	sum, err := Run(ctx, ws, []string{dir}, Options{Extract: fakeExtract, BatchSize: 97, Workers: 3}, nil)
	if err != nil || sum.New != n {
		t.Fatalf("run: %+v %v, want %d new", sum, err, n)
	}
	i := 0
	err = ws.EachDocument(ctx, workspace.ListOptions{}, func(d document.Document) error {
		if want := fmt.Sprintf("gen-%d", i); d.ID != want {
			return fmt.Errorf("document %d is %s, want %s", i, d.ID, want)
		}
		i++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestRunStopsOnCancel: a cancelled context ends the run with its error.
func TestRunStopsOnCancel(t *testing.T) {
	dir := t.TempDir()
	writeJSONL(t, filepath.Join(dir, "a.jsonl"), 2<<20)
	ws := workspacetest.Open(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Run(ctx, ws, []string{dir}, Options{Extract: fakeExtract}, nil); err == nil {
		t.Fatal("cancelled run returned no error")
	}
}

// sharedData is shared/data beside the repository root; it skips the test
// when the directory is absent.
func sharedData(tb testing.TB) string { return shareddata.Dir(tb) }

// eachAdvisoryLine calls fn with each of the first limit lines (all for
// limit < 0) of the shared advisory corpus, and skips the test or
// benchmark when the corpus is absent. fn must copy a line it keeps.
func eachAdvisoryLine(tb testing.TB, limit int, fn func(line []byte)) {
	tb.Helper()
	path := filepath.Join(sharedData(tb), "advisories_train.jsonl.gz")
	f, err := os.Open(path)
	if err != nil {
		tb.Skipf("training advisories not available (%v)", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatal(err)
	}
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 1<<20), maxLine)
	for n := 0; (limit < 0 || n < limit) && sc.Scan(); n++ {
		fn(sc.Bytes())
	}
	if err := sc.Err(); err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
}

// eachTestLine calls fn with each line of the JSONL files in testdata.
func eachTestLine(t *testing.T, fn func(line []byte)) {
	t.Helper()
	for _, name := range []string{"feed.jsonl", "custom.jsonl", "advisories.jsonl"} {
		f, err := os.Open(td(name))
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			fn(sc.Bytes())
		}
		f.Close()
	}
}

// TestIngestAdvisoriesTrain reads the training advisories (38,358 lines)
// with the real extractor: every line is a document, none fails, and the
// labels keep the README's class counts. In -short mode only the first
// 2,000 lines.
func TestIngestAdvisoriesTrain(t *testing.T) {
	path := filepath.Join(sharedData(t), "advisories_train.jsonl.gz")
	if _, err := os.Stat(path); err != nil {
		t.Skipf("training advisories not available (%v)", err)
	}
	lines := 38358
	if testing.Short() {
		lines = 2000
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	read, failed := 0, 0
	classes := map[string]int{}
	leaks := 0
	err := Read(ctx, []string{path}, Options{}, func(r Record) error {
		if r.Err != nil {
			failed++
			t.Errorf("%s:%d: %v", r.File, r.Line, r.Err)
		} else {
			classes[r.Doc.Severity]++
			if _, ok := r.Doc.Meta["cvss_vector"]; !ok {
				t.Errorf("%s: cvss_vector not kept in meta", r.Doc.ID)
			}
			if r.Doc.Meta["label_leak_hint"] == true {
				leaks++
			}
		}
		read++
		if read == lines {
			cancel()
		}
		return nil
	})
	if err != nil && ctx.Err() == nil {
		t.Fatal(err)
	}
	if read != lines || failed != 0 {
		t.Fatalf("read %d records (%d failed), want %d", read, failed, lines)
	}
	if !testing.Short() {
		want := map[string]int{"medium": 17686, "high": 13143, "critical": 4124, "low": 2295, "informational": 1110}
		for k, v := range want {
			if classes[k] != v {
				t.Errorf("class %s: %d, want %d", k, classes[k], v)
			}
		}
		if leaks != 3531 {
			t.Errorf("label_leak_hint on %d records, want 3531", leaks)
		}
	}
}

// TestReadAttackBundleAndKEV reads the shared ATT&CK bundle (one 24,771
// object STIX bundle, gzipped) and the KEV catalog: nothing fails, every KEV
// entry is a document, relationships and the other non-document objects are
// skipped.
func TestReadAttackBundleAndKEV(t *testing.T) {
	data := sharedData(t)
	attack, kev := filepath.Join(data, "attack-enterprise.json.gz"), filepath.Join(data, "kev.json")
	for _, p := range []string{attack, kev} {
		if _, err := os.Stat(p); err != nil {
			t.Skipf("shared data not available (%v)", err)
		}
	}
	c := collect(t, []string{attack, kev}, Options{Extract: func(string) map[string][]string { return nil }})
	if len(c.failures) != 0 {
		t.Fatalf("failures: %v", c.failures[:min(5, len(c.failures))])
	}
	bySource := map[string]int{}
	techniques := 0
	for _, d := range c.docs {
		bySource[d.Source]++
		techniques += len(d.Entities["attack_technique"])
	}
	// 24,771 objects: 20,048 relationships and 3,000-odd other non-document
	// objects are skipped; revoked ones too.
	if bySource[KEVSource] != 1126 || bySource["mitre-attack"] < 1500 || c.skipped < 23000 ||
		len(c.docs)+c.skipped != 24771+1126 {
		t.Fatalf("by source %v, skipped %d", bySource, c.skipped)
	}
	if techniques < 600 {
		t.Fatalf("only %d attack_technique entities from ATT&CK external ids", techniques)
	}
}

// TestRunAdvisoriesTrainIntoWorkspace stores the whole training file and
// logs the time it took. (That a second run adds nothing is checked on the
// mixed directory, which is quicker.)
func TestRunAdvisoriesTrainIntoWorkspace(t *testing.T) {
	if testing.Short() {
		t.Skip("stores 38,358 documents")
	}
	path := filepath.Join(sharedData(t), "advisories_train.jsonl.gz")
	if _, err := os.Stat(path); err != nil {
		t.Skipf("training advisories not available (%v)", err)
	}
	ws := workspacetest.Open(t)
	ctx := context.Background()
	start := time.Now()
	sum, err := Run(ctx, ws, []string{path}, Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("advisories_train: %+v in %v", sum.Counts, time.Since(start))
	// 38,358 distinct ids: every one is a document of its own, also the
	// hundred that share their text with another id.
	if sum.Failed != 0 || sum.New != 38358 {
		t.Fatalf("summary %+v, want 38358 new", sum.Counts)
	}
	if n, err := ws.CountDocuments(ctx); err != nil || n != 38358 {
		t.Fatalf("workspace holds %d documents (%v), want 38358", n, err)
	}
}

// BenchmarkIngestJSONL measures ingest of 2 KB JSONL records in documents
// per second: "run" is the whole path (read, decode, extract with the real
// extractor, hash, store in a fresh SQLite workspace); "read" stops before
// the store; "store" is the workspace alone storing the same documents in
// Run's batches, the ceiling "run" cannot pass. Besides wall-clock docs/s
// each reports docs/cpu-s (documents per second of process CPU time, user
// plus system, from getrusage), which stays meaningful on a machine shared
// with other jobs: wall time there measures the neighbours as much as us.
func BenchmarkIngestJSONL(b *testing.B) {
	dir := b.TempDir()
	n := writeJSONL(b, filepath.Join(dir, "bench.jsonl"), 10<<20)
	ctx := context.Background()
	b.Run("run", func(b *testing.B) {
		cpu := startCPUClock()
		for range b.N {
			b.StopTimer()
			cpu.stop()
			ws, err := workspace.Open(ctx, b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			cpu.start()
			b.StartTimer()
			sum, err := Run(ctx, ws, []string{dir}, Options{}, nil)
			if err != nil || sum.New != n {
				b.Fatalf("run: %+v %v", sum, err)
			}
			b.StopTimer()
			cpu.stop()
			ws.Close()
			cpu.start()
			b.StartTimer()
		}
		cpu.stop()
		reportRates(b, n*b.N, cpu)
	})
	var docs []document.Document
	readAll := func(b *testing.B) {
		docs = docs[:0]
		err := Read(ctx, []string{dir}, Options{}, func(r Record) error {
			if r.Err != nil {
				return r.Err
			}
			docs = append(docs, r.Doc)
			return nil
		})
		if err != nil || len(docs) != n {
			b.Fatalf("read %d of %d: %v", len(docs), n, err)
		}
	}
	b.Run("read", func(b *testing.B) {
		cpu := startCPUClock()
		for range b.N {
			readAll(b)
		}
		cpu.stop()
		reportRates(b, n*b.N, cpu)
	})
	b.Run("store", func(b *testing.B) {
		if len(docs) != n { // -bench selected store alone
			readAll(b)
			b.ResetTimer()
		}
		cpu := startCPUClock()
		for range b.N {
			b.StopTimer()
			cpu.stop()
			ws, err := workspace.Open(ctx, b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			cpu.start()
			b.StartTimer()
			for i := 0; i < len(docs); i += 5000 {
				if _, err := ws.PutDocuments(ctx, docs[i:min(i+5000, len(docs))]); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			cpu.stop()
			ws.Close()
			cpu.start()
			b.StartTimer()
		}
		cpu.stop()
		reportRates(b, len(docs)*b.N, cpu)
	})
}

// cpuClock adds up the process's CPU time (user + system) over the timed
// parts of a benchmark.
type cpuClock struct {
	total time.Duration
	since time.Duration
}

func startCPUClock() *cpuClock {
	c := &cpuClock{}
	c.start()
	return c
}

func (c *cpuClock) start() { c.since = processCPU() }
func (c *cpuClock) stop()  { c.total += processCPU() - c.since }

// reportRates reports docs/s of wall time and docs/cpu-s of CPU time.
func reportRates(b *testing.B, docs int, cpu *cpuClock) {
	b.ReportMetric(float64(docs)/b.Elapsed().Seconds(), "docs/s")
	if cpu.total > 0 {
		b.ReportMetric(float64(docs)/cpu.total.Seconds(), "docs/cpu-s")
	}
}
