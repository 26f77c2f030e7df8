// Package shap explains the raw scores of a LightGBM tree ensemble feature
// by feature with exact TreeSHAP values: for one row, each feature's
// contribution to each class margin, which add up with the model's expected
// margin to the row's raw score.
//
// The algorithm is the path-dependent TreeSHAP of Lundberg, Erion & Lee,
// "Consistent Individualized Feature Attribution for Tree Ensembles" (2018),
// Algorithm 2: a depth-first walk that keeps, for the unique features on the
// path to each node, the fraction of "zero" (feature unknown: follow both
// children in proportion to their cover) and "one" (feature known: follow the
// row) paths, extending the path at every split and unwinding it when a
// feature repeats. As in LightGBM's pred_contrib, a node's cover is its
// training data count (internal_count / leaf_count), so the contributions
// match LightGBM's predict(pred_contrib=True).
package shap

import (
	"sync"

	"github.com/cyberstreams/cyberstreams/ml/lgbm"
)

// Explainer computes TreeSHAP contributions for one model. It precomputes
// per-tree covers and expected values once; Explain and ExplainSparse are
// safe for concurrent use and do not allocate in steady state.
type Explainer struct {
	model       *lgbm.Model
	trees       []treeCover
	numOutputs  int
	numFeatures int
	expected    []float64
	// scale is 1, or 1/iterations for an average_output (random forest)
	// model so that contributions add up to PredictRaw.
	scale   float64
	scratch sync.Pool // *scratch sized for the deepest tree
	maxPath int
	maxNode int
	ratios  depthRatios
}

// depthRatios holds, per unique-path depth d and position i < d, the ratios
// that EXTEND and UNWIND divide by, so the hot loops only multiply:
// up[d][i] = (d+1)/(i+1), down[d][i] = (d-i)/(d+1), cold[d][i] = (d+1)/(d-i)
// and chain[d][i] = up·down = (d-i)/(i+1).
type depthRatios struct {
	up, down, cold, chain [][]float64
}

func newDepthRatios(maxDepth int) depthRatios {
	var r depthRatios
	for d := 0; d <= maxDepth; d++ {
		up, down := make([]float64, d+1), make([]float64, d+1)
		cold, chain := make([]float64, d+1), make([]float64, d+1)
		for i := 0; i < d; i++ {
			up[i] = float64(d+1) / float64(i+1)
			down[i] = float64(d-i) / float64(d+1)
			cold[i] = float64(d+1) / float64(d-i)
			chain[i] = float64(d-i) / float64(i+1)
		}
		r.up = append(r.up, up)
		r.down = append(r.down, down)
		r.cold = append(r.cold, cold)
		r.chain = append(r.chain, chain)
	}
	return r
}

// treeCover is what TreeSHAP needs of one tree beyond its splits.
type treeCover struct {
	tree      *lgbm.Tree
	output    int
	nodeCover []float64 // cover of internal node n
	leafCover []float64 // cover of leaf l
	depth     int       // longest root-to-leaf path, in splits
}

// pathElement is one feature on the unique path (Lundberg et al.'s m): the
// share of zero paths (feature unknown) and one paths (feature known) that
// flow through its splits, and the permutation weight of the subsets of
// path features that have this element's position.
type pathElement struct {
	feature int
	zero    float64
	one     float64
	weight  float64
}

type scratch struct {
	path     []pathElement
	hot      []int // child that the row takes at each internal node
	hotElems []int // leaf's path elements with one fraction 1
	// row is a dense copy of a sparse row while it is explained; all zeros
	// between calls.
	row []float64
}

