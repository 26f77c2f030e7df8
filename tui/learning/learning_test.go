package learning

import (
	"context"
	"errors"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/cyberstreams/cyberstreams/core/learner"
	"github.com/cyberstreams/cyberstreams/core/triage"
)

func TestChecked(t *testing.T) {
	needed := triage.LearningStatus{Needed: true, NeedLabels: 10, Fired: []string{"new labels"}}
	for _, tc := range []struct {
		name        string
		retrainedAt int
		running     bool
		msg         StatusMsg
		labels      int
		want        bool
	}{
		{"a trigger fired", -1, false, StatusMsg{Status: needed}, 0, true},
		{"no trigger", -1, false, StatusMsg{Status: triage.LearningStatus{NeedLabels: 10}}, 0, false},
		{"the check failed", -1, false, StatusMsg{Status: needed, Err: errors.New("locked")}, 0, false},
		{"a retrain is running", -1, true, StatusMsg{Status: needed}, 0, false},
		{"too few labels since this session's last retrain", 5, false, StatusMsg{Status: needed}, 14, false},
		{"enough labels since", 5, false, StatusMsg{Status: needed}, 15, true},
		{"a trigger without a label count needs one new label", 5, false, StatusMsg{Status: triage.LearningStatus{Needed: true}}, 6, true},
		{"and not none", 5, false, StatusMsg{Status: triage.LearningStatus{Needed: true}}, 5, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := New(context.Background(), nil, &learner.Config{MinNewLabels: 10})
			m.retrainedAt, m.checking = tc.retrainedAt, true
			if tc.running {
				m.progress = make(chan tea.Msg)
			}
			if got := m.Checked(tc.msg, tc.labels); got != tc.want {
				t.Fatalf("Checked = %v, want %v", got, tc.want)
			}
			if m.checking {
				t.Fatal("a check still counts as running after its answer")
			}
			if cmd, err := m.Check(); tc.running != (cmd == nil) || err != nil {
				t.Fatalf("after the answer Check gives %v, %v; want a check unless a retrain runs", cmd != nil, err)
			}
		})
	}
}

// TestNothingToWaitFor: without a retrain Cancel, Finished and Wait do
// nothing and return.
func TestNothingToWaitFor(t *testing.T) {
	m := New(context.Background(), nil, nil)
	m.Cancel()
	m.Finished()
	m.Wait()
	if m.Retraining() || m.Next() != nil {
		t.Fatal("an idle loop reports a retrain")
	}
}
