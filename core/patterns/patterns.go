// Package patterns finds which entities travel together across workspace
// documents: frequent co-occurrences (a CWE with an ATT&CK technique, an
// actor with a tool, a vendor with a weakness) and the association rules
// between them, each with the documents that show it; and clusters of
// documents that share indicators and context, the campaign candidates
// (clusters.go).
package patterns

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/extract"
	"github.com/cyberstreams/cyberstreams/core/workspace"
	"github.com/cyberstreams/cyberstreams/ml/fpgrowth"
)

// DefaultTypes are the item types mined when none are given: the entity
// types an analyst pivots on, plus the vendor and ecosystem fields that
// advisories carry.
var DefaultTypes = []string{"cwe", "attack_technique", "actor", "malware", "tool", "vendor", "ecosystem"}

// fieldTypes are item types read from a document's structured fields
// rather than from its extracted entities.
var fieldTypes = []string{"vendor", "ecosystem"}

// Options choose what to mine and how strict to be.
type Options struct {
	Types         []string // item types; DefaultTypes when empty
	MinSupport    int      // documents; 0 picks AutoMinSupport
	MinConfidence float64  // for rules, in [0, 1]
	MaxLen        int      // items per itemset; 0 = 3
	Limit         int      // itemsets and rules each; 0 = all
	Examples      int      // example document ids per pattern; 0 = 3
	Source        string   // only documents from this source, when set
}

// Pattern is a set of typed items ("cwe:CWE-79", "vendor:acme") seen
// together in Support documents.
type Pattern struct {
	Items    []string `json:"items"`
	Support  int      `json:"support"`
	Share    float64  `json:"share"` // Support over documents with any item
	Examples []string `json:"examples"`
}

// Rule is an association rule between typed items, with example documents
// that hold both sides.
type Rule struct {
	fpgrowth.Rule
	Examples []string `json:"examples"`
}

// Report is the result of one mining run.
type Report struct {
	Documents    int       `json:"documents"`    // documents read
	Transactions int       `json:"transactions"` // documents with at least one item
	Types        []string  `json:"types"`
	MinSupport   int       `json:"min_support"`
	Itemsets     []Pattern `json:"itemsets"` // two or more items
	Rules        []Rule    `json:"rules"`
}

// AutoMinSupport is the support used when none is given: 0.1% of the
// documents that carry items, but never fewer than two documents, since a
// pattern seen once is an anecdote rather than a co-occurrence.
func AutoMinSupport(transactions int) int {
	return max(2, int(math.Ceil(0.001*float64(transactions))))
}

// Items returns a document's items of the given types as "type:value",
// sorted and without repeats.
func Items(d document.Document, types []string) []string {
	var out []string
	add := func(typ, v string) {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, typ+":"+v)
		}
	}
	for _, typ := range types {
		switch typ {
		case "vendor":
			for _, v := range d.Vendors {
				add(typ, v)
			}
		case "ecosystem":
			add(typ, d.Ecosystem)
		case "cwe":
			// Structured CWEs and CWEs found in the text are one item type.
			for _, v := range d.CWEs {
				add(typ, strings.ToUpper(v))
			}
			for _, v := range d.Entities[typ] {
				add(typ, strings.ToUpper(v))
			}
		default:
			for _, v := range d.Entities[typ] {
				add(typ, v)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// CheckTypes reports the first unknown item type.
func CheckTypes(types []string) error {
	for _, t := range types {
		if !slices.Contains(extract.Types, t) && !slices.Contains(fieldTypes, t) {
			return fmt.Errorf("unknown item type %q (want an entity type such as cwe, attack_technique, actor, or vendor, ecosystem)", t)
		}
	}
	return nil
}

// Find mines the workspace's documents.
func Find(ctx context.Context, ws *workspace.Workspace, opts Options) (Report, error) {
	types := opts.Types
	if len(types) == 0 {
		types = DefaultTypes
	}
	if err := CheckTypes(types); err != nil {
		return Report{}, fmt.Errorf("patterns: %w", err)
	}
	var ids []string
	var tx [][]string
	docs := 0
	err := ws.EachDocument(ctx, workspace.ListOptions{Source: opts.Source}, func(d document.Document) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		docs++
		if items := Items(d, types); len(items) > 0 {
			ids = append(ids, d.ID)
			tx = append(tx, items)
		}
		return nil
	})
	if err != nil {
		return Report{}, fmt.Errorf("patterns: read documents: %w", err)
	}
	rep := Mine(ids, tx, opts)
	rep.Documents = docs
	rep.Types = types
	return rep, nil
}

// Mine finds the patterns in transactions tx (sorted items per document),
// ids[i] naming the document of tx[i].
func Mine(ids []string, tx [][]string, opts Options) Report {
	minSup := opts.MinSupport
	if minSup <= 0 {
		minSup = AutoMinSupport(len(tx))
	}
	maxLen := opts.MaxLen
	if maxLen <= 0 {
		maxLen = 3
	}
	nEx := opts.Examples
	if nEx <= 0 {
		nEx = 3
	}
	rep := Report{Documents: len(tx), Transactions: len(tx), Types: opts.Types, MinSupport: minSup,
		Itemsets: []Pattern{}, Rules: []Rule{}}
	sets := fpgrowth.Mine(tx, minSup, maxLen)
	idx := newPostings(tx)
	for _, s := range sets {
		if len(s.Items) < 2 {
			continue // a lone item is a frequency, not a co-occurrence
		}
		if opts.Limit > 0 && len(rep.Itemsets) >= opts.Limit {
			break
		}
		rep.Itemsets = append(rep.Itemsets, Pattern{
			Items:    s.Items,
			Support:  s.Support,
			Share:    float64(s.Support) / float64(len(tx)),
			Examples: idx.examples(ids, s.Items, nEx),
		})
	}
	for _, r := range fpgrowth.Rules(sets, len(tx), opts.MinConfidence) {
		if opts.Limit > 0 && len(rep.Rules) >= opts.Limit {
			break
		}
		both := slices.Concat(r.Antecedent, r.Consequent)
		rep.Rules = append(rep.Rules, Rule{Rule: r, Examples: idx.examples(ids, both, nEx)})
	}
	return rep
}

// postings maps each item to the (ascending) indices of the transactions
// holding it, so examples come from intersecting short lists.
type postings map[string][]int

func newPostings(tx [][]string) postings {
	p := postings{}
	for i, t := range tx {
		for _, it := range t {
			p[it] = append(p[it], i)
		}
	}
	return p
}

// examples returns up to n ids of the first documents (in ingest order)
// holding every item.
func (p postings) examples(ids []string, items []string, n int) []string {
	if len(items) == 0 {
		return nil
	}
	// Walk the rarest item's list and probe the others.
	lists := make([][]int, len(items))
	for i, it := range items {
		lists[i] = p[it]
	}
	slices.SortFunc(lists, func(a, b []int) int { return len(a) - len(b) })
	out := []string{}
	for _, t := range lists[0] {
		all := true
		for _, l := range lists[1:] {
			if _, ok := slices.BinarySearch(l, t); !ok {
				all = false
				break
			}
		}
		if all {
			out = append(out, ids[t])
			if len(out) == n {
				break
			}
		}
	}
	return out
}
