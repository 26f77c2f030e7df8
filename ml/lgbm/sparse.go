package lgbm

import (
	"math"
	"slices"
)

// SparsePredictor predicts the raw scores of sparse rows without walking
// every tree. Text models are sparse twice over: a document has a few dozen
// non-zero features out of thousands, and the trees grown on such data are
// chains along the "term absent" side. So in almost every tree a document
// follows the path most training rows followed, and that path and its leaf
// can be found once, when the model is loaded.
//
// NewSparsePredictor records each tree's typical path: at every split the
// side that more training rows took (the counts LightGBM stores with every
// node; the side a zero goes to when the counts are absent). A row leaves a
// typical path only at a split it decides the other way. For a numerical
// split "x <= t" whose typical side is left, those are the rows with
// x > t; typical right, x <= t. So each feature keeps the typical-path
// splits that test it in two lists sorted by threshold, and for a value x
// the splits it decides against the typical side are a prefix of one list
// and a suffix of the other, scanned from their ends. A row visits only
// those splits, walks each tree it leaves from the first such split down,
// and takes the precomputed typical leaf of every other tree.
//
// Features a row does not list are 0, and 0 may itself leave a typical
// path (a year, a count, a reputation that training rows always have): the
// features where it does are checked for every row. Categorical and
// missing-value splits are decided one by one with Tree.Next.
//
// The raw scores are summed tree by tree in the model's order, as a full
// walk sums them, so they equal PredictRaw's (and leaves') to the bit.
type SparsePredictor struct {
	m *Model
	// cells holds every tree's nodes and leaves in depth-first pre-order,
	// tree after tree, so that a subtree is one contiguous run: the walk
	// below the split where a row leaves its typical path stays within a
	// few cache lines, and ends on the leaf's value itself.
	cells []cell
	// For Tree.Next on categorical and missing-value splits: each cell's
	// tree and node (or leaf) number there, and each tree's first entry in
	// cellOf, which maps a tree's node i to cellOf[lo+i] and its leaf j to
	// cellOf[lo+numLeaves-1+j].
	cellTree  []int32
	cellLocal []int32
	cellOf    []int32
	cellOfLo  []int32
	// typical is the value of each tree's typical leaf (already scaled for
	// average-output models).
	typical []float64
	feat    []featurePostings // per feature
	post    []posting
	// thresholds holds post[i]'s split threshold, contiguously, for the
	// scans (eight to a cache line).
	thresholds []float64
	// always lists the features whose absence (value 0) leaves some
	// typical path; inAlways marks them.
	always   []int32
	inAlways []bool
	coef     float64
}

// cell is 16 bytes: a leaf, whose value is in threshold, or an internal
// node, whose left child is the next cell (pre-order) and whose right child
// is cell right. kind tells them apart: >= 0 a plain split on feature kind
// (a numerical split without a missing type, which, after NaN and values
// within LightGBM's zero threshold become 0, sends x left exactly when
// x <= threshold); leafKind a leaf; below that a split that Tree.Next must
// decide, on feature otherKind-kind.
type cell struct {
	threshold float64
	kind      int32
	right     int32
}

const (
	leafKind  = -1
	otherKind = -2
)

// feature is the split feature of an internal cell.
func (c *cell) feature() int32 {
	if c.kind >= 0 {
		return c.kind
	}
	return otherKind - c.kind
}

// featurePostings locates one feature's typical-path splits in post:
// post[lo:lo+left] are plain splits whose typical side is left, by
// increasing threshold; the next right are plain splits whose typical side
// is right, by increasing threshold; the next other are the rest.
type featurePostings struct {
	lo, left, right, other int32
}

// posting is one typical-path split, in 12 bytes (a document visits a few
// hundred): its tree, its cell and the cell on its non-typical side, so
// that leaving the path there needs no look-up. Cells are in pre-order, so
// of two splits on one tree's typical path the one nearer the root has the
// smaller cell: node orders them as depth would.
type posting struct {
	tree int32
	node int32
	away int32
}

// typicalLeft reports whether p's typical side is the left child.
func (p *posting) typicalLeft() bool { return p.away != p.node+1 }

