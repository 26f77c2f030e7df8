// Package iforest detects novel documents with an Isolation Forest (Liu,
// Ting & Zhou 2008, "Isolation Forest", ICDM): points that random
// axis-parallel splits separate from the rest in few steps are anomalies.
// Because splits are axis-parallel, a point unusual in only one of many
// features scores only moderately (Hariri et al. 2021, "Extended Isolation
// Forest"); points unusual in several features stand out clearly.
//
// A Forest is plain data with JSON tags, so a trained forest is saved with
// the model version it belongs to and reloaded without retraining; loading
// validates the tree structure so a damaged file cannot make scoring loop or
// index out of range.
package iforest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
)

// Defaults from the paper: 100 trees, sub-samples of 256 (ψ). Larger ψ
// mainly costs time; the paper finds detection saturates around 256.
const (
	DefaultTrees      = 100
	DefaultSampleSize = 256
)

// eulerGamma is the Euler–Mascheroni constant used to approximate harmonic
// numbers, H(i) ≈ ln i + γ.
const eulerGamma = 0.5772156649015329

// Params controls training. Zero Trees or SampleSize mean the defaults.
// Seed fixes the random choices, so equal data, Params and Seed give an
// identical forest.
type Params struct {
	Trees      int   `json:"trees"`
	SampleSize int   `json:"sample_size"`
	Seed       int64 `json:"seed"`
}

// Forest is a trained isolation forest.
type Forest struct {
	Params Params `json:"params"`
	// NumFeatures is the length every scored vector must have.
	NumFeatures int `json:"num_features"`
	// SampleSize is ψ as actually used: Params.SampleSize, or the number of
	// training rows if that was smaller. Scores are normalised by c(ψ).
	SampleSize int    `json:"sample_size"`
	Trees      []Tree `json:"trees"`
}

// Tree is one isolation tree, nodes in pre-order with the root at index 0,
// so every child index is larger than its parent's.
type Tree struct {
	Nodes []Node `json:"nodes"`
}

// Node is a split (Feature ≥ 0: values ≤ Split go Left, others Right) or a
// leaf (Feature == -1). Size is the number of training points of the tree's
// sub-sample that reached the node; at a leaf cut off by the height limit,
// c(Size) estimates the depth the rest of the tree would have added.
type Node struct {
	Feature int     `json:"f"`
	Split   float64 `json:"s,omitempty"`
	Left    int32   `json:"l,omitempty"`
	Right   int32   `json:"r,omitempty"`
	Size    int     `json:"n"`
}

const leaf = -1

// Fit trains a forest on the rows of x with FitContext and panics if x is
// unusable (fewer than two rows, ragged rows, NaN or infinite values) — a
// programming error in the caller's feature pipeline. Use FitContext to get
// the error instead.
func Fit(x [][]float64, p Params) *Forest {
	f, err := FitContext(context.Background(), x, p)
	if err != nil {
		panic(err)
	}
	return f
}

// FitContext trains a forest on the rows of x. Each tree is grown on ψ rows
// drawn without replacement, splitting on a random feature (among those not
// constant at the node) at a uniform random value between its minimum and
// maximum, until a node holds one row or reaches the height limit
// ⌈log₂ ψ⌉ (Liu et al. 2008, Algorithms 1–2). Trees are grown in parallel,
// each from its own random stream derived from the seed and the tree's
// index, so the forest does not depend on scheduling.
func FitContext(ctx context.Context, x [][]float64, p Params) (*Forest, error) {
	if p.Trees == 0 {
		p.Trees = DefaultTrees
	}
	if p.SampleSize == 0 {
		p.SampleSize = DefaultSampleSize
	}
	if p.Trees < 0 || p.SampleSize < 0 {
		return nil, fmt.Errorf("iforest: trees (%d) and sample size (%d) must be positive", p.Trees, p.SampleSize)
	}
	if err := checkRows(x); err != nil {
		return nil, fmt.Errorf("iforest: training data: %w", err)
	}
	f := &Forest{
		Params:      p,
		NumFeatures: len(x[0]),
		SampleSize:  min(p.SampleSize, len(x)),
		Trees:       make([]Tree, p.Trees),
	}
	heightLimit := int(math.Ceil(math.Log2(float64(f.SampleSize))))

	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), p.Trees) {
		wg.Go(func() {
			g := grower{x: x, features: make([]int, f.NumFeatures)}
			for t := range next {
				// Each tree starts from the same state whichever worker
				// grows it, so the forest is reproducible.
				for i := range g.features {
					g.features[i] = i
				}
				g.rng = rand.New(rand.NewPCG(uint64(p.Seed), uint64(t)))
				g.nodes = nil
				rows := g.sample(len(x), f.SampleSize)
				g.grow(rows, 0, heightLimit)
				f.Trees[t] = Tree{Nodes: g.nodes}
			}
		})
	}
	var err error
