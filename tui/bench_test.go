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
	b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "p99-ms")
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

// BenchmarkKeyPress100k is the analyst's keys on a workspace of 100,000
// scored documents (triagetest.Synthetic): each sub-benchmark presses one
// kind of key over and over and reports the 99th percentile of the time
// the program's loop is busy per message — Update and then View, as
// bubbletea runs them — in p99-ms (target: 16 ms, one frame at 60 Hz).
// Work a key starts in the background (loading a document's detail,
// writing a label) runs untimed between presses, and the message it sends
// back is timed like a key press, since the screen waits for it too.
func BenchmarkKeyPress100k(b *testing.B) {
	ctx := context.Background()
	s := triagetest.Synthetic(b, b.TempDir(), 100_000)
	loaded, err := s.Items(ctx)
	if err != nil {
		b.Fatal(err)
	}
	base := time.Date(2025, 6, 10, 0, 0, 0, 0, time.UTC)
	runes := func(s string) tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)} }
	type script struct {
		name string
		keys []tea.KeyMsg
	}
	var typing []tea.KeyMsg
	for _, r := range "advisory 9" {
		typing = append(typing, runes(string(r)))
	}
	scripts := []script{
		{"j-k", []tea.KeyMsg{runes("j"), runes("j"), runes("j"), runes("k")}},
		{"page-down", []tea.KeyMsg{{Type: tea.KeyPgDown}, {Type: tea.KeyPgDown}, {Type: tea.KeyPgUp}}},
		{"sort-cycle", []tea.KeyMsg{runes("s")}},
		{"filter-typing", append(append([]tea.KeyMsg{runes("/")}, typing...), tea.KeyMsg{Type: tea.KeyBackspace}, tea.KeyMsg{Type: tea.KeyBackspace}, tea.KeyMsg{Type: tea.KeyEsc})},
		{"label", []tea.KeyMsg{runes("2"), runes("a"), runes("4"), runes("u")}},
	}
	for _, sc := range scripts {
		b.Run(sc.name, func(b *testing.B) {
			m := tui.NewWithItems(ctx, s, slices.Clone(loaded), tui.Options{Width: 160, Height: 48, Now: func() time.Time { return base }})
			var took []time.Duration
			// handle times one message and queues what its commands send.
			var queue []tea.Msg
			handle := func(msg tea.Msg) {
				start := time.Now()
				_, cmd := m.Update(msg)
				_ = m.View()
				took = append(took, time.Since(start))
				b.StopTimer()
				queue = append(queue, run(cmd)...)
				b.StartTimer()
			}
			// Start-up as the program runs it: Init's commands (the first
			// detail, the other sort orders) finish before the first key.
			b.StopTimer()
			queue = run(m.Init())
			b.StartTimer()
			for i := 0; b.Loop(); i++ {
				if i == 0 {
					for len(queue) > 0 {
						msg := queue[0]
						queue = queue[1:]
						handle(msg)
					}
				}
				handle(sc.keys[i%len(sc.keys)])
				for len(queue) > 0 {
					msg := queue[0]
					queue = queue[1:]
					handle(msg)
				}
			}
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "p99-ms")
			b.ReportMetric(float64(took[len(took)-1].Microseconds())/1000, "max-ms")
		})
	}
}

// run executes a command as the program would, in the background, and
// returns the messages it sends back.
func run(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	switch msg := cmd().(type) {
	case nil:
		return nil
	case tea.BatchMsg:
		var out []tea.Msg
		for _, c := range msg {
			out = append(out, run(c)...)
		}
		return out
	default:
		return []tea.Msg{msg}
	}
}
