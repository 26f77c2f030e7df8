package scoring_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/cyberstreams/cyberstreams/core/ingest"
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