feed:
	for t := range p.Trees {
		select {
		case next <- t:
		case <-ctx.Done():
			err = fmt.Errorf("iforest: fit stopped after %d of %d trees: %w", t, p.Trees, ctx.Err())
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err != nil {
		return nil, err
	}
	return f, nil
}

func checkRows(x [][]float64) error {
	if len(x) < 2 {
		return fmt.Errorf("need at least 2 rows, got %d", len(x))
	}
	d := len(x[0])
	if d == 0 {
		return errors.New("rows have no features")
	}
	for i, row := range x {
		if len(row) != d {
			return fmt.Errorf("row %d has %d features, want %d", i, len(row), d)
		}
		for j, v := range row {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("row %d feature %d is %v", i, j, v)
			}
		}
	}
	return nil
}

// grower holds one worker's scratch space while it grows trees.
type grower struct {
	x        [][]float64
	rng      *rand.Rand
	features []int // a permutation of feature indices, shuffled lazily
	nodes    []Node
}

// sample draws k distinct row indices out of n (partial Fisher–Yates).
func (g *grower) sample(n, k int) []int {
	perm := make([]int, n)
	for i := range perm {
		perm[i] = i
	}
	for i := range k {
		j := i + g.rng.IntN(n-i)
		perm[i], perm[j] = perm[j], perm[i]
	}
	return perm[:k]
}

// grow appends the subtree for rows and returns its root's index.
func (g *grower) grow(rows []int, depth, limit int) int32 {
	at := int32(len(g.nodes))
	g.nodes = append(g.nodes, Node{Feature: leaf, Size: len(rows)})
	if depth >= limit || len(rows) <= 1 {
		return at
	}
	feature, lo, hi, ok := g.pickFeature(rows)
	if !ok {
		return at // all rows identical: nothing can separate them
	}
	split := lo + g.rng.Float64()*(hi-lo)
	if split >= hi { // rounding can reach hi; keep the max on the right
		split = lo
	}
	// Partition rows in place: ≤ split to the front.
	i := 0
	for j, r := range rows {
		if g.x[r][feature] <= split {
			rows[i], rows[j] = rows[j], rows[i]
			i++
		}
	}
	left := g.grow(rows[:i], depth+1, limit)
	right := g.grow(rows[i:], depth+1, limit)
	g.nodes[at] = Node{Feature: feature, Split: split, Left: left, Right: right, Size: len(rows)}
	return at
}

// pickFeature draws features uniformly without replacement until one is not
// constant over rows, so the chosen feature is uniform among the usable
// ones. ok is false when every feature is constant.
func (g *grower) pickFeature(rows []int) (feature int, lo, hi float64, ok bool) {
	d := len(g.features)
	for k := range d {
		j := k + g.rng.IntN(d-k)
		g.features[k], g.features[j] = g.features[j], g.features[k]
		f := g.features[k]
		lo, hi = math.Inf(1), math.Inf(-1)
		for _, r := range rows {
			v := g.x[r][f]
			lo, hi = min(lo, v), max(hi, v)
		}
		if hi > lo {
			return f, lo, hi, true
		}
	}
	return 0, 0, 0, false
}

// Score is the anomaly score s(x, ψ) = 2^(−E[h(x)] / c(ψ)), where h(x) is
// the path length of x in a tree (edges to its leaf plus c(leaf size) for
// the part of the tree not grown) and c(ψ) is the average path length of an
// unsuccessful binary-search-tree lookup among ψ points (Liu et al. 2008,
// Eq. 1–2). Scores near 1 are anomalies, well below 0.5 are ordinary, and
// around 0.5 everywhere means nothing stands out. x must have NumFeatures
// values (Score panics otherwise); a NaN value always takes the right branch.
func (f *Forest) Score(x []float64) float64 {
	f.checkLen(x)
	var total float64
	for i := range f.Trees {
		total += f.Trees[i].pathLength(x)
	}
	mean := total / float64(len(f.Trees))
	return math.Exp2(-mean / averagePathLength(f.SampleSize))
}

