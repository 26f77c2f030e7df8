package lgbm

import (
	"math"
	"slices"
)

// Bits of Tree.DecisionType, as in LightGBM's tree.h.
const (
	categoricalMask = 1 // split on category membership, not a threshold
	defaultLeftMask = 2 // missing values go left
)

// Missing-value types stored in bits 2-3 of Tree.DecisionType.
const (
	missingNone = 0
	missingZero = 1 // zero (|x| <= kZeroThreshold) is the missing value
	missingNaN  = 2 // NaN is the missing value
)

// zeroThreshold is LightGBM's kZeroThreshold (1e-35f, as a double): values
// this close to zero count as zero.
const zeroThreshold = 1.0000000180025095e-35

// NumOutputs is the number of raw scores per row: one per tree of an
// iteration (the class count of a multiclass model, 1 otherwise).
func (m *Model) NumOutputs() int { return m.NumTreePerIteration }

// NumFeatures is the width of a dense input row, MaxFeatureIdx+1.
func (m *Model) NumFeatures() int { return m.MaxFeatureIdx + 1 }

// PredictRaw writes the raw margin of dense row x into out (len
// NumOutputs()): tree i adds its leaf value to out[i % NumTreePerIteration].
// Features beyond len(x) read as 0, like absent entries of a sparse row. A
// model with AverageOutput divides by the number of iterations.
func (m *Model) PredictRaw(x []float64, out []float64) {
	k := m.NumTreePerIteration
	out = out[:k]
	clear(out)
	for i := range m.Trees {
		t := &m.Trees[i]
		out[i%k] += t.LeafValue[t.Leaf(x)]
	}
	m.average(out)
}

// PredictRawSparse is PredictRaw for a sparse row: feature idx[j] has value
// val[j], every other feature is 0. Rows with idx in increasing order (as
// CSR matrices store them) are looked up by binary search; others by a
// linear scan.
func (m *Model) PredictRawSparse(idx []int32, val []float64, out []float64) {
	k := m.NumTreePerIteration
	out = out[:k]
	clear(out)
	row := SparseRow{Index: idx, Value: val, Sorted: slices.IsSorted(idx)}
	for i := range m.Trees {
		t := &m.Trees[i]
		out[i%k] += t.LeafValue[t.LeafSparse(row)]
	}
	m.average(out)
}

// PredictRawScratch is PredictRawSparse for loops over many rows: it
// scatters the row into scratch, a caller-owned slice of NumFeatures()
// zeros, so every split reads its feature in O(1) instead of searching idx,
// and leaves scratch all zeros again. Indices must be distinct; those
// outside the model's features are ignored. Each goroutine needs its own
// scratch.
func (m *Model) PredictRawScratch(idx []int32, val []float64, scratch []float64, out []float64) {
	scratch = scratch[:m.NumFeatures()]
	for j, f := range idx {
		if f >= 0 && int(f) < len(scratch) {
			scratch[f] = val[j]
		}
	}
	m.PredictRaw(scratch, out)
	for _, f := range idx {
		if f >= 0 && int(f) < len(scratch) {
			scratch[f] = 0
		}
	}
}

func (m *Model) average(out []float64) {
	if m.AverageOutput && len(m.Trees) > 0 {
		iters := float64(len(m.Trees) / m.NumTreePerIteration)
		for j := range out {
			out[j] /= iters
		}
	}
}

// SparseRow is a row given as (feature index, value) pairs; absent features
// are 0. Sorted says Index is increasing, which allows binary search.
type SparseRow struct {
	Index  []int32
	Value  []float64
	Sorted bool
}

// At returns the value of feature f.
func (r SparseRow) At(f int) float64 {
	if r.Sorted {
		// Branch-free halving (the compiler emits a conditional move), which
		// beats a classic binary search whose branches mispredict half the
		// time.
		idx := r.Index
		n := len(idx)
		if n == 0 {
			return 0
		}
		lo := 0
		for n > 1 {
			half := n >> 1
			if int(idx[lo+half]) <= f {
				lo += half
			}
			n -= half
		}
		if int(idx[lo]) == f {
			return r.Value[lo]
		}
		return 0
	}
	for j, i := range r.Index {
		if int(i) == f {
			return r.Value[j]
		}
	}
	return 0
}

// Leaf returns the index of the leaf that dense row x falls into.
func (t *Tree) Leaf(x []float64) int {
	if t.NumLeaves <= 1 {
		return 0
	}
	node := 0
	for node >= 0 {
		f := t.SplitFeature[node]
		v := 0.0
		if f < len(x) {
			v = x[f]
		}
		node = t.Next(node, v)
	}
	return ^node
}

// LeafSparse returns the index of the leaf that a sparse row falls into.
func (t *Tree) LeafSparse(r SparseRow) int {
	if t.NumLeaves <= 1 {
		return 0
	}
	node := 0
	for node >= 0 {
		node = t.Next(node, r.At(t.SplitFeature[node]))
	}
	return ^node
}

// Next returns the child of internal node that a row whose split feature
// has value v goes to, in LightGBM's encoding (>= 0: internal node, < 0:
// leaf ^child). It follows Tree::NumericalDecision and
// Tree::CategoricalDecision of LightGBM 4.x: NaN counts as 0 unless NaN is
// the node's missing type; |v| <= 1e-35f counts as 0, as in LightGBM's
// dense-row predictor; the missing value goes to the default side;
// otherwise v <= threshold goes left. A category goes left when its bit is
// set; NaN, negative and out-of-range categories go right.
func (t *Tree) Next(node int, v float64) int {
	dt := t.DecisionType[node]
	if dt&categoricalMask != 0 {
		if t.inCategorySet(node, v) {
			return t.LeftChild[node]
		}
		return t.RightChild[node]
	}
	missing := (dt >> 2) & 3
	isNaN := v != v
	if isNaN && missing != missingNaN {
		v, isNaN = 0, false
	}
	// LightGBM's predictor drops dense inputs within kZeroThreshold of zero
	// (RowFunctionFromDenseMatric), so the splits see exactly 0.
	isZero := v >= -zeroThreshold && v <= zeroThreshold
	if isZero {
		v = 0
	}
	if (missing == missingZero && isZero) || (missing == missingNaN && isNaN) {
		if dt&defaultLeftMask != 0 {
			return t.LeftChild[node]
		}
		return t.RightChild[node]
	}
	if v <= t.Threshold[node] {
		return t.LeftChild[node]
	}
	return t.RightChild[node]
}

func (t *Tree) inCategorySet(node int, v float64) bool {
	// LightGBM truncates to int, so -0.5 is category 0; values past int32
	// would be undefined there and lie outside every bitset anyway.
	if math.IsNaN(v) || v <= -1 || v >= math.MaxInt32 {
		return false
	}
	c := int(v)
	k := int(t.Threshold[node])
	lo, hi := t.CatBoundaries[k], t.CatBoundaries[k+1]
	word := c / 32
	if word >= hi-lo {
		return false
	}
	return t.CatThreshold[lo+word]>>(uint(c)%32)&1 != 0
}
