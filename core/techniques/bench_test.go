package techniques

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkTag tags the TRAM reports (rebuilt from their sentences) with
// the embedded model; b.SetBytes makes `go test -bench` report MB/s.
func BenchmarkTag(b *testing.B) {
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
	m, err := Embedded()
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(size))
	b.ResetTimer()
	for b.Loop() {
		for _, id := range order {
			m.Tag(docs[id].String(), false)
		}
	}
}
