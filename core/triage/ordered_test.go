package triage_test

import (
	"cmp"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/triage"
)

// referenceSort is the orders as specified, the slow way: keys recomputed
// on every comparison straight from the Item methods.
func referenceSort(items []triage.Item, by triage.Sort, seed uint64) []string {
	items = slices.Clone(items)
	jitter := func(id string) float64 {
		h := fnv.New64a()
		var b [8]byte
		for i := range b {
			b[i] = byte(seed >> (8 * i))
		}
		h.Write(b[:])
		h.Write([]byte(id))
		return float64(h.Sum64()>>11) / (1 << 53)
	}
	keys := func(it *triage.Item) (a, b float64) {
		switch by {
		case triage.ByPriority:
			return -it.Priority(), -it.Novelty
		case triage.ByUncertainty:
			if !it.Scored() {
				a = 1
			}
			return a, it.Gap
		case triage.ByActiveLearning:
			if it.LabelState != triage.Unlabelled {
				a = 1
			}
			return a, it.Gap + 0.05*jitter(it.DocID)
		}
		return 0, 0
	}
	slices.SortFunc(items, func(x, y triage.Item) int {
		xa, xb := keys(&x)
		ya, yb := keys(&y)
		if c := cmp.Compare(xa, ya); c != 0 {
			return c
		}
		if c := cmp.Compare(xb, yb); c != 0 {
			return c
		}
		if c := cmp.Compare(-x.When().UnixNano(), -y.When().UnixNano()); c != 0 {
			return c
		}
		return cmp.Compare(x.DocID, y.DocID)
	})
	return ids(items)
}

// randomItems has many ties (few distinct confidences, gaps and days) so
// that every tie-break is exercised.
func randomItems(r *rand.Rand, n int) []triage.Item {
	titles := []string{"Ridgeback VPN RCE", "HALCYON mail bypass", "Überwachung: Kernel-Lücke", "weekly summary", "ＦＵＬＬ width", "İstanbul ıssue"}
	sources := []string{"advisories.example.com", "KEV.example.org", "", "feeds.example.net"}
	items := make([]triage.Item, n)
	ids := r.Perm(10 * n) // unique ids in random order
	for i := range items {
		it := triage.Item{DocID: fmt.Sprintf("Doc-%04d", ids[i]), Title: titles[r.IntN(len(titles))] + fmt.Sprint(" ", i),
			Source: sources[r.IntN(len(sources))], Confidence: float64(r.IntN(4)) / 4, Gap: float64(r.IntN(3)) / 3,
			Novelty: float64(r.IntN(2)) / 2, LabelState: triage.LabelState(r.IntN(3))}
		if r.IntN(6) > 0 {
			it.Severity = document.Severities[r.IntN(5)]
		}
		if r.IntN(4) > 0 {
			it.Published = time.Date(2025, 6, 1+r.IntN(5), 0, 0, 0, 0, time.UTC)
		} else {
			it.IngestedAt = time.Date(2025, 6, 1+r.IntN(5), 0, 0, 0, 0, time.UTC)
		}
		items[i] = it
	}
	return items
}

func orderIDs(q *triage.Queue, sel []int32) []string {
	out := make([]string, len(sel))
	for j, i := range sel {
		out[j] = q.At(i).DocID
	}
	return out
}

var allSorts = []triage.Sort{triage.ByPriority, triage.ByUncertainty, triage.ByNewest, triage.ByActiveLearning}

func TestQueueOrdersMatchTheReference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for round := range 20 {
		items := randomItems(r, 1+r.IntN(300))
		seed := uint64(round)
		q := triage.NewQueue(slices.Clone(items), seed)
		for _, by := range allSorts {
			want := referenceSort(items, by, seed)
			if got := orderIDs(q, q.Order(by)); !slices.Equal(got, want) {
				t.Fatalf("round %d %v:\n got %v\nwant %v", round, by, got, want)
			}
			sorted := slices.Clone(items)
			triage.SortItems(sorted, by, seed)
			if got := ids(sorted); !slices.Equal(got, want) {
				t.Fatalf("round %d SortItems %v:\n got %v\nwant %v", round, by, got, want)
			}
		}
	}
}

