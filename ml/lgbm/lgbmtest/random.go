// Package lgbmtest builds random but valid LightGBM tree ensembles, and rows
// that exercise their splits, for tests and benchmarks of the packages that
// read, predict and explain them.
package lgbmtest

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/cyberstreams/cyberstreams/ml/lgbm"
)

// Options shape a random ensemble.
type Options struct {
	NumClass    int // trees per iteration; 1 for a binary or regression model
	Iterations  int
	NumLeaves   int // leaves per tree (at most; small counts stop growth early)
	NumFeatures int
	// Categorical makes the first Categorical features categorical: their
	// splits test membership in a random bitset of categories 0..63.
	Categorical int
	// Missing gives splits random missing types (None, Zero, NaN) and
	// default directions; otherwise every split has missing type None.
	Missing bool
	// Rows is the data count at the root of every tree (default 1000); the
	// counts are what TreeSHAP uses as cover.
	Rows int
	// Chain is the chance that a split goes to the leaf with the most data
	// rather than a random one. Near 1 it grows the deep, chain-like trees
	// LightGBM fits on sparse text, where each split peels a few documents
	// that contain a term off the large "term absent" leaf.
	Chain float64
}

// grid (read-only) is the set of numerical thresholds random trees split at. Rows built
// by Row draw from the same values, so "x == threshold" happens often.
var grid = [...]float64{-2, -1, -0.5, -1e-35, 0, 1e-35, 0.25, 0.5, 1, 3}

// Model returns a random ensemble grown the way LightGBM grows trees
// (leaf-wise: a split turns leaf l into an internal node whose left child is
// leaf l and whose right child is a new leaf), with consistent data counts.
func Model(rng *rand.Rand, o Options) *lgbm.Model {
	if o.NumClass < 1 {
		o.NumClass = 1
	}
	if o.Rows <= 0 {
		o.Rows = 1000
	}
	m := &lgbm.Model{
		NumClass:            o.NumClass,
		NumTreePerIteration: o.NumClass,
		MaxFeatureIdx:       o.NumFeatures - 1,
		Objective:           "regression",
	}
	if o.NumClass > 1 {
		m.Objective = fmt.Sprintf("multiclass num_class:%d", o.NumClass)
	}
	for f := 0; f < o.NumFeatures; f++ {
		m.FeatureNames = append(m.FeatureNames, fmt.Sprintf("f%d", f))
		if f < o.Categorical {
			m.FeatureInfos = append(m.FeatureInfos, "0:1:2:3")
		} else {
			m.FeatureInfos = append(m.FeatureInfos, "[-2:3]")
		}
	}
	m.Parameters = []string{"[boosting: gbdt]", fmt.Sprintf("[num_leaves: %d]", o.NumLeaves)}
	for i := 0; i < o.Iterations*o.NumClass; i++ {
		m.Trees = append(m.Trees, tree(rng, o))
	}
	return m
}

func tree(rng *rand.Rand, o Options) lgbm.Tree {
	t := lgbm.Tree{NumLeaves: 1, Shrinkage: 0.1}
	t.LeafValue = []float64{rng.NormFloat64()}
	t.LeafWeight = []float64{float64(o.Rows) / 4}
	t.LeafCount = []int{o.Rows}
	parent := []int{-1} // internal parent of each leaf
	for t.NumLeaves < o.NumLeaves {
		leaf := rng.IntN(t.NumLeaves)
		if o.Chain > 0 && rng.Float64() < o.Chain {
			for l, c := range t.LeafCount {
				if c > t.LeafCount[leaf] {
					leaf = l
				}
			}
		}
		if t.LeafCount[leaf] < 2 {
			// pick any splittable leaf; stop when none is left
			leaf = -1
			for l, c := range t.LeafCount {
				if c >= 2 {
					leaf = l
					break
				}
			}
			if leaf < 0 {
				break
			}
		}
		node := t.NumLeaves - 1
		newLeaf := t.NumLeaves
		if p := parent[leaf]; p >= 0 {
			if t.LeftChild[p] == ^leaf {
				t.LeftChild[p] = node
			} else {
				t.RightChild[p] = node
			}
		}
		f := rng.IntN(o.NumFeatures)
		var dt int8
		var thr float64
		if f < o.Categorical {
			dt |= 1
			thr = float64(t.NumCat)
			t.NumCat++
			if len(t.CatBoundaries) == 0 {
				t.CatBoundaries = []int{0}
			}
			words := 1 + rng.IntN(2)
			for w := 0; w < words; w++ {
				t.CatThreshold = append(t.CatThreshold, rng.Uint32()|1<<uint(rng.IntN(32)))
			}
			t.CatBoundaries = append(t.CatBoundaries, len(t.CatThreshold))
		} else {
			thr = grid[rng.IntN(len(grid))]
		}
		if o.Missing {
			dt |= int8(rng.IntN(3)) << 2
			if dt&1 == 0 && rng.IntN(2) == 0 {
				dt |= 2
			}
		}
		n := t.LeafCount[leaf]
		left := 1 + rng.IntN(n-1)
		if o.Chain > 0 {
			left = n - 1 - rng.IntN(max(1, n/20)) // most rows stay left
		}
		internalValue := t.LeafValue[leaf]
		t.SplitFeature = append(t.SplitFeature, f)
		t.SplitGain = append(t.SplitGain, rng.Float64()*10)
		t.Threshold = append(t.Threshold, thr)
		t.DecisionType = append(t.DecisionType, dt)
		t.LeftChild = append(t.LeftChild, ^leaf)
		t.RightChild = append(t.RightChild, ^newLeaf)
		t.InternalValue = append(t.InternalValue, internalValue)
		t.InternalWeight = append(t.InternalWeight, t.LeafWeight[leaf])
		t.InternalCount = append(t.InternalCount, n)
		w := t.LeafWeight[leaf]
		frac := float64(left) / float64(n)
		t.LeafCount[leaf] = left
		t.LeafWeight[leaf] = w * frac
		t.LeafValue[leaf] = rng.NormFloat64()
		t.LeafCount = append(t.LeafCount, n-left)
		t.LeafWeight = append(t.LeafWeight, w*(1-frac))
		t.LeafValue = append(t.LeafValue, rng.NormFloat64())
		parent[leaf] = node
		parent = append(parent, node)
		t.NumLeaves++
	}
	return t
}

// Row returns a dense row for a model built with o: numerical features take
// grid values, values between them, exact zeros and NaN; categorical ones
// small categories, negative ones, huge ones and NaN.
func Row(rng *rand.Rand, o Options) []float64 {
	x := make([]float64, o.NumFeatures)
	for f := range x {
		switch r := rng.IntN(10); {
		case r == 0:
			x[f] = math.NaN()
		case r == 1:
			x[f] = 0
		case f < o.Categorical:
			switch rng.IntN(8) {
			case 0:
				x[f] = -1 - float64(rng.IntN(3))
			case 1:
				x[f] = 1e12
			case 2:
				x[f] = -0.5
			default:
				x[f] = float64(rng.IntN(70))
			}
		case r < 6:
			x[f] = grid[rng.IntN(len(grid))]
		default:
			x[f] = rng.Float64()*6 - 2.5
		}
	}
	return x
}

// Sparse returns the non-zero entries of x as (index, value) pairs in
// increasing index order; NaN entries are kept, as they are not zero.
func Sparse(x []float64) ([]int32, []float64) {
	var idx []int32
	var val []float64
	for f, v := range x {
		if v != 0 {
			idx = append(idx, int32(f))
			val = append(val, v)
		}
	}
	return idx, val
}