// NewSparsePredictor prepares m for sparse prediction. m must be valid (as
// Read returns it) and must not change afterwards.
func NewSparsePredictor(m *Model) *SparsePredictor {
	z := &SparsePredictor{m: m, coef: 1}
	if m.AverageOutput && len(m.Trees) > 0 {
		// As leaves does: each tree's value is scaled before it is summed.
		z.coef = 1 / float64(len(m.Trees)/m.NumTreePerIteration)
	}
	nf := m.NumFeatures()
	const (
		typLeft = iota
		typRight
		other
	)
	type hit struct {
		feature, kind int
		threshold     float64
		posting
	}
	var hits []hit
	z.inAlways = make([]bool, nf)
	for ti := range m.Trees {
		t := &m.Trees[ti]
		lo := int32(len(z.cellOf))
		z.cellOfLo = append(z.cellOfLo, lo)
		inner := max(t.NumLeaves-1, 0)
		z.cellOf = append(z.cellOf, make([]int32, inner+max(t.NumLeaves, 1))...)
		z.place(t, int32(ti), lo, rootCode(t))
		if t.NumLeaves <= 1 {
			z.typical = append(z.typical, t.LeafValue[0]*z.coef)
			continue
		}
		node := 0
		for node >= 0 {
			f := t.SplitFeature[node]
			at := z.cellOf[lo+int32(node)]
			c := &z.cells[at]
			zero := t.Next(node, 0)
			next := zero
			if l, r := t.count(t.LeftChild[node]), t.count(t.RightChild[node]); l != r {
				next = t.LeftChild[node]
				if r > l {
					next = t.RightChild[node]
				}
			}
			typicalLeft := next == t.LeftChild[node]
			p := posting{node: at, tree: int32(ti), away: at + 1}
			if typicalLeft {
				p.away = c.right
			}
			kind := other
			if c.kind >= 0 {
				kind = typRight
				if typicalLeft {
					kind = typLeft
				}
			}
			hits = append(hits, hit{f, kind, c.threshold, p})
			if zero != next && !z.inAlways[f] {
				z.inAlways[f] = true
				z.always = append(z.always, int32(f))
			}
			node = next
		}
		z.typical = append(z.typical, t.LeafValue[^node]*z.coef)
	}
	slices.Sort(z.always)
	// Group the hits by feature and kind; within a group, by threshold,
	// then tree, for a deterministic layout.
	slices.SortFunc(hits, func(a, b hit) int {
		switch {
		case a.feature != b.feature:
			return a.feature - b.feature
		case a.kind != b.kind:
			return a.kind - b.kind
		case a.threshold != b.threshold:
			if a.threshold < b.threshold {
				return -1
			}
			return 1
		}
		return int(a.node - b.node)
	})
	z.feat = make([]featurePostings, nf)
	z.post = make([]posting, len(hits))
	z.thresholds = make([]float64, len(hits))
	for i, h := range hits {
		z.post[i] = h.posting
		z.thresholds[i] = h.threshold
		fp := &z.feat[h.feature]
		if fp.left+fp.right+fp.other == 0 {
			fp.lo = int32(i)
		}
		switch h.kind {
		case typLeft:
			fp.left++
		case typRight:
			fp.right++
		default:
			fp.other++
		}
	}
	return z
}

// rootCode is the child code of a tree's root: node 0, or leaf 0 for a
// one-leaf tree.
func rootCode(t *Tree) int {
	if t.NumLeaves <= 1 {
		return ^0
	}
	return 0
}

// place appends the subtree of child code c (>= 0 node, < 0 leaf ^c) of
// tree t in pre-order and returns the cell of its root.
func (z *SparsePredictor) place(t *Tree, tree, lo int32, c int) int32 {
	at := int32(len(z.cells))
	z.cellTree = append(z.cellTree, tree)
	if c < 0 {
		z.cells = append(z.cells, cell{threshold: t.LeafValue[^c], kind: leafKind})
		z.cellLocal = append(z.cellLocal, int32(^c))
		z.cellOf[lo+int32(max(t.NumLeaves-1, 0)+^c)] = at
		return at
	}
	dt := t.DecisionType[c]
	kind := int32(t.SplitFeature[c])
	if dt&categoricalMask != 0 || (dt>>2)&3 != missingNone {
		kind = otherKind - kind
	}
	z.cells = append(z.cells, cell{threshold: t.Threshold[c], kind: kind})
	z.cellLocal = append(z.cellLocal, int32(c))
	z.cellOf[lo+int32(c)] = at
	z.place(t, tree, lo, t.LeftChild[c]) // lands at at+1
	z.cells[at].right = z.place(t, tree, lo, t.RightChild[c])
	return at
}