func TestQueueSelectMatchesFilter(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	items := randomItems(r, 400)
	items = append(items, triage.Item{DocID: "odd", Title: "nul\x00byte", Severity: "bogus"})
	filters := []triage.Filter{
		{}, {Text: "ridgeback"}, {Text: "  HALCYON "}, {Text: "überwachung"}, {Text: "ＦＵＬＬ"}, {Text: "i̇stanbul"},
		{Text: "doc-00"}, {Text: "Doc-00"}, {Text: "kev."}, {Text: "rce 1"}, {Text: "zzz"}, {Text: "l\x00b"}, {Text: "\x00"},
		{Severity: "critical"}, {Severity: "bogus"}, {Severity: "nonesuch"}, {Source: "KEV.example.org"}, {Source: "nowhere"},
		{Label: triage.OnlyUnlabelled}, {Label: triage.OnlyConfirmed, Text: "e"}, {Label: triage.OnlyCorrected, Severity: "low", Source: ""},
	}
	q := triage.NewQueue(items, 1)
	for _, by := range allSorts {
		order := q.Order(by)
		for _, f := range filters {
			var want []string
			keep := f.Select(items)
			for _, i := range order {
				if slices.Contains(keep, int(i)) {
					want = append(want, items[i].DocID)
				}
			}
			if got := orderIDs(q, q.Select(by, f)); !slices.Equal(got, want) && len(got)+len(want) > 0 {
				t.Errorf("%v %+v:\n got %v\nwant %v", by, f, got, want)
			}
		}
	}
}

func TestQueueNarrowTypingGivesSelect(t *testing.T) {
	q := triage.NewQueue(randomItems(rand.New(rand.NewPCG(5, 6)), 500), 1)
	typed := "ridgeback vpn rce 1"
	prev := triage.Filter{Label: triage.OnlyUnlabelled}
	sel := q.Select(triage.ByPriority, prev)
	for n := 1; n <= len(typed); n++ {
		f := prev
		f.Text = typed[:n]
		if !triage.Narrows(prev, f) {
			t.Fatalf("%q does not narrow %q", f.Text, prev.Text)
		}
		sel = q.Narrow(sel, f)
		if want := q.Select(triage.ByPriority, f); !slices.Equal(sel, want) {
			t.Fatalf("after %q: narrowed %v, selected %v", f.Text, sel, want)
		}
		prev = f
	}
	for _, tc := range []struct {
		from, to triage.Filter
		want     bool
	}{
		{triage.Filter{Text: "vpn"}, triage.Filter{Text: "VPN rce"}, true},
		{triage.Filter{Text: "vpn rce"}, triage.Filter{Text: "vpn"}, false}, // backspace
		{triage.Filter{Text: "vpn"}, triage.Filter{Text: "vpn", Severity: "high"}, false},
	} {
		if got := triage.Narrows(tc.from, tc.to); got != tc.want {
			t.Errorf("Narrows(%+v, %+v) = %v", tc.from, tc.to, got)
		}
	}
}

