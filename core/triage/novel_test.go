package triage_test

import (
	"testing"
	"time"

	"github.com/cyberstreams/cyberstreams/core/triage"
)

// The novel filter keeps the flagged documents; the novelty sort puts the
// flagged ones first, each group most novel first, then newest — the
// same through Apply and through a Queue.
func TestNovelFilterAndSort(t *testing.T) {
	day := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	items := []triage.Item{
		{DocID: "a", Severity: "high", Confidence: 0.9, Novelty: 0.99, Novel: true, Published: day},
		{DocID: "b", Severity: "low", Confidence: 0.5, Novelty: 0.40, Published: day.Add(time.Hour)},
		{DocID: "c", Severity: "medium", Confidence: 0.6, Novelty: 0.97, Novel: true, Published: day.Add(2 * time.Hour)},
		{DocID: "d", Severity: "critical", Confidence: 0.7, Novelty: 0.90, Published: day.Add(3 * time.Hour)},
		{DocID: "e", Severity: "critical", Confidence: 0.7, Novelty: 0.99, Novel: true, Published: day.Add(4 * time.Hour)},
	}
	tests := []struct {
		name   string
		filter triage.Filter
		by     triage.Sort
		want   []string
	}{
		{"novel only, by novelty", triage.Filter{Novel: true}, triage.ByNovelty, []string{"e", "a", "c"}},
		{"all, by novelty", triage.Filter{}, triage.ByNovelty, []string{"e", "a", "c", "d", "b"}},
		{"novel critical", triage.Filter{Novel: true, Severity: "critical"}, triage.ByPriority, []string{"e"}},
		{"novel only, by priority (4×0.9 before 5×0.7)", triage.Filter{Novel: true}, triage.ByPriority, []string{"a", "e", "c"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantOrder(t, items, tt.filter, tt.by, tt.want) })
	}
	if triage.ByNovelty.String() != "novelty" {
		t.Fatalf("ByNovelty is called %q", triage.ByNovelty.String())
	}
}