// count is the number of training rows that reached child c.
func (t *Tree) count(c int) int {
	if c < 0 {
		if ^c < len(t.LeafCount) {
			return t.LeafCount[^c]
		}
		return 0
	}
	if c < len(t.InternalCount) {
		return t.InternalCount[c]
	}
	return 0
}

// SparseScratch is one goroutine's working space for
// SparsePredictor.PredictRaw.
type SparseScratch struct {
	// Per tree: the cell of the split nearest the root at which the row
	// leaves the typical path (unset: math.MaxInt32) and the cell it goes
	// to there.
	first   []int32
	start   []int32
	touched []int32 // trees the row leaves the typical path of
	// val is each tree's value for the row: the typical leaf's unless the
	// row leaves the typical path.
	val []float64
	// seen keeps PredictRaw's look-ahead reads from being optimised away.
	seen int32
}

// lookahead is how many walks ahead PredictRaw reads a start cell.
const lookahead = 2

// NewScratch returns working space for one goroutine.
func (z *SparsePredictor) NewScratch() *SparseScratch {
	s := &SparseScratch{start: make([]int32, len(z.m.Trees)), first: make([]int32, len(z.m.Trees)),
		val: make([]float64, len(z.m.Trees))}
	for i := range s.first {
		s.first[i] = math.MaxInt32
	}
	return s
}

// PredictRaw writes the raw scores of a sparse row into out (len
// NumOutputs()). idx lists the row's non-zero features; dense holds the row
// densely: dense[f] is the value of feature f for every f in idx, every
// other feature is 0, and features beyond len(dense) read as 0. Indices
// outside the model's features are ignored.
func (z *SparsePredictor) PredictRaw(idx []int32, dense []float64, s *SparseScratch, out []float64) {
	s.touched = s.touched[:0]
	v := s.val
	copy(v, z.typical)
	for _, f := range z.always {
		x := 0.0
		if int(f) < len(dense) {
			x = dense[f]
		}
		z.leave(s, f, x)
	}
	nf := int32(len(z.feat))
	for _, f := range idx {
		if f < 0 || f >= nf || int(f) >= len(dense) || z.inAlways[f] {
			continue
		}
		z.leave(s, f, dense[f])
	}
	if z.clean(idx, dense) {
		// Each walk first reads its start cell, likely out of cache: read
		// the start cell of the walk after next ahead of time, so that the
		// load overlaps with the walks before it.
		touched := s.touched
		var seen int32
		for i, t := range touched {
			if i+lookahead < len(touched) {
				seen |= z.cells[s.start[touched[i+lookahead]]].kind
			}
			v[t] = z.walkClean(s.start[t], dense) * z.coef
			s.first[t] = math.MaxInt32
		}
		s.seen = seen
	} else {
		for _, t := range s.touched {
			v[t] = z.walk(s.start[t], dense) * z.coef
			s.first[t] = math.MaxInt32
		}
	}
	// Sum tree by tree in the model's order, as a full walk does, so the
	// floating-point result is the same to the bit.
	k := z.m.NumTreePerIteration
	out = out[:k]
	n := len(v) / k * k
	c := 0
	for ; c+4 <= k; c += 4 {
		// Four classes at a time in registers: an add to out[c] in memory
		// would wait for the previous store.
		var a0, a1, a2, a3 float64
		for i := c; i < n; i += k {
			w := v[i : i+4]
			a0 += w[0]
			a1 += w[1]
			a2 += w[2]
			a3 += w[3]
		}
		out[c], out[c+1], out[c+2], out[c+3] = a0, a1, a2, a3
	}
	for ; c < k; c++ {
		var a float64
		for i := c; i < n; i += k {
			a += v[i]
		}
		out[c] = a
	}
}

