package shap

// Algorithm 2 of Lundberg, Erion & Lee (2018) with EXTEND and UNWIND, as in
// LightGBM's Tree::TreeSHAP: the reference the quadrature walk of linear.go
// is checked against. It was the production walk until the quadrature one
// proved faster at every depth (O(leaves·D²) against O(nodes·D)); its leaf
// step keeps the optimisations it had then.

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/cyberstreams/cyberstreams/ml/lgbm/lgbmtest"
)

func TestQuadratureWalkMatchesAlgorithm2(t *testing.T) {
	for i, opt := range []lgbmtest.Options{
		{NumClass: 1, Iterations: 20, NumLeaves: 2, NumFeatures: 3},
		{NumClass: 3, Iterations: 10, NumLeaves: 31, NumFeatures: 20, Missing: true},
		{NumClass: 3, Iterations: 10, NumLeaves: 31, NumFeatures: 4, Missing: true, Categorical: 1},
		{NumClass: 2, Iterations: 10, NumLeaves: 31, NumFeatures: 300, Missing: true, Chain: 0.95},
		{NumClass: 1, Iterations: 5, NumLeaves: 64, NumFeatures: 10, Missing: true, Chain: 1, Rows: 5000},
	} {
		rng := rand.New(rand.NewPCG(uint64(i), 20))
		m := lgbmtest.Model(rng, opt)
		e := New(m)
		maxDepth := 0
		for _, tc := range e.trees {
			maxDepth = max(maxDepth, tc.depth)
		}
		ratios := newDepthRatios(maxDepth + 1)
		got := make([]float64, opt.NumFeatures)
		want := make([]float64, opt.NumFeatures)
		s := e.scratch.Get().(*scratch)
		worst := 0.0
		for r := 0; r < 200; r++ {
			x := lgbmtest.Row(rng, opt)
			for ti := range e.trees {
				tc := &e.trees[ti]
				clear(got)
				clear(want)
				for n := 0; n < tc.tree.NumLeaves-1; n++ {
					s.hot[n] = tc.tree.Next(n, x[tc.tree.SplitFeature[n]])
				}
				tc.explainLinear(s, got)
				tc.algorithm2(s.hot, &ratios, want)
				for f := range got {
					worst = max(worst, math.Abs(got[f]-want[f]))
				}
			}
		}
		t.Logf("options %d (max depth %d): max |quadrature - Algorithm 2| = %.3g", i, maxDepth, worst)
		if worst > 1e-10 {
			t.Errorf("options %d: walks differ by %g", i, worst)
		}
	}
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

// algorithm2 adds the tree's contributions to phi by Algorithm 2, with hot
// holding the child the row takes at every internal node.
func (tc *treeCover) algorithm2(hot []int, r *depthRatios, phi []float64) {
	if tc.tree.NumLeaves <= 1 {
		return
	}
	// Each recursion level d keeps its own copy of the d+1 path elements
	// (LightGBM's layout), so a tree of depth D needs (D+1)(D+2)/2.
	path := make([]pathElement, (tc.depth+1)*(tc.depth+2)/2)
	w := walker{tc: tc, hot: hot, path: path, phi: phi, ratios: r}
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
