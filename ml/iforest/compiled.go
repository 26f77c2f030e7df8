package iforest

import (
	"fmt"
	"math"
)

// Compiled is a Forest laid out for scoring many vectors, with each leaf's
// path length edges + c(Size) computed once. Score gives exactly
// Forest.Score's value.
//
// Forests of the default shape (no tree deeper than completeDepth, at most
// 256 features) are stored as complete binary trees: a leaf above the last
// level fills its whole would-be subtree, so that every descent takes
// exactly completeDepth branch-free steps, several trees at a time. Other
// forests keep one node array of 24-byte cells (the JSON Node is 40).
type Compiled struct {
	complete    []completeTree // nil unless the forest fits
	cells       []compiledCell
	roots       []int32
	numFeatures int
	norm        float64 // c(ψ)
}

// completeDepth is the depth of a completeTree: the height limit of the
// default sample size (log2 256).
const completeDepth = 8

// completeTree is one tree as a complete binary tree of depth
// completeDepth in breadth-first order, mirrored: node i's left child is
// 2i+2 and its right child 2i+1, and leaf j sits at node 255+j. The arrays are 256 long (one unused
// entry) so that a uint8 index needs no bounds check.
type completeTree struct {
	split   [256]float64
	feature [256]uint8
	// pathLen is each leaf's edges + c(Size): the value Tree.pathLength
	// returns, computed the same way.
	pathLen [256]float64
}

// compiledCell is a split (feature ≥ 0: values ≤ value go to left) or a
// leaf (feature < 0) whose value is c(Size).
type compiledCell struct {
	value       float64
	feature     int32
	left, right int32
}

// Compile lays f out for scoring. f must not change afterwards.
func (f *Forest) Compile() *Compiled {
	c := &Compiled{numFeatures: f.NumFeatures, norm: averagePathLength(f.SampleSize)}
	if f.NumFeatures <= 256 && f.maxDepth() <= completeDepth {
		c.complete = make([]completeTree, len(f.Trees))
		for i := range f.Trees {
			c.complete[i].fill(&f.Trees[i], 0, 0, 0)
		}
		return c
	}
	for _, t := range f.Trees {
		base := int32(len(c.cells))
		c.roots = append(c.roots, base)
		for _, n := range t.Nodes {
			if n.Feature == leaf {
				c.cells = append(c.cells, compiledCell{value: leafTerm(n.Size), feature: -1})
				continue
			}
			c.cells = append(c.cells, compiledCell{value: n.Split, feature: int32(n.Feature), left: base + n.Left, right: base + n.Right})
		}
	}
	return c
}

// leafTerm is c(size), as Tree.pathLength finds it.
func leafTerm(size int) float64 {
	if size < len(averagePathLengths) {
		return averagePathLengths[size]
	}
	return averagePathLength(size)
}

// maxDepth is the number of edges on the longest root-to-leaf path of any
// tree.
func (f *Forest) maxDepth() int {
	d := 0
	for i := range f.Trees {
		nodes := f.Trees[i].Nodes
		// Children come after their parent, so one pass in order sees every
		// parent's depth before its children's.
		depth := make([]int, len(nodes))
		for j, n := range nodes {
			d = max(d, depth[j])
			if n.Feature != leaf {
				depth[n.Left], depth[n.Right] = depth[j]+1, depth[j]+1
			}
		}
	}
	return d
}

// fill places node n of t, at depth depth, at position at of ct. A leaf
// above the last level becomes splits that lead to copies of it whichever
// way they go (feature 0, split 0), so its path length is found however x
// compares.
func (ct *completeTree) fill(t *Tree, n int32, at, depth int) {
	node := &t.Nodes[n]
	if depth == completeDepth {
		// Only leaves reach here (maxDepth); at-255 is the leaf's slot.
		ct.pathLen[at-255] = float64(depth) + leafTerm(node.Size)
		return
	}
	if node.Feature == leaf {
		ct.fillLeaf(float64(depth)+leafTerm(node.Size), at, depth)
		return
	}
	ct.split[at], ct.feature[at] = node.Split, uint8(node.Feature)
	ct.fill(t, node.Left, 2*at+2, depth+1) // mirrored: see step
	ct.fill(t, node.Right, 2*at+1, depth+1)
}

