// Package fpgrowth mines frequent itemsets and association rules from
// transactions of string items with FP-growth (Han, Pei & Yin, "Mining
// Frequent Patterns without Candidate Generation", SIGMOD 2000).
package fpgrowth

import (
	"cmp"
	"slices"
	"strconv"
)

// Itemset is a set of items (sorted) and the number of transactions that
// contain all of them.
type Itemset struct {
	Items   []string `json:"items"`
	Support int      `json:"support"`
}

// Rule is an association rule Antecedent ⇒ Consequent (Agrawal, Imieliński &
// Swami 1993). Support counts the transactions holding both sides;
// Confidence = P(consequent | antecedent); Lift = Confidence / P(consequent),
// so 1 means the two sides are independent and >1 that they attract.
type Rule struct {
	Antecedent []string `json:"antecedent"`
	Consequent []string `json:"consequent"`
	Support    int      `json:"support"`
	Confidence float64  `json:"confidence"`
	Lift       float64  `json:"lift"`
}

// node is one FP-tree node: an item id on a shared prefix path and the
// (weighted) number of transactions that pass through it.
type node struct {
	item     int
	count    int
	parent   *node
	children map[int]*node
}

// tree is an FP-tree with its header table: for every item id, the nodes
// that carry it (the "node-links" of the paper).
type tree struct {
	root  *node
	links [][]*node
}

func newTree(items int) *tree {
	return &tree{root: &node{item: -1}, links: make([][]*node, items)}
}

// insert adds a path of item ids (already in global frequency order) with
// a weight.
func (t *tree) insert(path []int, weight int) {
	cur := t.root
	for _, it := range path {
		child := cur.children[it]
		if child == nil {
			if cur.children == nil {
				cur.children = make(map[int]*node)
			}
			child = &node{item: it, parent: cur}
			cur.children[it] = child
			t.links[it] = append(t.links[it], child)
		}
		child.count += weight
		cur = child
	}
}

