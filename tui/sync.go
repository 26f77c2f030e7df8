package tui

import (
	tea "github.com/charmbracelet/bubbletea"

	"github.com/cyberstreams/cyberstreams/tui/detail"
)

// syncDetail shows the current document's detail from the cache, or starts
// loading it; the next document is prefetched so that labeling never waits.
func (m *Model) syncDetail() tea.Cmd {
	id := m.queue.CurrentID()
	if id == "" {
		m.detail.SetDetail(nil, "")
		return nil
	}
	var cmds []tea.Cmd
	if d, ok := m.details.Get(id); ok {
		if m.detail.DocID() != id {
			m.detail.SetDetail(d, m.writer.Note(id))
		}
	} else {
		m.detail.SetDetail(nil, "")
		cmds = append(cmds, m.details.Load(id))
	}
	if next, ok := m.queue.Peek(1); ok {
		if _, cached := m.details.Get(next.DocID); !cached {
			cmds = append(cmds, m.details.Load(next.DocID))
		}
	}
	m.details.Bound()
	return tea.Batch(cmds...)
}

// syncDetailForce reloads the shown document.
func (m *Model) syncDetailForce() tea.Cmd {
	m.detail.SetDetail(nil, "")
	return m.syncDetail()
}

// loaded keeps a document loaded in the background and shows it when it
// is still the current one.
func (m *Model) loaded(msg detail.LoadedMsg) {
	current := msg.ID == m.queue.CurrentID()
	if msg.Err != nil {
		if current {
			m.status.Fail(msg.Err)
		}
		return
	}
	m.details.Put(msg.ID, msg.Detail)
	if current {
		m.detail.SetDetail(msg.Detail, m.writer.Note(msg.ID))
	}
}
