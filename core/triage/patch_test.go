package triage_test

import (
	"slices"
	"testing"
	"time"

	"github.com/cyberstreams/cyberstreams/core/exploitation"
	"github.com/cyberstreams/cyberstreams/core/scoring"
	"github.com/cyberstreams/cyberstreams/core/triage"
)

// patchItems: a queue whose patch priorities tie in each way the order
// breaks ties — on the likelihood, on the publication time, on the id —
// and documents without a likelihood (not scored yet, or scored before
// scores carried one).
func patchItems() []triage.Item {
	day := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	scored := func(id, sev string, p, priority float64, hours int) triage.Item {
		return triage.Item{DocID: id, Severity: sev, Confidence: 0.8, Published: day.Add(time.Duration(hours) * time.Hour),
			Exploitation: p, ExploitationHorizon: exploitation.DefaultHorizon, PatchPriority: priority}
	}
	return []triage.Item{
		scored("mid-likelier", "high", 0.30, 2.0, 0),
		{DocID: "unscored", Published: day.Add(9 * time.Hour)},
		scored("top", "critical", 0.50, 4.5, 0),
		scored("mid-less-likely", "critical", 0.25, 2.0, 5),
		// Scored before scores carried a likelihood: no horizon, whatever
		// else the row holds.
		{DocID: "old-score", Severity: "critical", Confidence: 0.99, Published: day.Add(8 * time.Hour), PatchPriority: 9},
		scored("low-older", "low", 0.10, 0.5, 1),
		scored("low-newer", "medium", 0.10, 0.5, 2),
		scored("same-b", "low", 0.01, 0.02, 3),
		scored("same-a", "low", 0.01, 0.02, 3),
		scored("never", "informational", 0, 0, 4),
		// Name no CVE: no likelihood, after every one with a likelihood,
		// by expected severity alone.
		{DocID: "nocve-low", Severity: "low", Confidence: 0.9, Published: day.Add(6 * time.Hour), Probabilities: [5]float64{0, 0, 0.1, 0.9, 0},
			ExploitationHorizon: exploitation.DefaultHorizon, NoCVE: true},
		{DocID: "nocve-critical", Severity: "critical", Confidence: 0.9, Published: day, Probabilities: [5]float64{0.9, 0.1, 0, 0, 0},
			ExploitationHorizon: exploitation.DefaultHorizon, NoCVE: true},
	}
}

// TestPatchPrioritySort: the patch-priority order puts the highest expected
// harm first, breaks ties by the likelihood, then newest, then id, and
// puts documents without a likelihood last (newest first); the same through
// Apply and through a Queue, with filters keeping that order.
func TestPatchPrioritySort(t *testing.T) {
	items := patchItems()
	tests := []struct {
		name   string
		filter triage.Filter
		want   []string
	}{
		{"all", triage.Filter{}, []string{"top", "mid-likelier", "mid-less-likely", "low-newer", "low-older",
			"same-a", "same-b", "never", "nocve-critical", "nocve-low", "unscored", "old-score"}},
		{"critical only", triage.Filter{Severity: "critical"}, []string{"top", "mid-less-likely", "nocve-critical", "old-score"}},
		{"text", triage.Filter{Text: "low"}, []string{"low-newer", "low-older", "nocve-low"}},
		{"nothing matches", triage.Filter{Severity: "medium", Text: "top"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantOrder(t, items, tt.filter, triage.ByPatchPriority, tt.want) })
	}
	if got := triage.ByPatchPriority.String(); got != "patch priority" {
		t.Fatalf("ByPatchPriority is called %q", got)
	}
}

// TestPatchPriorityAgreesWithPriorities: where patch priorities and
// likelihoods do not tie, the queue's order is the one `cyberstreams
// priorities` prints (scoring.SortByPriority).
func TestPatchPriorityAgreesWithPriorities(t *testing.T) {
	var items []triage.Item
	var results []scoring.Result
	for _, it := range patchItems() {
		if it.DocID == "mid-less-likely" || it.DocID == "low-older" || it.DocID == "same-b" {
			continue // the ties that order by time, which records lack
		}
		items = append(items, it)
		r := scoring.Result{ID: it.DocID, Probabilities: it.Probabilities}
		switch {
		case it.HasExploitation():
			r.Exploitation = &exploitation.Prediction{Probability: it.Exploitation, HorizonDays: it.ExploitationHorizon, Priority: it.PatchPriority}
		case it.NoCVE:
			r.Exploitation = &exploitation.Prediction{HorizonDays: it.ExploitationHorizon, NoCVE: true}
		}
		results = append(results, r)
	}
	scoring.SortByPriority(results)
	var want, got []string
	for _, r := range results {
		if r.Exploitation != nil {
			want = append(want, r.ID)
		}
	}
	for _, it := range triage.Apply(items, triage.Filter{}, triage.ByPatchPriority, 0) {
		if it.HasExploitation() || it.NoCVE {
			got = append(got, it.DocID)
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("queue %v, priorities %v", got, want)
	}
}

// TestPatchPriorityFollowsARescore: an item rescored with another patch
// priority moves within the order already computed, as a fresh sort would
// put it.
func TestPatchPriorityFollowsARescore(t *testing.T) {
	tests := []struct {
		name     string
		id       string
		priority float64
		horizon  int
		wantAt   int
	}{
		{"raised to the top", "never", 5, exploitation.DefaultHorizon, 0},
		{"lowered to no harm, still the likeliest of those", "top", 0, exploitation.DefaultHorizon, 6},
		{"its likelihood gone", "top", 4.5, 0, 11},
		{"an old score gains one", "old-score", 3, exploitation.DefaultHorizon, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items := patchItems()
			q := triage.NewQueue(items, 1)
			q.Order(triage.ByPatchPriority)
			pos, _ := q.Position(tt.id)
			it := *q.At(pos)
			it.PatchPriority, it.ExploitationHorizon = tt.priority, tt.horizon
			if !q.Update(it) {
				t.Fatalf("%s not in the queue", tt.id)
			}
			var moved, fresh []string
			for _, i := range q.Order(triage.ByPatchPriority) {
				moved = append(moved, q.At(i).DocID)
			}
			for _, x := range triage.Apply(q.Items(), triage.Filter{}, triage.ByPatchPriority, 1) {
				fresh = append(fresh, x.DocID)
			}
			if !slices.Equal(moved, fresh) {
				t.Fatalf("after the update %v, a fresh sort gives %v", moved, fresh)
			}
			if at := slices.Index(moved, tt.id); at != tt.wantAt {
				t.Fatalf("%s at %d, want %d: %v", tt.id, at, tt.wantAt, moved)
			}
		})
	}
}

// wantOrder fails the test unless both Apply and a Queue's Select give
// the documents passing filter in the order want, sorted by `by`.
func wantOrder(t *testing.T, items []triage.Item, filter triage.Filter, by triage.Sort, want []string) {
	t.Helper()
	var got []string
	for _, it := range triage.Apply(items, filter, by, 1) {
		got = append(got, it.DocID)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("Apply: %v, want %v", got, want)
	}
	q := triage.NewQueue(items, 1)
	got = got[:0]
	for _, i := range q.Select(by, filter) {
		got = append(got, items[i].DocID)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("Queue.Select: %v, want %v", got, want)
	}
}
