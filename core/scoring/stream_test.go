package scoring_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cyberstreams/cyberstreams/core/ingest"
	"github.com/cyberstreams/cyberstreams/core/model"
	"github.com/cyberstreams/cyberstreams/core/scoring"
	"github.com/cyberstreams/cyberstreams/core/training/trainingtest"
)

// TestStreamScoresARecordBeforeInputEnds: on a feed that pauses (stdin
// from a slow producer), a record is scored while the stream is still
// open, not held back until a batch fills.
func TestStreamScoresARecordBeforeInputEnds(t *testing.T) {
	s := newScorer(t)
	pr, pw := io.Pipe()
	got := make(chan string, 10)
	errc := make(chan error, 1)
	go func() {
		errc <- s.Stream(context.Background(), []string{"-"}, ingest.Options{Format: ingest.FormatJSONL, Stdin: pr},
			scoring.Options{Explain: -1}, func(o scoring.Scored) error {
				if o.Failure != nil {
					return o.Failure
				}
				got <- o.Result.ID
				return nil
			})
	}()
	docs := trainingtest.Docs(3, 4)
	line := func(i int) []byte {
		b, _ := json.Marshal(map[string]any{"id": fmt.Sprint("doc-", i), "title": docs[i].Title, "text": docs[i].Body})
		return append(b, '\n')
	}
	if _, err := pw.Write(line(0)); err != nil {
		t.Fatal(err)
	}
	select {
	case id := <-got:
		if id != "doc-0" {
			t.Fatalf("got %s, want doc-0", id)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the first record was not scored while the input stayed open")
	}
	pw.Write(line(1))
	pw.Write(line(2))
	pw.Close()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"doc-1", "doc-2"} {
		if id := <-got; id != want {
			t.Fatalf("got %s, want %s", id, want)
		}
	}
}

// TestStreamStopsOnEmitError: an error from emit (a closed pipe) ends the
// stream with that error.
func TestStreamStopsOnEmitError(t *testing.T) {
	s := newScorer(t)
	dir := t.TempDir()
	path := dir + "/feed.jsonl"
	writeFeed(t, path, 500)
	stop := fmt.Errorf("downstream closed")
	n := 0
	err := s.Stream(context.Background(), []string{path}, ingest.Options{Format: ingest.FormatJSONL}, scoring.Options{Explain: -1},
		func(o scoring.Scored) error {
			n++
			if n == 100 {
				return stop
			}
			return nil
		})
	if err != stop || n != 100 {
		t.Fatalf("got %v after %d records, want the emit error after 100", err, n)
	}
}

// TestStreamScoresAsScoreDoes: the stream (which lets the readers skip the
// fields that only fill Document.Meta, and scores on the ingest workers)
// writes the same JSONL records as reading every document in full and
// scoring it with Score: the shared advisories when present (their many
// unmapped fields go to Meta), else synthetic records with extra fields.
func TestStreamScoresAsScoreDoes(t *testing.T) {
	s, err := scoring.PlainKnowledge().Scorer(mustEmbedded(t))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("..", "..", "..", "shared", "data", "advisories_train.jsonl.gz")
	if _, err := os.Stat(path); err != nil || testing.Short() {
		t.Logf("shared advisories absent or -short (%v): synthetic records", err)
		path = filepath.Join(t.TempDir(), "feed.jsonl")
		var b []byte
		for i, d := range trainingtest.Docs(3000, 5) {
			line, err := json.Marshal(map[string]any{"id": d.ID, "title": d.Title, "text": d.Body, "source": d.Source,
				"cwes": d.CWEs, "published": d.Published, "cvss": map[string]any{"score": float64(i%10) + 0.5},
				"vendor_note": []any{"x", i, nil, true}})
			if err != nil {
				t.Fatal(err)
			}
			b = append(append(b, line...), '\n')
		}
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	var want [][]byte
	err = ingest.Read(context.Background(), []string{path}, ingest.Options{}, func(r ingest.Record) error {
		if r.Err != nil {
			return nil
		}
		if len(want) < 3 && r.Doc.Meta == nil {
			t.Fatalf("%s: read in full, the document has no Meta: the comparison would not test skipping it", r.Doc.ID)
		}
		res := s.Score(&r.Doc, scoring.Options{Explain: -1})
		line, err := res.AppendJSONL(nil)
		want = append(want, line)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	i := 0
	err = s.Stream(context.Background(), []string{path}, ingest.Options{}, scoring.Options{Explain: -1}, func(o scoring.Scored) error {
		if o.Failure != nil {
			return nil
		}
		line, err := o.Result.AppendJSONL(nil)
		if err != nil {
			return err
		}
		if i >= len(want) || !bytes.Equal(line, want[i]) {
			return fmt.Errorf("record %d: stream wrote\n%s\nScore wrote\n%s", i, line, want[min(i, len(want)-1)])
		}
		i++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if i != len(want) || i < 1000 {
		t.Fatalf("stream wrote %d records, Score %d", i, len(want))
	}
}

func mustEmbedded(t *testing.T) *model.Bundle {
	t.Helper()
	b, err := model.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	return b
}
