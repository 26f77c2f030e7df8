package triage

import (
	"bytes"
	"cmp"
	"slices"
	"strings"

	"github.com/cyberstreams/cyberstreams/core/exploitation"
)

// Queue is a loaded queue held in memory for the triage screen. Each item's
// sort keys and filter facts are computed once, when the queue is built;
// each sort order is computed the first time it is asked for and then kept,
// repaired in place when a label or a new score moves one item, so cycling
// the sort or re-filtering at 100,000 documents never sorts again. Orders
// are lists of item positions (int32): the items themselves never move.
//
// A Queue is not safe for concurrent use; the triage screen owns one.
type Queue struct {
	items []Item
	facts []facts
	ids   []string // items[i].DocID: what sorting reads, apart from the items
	index map[string]int32
	seed  uint64
	// version counts Updates, so that an order computed in the background
	// from an older snapshot is refused (Adopt).
	version uint64

	orders [numSorts][]int32 // nil until first asked for

	// Interned severities and sources: filters compare small integers.
	sevs, sources []string
	sevID, srcID  map[string]int32

	// hay is the lower-cased text the / filter searches, item after item:
	// title \x00 source \x00 document id \x00. hayAt[i] is where item i
	// starts, hayAt[len(items)] the end. One pointer-free buffer searched
	// with bytes.Index is several times faster than folding each title on
	// every key press, and costs the garbage collector nothing to scan.
	hay   []byte
	hayAt []int32
}

// numSorts is the number of Sort values.
const numSorts = int(ByPatchPriority) + 1

// facts are what sorting and filtering read of an item, computed once.
type facts struct {
	priority, novelty, gap float64
	when                   int64 // When().UnixNano()
	sev, source            int32 // interned ids
	state                  LabelState
	scored, novel          bool
	contested              bool
	// patch and exploit are the patch priority and exploitation
	// likelihood; hasExploit says the item has them. For an item that
	// names no CVE (noCVE), patch is its expected severity.
	patch, exploit    float64
	hasExploit, noCVE bool
}

// NewQueue holds items (as loaded, in any order; the slice is kept, not
// copied) for sorting and filtering; seed drives the active-learning
// jitter, as in SortItems.
func NewQueue(items []Item, seed uint64) *Queue {
	q := newQueue(items, seed)
	q.index = make(map[string]int32, len(items))
	for i := range items {
		q.index[items[i].DocID] = int32(i)
	}
	q.buildHay()
	return q
}

// newQueue computes the facts only: enough to sort (SortItems).
func newQueue(items []Item, seed uint64) *Queue {
	q := &Queue{items: items, seed: seed, facts: make([]facts, len(items)), ids: make([]string, len(items)),
		sevID: map[string]int32{}, srcID: map[string]int32{}}
	for i := range items {
		q.facts[i] = q.factsOf(&items[i])
		q.ids[i] = items[i].DocID
	}
	return q
}

func (q *Queue) factsOf(it *Item) facts {
	f := facts{priority: it.Priority(), novelty: it.Novelty, gap: it.Gap, when: it.When().UnixNano(),
		patch: it.PatchPriority, exploit: it.Exploitation, hasExploit: it.HasExploitation(), noCVE: it.NoCVE && it.ExploitationHorizon > 0,
		sev: intern(it.Severity, &q.sevs, q.sevID), source: intern(it.Source, &q.sources, q.srcID),
		state: it.LabelState, scored: it.Scored(), novel: it.Novel, contested: it.Contested}
	if f.noCVE {
		f.patch = exploitation.ExpectedSeverity(it.Probabilities)
	}
	return f
}

func intern(s string, names *[]string, ids map[string]int32) int32 {
	id, ok := ids[s]
	if !ok {
		id = int32(len(*names))
		ids[s] = id
		*names = append(*names, s)
	}
	return id
}

func (q *Queue) buildHay() {
	size := 0
	for i := range q.items {
		it := &q.items[i]
		size += len(it.Title) + len(it.Source) + len(it.DocID) + 3
	}
	hay := make([]byte, 0, size)
	at := make([]int32, 0, len(q.items)+1)
	for i := range q.items {
		it := &q.items[i]
		at = append(at, int32(len(hay)))
		hay = appendLower(hay, it.Title)
		hay = append(hay, 0)
		hay = appendLower(hay, it.Source)
		hay = append(hay, 0)
		hay = append(hay, it.DocID...) // ids match as typed (Filter.match)
		hay = append(hay, 0)
	}
	q.hay, q.hayAt = hay, append(at, int32(len(hay)))
}

