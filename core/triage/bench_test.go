package triage_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/triage"
	"github.com/cyberstreams/cyberstreams/core/triage/triagetest"
)

// BenchmarkItems100k loads a queue of 100,000 scored documents, 5,000 of
// them labelled: the one load the TUI runs at start-up.
func BenchmarkItems100k(b *testing.B) {
	const n = 100_000
	ctx := context.Background()
	s := triagetest.Synthetic(b, b.TempDir(), n)
	b.ResetTimer()
	for b.Loop() {
		items, err := s.Items(ctx)
		if err != nil || len(items) != n {
			b.Fatalf("%d items, %v", len(items), err)
		}
	}
}

// BenchmarkOpen100k is what opening the triage screen over 100,000
// scored documents costs when none is stale: ScoreMissing finding nothing
// to score (the stored scores' basis against the scorer's), then Items.
func BenchmarkOpen100k(b *testing.B) {
	const n = 100_000
	ctx := context.Background()
	s := triagetest.Synthetic(b, b.TempDir(), n)
	b.ResetTimer()
	for b.Loop() {
		if scored, err := s.ScoreMissing(ctx, nil); err != nil || scored != 0 {
			b.Fatalf("scored %d, %v", scored, err)
		}
		items, err := s.Items(ctx)
		if err != nil || len(items) != n {
			b.Fatalf("%d items, %v", len(items), err)
		}
	}
}

func BenchmarkSortAndFilter100k(b *testing.B) {
	items := make([]triage.Item, 100_000)
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range items {
		items[i] = triage.Item{DocID: fmt.Sprintf("doc-%06d", i), Title: fmt.Sprintf("Advisory %d: example product flaw", i),
			Severity: document.Severities[i%5], Confidence: float64(i%97) / 97, Gap: float64(i%89) / 89,
			Published: base.Add(time.Duration(i) * time.Minute)}
	}
	for _, by := range []triage.Sort{triage.ByPriority, triage.ByUncertainty, triage.ByNewest, triage.ByActiveLearning} {
		b.Run("sort-"+by.String(), func(b *testing.B) {
			for b.Loop() {
				work := append([]triage.Item(nil), items...)
				triage.SortItems(work, by, 1)
			}
		})
	}
	b.Run("filter-text", func(b *testing.B) {
		f := triage.Filter{Text: "advisory 99"}
		for b.Loop() {
			f.Select(items)
		}
	})
}

// BenchmarkQueue100k is what the triage screen does with a loaded queue
// of 100,000 items: hold it (NewQueue), compute an order the first time it
// is shown, select with a filter, and move one item after a label.
func BenchmarkQueue100k(b *testing.B) {
	items := make([]triage.Item, 100_000)
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range items {
		items[i] = triage.Item{DocID: fmt.Sprintf("doc-%06d", i), Title: fmt.Sprintf("Advisory %d: example product flaw", i),
			Source: fmt.Sprintf("feed%d.example.com", i%7), Severity: document.Severities[i%5], Confidence: float64(i%97) / 97,
			Gap: float64(i%89) / 89, Novelty: float64(i%13) / 13, Published: base.Add(time.Duration(i) * time.Minute)}
	}
	b.Run("new-queue", func(b *testing.B) {
		for b.Loop() {
			triage.NewQueue(items, 1)
		}
	})
	for _, by := range allSorts {
		b.Run("first-order-"+by.String(), func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				q := triage.NewQueue(items, 1)
				b.StartTimer()
				q.Order(by)
			}
		})
	}
	q := triage.NewQueue(slices.Clone(items), 1)
	for _, by := range allSorts {
		q.Order(by)
	}
	for _, f := range []triage.Filter{{}, {Text: "advisory"}, {Text: "advisory 99"}, {Text: "flaw", Severity: "high"}, {Label: triage.OnlyUnlabelled}} {
		b.Run(fmt.Sprintf("select-%q-%s", f.Text, f.Severity), func(b *testing.B) {
			for b.Loop() {
				q.Select(triage.ByPriority, f)
			}
		})
	}
	b.Run("update-label", func(b *testing.B) {
		// Every order is computed: a label moves the item in the
		// active-learning order only.
		for i := 0; b.Loop(); i++ {
			it := *q.At(int32(i * 7919 % len(items)))
			it.LabelState = triage.LabelState(1 + i%2)
			q.Update(it)
		}
	})
}
