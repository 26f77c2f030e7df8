package tui

import (
	"errors"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/cyberstreams/cyberstreams/core/triage"
	"github.com/cyberstreams/cyberstreams/tui/labeling"
)

// The root's side of the label writer (tui/labeling): what the screen
// does once a label, an undo or a note is on disk.

// label writes a label; the cursor moves when it is on disk.
func (m *Model) label(severity string) tea.Cmd {
	it, ok := m.queue.Current()
	if !ok {
		return nil
	}
	return m.writer.Label(it, severity)
}

func (m *Model) labelled(msg labeling.LabelledMsg) tea.Cmd {
	m.writer.Done(msg.Err != nil)
	if msg.Err != nil {
		m.status.Fail(msg.Err)
		return nil
	}
	id := m.landed(msg.Item)
	m.writer.KeepNote(id, "")
	var cmds []tea.Cmd
	if msg.Note {
		m.status.Say("note saved on %s", id)
		cmds = append(cmds, m.syncDetailForce())
	} else {
		m.status.Labels++
		m.status.Say("%s labelled %s", id, msg.Event.Severity)
		if m.queue.CurrentID() == id {
			m.queue.Move(1)
		}
		m.refreshStatus()
		cmds = append(cmds, m.syncDetail())
		if m.opts.Session && m.status.Labels%10 == 0 {
			cmds = append(cmds, m.checkLearning())
		}
	}
	return tea.Batch(append(cmds, m.replay())...)
}

// landed shows a document's row as it is now that its label changed, and
// drops its loaded detail (which shows the label); it returns the id.
func (m *Model) landed(it triage.Item) string {
	m.queue.Update(it)
	m.details.Forget(it.DocID)
	return it.DocID
}

// replay runs the keys pressed while a write was in flight.
func (m *Model) replay() tea.Cmd {
	var cmds []tea.Cmd
	for k, ok := m.writer.Next(); ok; k, ok = m.writer.Next() {
		cmds = append(cmds, m.key(k))
	}
	return tea.Batch(cmds...)
}

func (m *Model) undone(msg labeling.UndoneMsg) tea.Cmd {
	nothing := errors.Is(msg.Err, triage.ErrNothingToUndo)
	m.writer.Done(msg.Err != nil && !nothing)
	if nothing {
		m.status.Say("nothing to undo")
		return m.replay()
	}
	if msg.Err != nil {
		m.status.Fail(msg.Err)
		return nil
	}
	id := m.landed(msg.Item)
	m.status.Labels = max(m.status.Labels-1, 0)
	m.status.Say("undid %s on %s", msg.Event.Severity, id)
	m.queue.Select(id)
	m.refreshStatus()
	return tea.Batch(m.syncDetailForce(), m.replay())
}

// saveNote keeps a note for the next label of the document, or, when the
// document already has a label, records that label again with the note.
func (m *Model) saveNote(note string) tea.Cmd {
	it, ok := m.queue.Current()
	if !ok {
		return nil
	}
	d, _ := m.details.Get(it.DocID)
	if note == "" {
		m.writer.KeepNote(it.DocID, "")
		m.detail.SetDetail(d, "")
		return nil
	}
	if it.LabelState == triage.Unlabelled {
		m.writer.KeepNote(it.DocID, note)
		m.detail.SetDetail(d, note)
		m.status.Say("note kept for the label of %s", it.DocID)
		return nil
	}
	return m.writer.Annotate(it, note)
}
