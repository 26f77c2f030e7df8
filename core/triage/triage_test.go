package triage_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/exploitation"
	"github.com/cyberstreams/cyberstreams/core/scoring"
	"github.com/cyberstreams/cyberstreams/core/triage"
	"github.com/cyberstreams/cyberstreams/core/triage/triagetest"
	"github.com/cyberstreams/cyberstreams/labels"
)

func TestScoreMissingScoresEachDocumentOnce(t *testing.T) {
	ctx := context.Background()
	s := triagetest.Demo(t, t.TempDir()) // scores everything once
	n, err := s.ScoreMissing(ctx, nil)
	if err != nil || n != 0 {
		t.Fatalf("second ScoreMissing scored %d (err %v), want 0", n, err)
	}
	items, err := s.Items(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 36 {
		t.Fatalf("%d items, want 36", len(items))
	}
	for _, it := range items {
		if !it.Scored() || it.Confidence <= 0 || it.LabelState != triage.Unlabelled {
			t.Fatalf("item %+v not scored or already labelled", it)
		}
		sum := 0.0
		for _, p := range it.Probabilities {
			sum += p
		}
		if math.Abs(sum-1) > 1e-4 {
			t.Fatalf("%s probabilities sum to %v", it.DocID, sum)
		}
	}
}

func TestDetailReasonsAddUpToTheMargin(t *testing.T) {
	ctx := context.Background()
	s := triagetest.Demo(t, t.TempDir())
	d, err := s.Detail(ctx, "demo-009")
	if err != nil {
		t.Fatal(err)
	}
	ex := d.Score.Explanation
	if ex == nil || len(ex.Contributions) == 0 || len(ex.Contributions) > triage.ExplainTop {
		t.Fatalf("explanation %+v", ex)
	}
	sum := ex.Base + ex.Omitted
	for _, c := range ex.Contributions {
		sum += c.SHAP
	}
	if math.Abs(sum-ex.Margin) > 1e-6 {
		t.Fatalf("base + reasons = %v, margin %v", sum, ex.Margin)
	}
	if !slices.Contains(d.Document.Entities["attack_technique"], "T1566.001") {
		t.Fatalf("entities %v", d.Document.Entities)
	}
	// The queue stores scores without reasons; the reasons computed on
	// opening explain the very score the queue shows.
	var stored string
	if err := s.Workspace().DB().QueryRowContext(ctx, `SELECT explanation FROM scores WHERE doc_id = 'demo-009'`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	it, err := s.Item(ctx, "demo-009")
	if err != nil {
		t.Fatal(err)
	}
	same := it.Severity == d.Score.Severity && ex.Margin == d.Score.Margin
	for c := range it.Probabilities { // stored to six decimals
		same = same && math.Abs(it.Probabilities[c]-d.Score.Probabilities[c]) <= 5e-7
	}
	if stored != "null" || !same {
		t.Fatalf("stored explanation %q; queue %s %v, detail %s %v margin %v", stored, it.Severity, it.Probabilities,
			d.Score.Severity, d.Score.Probabilities, ex.Margin)
	}
}

func TestLabelThenUndo(t *testing.T) {
	ctx := context.Background()
	s := triagetest.Demo(t, t.TempDir())
	it, err := s.Item(ctx, "demo-001")
	if err != nil {
		t.Fatal(err)
	}
	other := "low"
	if it.Severity == "low" {
		other = "high"
	}
	tests := []struct {
		severity string
		want     triage.LabelState
	}{{it.Severity, triage.Confirmed}, {other, triage.Corrected}}
	for _, tc := range tests {
		if _, err := s.Label(ctx, "demo-001", tc.severity, "checked"); err != nil {
			t.Fatal(err)
		}
		got, _ := s.Item(ctx, "demo-001")
		if got.LabelState != tc.want || got.Label != tc.severity {
			t.Fatalf("after labelling %s: state %v label %q, want %v", tc.severity, got.LabelState, got.Label, tc.want)
		}
	}
	undone, err := s.Undo(ctx)
	if err != nil || undone.Severity != other {
		t.Fatalf("undo retracted %+v (err %v), want the %s label", undone, err, other)
	}
	got, _ := s.Item(ctx, "demo-001")
	if got.LabelState != triage.Confirmed {
		t.Fatalf("after one undo: %v, want the earlier confirmation back", got.LabelState)
	}
	s.Undo(ctx)
	if _, err := s.Undo(ctx); !errors.Is(err, labels.ErrNothingToUndo) {
		t.Fatalf("third undo: %v", err)
	}
}

func TestDocsWithEntityAndNeighbourhood(t *testing.T) {
	ctx := context.Background()
	s := triagetest.Demo(t, t.TempDir())
	ids, err := s.DocsWithEntity(ctx, "cve", "CVE-2025-99101", 0)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(ids, "demo-001") || !slices.Contains(ids, "demo-007") {
		t.Fatalf("documents naming CVE-2025-99101: %v", ids)
	}
	ns, err := s.Neighbourhood(ctx, "CVE-2025-99101", 1, 10)
	if err != nil || len(ns) != 0 {
		t.Fatalf("empty graph gave %v, %v", ns, err)
	}
}

func item(id, sev string, conf, gap, novelty float64, day int, state triage.LabelState) triage.Item {
	return triage.Item{DocID: id, Severity: sev, Confidence: conf, Gap: gap, Novelty: novelty,
		Published: time.Date(2025, 6, day, 0, 0, 0, 0, time.UTC), LabelState: state}
}

func ids(items []triage.Item) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.DocID)
	}
	return out
}

