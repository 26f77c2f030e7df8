package triage

import (
	"cmp"
	"context"
	"math"
	"strings"
	"time"

	"github.com/cyberstreams/cyberstreams/core/document"
)

// LabelState says whether an analyst has looked at a document's score.
type LabelState int

const (
	// Unlabelled: no current label.
	Unlabelled LabelState = iota
	// Confirmed: the current label is the model's class.
	Confirmed
	// Corrected: the current label differs from the model's class.
	Corrected
)

func (l LabelState) String() string {
	switch l {
	case Confirmed:
		return "confirmed"
	case Corrected:
		return "corrected"
	}
	return "unlabelled"
}

// Item is one queue row: a document with its stored score and current label.
type Item struct {
	DocID      string
	Title      string // escape sequences already stripped
	Source     string // escape sequences already stripped
	Published  time.Time
	IngestedAt time.Time
	// Severity is the model's class; "" when the document is not scored.
	Severity      string
	Probabilities [5]float64
	Confidence    float64
	// Margin is the raw log-odds margin of the model's class.
	Margin float64
	// Gap is the difference between the two largest class probabilities:
	// small means the model hesitated between two classes.
	Gap     float64
	Novelty float64
	// Novel says Novelty is at or above the session model's calibrated
	// threshold: the document is unlike the model's training documents.
	Novel      bool
	LabelState LabelState
	Label      string // the current label's severity, "" when unlabelled
	// Contested says analysts of the team labelled the document
	// differently (their latest labels disagree; labels.Filter.Contested).
	Contested bool
	// Exploitation is the probability of a KEV listing within
	// ExploitationHorizon days of publication and PatchPriority the
	// expected harm (exploitation.Priority), as stored with the score;
	// ExploitationHorizon is 0 when the item has neither.
	Exploitation        float64
	ExploitationHorizon int
	PatchPriority       float64
	// NoCVE says the document names no CVE, so it has no likelihood over
	// its horizon (exploitation.Prediction.NoCVE): the patch-priority
	// order puts it after the items with one, by expected severity.
	NoCVE bool
}

// HasExploitation reports whether the item carries an exploitation
// likelihood and patch priority: scored with one, and naming a CVE.
func (it *Item) HasExploitation() bool { return it.ExploitationHorizon > 0 && !it.NoCVE }

// Scored reports whether the item has a model score.
func (it *Item) Scored() bool { return it.Severity != "" }

// When is the time the queue ages an item by: publication, else ingestion.
func (it *Item) When() time.Time {
	if !it.Published.IsZero() {
		return it.Published
	}
	return it.IngestedAt
}

// Priority is severity weight × confidence: a confident critical (5 × 0.9)
// outranks a hesitant one (5 × 0.4 = 2.0) and a confident medium (3 × 0.9).
func (it *Item) Priority() float64 {
	i := document.SeverityIndex(it.Severity)
	if i < 0 {
		return 0
	}
	return float64(len(document.Severities)-i) * it.Confidence
}

func labelState(model, label string) LabelState {
	switch {
	case label == "":
		return Unlabelled
	case label == model:
		return Confirmed
	}
	return Corrected
}

// gap is p(top class) − p(runner-up).
func gap(p [5]float64) float64 {
	a, b := math.Inf(-1), math.Inf(-1)
	for _, v := range p {
		if v > a {
			a, b = v, a
		} else if v > b {
			b = v
		}
	}
	return a - b
}

// Queue loads, filters and sorts the queue in one call.
func (s *Session) Queue(ctx context.Context, f Filter, by Sort) ([]Item, error) {
	items, err := s.Items(ctx)
	if err != nil {
		return nil, err
	}
	return Apply(items, f, by, 0), nil
}

// Filter narrows the queue. Zero values mean "any".
type Filter struct {
	// Text matches case-insensitively in the title, source or document id.
	Text     string
	Severity string // the model's class
	Source   string
	// Label keeps one label state; AnyLabel (the default) keeps all.
	Label LabelFilter
	// Novel keeps only the documents flagged novel.
	Novel bool
	// Contested keeps only the documents analysts labelled differently.
	Contested bool
}

// LabelFilter selects items by label state.
type LabelFilter int

const (
	AnyLabel LabelFilter = iota
	OnlyUnlabelled
	OnlyConfirmed
	OnlyCorrected
)

func (l LabelFilter) String() string {
	return [...]string{"any", "unlabelled", "confirmed", "corrected"}[l]
}

// Match reports whether an item passes the filter. The text is compared in
// lower case; call with Text already lowered (Apply does).
func (f *Filter) match(it *Item, text string) bool {
	if f.Severity != "" && it.Severity != f.Severity {
		return false
	}
	if f.Source != "" && it.Source != f.Source {
		return false
	}
	if f.Label != AnyLabel && int(it.LabelState) != int(f.Label)-1 {
		return false
	}
	if f.Novel && !it.Novel {
		return false
	}
	if f.Contested && !it.Contested {
		return false
	}
	if text != "" && !containsFold(it.Title, text) && !containsFold(it.Source, text) && !strings.Contains(it.DocID, text) {
		return false
	}
	return true
}

