// Package learning is the labeling session's side of the learning loop on
// the triage screen: it asks the learner where the retraining triggers
// stand, and runs a retrain in the background when one fires. Every step
// comes back to the root model as a message (status, progress, done), so
// Update never waits; quitting cancels a running retrain, and Wait blocks
// until it has stopped, so that the program never exits while a model is
// being written.
package learning

import (
	"context"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/cyberstreams/cyberstreams/core/learner"
	"github.com/cyberstreams/cyberstreams/core/triage"
)

// Messages to the root model.
type (
	// StatusMsg is where the triggers stand.
	StatusMsg struct {
		Status triage.LearningStatus
		Err    error
	}
	// ProgressMsg is one step of a running retrain.
	ProgressMsg struct{ Progress triage.RetrainProgress }
	// DoneMsg ends a retrain.
	DoneMsg struct {
		Result triage.RetrainResult
		Err    error
	}
)

// Model tracks the triggers and the background retrain of one session.
type Model struct {
	ctx context.Context
	s   *triage.Session

	// override replaces the workspace's learner settings (tests).
	override *learner.Config
	cfg      learner.Config
	cfgErr   error

	checking    bool
	retrainedAt int // session label count at the last retrain, -1 never

	// The running retrain: progress delivers its messages one at a time,
	// cancel stops it, done is closed when its goroutine has returned.
	progress chan tea.Msg
	cancel   context.CancelFunc
	done     chan struct{}
}

// New returns the learning loop of a session; cfg nil reads the
// workspace's settings (config.json) on first use.
func New(ctx context.Context, s *triage.Session, cfg *learner.Config) *Model {
	return &Model{ctx: ctx, s: s, override: cfg, retrainedAt: -1}
}

// Retraining reports whether a retrain is running.
func (m *Model) Retraining() bool { return m.progress != nil }

// Config is the learner settings in use.
func (m *Model) Config() (learner.Config, error) {
	if m.override != nil {
		return *m.override, nil
	}
	if m.cfgErr == nil && m.cfg.MinNewLabels == 0 {
		m.cfg, m.cfgErr = m.s.LearnerConfig()
	}
	return m.cfg, m.cfgErr
}

// Check asks the learner where the triggers stand (a StatusMsg follows);
// nil when a check or a retrain is already running.
func (m *Model) Check() (tea.Cmd, error) {
	if m.checking || m.Retraining() {
		return nil, nil
	}
	cfg, err := m.Config()
	if err != nil {
		return nil, err
	}
	m.checking = true
	s, ctx := m.s, m.ctx
	return func() tea.Msg {
		st, err := s.Learning(ctx, cfg)
		return StatusMsg{st, err}
	}, nil
}

// Checked records a StatusMsg and reports whether to retrain now: the
// check succeeded, a trigger fired, nothing is running, and the analyst
// has given enough labels since the last retrain of this session (labels
// is the session's count) for a new candidate to differ.
func (m *Model) Checked(msg StatusMsg, labels int) bool {
	m.checking = false
	st := msg.Status
	return msg.Err == nil && st.Needed && !m.Retraining() && (m.retrainedAt < 0 || labels-m.retrainedAt >= max(st.NeedLabels, 1))
}

// Start runs a retrain in the background (labels is the session's label
// count); ProgressMsgs and then one DoneMsg follow.
func (m *Model) Start(labels int) (tea.Cmd, error) {
	cfg, err := m.Config()
	if err != nil {
		return nil, err
	}
	m.retrainedAt = labels
	ctx, cancel := context.WithCancel(m.ctx)
	ch, done := make(chan tea.Msg, 8), make(chan struct{})
	m.progress, m.cancel, m.done = ch, cancel, done
	s := m.s
	go func() {
		defer close(done)
		defer close(ch)
		r, err := s.Retrain(ctx, cfg, func(p triage.RetrainProgress) {
			select {
			case ch <- ProgressMsg{p}:
			default: // the screen is behind; skip a progress line rather than block training
			}
		})
		select {
		case ch <- DoneMsg{r, err}:
		case <-ctx.Done(): // quit: nobody reads the channel any more
		}
	}()
	return m.Next(), nil
}

// Next waits for the running retrain's next message.
func (m *Model) Next() tea.Cmd {
	ch := m.progress
	if ch == nil {
		return nil
	}
	return func() tea.Msg {
		msg, ok := <-ch
		if !ok {
			return nil
		}
		return msg
	}
}

// Finished records a DoneMsg.
func (m *Model) Finished() {
	if m.cancel != nil {
		m.cancel()
	}
	m.progress, m.cancel = nil, nil
}

// Cancel stops a running retrain (the analyst quit). The learner stops at
// its next step and registers nothing it has not finished writing.
func (m *Model) Cancel() {
	if m.cancel != nil {
		m.cancel()
	}
}

// Wait blocks until the background retrain, if any, has returned.
func (m *Model) Wait() {
	if m.done != nil {
		<-m.done
	}
}
