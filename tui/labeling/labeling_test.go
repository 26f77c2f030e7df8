package labeling

import (
	"context"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/cyberstreams/cyberstreams/core/triage"
)

func key(r rune) tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}} }

// TestHeldKeysReplayInOrder: keys held during a write come back in order
// once it is done, none while it is in flight, and none after a failed
// write (they were meant to follow it).
func TestHeldKeysReplayInOrder(t *testing.T) {
	for _, tc := range []struct {
		name   string
		failed bool
		want   string
	}{
		{"the write landed", false, "5x1"},
		{"the write failed", true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := New(context.Background(), nil)
			w.Undo() // in flight (the command is not run)
			if !w.Busy() {
				t.Fatal("no write in flight after Undo")
			}
			for _, r := range "5x1" {
				w.Hold(key(r))
			}
			if _, ok := w.Next(); ok {
				t.Fatal("a held key came back while the write is in flight")
			}
			w.Done(tc.failed)
			got := ""
			for k, ok := w.Next(); ok; k, ok = w.Next() {
				got += k.String()
			}
			if got != tc.want || w.Busy() {
				t.Fatalf("replayed %q (busy %v), want %q", got, w.Busy(), tc.want)
			}
		})
	}
}

// TestAKeyThatWritesStopsTheReplay: a replayed key that starts a write
// holds back the keys after it until that write is done too.
func TestAKeyThatWritesStopsTheReplay(t *testing.T) {
	w := New(context.Background(), nil)
	w.Label(triage.Item{DocID: "d1"}, "high")
	w.Hold(key('2'))
	w.Hold(key('j'))
	w.Done(false)
	k, ok := w.Next()
	if !ok || k.String() != "2" {
		t.Fatalf("first replayed key %v %v", k, ok)
	}
	w.Label(triage.Item{DocID: "d2"}, "high") // what "2" does
	if _, ok := w.Next(); ok {
		t.Fatal("the key after a replayed write came back before that write was done")
	}
	w.Done(false)
	if k, ok := w.Next(); !ok || k.String() != "j" {
		t.Fatalf("then %v %v, want j", k, ok)
	}
}

func TestNotes(t *testing.T) {
	w := New(context.Background(), nil)
	for _, tc := range []struct{ doc, note, want string }{
		{"d1", "seen exploited", "seen exploited"},
		{"d1", "", ""},
		{"d2", "vendor confirmed", "vendor confirmed"},
	} {
		w.KeepNote(tc.doc, tc.note)
		if got := w.Note(tc.doc); got != tc.want {
			t.Fatalf("note of %s = %q, want %q", tc.doc, got, tc.want)
		}
	}
}