// Labelling and rescoring move items within the orders already computed;
// the orders must stay what a fresh sort gives.
func TestQueueUpdateKeepsOrdersSorted(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	items := randomItems(r, 300)
	q := triage.NewQueue(slices.Clone(items), 9)
	for _, by := range allSorts {
		q.Order(by)
	}
	for step := range 200 {
		i := r.IntN(len(items))
		it := *q.At(int32(slices.IndexFunc(q.Items(), func(x triage.Item) bool { return x.DocID == items[i].DocID })))
		switch step % 3 {
		case 0: // a label
			it.LabelState, it.Label = triage.LabelState(r.IntN(3)), "high"
		case 1: // a rescore
			it.Confidence, it.Gap, it.Severity = r.Float64(), r.Float64(), document.Severities[r.IntN(5)]
		case 2: // re-ingested with another title
			it.Title = strings.ToUpper(it.Title) + " revised"
		}
		if !q.Update(it) {
			t.Fatalf("%s not in the queue", it.DocID)
		}
		fresh := triage.NewQueue(slices.Clone(q.Items()), 9)
		for _, by := range allSorts {
			if got, want := orderIDs(q, q.Order(by)), orderIDs(fresh, fresh.Order(by)); !slices.Equal(got, want) {
				t.Fatalf("step %d %v after updating %s:\n got %v\nwant %v", step, by, it.DocID, got, want)
			}
			f := triage.Filter{Text: "revised"}
			if got, want := orderIDs(q, q.Select(by, f)), orderIDs(fresh, fresh.Select(by, f)); !slices.Equal(got, want) {
				t.Fatalf("step %d %v text filter after a new title: got %v want %v", step, by, got, want)
			}
		}
	}
	if q.Update(triage.Item{DocID: "not-there"}) {
		t.Fatal("an unknown document was updated")
	}
}

func TestQueueSources(t *testing.T) {
	q := triage.NewQueue([]triage.Item{{DocID: "a", Source: "b.org"}, {DocID: "b"}, {DocID: "c", Source: "a.org"}, {DocID: "d", Source: "b.org"}}, 0)
	if got := q.Sources(); !slices.Equal(got, []string{"a.org", "b.org"}) {
		t.Fatalf("sources %v", got)
	}
}

// FuzzQueueSelect: the haystack search finds exactly what Filter.match
// finds, for any title, source, id and typed text.
func FuzzQueueSelect(f *testing.F) {
	f.Add("Ridgeback VPN RCE", "kev.example.org", "Doc-1", "vpn")
	f.Add("Überwachung", "", "x", "ÜBER")
	f.Add("a\x00b", "c", "d", "a\x00b")
	f.Add("İ", "", "", "i̇")
	f.Fuzz(func(t *testing.T, title, source, id, text string) {
		items := []triage.Item{{DocID: id, Title: title, Source: source}, {DocID: id + "2", Title: source, Source: title}}
		fl := triage.Filter{Text: text}
		q := triage.NewQueue(items, 0)
		got := q.Select(triage.ByNewest, fl)
		want := fl.Select(items)
		var gotIdx []int
		for _, i := range got {
			gotIdx = append(gotIdx, int(i))
		}
		slices.Sort(gotIdx)
		if !slices.Equal(gotIdx, want) && len(gotIdx)+len(want) > 0 {
			t.Fatalf("%+v: queue %v, filter %v", items, gotIdx, want)
		}
	})
}

func TestSorterOrdersInTheBackground(t *testing.T) {
	items := randomItems(rand.New(rand.NewPCG(11, 12)), 300)
	q := triage.NewQueue(slices.Clone(items), 3)
	s := q.Sorter()
	done := make(chan []int32)
	go func() { done <- s.Order(triage.ByActiveLearning) }()
	order := <-done
	if !q.Adopt(triage.ByActiveLearning, order, s) {
		t.Fatal("an order of an unchanged queue was refused")
	}
	fresh := triage.NewQueue(slices.Clone(items), 3)
	if got, want := orderIDs(q, q.Order(triage.ByActiveLearning)), orderIDs(fresh, fresh.Order(triage.ByActiveLearning)); !slices.Equal(got, want) {
		t.Fatalf("adopted %v, want %v", got, want)
	}
	if q.Adopt(triage.ByActiveLearning, order, s) {
		t.Fatal("an order the queue already has was replaced")
	}

	stale := q.Sorter()
	it := *q.At(0)
	it.LabelState = triage.Confirmed
	q.Update(it)
	if q.Adopt(triage.ByUncertainty, stale.Order(triage.ByUncertainty), stale) {
		t.Fatal("an order from before a label was adopted")
	}
	other := triage.NewQueue(slices.Clone(items), 3)
	if other.Adopt(triage.ByNewest, q.Sorter().Order(triage.ByNewest), q.Sorter()) {
		t.Fatal("an order of another queue was adopted")
	}
}
