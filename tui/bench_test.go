package tui_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/triage"
	"github.com/cyberstreams/cyberstreams/core/triage/triagetest"
	"github.com/cyberstreams/cyberstreams/tui"
)

// BenchmarkUpdateView is one key press on a queue of 100,000 documents:
// Update (move the cursor, re-sync the detail) and View (the whole
// screen). It reports the 99th percentile too; the target is 16 ms.
func BenchmarkUpdateView(b *testing.B) {
	s := triagetest.Demo(b, b.TempDir())
	items := make([]triage.Item, 100_000)
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range items {
		items[i] = triage.Item{DocID: fmt.Sprintf("doc-%06d", i), Title: fmt.Sprintf("Advisory %d: remote code execution in Example Product", i),
			Source: "bench.example.com", Severity: document.Severities[i%5], Confidence: float64(i%97) / 97,
			Gap: float64(i%89) / 89, Novelty: float64(i%13) / 13, Published: base.Add(time.Duration(i) * time.Minute)}
	}
	m := tui.NewWithItems(context.Background(), s, items, tui.Options{Width: 160, Height: 48, Now: func() time.Time { return base }})
	keys := []tea.KeyMsg{{Type: tea.KeyRunes, Runes: []rune("j")}, {Type: tea.KeyPgDown}, {Type: tea.KeyRunes, Runes: []rune("j")}, {Type: tea.KeyRunes, Runes: []rune("k")}}
	var took []time.Duration
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		start := time.Now()
		m.Update(keys[i%len(keys)])
		_ = m.View()
		took = append(took, time.Since(start))
	}
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)*99/100].Nanoseconds()), "p99-ns")
}

// BenchmarkStartup is model construction (loading the queue) and the
// first View on the demo workspace.
func BenchmarkStartup(b *testing.B) {
	s := triagetest.Demo(b, b.TempDir())
	ctx := context.Background()
	for b.Loop() {
		m, err := tui.New(ctx, s, tui.Options{Width: 120, Height: 40})
		if err != nil {
			b.Fatal(err)
		}
		_ = m.View()
	}
}