// appendLower appends s lower-cased exactly as containsFold compares it:
// ASCII letters folded byte by byte, anything else through strings.ToLower.
func appendLower(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return append(dst, strings.ToLower(s)...)
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

// Len is the number of items.
func (q *Queue) Len() int { return len(q.items) }

// At is item i (a position in an order or a selection).
func (q *Queue) At(i int32) *Item { return &q.items[i] }

// Items are all items as loaded (not sorted). Do not modify them: use
// Update.
func (q *Queue) Items() []Item { return q.items }

// Position is a document's item position.
func (q *Queue) Position(docID string) (int32, bool) {
	i, ok := q.index[docID]
	return i, ok
}

// Sources are the distinct non-empty sources, sorted.
func (q *Queue) Sources() []string {
	out := make([]string, 0, len(q.sources))
	for _, s := range q.sources {
		if s != "" {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return out
}

// Order is every item position sorted by `by`: computed on the first call,
// then kept. The slice is the queue's own: read it, do not modify it (it
// changes in place when Update moves an item).
func (q *Queue) Order(by Sort) []int32 {
	if o := q.orders[by]; o != nil {
		return o
	}
	keys := make([]orderKey, len(q.facts))
	for i := range keys {
		keys[i] = q.key(by, int32(i))
	}
	slices.SortFunc(keys, q.compare)
	o := make([]int32, len(keys))
	for j := range keys {
		o[j] = keys[j].i
	}
	q.orders[by] = o
	return o
}

// key is item i's place in the order by `by` (see SortItems).
func (q *Queue) key(by Sort, i int32) orderKey {
	f := &q.facts[i]
	var a, b float64
	switch by {
	case ByPriority:
		a, b = -f.priority, -f.novelty
	case ByUncertainty:
		if !f.scored {
			a = 1
		}
		b = f.gap
	case ByActiveLearning:
		if f.state != Unlabelled {
			a = 1
		}
		b = f.gap + jitterWidth*unitHash(q.seed, q.ids[i])
	case ByNovelty:
		if !f.novel {
			a = 1
		}
		b = -f.novelty
	case ByPatchPriority:
		// A patch priority lies in [0, 10], so −priority ≤ 0 < 1 puts
		// every item with one before those without; an item that names no
		// CVE (1) comes before those scored without a likelihood (2), by
		// expected severity.
		switch {
		case f.hasExploit:
			a, b = -f.patch, -f.exploit
		case f.noCVE:
			a, b = 1, -f.patch
		default:
			a, b = 2, 0
		}
	}
	return orderKey{a: floatKey(a), b: floatKey(b), when: -f.when, i: i}
}

func (q *Queue) compare(x, y orderKey) int {
	if c := compareKeys(x, y); c != 0 {
		return c
	}
	return cmp.Compare(q.ids[x.i], q.ids[y.i])
}

// Sorter is a snapshot of what a Queue sorts by, to compute orders on
// another goroutine while the screen keeps using the queue: the screen
// prepares the orders it has not shown yet in the background, so the first
// press of the sort key is as quick as the next ones.
type Sorter struct {
	src     *Queue
	version uint64
	q       Queue // facts and ids copied; no items
}

// Sorter snapshots the queue's sort keys (a copy of about 100 bytes
// per item: 10 MB at 100,000 items).
func (q *Queue) Sorter() *Sorter {
	return &Sorter{src: q, version: q.version, q: Queue{facts: slices.Clone(q.facts), ids: slices.Clone(q.ids), seed: q.seed}}
}

// Order computes the order by `by` of the snapshot; safe on any goroutine
// (one call at a time per Sorter).
func (s *Sorter) Order(by Sort) []int32 { return s.q.Order(by) }

// Adopt keeps an order computed by a Sorter of this queue, unless the
// queue changed since the snapshot or already has that order. It reports
// whether the order was kept.
func (q *Queue) Adopt(by Sort, order []int32, from *Sorter) bool {
	if from.src != q || from.version != q.version || q.orders[by] != nil || len(order) != len(q.items) {
		return false
	}
	q.orders[by] = order
	return true
}

// Update replaces a document's item (after a label, an undo or a rescore)
// and moves it within every order computed so far whose keys it changed —
// a label moves it only in the active-learning order, which puts labelled
// documents last. It reports whether the document is in the queue.
func (q *Queue) Update(it Item) bool {
	i, ok := q.index[it.DocID]
	if !ok {
		return false
	}
	var before [numSorts]orderKey
	for by := range numSorts {
		if q.orders[by] != nil {
			before[by] = q.key(Sort(by), i)
		}
	}
	old := q.items[i]
	q.items[i] = it
	q.facts[i] = q.factsOf(&q.items[i])
	q.version++
	if old.Title != it.Title || old.Source != it.Source {
		q.buildHay() // never on a label; only a re-ingested document changes its text
	}
	for by := range numSorts {
		o := q.orders[by]
		if o == nil {
			continue
		}
		after := q.key(Sort(by), i)
		if compareKeys(before[by], after) == 0 {
			continue
		}
		// Take the item out and put it back where its new key sorts:
		// a memmove of at most n positions instead of a sort.
		from := slices.Index(o, i)
		o = slices.Delete(o, from, from+1)
		to, _ := slices.BinarySearchFunc(o, after, func(p int32, k orderKey) int {
			return q.compare(q.key(Sort(by), p), k)
		})
		q.orders[by] = slices.Insert(o, to, i)
	}
	return true
}

// Select returns the positions of the items passing f, in the order by
// `by`. The slice is new: the caller may keep and modify it.
func (q *Queue) Select(by Sort, f Filter) []int32 {
	order := q.Order(by)
	m := q.matcher(f)
	if m.all {
		return slices.Clone(order)
	}
	if m.none {
		return []int32{}
	}
	var hits []uint64 // bit i: item i's text contains the filter text
	if m.text != nil {
		hits = q.textHits(m.text)
	}
	out := make([]int32, 0, len(order)/4)
	for _, i := range order {
		if hits != nil && hits[i>>6]&(1<<(i&63)) == 0 {
			continue
		}
		if q.pass(&m, i) {
			out = append(out, i)
		}
	}
	return out
}

// Narrow keeps the positions in sel that pass f, in their order, reusing
// sel's storage. Narrowing a selection made with a looser filter — the
// same filter with text that the new text contains, as when the analyst
// types one more letter — gives what Select would, faster.
func (q *Queue) Narrow(sel []int32, f Filter) []int32 {
	m := q.matcher(f)
	if m.all {
		return sel
	}
	if m.none {
		return sel[:0]
	}
	// One search of the whole haystack runs at memory speed; a search per
	// item pays a call per item. Per item wins only on a short selection.
	var hits []uint64
	if m.text != nil && len(sel) > len(q.items)/16 {
		hits = q.textHits(m.text)
	}
	out := sel[:0]
	for _, i := range sel {
		if !q.pass(&m, i) {
			continue
		}
		switch {
		case hits != nil:
			if hits[i>>6]&(1<<(i&63)) == 0 {
				continue
			}
		case m.text != nil:
			if !bytes.Contains(q.hay[q.hayAt[i]:q.hayAt[i+1]], m.text) {
				continue
			}
		}
		out = append(out, i)
	}
	return out
}

// Narrows reports whether a selection made with filter `from` may be
// narrowed (Narrow) to filter `to`: everything but the text is the same,
// and the new text contains the old one.
func Narrows(from, to Filter) bool {
	a, b := strings.ToLower(strings.TrimSpace(from.Text)), strings.ToLower(strings.TrimSpace(to.Text))
	from.Text, to.Text = "", ""
	return from == to && strings.Contains(b, a)
}

// matcher is a Filter resolved against the queue's interned values.
type matcher struct {
	f         *Filter
	sev, src  int32 // -1: any
	text      []byte
	slowText  string // text the haystack cannot answer (holds a separator)
	all, none bool
}

func (q *Queue) matcher(f Filter) matcher {
	m := matcher{f: &f, sev: -1, src: -1}
	text := strings.ToLower(strings.TrimSpace(f.Text))
	if f.Severity != "" {
		id, ok := q.sevID[f.Severity]
		if !ok {
			m.none = true
		}
		m.sev = id
	}
	if f.Source != "" {
		id, ok := q.srcID[f.Source]
		if !ok {
			m.none = true
		}
		m.src = id
	}
	switch {
	case strings.IndexByte(text, 0) >= 0:
		m.slowText = text
	case text != "":
		m.text = []byte(text)
	}
	m.all = !m.none && m.sev < 0 && m.src < 0 && f.Label == AnyLabel && !f.Novel && !f.Contested && text == ""
	return m
}

// pass checks everything but the haystack text.
func (q *Queue) pass(m *matcher, i int32) bool {
	f := &q.facts[i]
	if m.sev >= 0 && f.sev != m.sev || m.src >= 0 && f.source != m.src {
		return false
	}
	if m.f.Label != AnyLabel && int(f.state) != int(m.f.Label)-1 {
		return false
	}
	if m.f.Novel && !f.novel {
		return false
	}
	if m.f.Contested && !f.contested {
		return false
	}
	return m.slowText == "" || m.f.match(&q.items[i], m.slowText)
}

// textHits marks the items whose text contains text, scanning the
// haystack once: each match marks its item and the scan resumes at the
// next item. Matches come in haystack order, so the item holding one is
// found by walking forward from the last, not by a search.
func (q *Queue) textHits(text []byte) []uint64 {
	hits := make([]uint64, (len(q.items)+63)/64)
	hay, at := q.hay, q.hayAt
	i := 0
	for pos := 0; pos < len(hay); {
		j := bytes.Index(hay[pos:], text)
		if j < 0 {
			break
		}
		pos += j
		for int(at[i+1]) <= pos {
			i++
		}
		hits[i>>6] |= 1 << (i & 63)
		pos = int(at[i+1])
	}
	return hits
}