func TestSortOrders(t *testing.T) {
	items := []triage.Item{
		item("a", "critical", 0.40, 0.05, 0.1, 1, triage.Unlabelled), // priority 2.0
		item("b", "critical", 0.90, 0.80, 0.1, 2, triage.Unlabelled), // 4.5
		item("c", "medium", 0.90, 0.85, 0.9, 3, triage.Confirmed),    // 2.7
		item("d", "low", 0.50, 0.02, 0.1, 4, triage.Unlabelled),      // 1.0
		item("e", "medium", 0.90, 0.85, 0.2, 5, triage.Unlabelled),   // 2.7, less novel than c
	}
	tests := []struct {
		by   triage.Sort
		want []string
	}{
		{triage.ByPriority, []string{"b", "c", "e", "a", "d"}},
		{triage.ByUncertainty, []string{"d", "a", "b", "e", "c"}},
		{triage.ByNewest, []string{"e", "d", "c", "b", "a"}},
		{triage.ByActiveLearning, []string{"d", "a", "b", "e", "c"}},
	}
	for _, tc := range tests {
		got := ids(triage.Apply(items, triage.Filter{}, tc.by, 1))
		if !slices.Equal(got, tc.want) {
			t.Errorf("%v: %v, want %v", tc.by, got, tc.want)
		}
	}
}

func TestActiveLearningJitterIsSeededAndSmall(t *testing.T) {
	var items []triage.Item
	for i := range 200 {
		items = append(items, item(fmt.Sprint(i), "high", 0.5, float64(i%20)/100, 0, 1, triage.Unlabelled))
	}
	a := ids(triage.Apply(items, triage.Filter{}, triage.ByActiveLearning, 7))
	b := ids(triage.Apply(items, triage.Filter{}, triage.ByActiveLearning, 7))
	c := ids(triage.Apply(items, triage.Filter{}, triage.ByActiveLearning, 8))
	if !slices.Equal(a, b) || slices.Equal(a, c) {
		t.Fatal("same seed must give the same order, another seed another")
	}
	sorted := triage.Apply(items, triage.Filter{}, triage.ByActiveLearning, 7)
	for i := 1; i < len(sorted); i++ {
		if sorted[i].Gap+0.05 < sorted[i-1].Gap {
			t.Fatalf("jitter moved gap %v before %v", sorted[i-1].Gap, sorted[i].Gap)
		}
	}
}

