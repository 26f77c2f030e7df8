// Package statusbar is the bottom line of the triage screen: what the
// analyst has done this session (labels, labels per hour), where the queue
// stands, the model, progress toward the next retraining, and the latest
// message or background task.
package statusbar

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"

	"github.com/cyberstreams/cyberstreams/core/termsafe"
	"github.com/cyberstreams/cyberstreams/tui/common"
)

// Model is the status bar.
type Model struct {
	c     *common.Common
	width int

	Started time.Time
	Labels  int // labels given this session (undos subtract)

	Position, Total int
	Sort, Filter    string
	Model           string

	// Learning: progress toward a retrain; Need 0 hides it. Waiting: a
	// trigger fired, but too few labels to judge a candidate yet.
	NewLabels, NeedLabels int
	Waiting               bool
	// Task is a running background job ("retraining: train …"), "" when
	// idle.
	Task string
	// Message is the latest notice; Error marks it as a failure.
	Message string
	Error   bool
	// Hint replaces the key reminder while a mode has keys of its own
	// (the technique verdicts); a notice is shown before it.
	Hint string
}

// New returns a status bar; the session clock starts now.
func New(c *common.Common) *Model { return &Model{c: c, Started: c.Now()} }

// SetSize sets the width (the bar is always two lines).
func (m *Model) SetSize(width, _ int) { m.width = width }

// PerHour is the labeling rate of this session.
func (m *Model) PerHour() float64 {
	h := m.c.Now().Sub(m.Started).Hours()
	if h < 1.0/60 { // under a minute: a rate would be noise
		return 0
	}
	return float64(m.Labels) / h
}

// Say shows a message.
func (m *Model) Say(format string, args ...any) {
	m.Message, m.Error = fmt.Sprintf(format, args...), false
}

// Clear drops the message.
func (m *Model) Clear() { m.Message, m.Error = "", false }

// Fail shows an error.
func (m *Model) Fail(err error) { m.Message, m.Error = termsafe.Line(err.Error(), 200), true }

// View renders two lines: counters, then the message or key reminder.
func (m *Model) View() string {
	st := m.c.Styles
	parts := []string{
		fmt.Sprintf("%d/%d", m.Position, m.Total),
		fmt.Sprintf("labels %d (%.0f/h)", m.Labels, m.PerHour()),
		"sort " + m.Sort,
	}
	if m.Filter != "" {
		parts = append(parts, "filter "+m.Filter)
	}
	if m.NeedLabels > 0 {
		word := "retrain"
		if m.Waiting {
			word = "retrain waits for labels"
		}
		parts = append(parts, fmt.Sprintf("%s %s %d/%d", word, bar(m.NewLabels, m.NeedLabels, 8), m.NewLabels, m.NeedLabels))
	}
	parts = append(parts, "model "+m.Model)
	top := st.Header.Render(fit(" "+strings.Join(parts, " │ "), m.width))
	var bottom string
	switch {
	case m.Task != "":
		bottom = st.Bold.Render(fit("⟳ "+m.Task, m.width))
	case m.Message != "" && m.Error:
		bottom = st.Error.Render(fit("✗ "+m.Message, m.width))
	case m.Message != "" && m.Hint != "":
		bottom = fit(m.Message+" — "+m.Hint, m.width)
	case m.Message != "":
		bottom = fit(m.Message, m.width)
	case m.Hint != "":
		bottom = fit(m.Hint, m.width)
	default:
		bottom = st.Dim.Render(fit(shortHelp(m.c.Keys), m.width))
	}
	return top + "\n" + bottom
}

func shortHelp(k common.KeyMap) string {
	var parts []string
	for _, b := range k.ShortHelp() {
		h := b.Help()
		parts = append(parts, h.Key+" "+h.Desc)
	}
	return strings.Join(parts, " · ")
}

// bar draws done/total in n cells.
func bar(done, total, n int) string {
	k := 0
	if total > 0 {
		k = min(done*n/total, n)
	}
	return "[" + strings.Repeat("■", k) + strings.Repeat("·", n-k) + "]"
}

func fit(s string, w int) string {
	s = termsafe.Line(s, max(w, 2))
	if pad := w - lipgloss.Width(s); pad > 0 {
		s += strings.Repeat(" ", pad)
	}
	return s
}
