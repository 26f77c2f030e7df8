// Package labeling writes the analyst's labels, undos and notes, and
// technique verdicts, from the triage screen. Each write runs in the background and reports back with a
// message once it is on disk; while one is in flight, keys that write (or
// move the cursor off the document being written) wait here and are
// replayed in order, so a burst of key presses loses nothing and a label
// always lands on the document it was given to.
package labeling

import (
	"context"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/cyberstreams/cyberstreams/core/triage"
)

// Messages to the root model.
type (
	// LabelledMsg: a label (or a note on a labelled document) is on disk.
	LabelledMsg struct {
		Item  triage.Item
		Event triage.LabelEvent
		Err   error
		// Note: a note added to an existing label; no advance, no count.
		Note bool
	}
	// UndoneMsg: the analyst's last label is retracted.
	UndoneMsg struct {
		Item  triage.Item
		Event triage.LabelEvent
		Err   error
	}
	// TechniqueMsg: a technique verdict is on disk, or (Undo) the
	// analyst's last one is retracted.
	TechniqueMsg struct {
		Label triage.TechniqueLabel
		Undo  bool
		Err   error
	}
)

// Writer is the session's label writer.
type Writer struct {
	ctx context.Context
	s   *triage.Session

	busy    bool
	pending []tea.KeyMsg
	// notes are kept for the next label of a document that has none yet.
	notes map[string]string
}

// New returns a writer over a session.
func New(ctx context.Context, s *triage.Session) *Writer {
	return &Writer{ctx: ctx, s: s, notes: map[string]string{}}
}

// Busy reports whether a write is in flight.
func (w *Writer) Busy() bool { return w.busy }

// Hold keeps a key pressed while a write is in flight.
func (w *Writer) Hold(k tea.KeyMsg) { w.pending = append(w.pending, k) }

// Next returns the next held key once no write is in flight.
func (w *Writer) Next() (tea.KeyMsg, bool) {
	if w.busy || len(w.pending) == 0 {
		return tea.KeyMsg{}, false
	}
	k := w.pending[0]
	w.pending = w.pending[1:]
	return k, true
}

// Done records that the write in flight finished; failed drops the held
// keys, which were meant to follow a write that did not happen.
func (w *Writer) Done(failed bool) {
	w.busy = false
	if failed {
		w.pending = nil
	}
}

// Note is the note kept for a document's next label.
func (w *Writer) Note(docID string) string { return w.notes[docID] }

// KeepNote keeps a note for a document's next label ("" drops it).
func (w *Writer) KeepNote(docID, note string) {
	if note == "" {
		delete(w.notes, docID)
		return
	}
	w.notes[docID] = note
}

// Label records severity for an item, with the note kept for it; a
// LabelledMsg follows.
func (w *Writer) Label(it triage.Item, severity string) tea.Cmd {
	return w.write(it.DocID, severity, w.notes[it.DocID], false)
}

// Annotate records the item's current label again with a note; a
// LabelledMsg with Note set follows.
func (w *Writer) Annotate(it triage.Item, note string) tea.Cmd {
	return w.write(it.DocID, it.Label, note, true)
}

func (w *Writer) write(docID, severity, note string, annotate bool) tea.Cmd {
	w.busy = true
	s, ctx := w.s, w.ctx
	return func() tea.Msg {
		ev, err := s.Label(ctx, docID, severity, note)
		if err != nil {
			return LabelledMsg{Err: err, Note: annotate}
		}
		fresh, err := s.Item(ctx, docID)
		return LabelledMsg{Item: fresh, Event: ev, Err: err, Note: annotate}
	}
}

// Undo retracts the analyst's last label; an UndoneMsg follows (its Err is
// triage.ErrNothingToUndo when there was none).
func (w *Writer) Undo() tea.Cmd {
	w.busy = true
	s, ctx := w.s, w.ctx
	return func() tea.Msg {
		ev, err := s.Undo(ctx)
		if err != nil {
			return UndoneMsg{Err: err}
		}
		fresh, err := s.Item(ctx, ev.DocID)
		return UndoneMsg{Item: fresh, Event: ev, Err: err}
	}
}

// Technique records the verdict that a document describes technique id
// (present) or not, its evidence named by words ("" for the one shown); a
// TechniqueMsg follows.
func (w *Writer) Technique(docID, id string, present bool, words string) tea.Cmd {
	w.busy = true
	s, ctx := w.s, w.ctx
	return func() tea.Msg {
		l, err := s.JudgeTechnique(ctx, docID, id, present, words)
		return TechniqueMsg{Label: l, Err: err}
	}
}

// UndoTechnique retracts the analyst's last technique verdict; a
// TechniqueMsg with Undo set follows (its Err is triage.ErrNothingToUndo
// when there was none).
func (w *Writer) UndoTechnique() tea.Cmd {
	w.busy = true
	s, ctx := w.s, w.ctx
	return func() tea.Msg {
		l, err := s.UndoTechnique(ctx)
		return TechniqueMsg{Label: l, Undo: true, Err: err}
	}
}