// PathContributions says which features isolated x, as shares that sum to 1
// (all 0 when no tree split at all). Along x's path in a tree, the training
// sub-sample shrinks from ψ points at the root to Size at x's leaf; each
// split narrows it from n_parent to n_child, and log(n_parent/n_child) is
// credited to the split's feature. These credits add up to log(ψ/leaf size),
// the isolation the tree achieved, so a feature gets the share of isolation
// its splits performed. Plain split counts would not do: features are drawn
// uniformly at random, so every feature appears on a path about equally
// often whether or not it sets x apart; what differs is how much of the
// sample each split cuts away from x. x must have NumFeatures values.
func (f *Forest) PathContributions(x []float64) []float64 {
	f.checkLen(x)
	counts := make([]float64, f.NumFeatures)
	var total float64
	for i := range f.Trees {
		nodes := f.Trees[i].Nodes
		n := &nodes[0]
		for n.Feature != leaf {
			next := &nodes[n.child(x)]
			credit := math.Log(float64(n.Size) / float64(next.Size))
			counts[n.Feature] += credit
			total += credit
			n = next
		}
	}
	if total > 0 {
		for i := range counts {
			counts[i] /= total
		}
	}
	return counts
}

func (f *Forest) checkLen(x []float64) {
	if len(x) != f.NumFeatures {
		panic(fmt.Sprintf("iforest: vector has %d features, forest was trained on %d", len(x), f.NumFeatures))
	}
}

func (n *Node) child(x []float64) int32 {
	if x[n.Feature] <= n.Split {
		return n.Left
	}
	return n.Right
}

func (t *Tree) pathLength(x []float64) float64 {
	n := &t.Nodes[0]
	edges := 0
	for n.Feature != leaf {
		n = &t.Nodes[n.child(x)]
		edges++
	}
	if n.Size < len(averagePathLengths) {
		return float64(edges) + averagePathLengths[n.Size]
	}
	return float64(edges) + averagePathLength(n.Size)
}

// averagePathLengths holds c(n) for the leaf sizes of the default sample
// (256 points), so that scoring takes no logarithm per tree. Read-only.
var averagePathLengths = func() (c [257]float64) {
	for n := range c {
		c[n] = averagePathLength(n)
	}
	return c
}()

// averagePathLength is c(n) = 2H(n−1) − 2(n−1)/n, the mean path length of an
// unsuccessful search in a binary search tree of n points (Liu et al. 2008,
// Eq. 1), with H(i) ≈ ln i + γ; c(1) = 0 and c(2) = 1 as in scikit-learn.
func averagePathLength(n int) float64 {
	switch {
	case n <= 1:
		return 0
	case n == 2:
		return 1
	}
	nf := float64(n)
	return 2*(math.Log(nf-1)+eulerGamma) - 2*(nf-1)/nf
}

// UnmarshalJSON decodes a forest and checks that it can be scored safely:
// children come after their parents and inside the tree, split features are
// in range, every node holds at least one point and a split's size is the sum
// of its children's.
func (f *Forest) UnmarshalJSON(data []byte) error {
	type plain Forest // no methods: avoids recursing into UnmarshalJSON
	var p plain
	if err := json.Unmarshal(data, &p); err != nil {
		return fmt.Errorf("iforest: decode forest: %w", err)
	}
	if err := (*Forest)(&p).validate(); err != nil {
		return fmt.Errorf("iforest: decode forest: %w", err)
	}
	*f = Forest(p)
	return nil
}

// Validate is what UnmarshalJSON checks, for a forest decoded from another
// encoding.
func (f *Forest) Validate() error {
	if err := f.validate(); err != nil {
		return fmt.Errorf("iforest: %w", err)
	}
	return nil
}

func (f *Forest) validate() error {
	if f.NumFeatures < 1 {
		return fmt.Errorf("num_features is %d", f.NumFeatures)
	}
	if f.SampleSize < 2 {
		return fmt.Errorf("sample_size is %d, need at least 2", f.SampleSize)
	}
	if len(f.Trees) == 0 {
		return errors.New("no trees")
	}
	for t, tree := range f.Trees {
		if len(tree.Nodes) == 0 {
			return fmt.Errorf("tree %d has no nodes", t)
		}
		for i, n := range tree.Nodes {
			if n.Size < 1 {
				return fmt.Errorf("tree %d node %d holds %d points", t, i, n.Size)
			}
			if n.Feature == leaf {
				continue
			}
			if n.Feature < 0 || n.Feature >= f.NumFeatures {
				return fmt.Errorf("tree %d node %d splits on feature %d of %d", t, i, n.Feature, f.NumFeatures)
			}
			for _, c := range []int32{n.Left, n.Right} {
				if int(c) <= i || int(c) >= len(tree.Nodes) {
					return fmt.Errorf("tree %d node %d has child %d outside (%d, %d)", t, i, c, i, len(tree.Nodes))
				}
			}
			if math.IsNaN(n.Split) {
				return fmt.Errorf("tree %d node %d has a NaN split", t, i)
			}
			if l, r := tree.Nodes[n.Left].Size, tree.Nodes[n.Right].Size; l+r != n.Size {
				return fmt.Errorf("tree %d node %d holds %d points but its children %d + %d", t, i, n.Size, l, r)
			}
		}
	}
	return nil
}
