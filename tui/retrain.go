package tui

import (
	"fmt"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/cyberstreams/cyberstreams/core/termsafe"
	"github.com/cyberstreams/cyberstreams/tui/learning"
)

// The root's side of the learning loop (tui/learning): the status bar's
// progress toward a retrain, the banner, and the queue rescored after a
// promotion.

// checkLearning asks the learner where the triggers stand.
func (m *Model) checkLearning() tea.Cmd {
	cmd, err := m.learning.Check()
	if err != nil {
		m.status.Fail(err)
	}
	return cmd
}

func (m *Model) learned(msg learning.StatusMsg) tea.Cmd {
	retrain := m.learning.Checked(msg, m.status.Labels)
	if msg.Err != nil {
		m.status.Fail(msg.Err)
		return nil
	}
	st := msg.Status
	m.status.NewLabels, m.status.NeedLabels = st.NewLabels, st.NeedLabels
	if waiting := st.Waiting != ""; waiting != m.status.Waiting {
		// Said when it starts, not on every check: the bar keeps the count.
		m.status.Waiting = waiting
		if waiting {
			m.status.Say("%s fired; no retrain until enough labels to judge a candidate (%d/%d)",
				strings.Join(st.Fired, ", "), st.NewLabels, st.NeedLabels)
		}
	}
	if st.Drift {
		m.banner = "drift detected: recent documents differ from the model's training data"
	}
	if !retrain {
		return nil
	}
	cmd, err := m.learning.Start(m.status.Labels)
	if err != nil {
		m.status.Fail(err)
		return nil
	}
	m.status.Task = "retraining (" + strings.Join(st.Fired, ", ") + ")"
	return cmd
}

func (m *Model) retrained(msg learning.DoneMsg) tea.Cmd {
	m.learning.Finished()
	m.status.Task = ""
	if msg.Err != nil {
		m.status.Fail(msg.Err)
		return nil
	}
	o := msg.Result.Outcome
	if !msg.Result.Switched {
		m.status.Say("candidate %s not promoted: %s", o.Candidate, o.Reason)
		return m.checkLearning()
	}
	m.banner = fmt.Sprintf("new model %s promoted (%s)", o.Candidate, termsafe.Line(o.Reason, 80))
	m.status.Model = m.s.Model()
	m.status.Say("queue rescored with %s (%d documents)", m.s.Model(), msg.Result.Rescored)
	s, ctx := m.s, m.ctx
	return tea.Batch(func() tea.Msg {
		items, err := s.Items(ctx)
		return itemsMsg{items, err}
	}, m.checkLearning())
}
