// Package pivot is the entity pivot of the triage screen: pick an entity
// of the current document (an IP, a CVE, an actor…), then see the other
// documents that mention it and its neighbourhood in the local knowledge
// graph, and jump to one of those documents.
package pivot

import (
	"fmt"
	"sort"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/cyberstreams/cyberstreams/core/termsafe"
	"github.com/cyberstreams/cyberstreams/core/triage"
	"github.com/cyberstreams/cyberstreams/tui/common"
)

// Entity is one choice: a value and its type.
type Entity struct{ Type, Value string }

// Doc is one document that mentions the chosen entity.
type Doc struct {
	ID, Title, Severity string
}

// Result is what the pivot found for an entity.
type Result struct {
	Entity     Entity
	Docs       []Doc
	Neighbours []triage.Neighbour
}

// ChooseMsg asks the root to look an entity up.
type ChooseMsg struct{ Entity Entity }

// JumpMsg asks the root to show a document.
type JumpMsg struct{ DocID string }

// CloseMsg closes the pivot.
type CloseMsg struct{}

// Model is the pivot overlay.
type Model struct {
	c             *common.Common
	width, height int

	docID    string
	entities []Entity
	result   *Result
	cursor   int
}

// New returns a closed pivot.
func New(c *common.Common) *Model { return &Model{c: c} }

// SetSize sets the overlay size.
func (m *Model) SetSize(width, height int) { m.width, m.height = width, max(height, 3) }

// Open starts a pivot on a document's entities.
func (m *Model) Open(docID string, ents map[string][]string) {
	m.docID, m.result, m.cursor = docID, nil, 0
	m.entities = m.entities[:0]
	types := make([]string, 0, len(ents))
	for t := range ents {
		types = append(types, t)
	}
	sort.Strings(types)
	for _, t := range types {
		for _, v := range ents[t] {
			m.entities = append(m.entities, Entity{t, v})
		}
	}
}

// SetResult shows what a lookup found.
func (m *Model) SetResult(r Result) { m.result, m.cursor = &r, 0 }

// Update handles keys while the pivot is open.
func (m *Model) Update(msg tea.KeyMsg) tea.Cmd {
	k := m.c.Keys
	n := len(m.entities)
	if m.result != nil {
		n = len(m.result.Docs)
	}
	switch {
	case key.Matches(msg, k.Up):
		m.cursor = max(m.cursor-1, 0)
	case key.Matches(msg, k.Down):
		m.cursor = max(min(m.cursor+1, n-1), 0)
	case key.Matches(msg, k.Back), key.Matches(msg, k.Pivot):
		if m.result != nil {
			m.result, m.cursor = nil, 0
			return nil
		}
		return func() tea.Msg { return CloseMsg{} }
	case msg.String() == "enter":
		if m.result == nil && m.cursor < len(m.entities) {
			e := m.entities[m.cursor]
			return func() tea.Msg { return ChooseMsg{e} }
		}
		if m.result != nil && m.cursor < len(m.result.Docs) {
			id := m.result.Docs[m.cursor].ID
			return func() tea.Msg { return JumpMsg{id} }
		}
	case key.Matches(msg, k.Quit):
		return func() tea.Msg { return CloseMsg{} }
	}
	return nil
}

// View renders the chooser or the result.
func (m *Model) View() string {
	st := m.c.Styles
	var lines []string
	if m.result == nil {
		lines = append(lines, st.Section.Render("Pivot: choose an entity of "+termsafe.Line(m.docID, 40)), "")
		if len(m.entities) == 0 {
			lines = append(lines, st.Dim.Render("this document names no entities"))
		}
		lines = append(lines, m.list(len(m.entities), func(i int) string {
			e := m.entities[i]
			return fmt.Sprintf("%-17s %s", e.Type, st.Entity[common.EntityGroup(e.Type)].Render(termsafe.Line(e.Value, m.width-24)))
		})...)
		lines = append(lines, "", st.Dim.Render("enter look up · esc close"))
	} else {
		r := m.result
		lines = append(lines, st.Section.Render(fmt.Sprintf("Documents naming %s %s (%d)", r.Entity.Type, termsafe.Line(r.Entity.Value, 60), len(r.Docs))), "")
		lines = append(lines, m.list(len(r.Docs), func(i int) string {
			d := r.Docs[i]
			return fmt.Sprintf("%-13s %-14s %s", termsafe.Line(d.Severity, 13), termsafe.Line(d.ID, 14), termsafe.Line(d.Title, max(m.width-34, 4)))
		})...)
		lines = append(lines, "", st.Section.Render("Graph neighbourhood"))
		if len(r.Neighbours) == 0 {
			lines = append(lines, st.Dim.Render("not in the local graph (cyberstreams graph … builds it)"))
		}
		for i, n := range r.Neighbours {
			if i == 8 {
				lines = append(lines, st.Dim.Render(fmt.Sprintf("… %d more", len(r.Neighbours)-8)))
				break
			}
			lines = append(lines, fmt.Sprintf("%d hop  %-13s %s", n.Distance, n.Label, termsafe.Line(n.Name+" ("+n.Key+")", max(m.width-24, 4))))
		}
		lines = append(lines, "", st.Dim.Render("enter open document · esc back"))
	}
	if len(lines) > m.height {
		lines = lines[:m.height]
	}
	return lipgloss.NewStyle().Width(m.width).Height(m.height).MaxHeight(m.height).Render(strings.Join(lines, "\n"))
}

// list renders rows around the cursor that fit the overlay.
func (m *Model) list(n int, row func(i int) string) []string {
	room := max(m.height/2, 3)
	start := max(min(m.cursor-room/2, n-room), 0)
	var out []string
	for i := start; i < min(start+room, n); i++ {
		mark := "  "
		if i == m.cursor {
			mark = "▸ "
		}
		line := mark + row(i)
		if i == m.cursor {
			line = m.c.Styles.Selected.Render(line)
		}
		out = append(out, line)
	}
	return out
}
