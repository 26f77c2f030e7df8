// Package shap explains the raw scores of a LightGBM tree ensemble feature
// by feature with exact TreeSHAP values: for one row, each feature's
// contribution to each class margin, which add up with the model's expected
// margin to the row's raw score.
//
// The values are those of path-dependent TreeSHAP (Lundberg, Erion & Lee,
// "Consistent Individualized Feature Attribution for Tree Ensembles", 2018,
// Algorithm 2), where a feature outside the coalition splits the data in
// proportion to the node covers. As in LightGBM's pred_contrib, a node's
// cover is its training data count (internal_count / leaf_count), so the
// contributions match LightGBM's predict(pred_contrib=True). They are
// computed by an exact quadrature form of the algorithm (linear.go) that
// costs O(nodes × depth) per tree rather than Algorithm 2's
// O(leaves × depth²); Algorithm 2 itself, with EXTEND and UNWIND, is kept in
// the tests as the reference it is checked against.
package shap

import (
	"sync"

	"github.com/cyberstreams/cyberstreams/ml/lgbm"
)

// Explainer computes TreeSHAP contributions for one model. It precomputes
// per-tree covers and expected values once; Explain and ExplainSparse are
// safe for concurrent use and do not allocate in steady state.
type Explainer struct {
	trees       []treeCover
	numOutputs  int
	numFeatures int
	expected    []float64
	// scale is 1, or 1/iterations for an average_output (random forest)
	// model so that contributions add up to PredictRaw.
	scale   float64
	scratch sync.Pool // *scratch sized for the deepest tree
	maxNode int
	maxM    int // most quadrature points of any tree
}

// treeCover is what TreeSHAP needs of one tree beyond its splits.
type treeCover struct {
	tree      *lgbm.Tree
	output    int
	nodeCover []float64 // cover of internal node n
	leafCover []float64 // cover of leaf l
	depth     int       // longest root-to-leaf path, in splits
	// quad is the quadrature rule of the walk in linear.go, with enough
	// points to be exact for this tree's depth.
	quad quadrature
}

type scratch struct {
	hot []int // child that the row takes at each internal node
	// row is a dense copy of a sparse row while it is explained; all zeros
	// between calls.
	row []float64
	// linear is the memory of the quadrature walk.
	linear linearScratch
}

// New builds an explainer for m, which must not change afterwards. Covers
// are the data counts stored in the model; a tree saved without counts falls
// back to leaf weights (hessian sums), then to equal covers.
func New(m *lgbm.Model) *Explainer {
	e := &Explainer{
		numOutputs:  m.NumOutputs(),
		numFeatures: m.NumFeatures(),
		scale:       1,
	}
	e.expected = make([]float64, e.numOutputs)
	maxDepth := 0
	quads := map[int]quadrature{}
	for i := range m.Trees {
		tc := newTreeCover(&m.Trees[i], i%e.numOutputs)
		maxDepth = max(maxDepth, tc.depth)
		e.maxNode = max(e.maxNode, tc.tree.NumLeaves-1)
		if tc.tree.NumLeaves > 1 {
			points := tc.depth/2 + 1
			if quads[points].t == nil {
				quads[points] = gaussLegendre(points)
			}
			tc.quad = quads[points]
			e.maxM = max(e.maxM, points)
		}
		e.trees = append(e.trees, tc)
		e.expected[tc.output] += tc.expectedValue()
	}
	if m.AverageOutput && len(m.Trees) > 0 {
		e.scale = 1 / float64(len(m.Trees)/e.numOutputs)
		for k := range e.expected {
			e.expected[k] *= e.scale
		}
	}
	e.scratch.New = func() any {
		return &scratch{hot: make([]int, e.maxNode), row: make([]float64, e.numFeatures),
			linear: newLinearScratch(maxDepth, e.maxM, e.numFeatures)}
	}
	return e
}

func newTreeCover(t *lgbm.Tree, output int) treeCover {
	tc := treeCover{tree: t, output: output}
	nodes := t.NumLeaves - 1
	tc.leafCover = make([]float64, t.NumLeaves)
	var total float64
	for l := range tc.leafCover {
		switch {
		case len(t.LeafCount) == t.NumLeaves:
			tc.leafCover[l] = float64(t.LeafCount[l])
		case len(t.LeafWeight) == t.NumLeaves:
			tc.leafCover[l] = t.LeafWeight[l]
		default:
			tc.leafCover[l] = 1
		}
		total += tc.leafCover[l]
	}
	if !(total > 0) {
		for l := range tc.leafCover {
			tc.leafCover[l] = 1
		}
	}
	if nodes == 0 {
		return tc
	}
	// Internal covers: the stored counts when the leaf covers are counts
	// too (what LightGBM uses), else the sum over the node's leaves.
	tc.nodeCover = make([]float64, nodes)
	useCounts := len(t.LeafCount) == t.NumLeaves && len(t.InternalCount) == nodes && total > 0
	var walk func(n, depth int) float64
	walk = func(n, depth int) float64 {
		if n < 0 {
			tc.depth = max(tc.depth, depth)
			return tc.leafCover[^n]
		}
		sum := walk(t.LeftChild[n], depth+1) + walk(t.RightChild[n], depth+1)
		if useCounts {
			tc.nodeCover[n] = float64(t.InternalCount[n])
		} else {
			tc.nodeCover[n] = sum
		}
		return sum
	}
	walk(0, 0)
	return tc
}

