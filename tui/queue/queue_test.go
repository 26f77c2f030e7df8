package queue

import (
	"testing"

	"github.com/charmbracelet/lipgloss"

	"github.com/cyberstreams/cyberstreams/core/triage"
)

// TestLikelihood: the exploitation column is always likelihoodWidth cells
// and shows a rare event with the digits it needs.
func TestLikelihood(t *testing.T) {
	for _, tc := range []struct {
		name    string
		p       float64
		horizon int
		noCVE   bool
		want    string
	}{
		{"names no CVE", 0, 30, true, "  n/a"},
		{"no likelihood stored", 0.5, 0, false, "    –"},
		{"zero", 0, 30, false, "<0.1%"},
		{"below a tenth of a percent", 0.0004, 30, false, "<0.1%"},
		{"rounds up to a tenth", 0.0005, 30, false, " 0.1%"},
		{"a few percent", 0.0213, 30, false, " 2.1%"},
		{"just under ten", 0.0994, 30, false, " 9.9%"},
		{"rounds to ten", 0.0996, 30, false, "  10%"},
		{"certain", 1, 30, false, " 100%"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Likelihood(&triage.Item{Exploitation: tc.p, ExploitationHorizon: tc.horizon, NoCVE: tc.noCVE})
			if got != tc.want || lipgloss.Width(got) != likelihoodWidth {
				t.Fatalf("Likelihood(%v over %d days) = %q, want %q (%d cells)", tc.p, tc.horizon, got, tc.want, likelihoodWidth)
			}
		})
	}
}