// New builds an explainer for m, which must not change afterwards. Covers
// are the data counts stored in the model; a tree saved without counts falls
// back to leaf weights (hessian sums), then to equal covers.
func New(m *lgbm.Model) *Explainer {
	e := &Explainer{
		model:       m,
		numOutputs:  m.NumOutputs(),
		numFeatures: m.NumFeatures(),
		scale:       1,
	}
	e.expected = make([]float64, e.numOutputs)
	maxDepth := 0
	for i := range m.Trees {
		tc := newTreeCover(&m.Trees[i], i%e.numOutputs)
		e.trees = append(e.trees, tc)
		maxDepth = max(maxDepth, tc.depth)
		e.maxNode = max(e.maxNode, tc.tree.NumLeaves-1)
		e.expected[tc.output] += tc.expectedValue()
	}
	if m.AverageOutput && len(m.Trees) > 0 {
		e.scale = 1 / float64(len(m.Trees)/e.numOutputs)
		for k := range e.expected {
			e.expected[k] *= e.scale
		}
	}
	// Each recursion level d keeps its own copy of the d+1 path elements
	// (LightGBM's layout), so a tree of depth D needs (D+1)(D+2)/2.
	e.maxPath = (maxDepth + 1) * (maxDepth + 2) / 2
	e.ratios = newDepthRatios(maxDepth + 1)
	e.scratch.New = func() any {
		return &scratch{path: make([]pathElement, e.maxPath), hot: make([]int, e.maxNode),
			hotElems: make([]int, 0, maxDepth+1), row: make([]float64, e.numFeatures)}
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
		tc.explain(s, &e.ratios, phi[tc.output])
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
		tc.explain(s, &e.ratios, phi[tc.output])
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

// explain adds the tree's contributions to phi, with s.hot holding the
// child the row takes at every internal node.
func (tc *treeCover) explain(s *scratch, r *depthRatios, phi []float64) {
	if tc.tree.NumLeaves <= 1 {
		return // a constant tree only adds to the expected value
	}
	w := walker{tc: tc, hot: s.hot, hotElems: s.hotElems, path: s.path, phi: phi, ratios: r}
	w.recurse(0, 0, 0, 1, 1, -1)
}

type walker struct {
	tc       *treeCover
	hot      []int
	hotElems []int
	path     []pathElement
	phi      []float64
	ratios   *depthRatios
}

// recurse is RECURSE of Algorithm 2 for node (LightGBM encoding: < 0 is a
// leaf) at unique-path depth depth. The parent's depth elements start at
// w.path[parent]; this level copies them to w.path[parent+depth:] (past what
// the parent still uses) and extends the copy by the split that led here,
// with its zero/one fractions and feature.
func (w *walker) recurse(node, parent, depth int, zero, one float64, feature int) {
	start := parent + depth
	path := w.path[start : start+depth+1]
	if depth > 0 {
		copy(path, w.path[parent:parent+depth])
	}
	extend(path, depth, zero, one, feature, w.ratios)

	if node < 0 {
		w.leaf(path, depth, w.tc.tree.LeafValue[^node])
		return
	}

	t := w.tc.tree
	hot := w.hot[node]
	cold := t.LeftChild[node]
	if hot == cold {
		cold = t.RightChild[node]
	}
	cover := w.tc.nodeCover[node]
	hotZero, coldZero := 0.5, 0.5
	if cover > 0 {
		hotZero = w.tc.cover(hot) / cover
		coldZero = w.tc.cover(cold) / cover
	}
	inZero, inOne := 1.0, 1.0
	// A feature already on the path is split on again: undo its earlier
	// extension and redo it with the combined fractions.
	f := t.SplitFeature[node]
	k := 0
	for ; k <= depth; k++ {
		if path[k].feature == f {
			break
		}
	}
	if k <= depth {
		inZero, inOne = path[k].zero, path[k].one
		unwind(path, depth, k)
		depth--
	}
	w.recurse(hot, start, depth+1, hotZero*inZero, inOne, f)
	w.recurse(cold, start, depth+1, coldZero*inZero, 0, f)
}

// leaf adds, for every feature on the path, its share of the leaf value:
// the unwound path sum (the weight of the subsets without the feature)
// times (one - zero) times the value.
//
// Two shortcuts keep this O(d) for most elements. In path-dependent
// TreeSHAP one fractions are 0 or 1. For an element with one = 0 (the row
// goes the other way at the feature's split) the unwound sum is
// Σ_i w_i (d+1)/(d-i) / zero, the same sum for all such elements, and times
// (0 - zero) its contribution is just -sum·value. For one = 1 the UNWIND
// recurrence is next_i = w_i - zero·(d-i)/(i+1)·next_{i+1}, summing
// next_{i+1}·(d+1)/(i+1); it is a chain of dependent multiplications, so
// two elements are run side by side to use the idle arithmetic units.
func (w *walker) leaf(path []pathElement, depth int, value float64) {
	up, chain, coldRatio := w.ratios.up[depth], w.ratios.chain[depth], w.ratios.cold[depth]
	coldSum := 0.0
	for i := 0; i < depth; i++ {
		coldSum += path[i].weight * coldRatio[i]
	}
	hot := w.hotElems[:0]
	for k := 1; k <= depth; k++ {
		el := &path[k]
		switch {
		case el.one == 1:
			hot = append(hot, k)
		case el.one == 0:
			if el.zero != 0 {
				w.phi[el.feature] -= coldSum * value
			}
		default:
			// Not reached by path-dependent TreeSHAP; kept general.
			w.phi[el.feature] += unwoundSum(path, depth, k, w.ratios) * (el.one - el.zero) * value
		}
	}
	top := path[depth].weight
	j := 0
	for ; j+1 < len(hot); j += 2 {
		a, b := &path[hot[j]], &path[hot[j+1]]
		za, zb := a.zero, b.zero
		na, nb := top, top
		ta, tb := 0.0, 0.0
		for i := depth - 1; i >= 0; i-- {
			u, c, wi := up[i], chain[i], path[i].weight
			ta += na * u
			tb += nb * u
			na = wi - za*c*na
			nb = wi - zb*c*nb
		}
		w.phi[a.feature] += ta * (1 - za) * value
		w.phi[b.feature] += tb * (1 - zb) * value
	}
	if j < len(hot) {
		a := &path[hot[j]]
		za := a.zero
		na, ta := top, 0.0
		for i := depth - 1; i >= 0; i-- {
			ta += na * up[i]
			na = path[i].weight - za*chain[i]*na
		}
		w.phi[a.feature] += ta * (1 - za) * value
	}
	w.hotElems = hot
}

// unwoundSum is the total permutation weight of the path with element k
// unwound, without modifying the path: the general form (any one fraction)
// of the sums leaf specialises.
func unwoundSum(path []pathElement, depth, k int, r *depthRatios) float64 {
	one, zero := path[k].one, path[k].zero
	up, down, cold := r.up[depth], r.down[depth], r.cold[depth]
	next := path[depth].weight
	total := 0.0
	for i := depth - 1; i >= 0; i-- {
		if one != 0 {
			tmp := next * up[i] / one
			total += tmp
			next = path[i].weight - tmp*zero*down[i]
		} else if zero != 0 {
			total += path[i].weight / zero * cold[i]
		}
	}
	return total
}

// extend is EXTEND of Algorithm 2: it appends element depth to path (which
// holds depth+1 elements after the call) and updates the permutation
// weights of all subset sizes.
func extend(path []pathElement, depth int, zero, one float64, feature int, r *depthRatios) {
	path[depth] = pathElement{feature: feature, zero: zero, one: one}
	if depth == 0 {
		path[0].weight = 1
		return
	}
	// (i+1)/(d+1) = 1/up[d][i] and (d-i)/(d+1) = down[d][i]
	down := r.down[depth]
	invD1 := 1 / float64(depth+1)
	for i := depth - 1; i >= 0; i-- {
		path[i+1].weight += one * path[i].weight * float64(i+1) * invD1
		path[i].weight = zero * path[i].weight * down[i]
	}
}

// unwind is UNWIND of Algorithm 2: it removes element k from a path of
// depth+1 elements, undoing its extension.
func unwind(path []pathElement, depth, k int) {
	one, zero := path[k].one, path[k].zero
	d1 := float64(depth + 1)
	next := path[depth].weight
	for i := depth - 1; i >= 0; i-- {
		if one != 0 {
			tmp := path[i].weight
			path[i].weight = next * d1 / (float64(i+1) * one)
			next = tmp - path[i].weight*zero*float64(depth-i)/d1
		} else {
			path[i].weight = path[i].weight * d1 / (zero * float64(depth-i))
		}
	}
	for i := k; i < depth; i++ {
		path[i].feature = path[i+1].feature
		path[i].zero = path[i+1].zero
		path[i].one = path[i+1].one
	}
}
