package tui

import (
	"errors"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/cyberstreams/cyberstreams/core/triage"
	"github.com/cyberstreams/cyberstreams/tui/labeling"
)

// The analyst's verdicts on the shown document's ATT&CK techniques (t):
// the detail pane marks the chosen technique, y says the document
// describes it and n that it does not, + adds one by id, u takes the last
// verdict back. Each verdict is the technique label `label techniques add`
// writes, on disk before the next key acts.

// startJudging opens the verdicts on the shown document's techniques.
func (m *Model) startJudging() {
	m.mode = modeTechniques
	m.detail.Judge(true)
	m.status.Clear()
	m.status.Hint = m.c.Keys.TechniqueHelp()
}

func (m *Model) endJudging() {
	m.mode = modeQueue
	m.detail.Judge(false)
	m.status.Hint = ""
}

// techniqueKey handles the keys inside t.
func (m *Model) techniqueKey(msg tea.KeyMsg) tea.Cmd {
	k := m.c.Keys
	if m.writer.Busy() {
		// Every key waits for the verdict in flight, so that the next one
		// (or leaving) acts on the pane as that verdict left it.
		m.writer.Hold(msg)
		return nil
	}
	doc := m.detail.DocID()
	switch {
	case key.Matches(msg, k.Quit):
		return m.quit()
	case key.Matches(msg, k.Back, k.Techniques):
		m.endJudging()
	case key.Matches(msg, k.Down):
		m.detail.ChooseTechnique(1)
	case key.Matches(msg, k.Up):
		m.detail.ChooseTechnique(-1)
	case key.Matches(msg, k.DetailUp):
		m.detail.Scroll(-5)
	case key.Matches(msg, k.DetailDown):
		m.detail.Scroll(5)
	case key.Matches(msg, k.Present, k.Absent):
		id, ok := m.detail.ChosenTechnique()
		if !ok || doc == "" {
			m.status.Say("no technique to judge here: %s adds one by id", k.AddTechnique.Help().Key)
			return nil
		}
		return m.writer.Technique(doc, id, key.Matches(msg, k.Present), "")
	case key.Matches(msg, k.AddTechnique):
		if doc != "" {
			m.mode = modeTechniqueAdd
			m.input.Prompt = "technique id (then a few words of its sentence): "
			m.input.SetValue("")
			m.layout()
		}
	case key.Matches(msg, k.Undo):
		return m.writer.UndoTechnique()
	}
	return nil
}

// techniqueAddKey edits the id of a technique to add; enter records it as
// present in the sentence its words name (else the model's evidence).
func (m *Model) techniqueAddKey(msg tea.KeyMsg) tea.Cmd {
	switch msg.Type {
	case tea.KeyEnter:
		m.mode = modeTechniques
		m.layout()
		id, words, _ := strings.Cut(strings.TrimSpace(m.input.Value()), " ")
		doc := m.detail.DocID()
		if id == "" || doc == "" {
			return nil
		}
		return m.writer.Technique(doc, id, true, strings.TrimSpace(words))
	case tea.KeyEsc:
		m.mode = modeTechniques
		m.layout()
		return nil
	}
	m.input.Update(msg)
	return nil
}

// judged shows a technique verdict (or its undo) that is on disk, and
// reloads the document it is on.
func (m *Model) judged(msg labeling.TechniqueMsg) tea.Cmd {
	nothing := errors.Is(msg.Err, triage.ErrNothingToUndo)
	m.writer.Done(msg.Err != nil && !nothing)
	switch {
	case nothing:
		m.status.Say("no technique verdict of yours to undo")
		return m.replay()
	case errors.Is(msg.Err, triage.ErrNoEvidence):
		m.status.Fail(errors.New(msg.Err.Error() + ": press " + m.c.Keys.AddTechnique.Help().Key + " and give the id with a few words of its sentence"))
		return nil
	case msg.Err != nil:
		m.status.Fail(msg.Err)
		return nil
	}
	l := msg.Label
	verdict := "rejected"
	if l.Present {
		verdict = "confirmed"
	}
	if msg.Undo {
		m.status.Say("undid %s %s on %s", l.Technique, verdict, l.DocID)
	} else {
		m.status.Say("%s %s on %s", l.Technique, verdict, l.DocID)
	}
	m.details.Forget(l.DocID)
	m.detail.Choose(l.Technique)
	if l.DocID != m.queue.CurrentID() && m.queue.Select(l.DocID) {
		// An undo of a verdict on another document shows that document.
		m.refreshStatus()
		return tea.Batch(m.syncDetailForce(), m.replay())
	}
	// Reload in place: the pane keeps showing the document, scrolled as it
	// was, until the corrected one arrives.
	return tea.Batch(m.details.Load(l.DocID), m.replay())
}
