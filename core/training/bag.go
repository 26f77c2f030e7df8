package training

import (
	"slices"

	"github.com/cyberstreams/cyberstreams/ml/lgbm"
)

// Bag is the seed-bagged ensemble of models as one model: every member's
// trees, each leaf (and internal) value divided by the number of members,
// so that its raw margin is the members' mean margin in log-odds. It is
// still a plain sum of trees, so TreeSHAP on it stays exact and additive
// (base + Σ contributions = the mean margin), and every reader of the
// LightGBM text format scores it as it is. The members must share their
// class layout (as models of one Train run do). One model is returned
// unchanged.
//
// Averaging models that differ only in their row and feature sampling
// (Breiman 1996, "Bagging predictors") takes out the part of a model's
// decisions that is seed noise: on the time-gap protocol that noise moved
// accuracy by ±2 points, more than any tree setting (bench/classifier).
func Bag(members []*lgbm.Model) *lgbm.Model {
	if len(members) == 1 {
		return members[0]
	}
	scale := 1 / float64(len(members))
	out := *members[0]
	out.Trees = nil
	for _, m := range members {
		for _, t := range m.Trees {
			t.LeafValue = scaled(t.LeafValue, scale)
			t.InternalValue = scaled(t.InternalValue, scale)
			out.Trees = append(out.Trees, t)
		}
	}
	return &out
}

func scaled(v []float64, s float64) []float64 {
	v = slices.Clone(v)
	for i := range v {
		v[i] *= s
	}
	return v
}

// memberSeed is the seed of member m of an ensemble trained with seed:
// member 0 is the single model the same seed trains without bagging.
func memberSeed(seed int64, m int) int64 { return seed + int64(m)*7919 }