// Mine returns every itemset of at most maxLen items (no limit when
// maxLen <= 0) that at least minSupport transactions contain (minSupport
// below 1 counts as 1). Items repeated within a transaction count once.
//
// The order is deterministic: support descending, then items compared
// element by element (a shorter prefix first).
func Mine(tx [][]string, minSupport int, maxLen int) []Itemset {
	if minSupport < 1 {
		minSupport = 1
	}
	// First scan: item frequencies.
	freq := map[string]int{}
	seen := map[string]bool{}
	for _, t := range tx {
		clear(seen)
		for _, it := range t {
			if !seen[it] {
				seen[it] = true
				freq[it]++
			}
		}
	}
	// Frequent items in F-list order (support descending, then name) get ids
	// 0..n-1; the order makes shared prefixes long and the tree small.
	var names []string
	for it, c := range freq {
		if c >= minSupport {
			names = append(names, it)
		}
	}
	slices.SortFunc(names, func(a, b string) int {
		if c := cmp.Compare(freq[b], freq[a]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	id := make(map[string]int, len(names))
	for i, n := range names {
		id[n] = i
	}
	// Second scan: build the FP-tree.
	root := newTree(len(names))
	path := make([]int, 0, 16)
	for _, t := range tx {
		path = path[:0]
		for _, it := range t {
			if i, ok := id[it]; ok && !slices.Contains(path, i) {
				path = append(path, i)
			}
		}
		slices.Sort(path)
		root.insert(path, 1)
	}
	m := miner{minSupport: minSupport, maxLen: maxLen, names: names}
	m.grow(root, nil)
	out := m.out
	for i := range out {
		slices.Sort(out[i].Items)
	}
	slices.SortFunc(out, compareItemsets)
	return out
}

func compareItemsets(a, b Itemset) int {
	if c := cmp.Compare(b.Support, a.Support); c != 0 {
		return c
	}
	return slices.Compare(a.Items, b.Items)
}

type miner struct {
	minSupport int
	maxLen     int
	names      []string
	out        []Itemset
}

// grow is FP-growth proper (paper §3, procedure FP-growth): for every item
// of the tree, least frequent first, emit suffix+item, then mine the
// conditional FP-tree built from the item's prefix paths.
func (m *miner) grow(t *tree, suffix []int) {
	for it := len(t.links) - 1; it >= 0; it-- {
		nodes := t.links[it]
		support := 0
		for _, n := range nodes {
			support += n.count
		}
		if support < m.minSupport {
			continue
		}
		set := append(slices.Clone(suffix), it)
		items := make([]string, len(set))
		for i, s := range set {
			items[i] = m.names[s]
		}
		m.out = append(m.out, Itemset{Items: items, Support: support})
		if m.maxLen > 0 && len(set) >= m.maxLen {
			continue
		}
		// Conditional pattern base: each node's prefix path weighted by the
		// node's count. Items in it that are infrequent here are dropped.
		local := make([]int, it)
		for _, n := range nodes {
			for p := n.parent; p.item >= 0; p = p.parent {
				local[p.item] += n.count
			}
		}
		cond := newTree(it)
		empty := true
		var prefix []int
		for _, n := range nodes {
			prefix = prefix[:0]
			for p := n.parent; p.item >= 0; p = p.parent {
				if local[p.item] >= m.minSupport {
					prefix = append(prefix, p.item)
				}
			}
			if len(prefix) == 0 {
				continue
			}
			slices.Reverse(prefix)
			cond.insert(prefix, n.count)
			empty = false
		}
		if !empty {
			m.grow(cond, set)
		}
	}
}

// Rules derives the association rules with at least minConfidence from
// frequent itemsets as Mine returns them, over a total of transactions
// (needed for lift). Every non-empty proper subset of an itemset is tried
// as the antecedent; a subset missing from sets (the caller filtered them)
// yields no rule.
//
// The order is deterministic: confidence descending, then lift descending,
// support descending, antecedent, consequent.
func Rules(sets []Itemset, transactions int, minConfidence float64) []Rule {
	if transactions <= 0 {
		return nil
	}
	support := make(map[string]int, len(sets))
	for _, s := range sets {
		support[key(s.Items)] = s.Support
	}
	var out []Rule
	for _, s := range sets {
		k := len(s.Items)
		if k < 2 || k > 30 {
			continue
		}
		for mask := 1; mask < 1<<k-1; mask++ {
			var ante, cons []string
			for i, it := range s.Items {
				if mask&(1<<i) != 0 {
					ante = append(ante, it)
				} else {
					cons = append(cons, it)
				}
			}
			sa, ok := support[key(ante)]
			if !ok || sa == 0 {
				continue
			}
			sc, ok := support[key(cons)]
			if !ok || sc == 0 {
				continue
			}
			conf := float64(s.Support) / float64(sa)
			if conf < minConfidence {
				continue
			}
			out = append(out, Rule{
				Antecedent: ante,
				Consequent: cons,
				Support:    s.Support,
				Confidence: conf,
				Lift:       conf * float64(transactions) / float64(sc),
			})
		}
	}
	slices.SortFunc(out, func(a, b Rule) int {
		if c := cmp.Compare(b.Confidence, a.Confidence); c != 0 {
			return c
		}
		if c := cmp.Compare(b.Lift, a.Lift); c != 0 {
			return c
		}
		if c := cmp.Compare(b.Support, a.Support); c != 0 {
			return c
		}
		if c := slices.Compare(a.Antecedent, b.Antecedent); c != 0 {
			return c
		}
		return slices.Compare(a.Consequent, b.Consequent)
	})
	return out
}

// key encodes a sorted item list unambiguously (each item length-prefixed),
// so that items holding any byte cannot collide.
func key(items []string) string {
	var b []byte
	for _, s := range items {
		b = strconv.AppendInt(b, int64(len(s)), 10)
		b = append(b, ':')
		b = append(b, s...)
	}
	return string(b)
}
