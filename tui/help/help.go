// Package help is the help screen of the triage TUI, generated from the
// same key map the program matches keys with (bubbles/help).
package help

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/lipgloss"

	"github.com/cyberstreams/cyberstreams/core/exploitation"
	"github.com/cyberstreams/cyberstreams/tui/common"
)

// Model is the help screen.
type Model struct {
	c             *common.Common
	width, height int
}

// New returns the help screen.
func New(c *common.Common) *Model { return &Model{c: c} }

// SetSize sets the screen size.
func (m *Model) SetSize(width, height int) { m.width, m.height = width, height }

// View renders every binding, grouped: moving, labeling, finding.
func (m *Model) View() string {
	h := help.New()
	h.ShowAll = true
	h.Width = m.width
	st := m.c.Styles
	h.Styles.FullKey = st.Bold
	h.Styles.FullDesc = st.Help
	h.Styles.FullSeparator = st.Dim
	var b strings.Builder
	b.WriteString(st.Section.Render("Cyberstreams triage — keys"))
	b.WriteString("\n\n")
	groups := m.c.Keys.FullHelp()
	if m.width >= 110 {
		b.WriteString(h.FullHelpView(groups))
	} else {
		// Narrow: two columns, the third group below them.
		b.WriteString(h.FullHelpView(groups[:2]))
		b.WriteString("\n\n")
		b.WriteString(h.FullHelpView(groups[2:]))
	}
	b.WriteString("\n\n")
	b.WriteString(st.Dim.Render(fmt.Sprintf("Columns: class, confidence, likelihood of a KEV listing (known exploited) within %d days of publication, novel, title, source, age, label. Patch priority (s) = expected severity in CVSS points × that likelihood.", exploitation.DefaultHorizon)))
	b.WriteString("\n")
	b.WriteString(st.Dim.Render("In t, " + m.c.Keys.TechniqueHelp() + ". Beside each technique: ✓ confirmed, ✗ rejected (by whom), · no verdict yet; verdicts travel to the team with graph sync and label pull."))
	b.WriteString("\n")
	b.WriteString(st.Dim.Render("Badges: [C] critical [H] high [M] medium [L] low [I] informational · ✦ novel (unlike the training data; f: filter, s: sort) · ✓ confirmed · ✎ corrected · ≠ teammates labelled it differently (f: contested)"))
	b.WriteString("\n")
	b.WriteString(st.Dim.Render("Every label is on disk before the cursor moves. Press ? or esc to close."))
	return lipgloss.NewStyle().Width(m.width).Height(m.height).MaxHeight(m.height).Padding(1, 2).Render(b.String())
}
