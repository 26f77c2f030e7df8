package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/lipgloss"

	"github.com/cyberstreams/cyberstreams/core/termsafe"
)

// layout sizes the components: side by side when wide, stacked when narrow.
func (m *Model) layout() {
	w, h := m.c.Width, m.c.Height
	body := max(h-3, 4) // header line + two status lines
	if m.prompting() {
		body--
	}
	if w >= WideAt {
		qw := w * 45 / 100
		m.queue.SetSize(qw, body)
		m.detail.SetSize(w-qw-1, body)
	} else {
		qh := max(body*2/5, 3)
		m.queue.SetSize(w, qh)
		m.detail.SetSize(w, max(body-qh-1, 1))
	}
	m.status.SetSize(w, 2)
	m.help.SetSize(w, body)
	m.pivot.SetSize(w, body)
}

// View draws the screen.
func (m *Model) View() string {
	w := m.c.Width
	st := m.c.Styles
	header := fmt.Sprintf(" Cyberstreams triage · %s · %d documents", termsafe.Line(m.s.Analyst(), 24), m.q.Len())
	if m.opts.Session {
		header += " · labeling session"
	}
	var top string
	if m.banner != "" {
		top = st.Banner.Render(fit(" ★ "+m.banner+"  (esc dismisses)", w))
	} else {
		top = st.Header.Render(fit(header, w))
	}
	var body string
	switch m.mode {
	case modeHelp:
		body = m.help.View()
	case modePivot:
		body = m.pivot.View()
	default:
		if w >= WideAt {
			q := m.queue.View() // rendered once: it is most of the frame
			sep := strings.TrimRight(strings.Repeat("│\n", lipgloss.Height(q)), "\n")
			body = lipgloss.JoinHorizontal(lipgloss.Top, q, st.Dim.Render(sep), m.detail.View())
		} else {
			body = m.queue.View() + "\n" + st.Dim.Render(strings.Repeat("─", w)) + "\n" + m.detail.View()
		}
	}
	parts := []string{top, body}
	if m.prompting() {
		parts = append(parts, fit(m.input.View(), w))
	}
	parts = append(parts, m.status.View())
	return strings.Join(parts, "\n")
}

// prompting reports whether the one-line entry is open.
func (m *Model) prompting() bool {
	return m.mode == modeFilter || m.mode == modeNote || m.mode == modeTechniqueAdd
}

func fit(s string, w int) string {
	if lipgloss.Width(s) > w {
		return termsafe.Line(s, max(w, 2))
	}
	return s + strings.Repeat(" ", w-lipgloss.Width(s))
}
