package extract

import (
	"bufio"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/cyberstreams/cyberstreams/internal/shareddata"
)

// tramSentences reads the text of the TRAM sentences.
func tramSentences(t testing.TB) []string {
	f, err := os.Open(shareddata.File(t, "tram_sentences.jsonl"))
	if err != nil {
		t.Fatalf("open tram sentences: %v", err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var rec struct {
			Text string `json:"text"`
		}
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("tram sentence: %v", err)
		}
		out = append(out, rec.Text)
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read tram sentences: %v", err)
	}
	return out
}

// TestTRAMSentences runs the extractor over real CTI report sentences: no
// panics, every refanged value reads back as itself, technique ids written
// in the text are found, and no file name is reported as a domain.
func TestTRAMSentences(t *testing.T) {
	sentences := tramSentences(t)
	ex := New(Options{Refang: true})
	counts := map[string]int{}
	for _, s := range sentences {
		got := ex.Extract(s)
		for ty, vals := range got {
			counts[ty] += len(vals)
			for _, v := range vals {
				if again := ex.Extract(v); !slices.Contains(again[ty], v) {
					t.Errorf("%s value %q from %q re-extracts as %v", ty, v, s, again)
				}
			}
		}
		for _, d := range got["domain"] {
			ext := d[strings.LastIndexByte(d, '.')+1:]
			if fileExtensions[ext] {
				t.Errorf("file name %q reported as a domain in %q", d, s)
			}
		}
		if n := got.Count(); n > 500 {
			t.Errorf("%d entities in one sentence of %d bytes", n, len(s))
		}
	}
	t.Logf("entities over %d sentences: %v", len(sentences), counts)
	// The sentences quote CVE ids, technique ids, hashes and defanged
	// infrastructure; a working extractor finds a fair number of each.
	for _, ty := range []string{"cve", "attack_technique", "md5", "sha256", "domain", "url", "ipv4"} {
		if counts[ty] < 20 {
			t.Errorf("only %d %s values in %d TRAM sentences", counts[ty], ty, len(sentences))
		}
	}
}

// BenchmarkExtractTRAM measures speed on real report prose.
func BenchmarkExtractTRAM(b *testing.B) {
	text := strings.Join(tramSentences(b), "\n")
	ex := New(Options{Refang: true})
	b.SetBytes(int64(len(text)))
	cpu0, ok := processCPU()
	n := 0
	for b.Loop() {
		ex.Extract(text)
		n++
	}
	if cpu1, ok1 := processCPU(); ok && ok1 && cpu1 > cpu0 {
		b.ReportMetric(float64(n*len(text))/1e6/(cpu1-cpu0).Seconds(), "MB/cpu-s")
	}
}
