package lgbm

import "math"

// ZeroPath predicts the raw scores of sparse rows without walking every
// tree. Text models are sparse twice over: a document has a few dozen
// non-zero features out of thousands, and the trees LightGBM grows on such
// data are chains along the "term absent" side. So for almost every tree a
// document follows the same path an all-zero row follows, and that path and
// its leaf can be found once, when the model is loaded.
//
// For each tree, NewZeroPath records the all-zero row's path and leaf. For
// each feature it keeps a posting list of the trees whose zero path tests
// that feature, with the depth of the test. A row can leave a tree's zero
// path only at a node testing one of the row's non-zero features, so
// PredictRaw looks up the postings of the row's features, walks only the
// trees they name, starting at the shallowest such node, and takes the
// precomputed zero leaf of every other tree. The raw scores are then summed
// tree by tree in the model's order, exactly as a full walk sums them, so
// the result is bit-for-bit that of PredictRaw on the dense row.
//
// Splits follow Tree.Next (LightGBM's decisions), including missing-value
// and categorical splits.
type ZeroPath struct {
	m       *Model
	nodes   []flatNode // every tree's internal nodes, tree after tree
	nodeLo  []int32    // first node of each tree, to map back to Tree.Next
	leafLo  []int32    // first leaf of each tree in leafVal
	leafVal []float64  // every tree's leaf values, tree after tree
	// zeroVal is the value of the leaf an all-zero row reaches in each
	// tree (already scaled for average-output models).
	zeroVal []float64
	// postings: feature f's entries are post[postLo[f]:postLo[f+1]].
	postLo []int32
	post   []posting
	coef   float64
}

// flatNode is an internal node with children as flat indices: >= 0 an
// internal node in ZeroPath.nodes, < 0 the leaf ^child in leafVal.
type flatNode struct {
	threshold   float64
	feature     int32
	left, right int32
	tree        int32
	// plain marks a numerical split without a missing type, decided by
	// "v <= threshold" for every v that is neither NaN nor within
	// LightGBM's zero threshold of 0.
	plain bool
}

// posting says that tree's zero path tests a feature at node (a flat
// index), depth steps below the root, and which way a zero goes there.
type posting struct {
	threshold float64
	node      int32
	tree      int32
	depth     int32
	plain     bool // as flatNode.plain
	zeroLeft  bool // the all-zero row goes left at node
}

// NewZeroPath prepares m for sparse prediction. m must be valid (as Read
// returns it) and must not change afterwards.
func NewZeroPath(m *Model) *ZeroPath {
	z := &ZeroPath{m: m, coef: 1}
	if m.AverageOutput && len(m.Trees) > 0 {
		// As leaves does: each tree's value is scaled before it is summed.
		z.coef = 1 / float64(len(m.Trees)/m.NumTreePerIteration)
	}
	type hit struct {
		feature int
		posting
	}
	var hits []hit
	counts := make([]int32, m.NumFeatures()+1)
	for ti := range m.Trees {
		t := &m.Trees[ti]
		nodeLo, leafLo := int32(len(z.nodes)), int32(len(z.leafVal))
		z.nodeLo = append(z.nodeLo, nodeLo)
		z.leafLo = append(z.leafLo, leafLo)
		z.leafVal = append(z.leafVal, t.LeafValue[:max(t.NumLeaves, 1)]...)
		child := func(c int) int32 {
			if c < 0 {
				return ^(leafLo + int32(^c))
			}
			return nodeLo + int32(c)
		}
		for n := 0; n < t.NumLeaves-1; n++ {
			dt := t.DecisionType[n]
			z.nodes = append(z.nodes, flatNode{
				threshold: t.Threshold[n], feature: int32(t.SplitFeature[n]),
				left: child(t.LeftChild[n]), right: child(t.RightChild[n]), tree: int32(ti),
				plain: dt&categoricalMask == 0 && (dt>>2)&3 == missingNone,
			})
		}
		if t.NumLeaves <= 1 {
			z.zeroVal = append(z.zeroVal, t.LeafValue[0]*z.coef)
			continue
		}
		node, depth := 0, int32(0)
		for node >= 0 {
			f := t.SplitFeature[node]
			next := t.Next(node, 0)
			fn := &z.nodes[nodeLo+int32(node)]
			hits = append(hits, hit{f, posting{threshold: fn.threshold, node: nodeLo + int32(node), tree: int32(ti),
				depth: depth, plain: fn.plain, zeroLeft: next == t.LeftChild[node]}})
			counts[f+1]++
			node = next
			depth++
		}
		z.zeroVal = append(z.zeroVal, t.LeafValue[^node]*z.coef)
	}
	// Counting sort of the hits by feature; within a feature they stay in
	// tree order.
	for f := 1; f < len(counts); f++ {
		counts[f] += counts[f-1]
	}
	z.postLo = counts
	z.post = make([]posting, len(hits))
	next := append([]int32(nil), counts[:len(counts)-1]...)
	for _, h := range hits {
		z.post[next[h.feature]] = h.posting
		next[h.feature]++
	}
	return z
}