// containsFold is strings.Contains on lower-cased ASCII without allocating
// (titles are mostly ASCII; non-ASCII falls back to ToLower).
func containsFold(s, lowerSub string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return strings.Contains(strings.ToLower(s), lowerSub)
		}
	}
	n := len(lowerSub)
	for i := 0; i+n <= len(s); i++ {
		j := 0
		for ; j < n; j++ {
			c := s[i+j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != lowerSub[j] {
				break
			}
		}
		if j == n {
			return true
		}
	}
	return false
}

// Sort orders the queue.
type Sort int

const (
	// ByPriority: severity × confidence, then novelty, then newest.
	ByPriority Sort = iota
	// ByUncertainty: smallest gap between the two most probable classes
	// first — the documents whose label teaches the model most (margin
	// sampling, Scheffer, Decomain & Wrobel 2001).
	ByUncertainty
	// ByNewest: most recently published first.
	ByNewest
	// ByActiveLearning: unlabelled first, each by uncertainty with a little
	// seeded jitter, so that a session does not spend an hour on one
	// cluster of near-duplicates all sitting at the same margin.
	ByActiveLearning
	// ByNovelty: documents flagged novel first, each group the most
	// unlike the training documents first, then newest.
	ByNovelty
	// ByPatchPriority: for a patch meeting, the highest patch priority
	// (expected harm: expected severity × exploitation likelihood,
	// exploitation.Priority) first, then the likelier to be exploited,
	// then newest — the order `cyberstreams priorities` prints
	// (scoring.SortByPriority). Documents that name no CVE follow, by
	// expected severity (exploitation.ExpectedSeverity); documents scored
	// without a likelihood go last.
	ByPatchPriority
)

func (s Sort) String() string {
	return [...]string{"priority", "uncertainty", "newest", "active learning", "novelty", "patch priority"}[s]
}

// jitterWidth is the spread of the active-learning jitter, in probability
// gap units: enough to interleave documents of similar uncertainty, too
// little to put a confident one before an undecided one.
const jitterWidth = 0.05

// Apply returns the items passing f, sorted by `by` (seed drives the
// active-learning jitter; the same seed gives the same order). items is
// not modified.
func Apply(items []Item, f Filter, by Sort, seed uint64) []Item {
	text := strings.ToLower(strings.TrimSpace(f.Text))
	out := make([]Item, 0, len(items))
	for i := range items {
		if f.match(&items[i], text) {
			out = append(out, items[i])
		}
	}
	SortItems(out, by, seed)
	return out
}

// Select returns the indices of the items passing f, in their order. A
// queue sorted once can be re-filtered on every key press this way without
// sorting again: filtering keeps the order.
func (f Filter) Select(items []Item) []int {
	text := strings.ToLower(strings.TrimSpace(f.Text))
	out := make([]int, 0, len(items))
	for i := range items {
		if f.match(&items[i], text) {
			out = append(out, i)
		}
	}
	return out
}

// SortItems sorts in place; ties fall back to newest, then document id, so
// the order is total and stable across runs. (Queue keeps these orders for
// the triage screen; this is the one-off form for a slice.)
func SortItems(items []Item, by Sort, seed uint64) {
	// Keys are computed once per item, not per comparison: sorting 100,000
	// items makes about 1.7 million comparisons.
	order := newQueue(items, seed).Order(by)
	sorted := make([]Item, len(items))
	for j, i := range order {
		sorted[j] = items[i]
	}
	copy(items, sorted)
}

// orderKey orders ascending by a, then b, then when (negated time: newest
// first), then the document id of item i. a and b are float keys mapped
// to integers of the same order (floatKey): a sort makes about 1.7 million
// comparisons at 100,000 items, and integer compares are the cheapest.
type orderKey struct {
	a, b uint64
	when int64
	i    int32
}

// compareKeys compares all but the document id.
func compareKeys(x, y orderKey) int {
	switch {
	case x.a != y.a:
		return cmp.Compare(x.a, y.a)
	case x.b != y.b:
		return cmp.Compare(x.b, y.b)
	}
	return cmp.Compare(x.when, y.when)
}

// floatKey maps a float64 to a uint64 in the same order as cmp.Compare
// puts floats: NaN first, then −Inf … +Inf, with −0 equal to +0. Flipping
// the sign bit of a non-negative float and every bit of a negative one
// makes the IEEE 754 bit patterns sort as unsigned integers.
func floatKey(f float64) uint64 {
	if f != f {
		return 0
	}
	if f == 0 {
		f = 0 // −0 → +0
	}
	b := math.Float64bits(f)
	if b>>63 == 1 {
		return ^b
	}
	return b | 1<<63
}

// unitHash maps (seed, id) to [0,1) deterministically: FNV-1a 64 over the
// seed's eight little-endian bytes, then the id, written out so that it
// allocates nothing (it runs once per item per active-learning sort).
func unitHash(seed uint64, id string) float64 {
	const offset, prime = 14695981039346656037, 1099511628211
	h := uint64(offset)
	for i := range 8 {
		h = (h ^ uint64(byte(seed>>(8*i)))) * prime
	}
	for i := 0; i < len(id); i++ {
		h = (h ^ uint64(id[i])) * prime
	}
	return float64(h>>11) / (1 << 53)
}
