package tui

import (
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/triage"
	"github.com/cyberstreams/cyberstreams/tui/common"
)

// key handles one key press in the current mode.
func (m *Model) key(msg tea.KeyMsg) tea.Cmd {
	k := m.c.Keys
	switch m.mode {
	case modeHelp:
		if key.Matches(msg, k.Quit) {
			return m.quit()
		}
		if key.Matches(msg, k.Help, k.Back) {
			m.mode = modeQueue
		}
		return nil
	case modePivot:
		return m.pivot.Update(msg)
	case modeFilter:
		return m.filterKey(msg)
	case modeNote:
		return m.noteKey(msg)
	case modeTechniques:
		return m.techniqueKey(msg)
	case modeTechniqueAdd:
		return m.techniqueAddKey(msg)
	}
	return m.queueKey(msg)
}

// filterKey edits the / filter; the list narrows as the analyst types.
func (m *Model) filterKey(msg tea.KeyMsg) tea.Cmd {
	switch msg.Type {
	case tea.KeyEnter:
		m.mode = modeQueue
		m.layout()
		return m.syncDetail()
	case tea.KeyEsc:
		m.text = ""
		m.mode = modeQueue
		m.layout()
		m.queue.SetFilter(m.filter())
		m.refreshStatus()
		return m.syncDetail()
	}
	m.input.Update(msg)
	if v := m.input.Value(); v != m.text {
		m.text = v
		m.queue.SetFilter(m.filter())
		m.refreshStatus()
	}
	return m.syncDetail()
}

// noteKey edits a note; enter saves it.
func (m *Model) noteKey(msg tea.KeyMsg) tea.Cmd {
	switch msg.Type {
	case tea.KeyEnter:
		m.mode = modeQueue
		m.layout()
		return m.saveNote(strings.TrimSpace(m.input.Value()))
	case tea.KeyEsc:
		m.mode = modeQueue
		m.layout()
		return nil
	}
	m.input.Update(msg)
	return nil
}

// queueKey handles the queue's keys: moving, labeling, finding.
func (m *Model) queueKey(msg tea.KeyMsg) tea.Cmd {
	k := m.c.Keys
	if m.writer.Busy() && (key.Matches(msg, k.Quit) || writes(k, msg)) {
		// Quit, and keys that write or move, wait until the label in
		// flight is on disk, never before.
		m.writer.Hold(msg)
		return nil
	}
	switch {
	case key.Matches(msg, k.Quit):
		return m.quit()
	case key.Matches(msg, k.Up):
		return m.move(func() { m.queue.Move(-1) })
	case key.Matches(msg, k.Down):
		return m.move(func() { m.queue.Move(1) })
	case key.Matches(msg, k.PageUp):
		return m.move(func() { m.queue.Page(-1) })
	case key.Matches(msg, k.PageDown):
		return m.move(func() { m.queue.Page(1) })
	case key.Matches(msg, k.Top):
		return m.move(m.queue.Top)
	case key.Matches(msg, k.Bottom):
		return m.move(m.queue.Bottom)
	case key.Matches(msg, k.Skip):
		return m.move(func() { m.queue.Move(1) })
	case key.Matches(msg, k.DetailUp):
		m.detail.Scroll(-5)
	case key.Matches(msg, k.DetailDown):
		m.detail.Scroll(5)
	case key.Matches(msg, k.Margin):
		m.detail.ToggleMargin()
	case key.Matches(msg, k.Techniques):
		if m.queue.CurrentID() != "" {
			m.startJudging()
		}
	case key.Matches(msg, k.Critical, k.High, k.Medium, k.Low, k.Informational):
		return m.label(document.Severities[msg.Runes[0]-'1'])
	case key.Matches(msg, k.Accept):
		if it, ok := m.queue.Current(); ok && it.Scored() {
			return m.label(it.Severity)
		}
	case key.Matches(msg, k.Undo):
		return m.writer.Undo()
	case key.Matches(msg, k.Note):
		if _, ok := m.queue.Current(); ok {
			m.mode = modeNote
			m.input.Prompt = "note: "
			m.input.SetValue(m.writer.Note(m.queue.CurrentID()))
			m.layout()
			return nil
		}
	case key.Matches(msg, k.Filter):
		m.mode = modeFilter
		m.input.Prompt = "/"
		m.input.SetValue(m.text)
		m.layout()
		return nil
	case key.Matches(msg, k.Back):
		m.banner = ""
		if m.text != "" || m.preset != 0 {
			m.text, m.preset = "", 0
			m.queue.SetFilter(m.filter())
			m.refreshStatus()
			return m.syncDetail()
		}
	case key.Matches(msg, k.CycleFilter):
		m.preset = (m.preset + 1) % len(m.presets)
		m.queue.SetFilter(m.filter())
		m.refreshStatus()
		return m.syncDetail()
	case key.Matches(msg, k.CycleSort):
		m.sortIdx = (m.sortIdx + 1) % len(m.sorts)
		m.queue.SetSort(m.sorts[m.sortIdx])
		m.queue.Top()
		m.refreshStatus()
		return m.syncDetail()
	case key.Matches(msg, k.Pivot):
		if id := m.queue.CurrentID(); id != "" {
			if d, ok := m.details.Get(id); ok {
				m.pivot.Open(id, pivotEntities(d))
				m.mode = modePivot
			}
		}
	case key.Matches(msg, k.Help):
		m.mode = modeHelp
	}
	return nil
}

// writes reports whether a key writes to the label store (and so must wait
// for the write before it).
func writes(k common.KeyMap, msg tea.KeyMsg) bool {
	return key.Matches(msg, k.Critical, k.High, k.Medium, k.Low, k.Informational, k.Accept, k.Undo, k.Skip, k.Up, k.Down)
}

// pivotEntities are what p offers to pivot on: the document's entities and,
// as type "technique", the techniques tagged in its prose that it does not
// write as ids (those are attack_technique entities already).
func pivotEntities(d *triage.Detail) map[string][]string {
	var tagged []string
	for _, t := range d.Techniques {
		if !slices.Contains(d.Document.Entities["attack_technique"], t.Technique) {
			tagged = append(tagged, t.Technique)
		}
	}
	if len(tagged) == 0 {
		return d.Document.Entities
	}
	out := make(map[string][]string, len(d.Document.Entities)+1)
	for t, vs := range d.Document.Entities {
		out[t] = vs
	}
	out["technique"] = tagged
	return out
}