func TestFilter(t *testing.T) {
	items := []triage.Item{
		{DocID: "demo-001", Title: "Ridgeback VPN RCE", Source: "advisories.example.com", Severity: "critical"},
		{DocID: "demo-002", Title: "Halcyon mail bypass", Source: "kev.example.org", Severity: "critical", LabelState: triage.Confirmed},
		{DocID: "demo-003", Title: "Weekly summary", Source: "feeds.example.net", Severity: "informational", LabelState: triage.Corrected},
	}
	tests := []struct {
		name string
		f    triage.Filter
		want []int
	}{
		{"everything", triage.Filter{}, []int{0, 1, 2}},
		{"text in title, any case", triage.Filter{Text: "ridgeBACK"}, []int{0}},
		{"text in source", triage.Filter{Text: "kev."}, []int{1}},
		{"severity", triage.Filter{Severity: "critical"}, []int{0, 1}},
		{"source", triage.Filter{Source: "feeds.example.net"}, []int{2}},
		{"unlabelled", triage.Filter{Label: triage.OnlyUnlabelled}, []int{0}},
		{"corrected", triage.Filter{Label: triage.OnlyCorrected}, []int{2}},
		{"nothing", triage.Filter{Text: "zzz"}, []int{}},
	}
	for _, tc := range tests {
		if got := tc.f.Select(items); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestPriorityWeightsSeverity(t *testing.T) {
	for i, sev := range document.Severities {
		it := triage.Item{Severity: sev, Confidence: 1}
		if want := float64(5 - i); it.Priority() != want {
			t.Errorf("%s priority %v, want %v", sev, it.Priority(), want)
		}
	}
}

// TestContestedDocuments: a document teammates labelled differently is
// marked contested and the contested filter keeps it alone, in Apply and
// in the screen's queue; one agreed on is not.
func TestContestedDocuments(t *testing.T) {
	ctx := context.Background()
	s := triagetest.Demo(t, t.TempDir())
	items, err := s.Items(ctx)
	if err != nil {
		t.Fatal(err)
	}
	disputed, agreed := items[0].DocID, items[1].DocID
	for _, l := range []labels.Event{
		{DocID: disputed, Severity: "high", Analyst: "ana"}, {DocID: disputed, Severity: "low", Analyst: "ben"},
		{DocID: agreed, Severity: "medium", Analyst: "ana"}, {DocID: agreed, Severity: "medium", Analyst: "ben"},
	} {
		l.Origin = "cli"
		if _, err := s.Workspace().Labels().Add(ctx, l); err != nil {
			t.Fatal(err)
		}
	}
	items, err = s.Items(ctx)
	if err != nil {
		t.Fatal(err)
	}
	f := triage.Filter{Contested: true}
	got := triage.Apply(slices.Clone(items), f, triage.ByPriority, 0)
	if len(got) != 1 || got[0].DocID != disputed || !got[0].Contested {
		t.Fatalf("contested filter kept %+v, want %s alone", got, disputed)
	}
	q := triage.NewQueue(items, 0)
	if sel := q.Select(triage.ByPriority, f); len(sel) != 1 || q.At(sel[0]).DocID != disputed {
		t.Fatalf("the queue's contested selection: %v", sel)
	}
}

// TestDetailExploitation: the detail pane's score carries the exploitation
// likelihood `score` gives the document over the default horizon, with
// its top reasons in words and the patch priority from the score shown.
func TestDetailExploitation(t *testing.T) {
	ctx := context.Background()
	s := triagetest.Demo(t, t.TempDir())
	for _, id := range []string{"demo-003", "demo-007"} {
		d, err := s.Detail(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		e := d.Score.Exploitation
		if e == nil || e.HorizonDays != exploitation.DefaultHorizon || len(e.Reasons) == 0 || len(e.Reasons) > triage.ExploitationTop ||
			e.Reasons[0].Text == "" || !strings.Contains(e.Summary, "likely to be listed as exploited within 30 days") {
			t.Fatalf("%s: exploitation %+v", id, e)
		}
		if want := exploitation.Priority(d.Score.Probabilities, e.Probability); math.Abs(e.Priority-want) > 1e-12 {
			t.Errorf("%s: priority %v, want %v from the shown severity", id, e.Priority, want)
		}
		fresh := s.Scorer().Score(&d.Document, scoring.Options{Explain: triage.ExploitationTop, Exploitation: exploitation.DefaultHorizon})
		if math.Abs(fresh.Exploitation.Probability-e.Probability) > 1e-12 {
			t.Errorf("%s: probability %v, score gives %v", id, e.Probability, fresh.Exploitation.Probability)
		}
	}
	// demo-009 names no CVE: no likelihood, said in words.
	d, err := s.Detail(ctx, "demo-009")
	if err != nil {
		t.Fatal(err)
	}
	if e := d.Score.Exploitation; e == nil || !e.NoCVE || e.Summary != exploitation.NoCVESummary || len(e.Reasons) != 0 {
		t.Fatalf("demo-009: exploitation %+v", e)
	}
}