// expectedValue is the tree's cover-weighted mean leaf value, as LightGBM's
// Tree::ExpectedValue computes it.
func (tc *treeCover) expectedValue() float64 {
	t := tc.tree
	if t.NumLeaves == 1 {
		return t.LeafValue[0]
	}
	total := tc.nodeCover[0]
	ev := 0.0
	for l, v := range t.LeafValue {
		ev += (tc.leafCover[l] / total) * v
	}
	return ev
}

func (tc *treeCover) cover(n int) float64 {
	if n < 0 {
		return tc.leafCover[^n]
	}
	return tc.nodeCover[n]
}

// ExpectedValue returns the model's expected raw score per output: the sum
// over each output's trees of their cover-weighted mean leaf values. It is
// the base that Explain's contributions start from.
func (e *Explainer) ExpectedValue() []float64 {
	return append([]float64(nil), e.expected...)
}

// NumOutputs is the number of explained outputs (classes), as
// lgbm.Model.NumOutputs.
func (e *Explainer) NumOutputs() int { return e.numOutputs }

// Explain writes the TreeSHAP contributions of dense row x: phi[k][f] is
// feature f's contribution to output k's raw margin and base[k] the expected
// margin, so base[k] + Σ_f phi[k][f] equals lgbm.Model.PredictRaw(x)[k]
// (up to rounding). phi must have NumOutputs rows of at least NumFeatures
// entries; they are overwritten. Splits see x as PredictRaw does (features
// beyond len(x) are 0, NaN and zero-as-missing per split).
func (e *Explainer) Explain(x []float64, phi [][]float64, base []float64) {
	s := e.scratch.Get().(*scratch)
	e.prepare(phi, base)
	for i := range e.trees {
		tc := &e.trees[i]
		t := tc.tree
		for n := 0; n < t.NumLeaves-1; n++ {
			f := t.SplitFeature[n]
			v := 0.0
			if f < len(x) {
				v = x[f]
			}
			s.hot[n] = t.Next(n, v)
		}
		tc.explainLinear(s, phi[tc.output])
	}
	e.finish(phi)
	e.scratch.Put(s)
}

// ExplainSparse is Explain for a sparse row (feature idx[j] has value
// val[j], all others are 0), as lgbm.Model.PredictRawSparse reads it.
// Indices must be distinct; those outside the model's features are ignored.
func (e *Explainer) ExplainSparse(idx []int32, val []float64, phi [][]float64, base []float64) {
	s := e.scratch.Get().(*scratch)
	e.prepare(phi, base)
	s.scatter(idx, val)
	for i := range e.trees {
		tc := &e.trees[i]
		tc.route(s)
		tc.explainLinear(s, phi[tc.output])
	}
	s.unscatter(idx)
	e.finish(phi)
	e.scratch.Put(s)
}

// scatter writes a sparse row into the all-zero dense scratch row, so
// that every split reads its feature in O(1).
func (s *scratch) scatter(idx []int32, val []float64) {
	for j, f := range idx {
		if f >= 0 && int(f) < len(s.row) {
			s.row[f] = val[j]
		}
	}
}

// unscatter restores the dense scratch row to all zeros.
func (s *scratch) unscatter(idx []int32) {
	for _, f := range idx {
		if f >= 0 && int(f) < len(s.row) {
			s.row[f] = 0
		}
	}
}

// route records in s.hot the child the scattered row takes at every
// internal node.
func (tc *treeCover) route(s *scratch) {
	t := tc.tree
	for n := 0; n < t.NumLeaves-1; n++ {
		s.hot[n] = t.Next(n, s.row[t.SplitFeature[n]])
	}
}

func (e *Explainer) prepare(phi [][]float64, base []float64) {
	copy(base[:e.numOutputs], e.expected)
	for k := 0; k < e.numOutputs; k++ {
		clear(phi[k][:e.numFeatures])
	}
}

func (e *Explainer) finish(phi [][]float64) {
	if e.scale == 1 {
		return
	}
	for k := 0; k < e.numOutputs; k++ {
		for f := range phi[k][:e.numFeatures] {
			phi[k][f] *= e.scale
		}
	}
}