// leave records, for every typical-path split on feature f that value x
// decides against the typical side, where the row leaves that tree's
// typical path.
func (z *SparsePredictor) leave(s *SparseScratch, f int32, x float64) {
	fp := z.feat[f]
	if fp.left+fp.right+fp.other == 0 {
		return
	}
	raw := x // categorical and missing-value splits see the value as given
	if x != x || math.Abs(x) <= zeroThreshold {
		x = 0 // as Tree.Next treats NaN and near-zero values on plain splits
	}
	// The prefix and the suffix are scanned from their ends rather than
	// found by binary search: every split scanned but the last is one the
	// row leaves its typical path at, so the scan costs one comparison
	// more than the diverging it leads to, where a search costs a chain of
	// dependent loads for every list.
	//
	// Typically left (x <= t): x goes right where t < x, a prefix.
	left := z.post[fp.lo : fp.lo+fp.left]
	ts := z.thresholds[fp.lo : fp.lo+fp.left]
	for i := 0; i < len(ts) && ts[i] < x; i++ {
		z.diverge(s, &left[i])
	}
	// Typically right (x > t): x goes left where t >= x, a suffix.
	right := z.post[fp.lo+fp.left : fp.lo+fp.left+fp.right]
	ts = z.thresholds[fp.lo+fp.left : fp.lo+fp.left+fp.right]
	for i := len(ts) - 1; i >= 0 && ts[i] >= x; i-- {
		z.diverge(s, &right[i])
	}
	for i := fp.lo + fp.left + fp.right; i < fp.lo+fp.left+fp.right+fp.other; i++ {
		p := &z.post[i]
		t := &z.m.Trees[p.tree]
		local := z.cellLocal[p.node]
		if goLeft := t.Next(int(local), raw) == t.LeftChild[local]; goLeft != p.typicalLeft() {
			z.diverge(s, p)
		}
	}
}

// diverge notes that the row goes to the non-typical side at posting p,
// unless it left p's tree higher up already.
func (z *SparsePredictor) diverge(s *SparseScratch, p *posting) {
	t := p.tree
	if p.node >= s.first[t] {
		return
	}
	if s.first[t] == math.MaxInt32 {
		s.touched = append(s.touched, t)
	}
	s.first[t] = p.node
	s.start[t] = p.away
}

// clean reports whether every split can read the row straight from dense:
// dense covers every feature and no value is NaN or a non-zero within
// LightGBM's zero threshold (values plain splits must first turn into 0).
func (z *SparsePredictor) clean(idx []int32, dense []float64) bool {
	if len(dense) < len(z.feat) {
		return false
	}
	for _, f := range idx {
		if f < 0 || int(f) >= len(dense) {
			continue
		}
		if x := dense[f]; x != x || (x != 0 && math.Abs(x) <= zeroThreshold) {
			return false
		}
	}
	return true
}

// walkClean is walk for a row that clean accepts: a plain split compares
// the value as it is.
func (z *SparsePredictor) walkClean(n int32, dense []float64) float64 {
	dense = dense[:len(z.feat)]
	for {
		c := &z.cells[n]
		if c.kind < 0 {
			if c.kind == leafKind {
				return c.threshold
			}
			return z.walk(n, dense)
		}
		next := c.right
		if dense[c.kind] <= c.threshold {
			next = n + 1
		}
		n = next
	}
}

// walk follows one tree from cell n to a leaf and returns its value.
func (z *SparsePredictor) walk(n int32, dense []float64) float64 {
	for {
		c := &z.cells[n]
		if c.kind == leafKind {
			return c.threshold
		}
		f := c.feature()
		x := 0.0
		if int(f) < len(dense) {
			x = dense[f]
		}
		if c.kind >= 0 && x == x && (x == 0 || math.Abs(x) > zeroThreshold) {
			if x <= c.threshold {
				n++
			} else {
				n = c.right
			}
			continue
		}
		tree := z.cellTree[n]
		t := &z.m.Trees[tree]
		next := t.Next(int(z.cellLocal[n]), x)
		lo := z.cellOfLo[tree]
		if next < 0 {
			n = z.cellOf[lo+int32(max(t.NumLeaves-1, 0)+^next)]
		} else {
			n = z.cellOf[lo+int32(next)]
		}
	}
}
