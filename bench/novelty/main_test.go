package main

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cyberstreams/cyberstreams/core/scoring"
)

func TestAUC(t *testing.T) {
	tests := []struct {
		name     string
		pos, neg []float64
		want     float64
	}{
		{"perfect", []float64{3, 4}, []float64{1, 2}, 1},
		{"reversed", []float64{1, 2}, []float64{3, 4}, 0},
		{"all tied", []float64{1, 1}, []float64{1, 1, 1}, 0.5},
		// pairs: (2>1) (2<3) (4>1) (4>3) → 3 of 4
		{"mixed", []float64{2, 4}, []float64{1, 3}, 0.75},
		{"one tie counted half", []float64{2}, []float64{2, 1}, 0.75},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := auc(tt.pos, tt.neg); math.Abs(got-tt.want) > 1e-12 {
				t.Fatalf("auc = %v, want %v", got, tt.want)
			}
		})
	}
}

// Reports become chunks of n consecutive sentences in sentence order (a
// short tail is dropped), each report wholly in one half; a broken line is
// refused with its file and line.
func TestReadReports(t *testing.T) {
	dir := t.TempDir()
	var lines []string
	for _, doc := range []string{"r1", "r2", "r3", "r4", "r5", "r6"} {
		for i := 4; i >= 0; i-- { // out of order on purpose
			lines = append(lines, `{"doc_id":"`+doc+`","doc_title":"T `+doc+`","sentence_index":`+string(rune('0'+i))+`,"text":"s`+string(rune('0'+i))+`."}`)
		}
	}
	path := filepath.Join(dir, "s.jsonl")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	know := scoring.PlainKnowledge()
	seen := map[string]string{}
	total := 0
	for _, half := range []string{"tune", "measure"} {
		docs, err := readReports(path, 2, half, true, know)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range docs {
			report := strings.Split(d.ID, "#")[0]
			if h, ok := seen[report]; ok && h != half {
				t.Fatalf("report %s in both halves", report)
			}
			seen[report] = half
			if d.Body != "s0. s1." && d.Body != "s2. s3." || d.Title != "T "+report {
				t.Fatalf("chunk %s: %q titled %q", d.ID, d.Body, d.Title)
			}
		}
		total += len(docs)
	}
	if total != 6*2 {
		t.Fatalf("%d chunks, want 12 (two whole chunks of 2 per 5-sentence report)", total)
	}
	if err := os.WriteFile(path, []byte(lines[0]+"\n{broken\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := readReports(path, 2, "tune", false, know); err == nil || !strings.Contains(err.Error(), path+":2") {
		t.Fatalf("error %v, want one naming %s:2", err, path)
	}
}
