package triage

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/scoring"
	"github.com/cyberstreams/cyberstreams/core/workspace"
)

// BenchmarkItems100k loads a queue of 100,000 scored documents, 5,000 of
// them labelled: the one query the TUI runs at start-up.
func BenchmarkItems100k(b *testing.B) {
	const n = 100_000
	ctx := context.Background()
	ws, s := benchWorkspace(b, n)
	defer ws.Close()
	b.ResetTimer()
	for b.Loop() {
		items, err := s.Items(ctx)
		if err != nil || len(items) != n {
			b.Fatalf("%d items, %v", len(items), err)
		}
	}
}

// benchWorkspace holds n scored documents, every 20th labelled.
func benchWorkspace(b testing.TB, n int) (*workspace.Workspace, *Session) {
	ctx := context.Background()
	ws, err := workspace.Open(ctx, b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	s := &Session{ws: ws, analyst: "bench"}
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for start := 0; start < n; start += 5000 {
		docs := make([]document.Document, 0, 5000)
		results := make([]scoring.Result, 0, 5000)
		for i := start; i < start+5000; i++ {
			d := document.Document{ID: fmt.Sprintf("doc-%06d", i), Title: fmt.Sprintf("Advisory %d: example product flaw", i),
				Body: "text", Source: "bench.example.com", Published: base.Add(time.Duration(i) * time.Minute)}
			d.Finish()
			docs = append(docs, d)
			sev := document.Severities[i%5]
			r := scoring.Result{ID: d.ID, Severity: sev, Confidence: 0.6, Model: "bench", Explanation: &scoring.Explanation{Class: sev}}
			r.Probabilities[i%5] = 0.6
			r.Probabilities[(i+1)%5] = 0.4
			results = append(results, r)
		}
		if _, err := ws.PutDocuments(ctx, docs); err != nil {
			b.Fatal(err)
		}
		if err := s.storeScores(ctx, results); err != nil {
			b.Fatal(err)
		}
	}
	// Every 20th document labelled, in one transaction (labels.Store.Add
	// commits each label on its own, which would make set-up slow).
	tx, err := ws.DB().BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < n; i += 20 {
		if _, err := tx.ExecContext(ctx, `INSERT INTO label_events (doc_id, severity, analyst, created_at, origin)
			VALUES (?, 'high', 'bench', '2025-06-01T00:00:00.000000000Z', 'import')`, fmt.Sprintf("doc-%06d", i)); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	return ws, s
}

func BenchmarkSortAndFilter100k(b *testing.B) {
	items := make([]Item, 100_000)
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range items {
		items[i] = Item{DocID: fmt.Sprintf("doc-%06d", i), Title: fmt.Sprintf("Advisory %d: example product flaw", i),
			Severity: document.Severities[i%5], Confidence: float64(i%97) / 97, Gap: float64(i%89) / 89,
			Published: base.Add(time.Duration(i) * time.Minute)}
	}
	for _, by := range []Sort{ByPriority, ByUncertainty, ByNewest, ByActiveLearning} {
		b.Run("sort-"+by.String(), func(b *testing.B) {
			for b.Loop() {
				work := append([]Item(nil), items...)
				SortItems(work, by, 1)
			}
		})
	}
	b.Run("filter-text", func(b *testing.B) {
		f := Filter{Text: "advisory 99"}
		for b.Loop() {
			f.Select(items)
		}
	})
}