// Model is the ensemble z predicts with.
func (z *ZeroPath) Model() *Model { return z.m }

// ZeroPathScratch is one goroutine's working space for ZeroPath.PredictRaw.
type ZeroPathScratch struct {
	// Per tree: the depth at which the row first leaves the zero path
	// (unset: math.MaxInt32) and the node or leaf code it goes to there.
	depth   []int32
	start   []int32
	touched []int32 // trees the row leaves the zero path of
	val     []float64
}

// NewScratch returns working space for one goroutine.
func (z *ZeroPath) NewScratch() *ZeroPathScratch {
	s := &ZeroPathScratch{start: make([]int32, len(z.m.Trees)), depth: make([]int32, len(z.m.Trees)),
		val: make([]float64, len(z.m.Trees))}
	for i := range s.depth {
		s.depth[i] = math.MaxInt32
	}
	return s
}

// PredictRaw writes the raw scores of the sparse row idx into out (len
// NumOutputs()). dense must hold the row densely: dense[f] is the value of
// feature f for every f in idx, every other feature is 0, and features
// beyond len(dense) read as 0. Indices outside the model's features are
// ignored.
func (z *ZeroPath) PredictRaw(idx []int32, dense []float64, s *ZeroPathScratch, out []float64) {
	m := z.m
	nf := int32(len(z.postLo) - 1)
	touched := s.touched[:0]
	for _, f := range idx {
		if f < 0 || f >= nf || int(f) >= len(dense) {
			continue
		}
		x := dense[f]
		for i := z.postLo[f]; i < z.postLo[f+1]; i++ {
			p := &z.post[i]
			var left bool
			if p.plain && x == x && (x == 0 || math.Abs(x) > zeroThreshold) {
				left = x <= p.threshold
			} else {
				lo := z.nodeLo[p.tree]
				t := &m.Trees[p.tree]
				left = t.Next(int(p.node-lo), x) == t.LeftChild[p.node-lo]
			}
			if left == p.zeroLeft || p.depth >= s.depth[p.tree] {
				continue // still on the zero path here, or it left it higher up
			}
			if s.depth[p.tree] == math.MaxInt32 {
				touched = append(touched, p.tree)
			}
			s.depth[p.tree] = p.depth
			if left {
				s.start[p.tree] = z.nodes[p.node].left
			} else {
				s.start[p.tree] = z.nodes[p.node].right
			}
		}
	}
	v := s.val
	copy(v, z.zeroVal)
	for _, t := range touched {
		v[t] = z.leafVal[^z.walk(s.start[t], dense)] * z.coef
		s.depth[t] = math.MaxInt32
	}
	s.touched = touched
	// Sum tree by tree in the model's order, as a full walk does, so the
	// floating-point result is the same to the bit.
	k := m.NumTreePerIteration
	out = out[:k]
	clear(out)
	for it := 0; it+k <= len(v); it += k {
		for c, x := range v[it : it+k] {
			out[c] += x
		}
	}
}

// walk follows one tree from flat node n (or leaf code n < 0) to a leaf
// and returns its code.
func (z *ZeroPath) walk(n int32, dense []float64) int32 {
	for n >= 0 {
		nd := &z.nodes[n]
		x := 0.0
		if int(nd.feature) < len(dense) {
			x = dense[nd.feature]
		}
		if nd.plain && x == x && (x == 0 || math.Abs(x) > zeroThreshold) {
			if x <= nd.threshold {
				n = nd.left
			} else {
				n = nd.right
			}
			continue
		}
		lo := z.nodeLo[nd.tree]
		c := z.m.Trees[nd.tree].Next(int(n-lo), x)
		if c < 0 {
			n = ^(z.leafLo[nd.tree] + int32(^c))
		} else {
			n = lo + int32(c)
		}
	}
	return n
}