// fillLeaf gives every leaf slot below position at (depth depth) the path
// length v.
func (ct *completeTree) fillLeaf(v float64, at, depth int) {
	if depth == completeDepth {
		ct.pathLen[at-255] = v
		return
	}
	ct.fillLeaf(v, 2*at+1, depth+1)
	ct.fillLeaf(v, 2*at+2, depth+1)
}

// Score is Forest.Score on the compiled layout.
func (c *Compiled) Score(x []float64) float64 {
	if len(x) != c.numFeatures {
		panic(fmt.Sprintf("iforest: vector has %d features, forest was trained on %d", len(x), c.numFeatures))
	}
	var total float64
	if c.complete != nil {
		total = c.totalComplete(x)
	} else {
		total = c.totalCells(x)
	}
	mean := total / float64(len(c.roots)+len(c.complete))
	return math.Exp2(-mean / c.norm)
}

// totalComplete sums the trees' path lengths in order, as Forest.Score
// does. Eight trees descend together: no step depends on a branch, so their
// load chains overlap.
func (c *Compiled) totalComplete(v []float64) float64 {
	var total float64
	trees := c.complete
	for len(trees) >= 8 {
		t := (*[8]completeTree)(trees)
		var n0, n1, n2, n3, n4, n5, n6, n7 uint
		for range completeDepth {
			n0 = step(v, &t[0], n0)
			n1 = step(v, &t[1], n1)
			n2 = step(v, &t[2], n2)
			n3 = step(v, &t[3], n3)
			n4 = step(v, &t[4], n4)
			n5 = step(v, &t[5], n5)
			n6 = step(v, &t[6], n6)
			n7 = step(v, &t[7], n7)
		}
		for i, n := range [8]uint{n0, n1, n2, n3, n4, n5, n6, n7} {
			total += t[i].pathLen[uint8(n+1)]
		}
		trees = trees[8:]
	}
	for len(trees) >= 4 {
		t := (*[4]completeTree)(trees)
		var n0, n1, n2, n3 uint
		for range completeDepth {
			n0 = step(v, &t[0], n0)
			n1 = step(v, &t[1], n1)
			n2 = step(v, &t[2], n2)
			n3 = step(v, &t[3], n3)
		}
		for i, n := range [4]uint{n0, n1, n2, n3} {
			total += t[i].pathLen[uint8(n+1)]
		}
		trees = trees[4:]
	}
	for i := range trees {
		t := &trees[i]
		var n uint
		for range completeDepth {
			n = step(v, t, n)
		}
		total += t.pathLen[uint8(n+1)]
	}
	return total
}

// step moves from node n of t to the child v goes to: 2n+2 when v's value
// is <= the split (fill mirrors the tree so that the comparison's outcome
// is the offset), else 2n+1 (also for NaN). Reading v costs a bounds check,
// which is cheaper than copying v into an array a uint8 indexes freely.
func step(v []float64, t *completeTree, n uint) uint {
	var le uint
	if v[t.feature[uint8(n)]] <= t.split[uint8(n)] {
		le = 1
	}
	return 2*n + 1 + le
}

// totalCells sums the trees' path lengths in order on the cell layout.
func (c *Compiled) totalCells(x []float64) float64 {
	var total float64
	for _, r := range c.roots {
		n := &c.cells[r]
		edges := 0
		for n.feature >= 0 {
			next := n.right
			if x[n.feature] <= n.value {
				next = n.left
			}
			n = &c.cells[next]
			edges++
		}
		total += float64(edges) + n.value
	}
	return total
}
