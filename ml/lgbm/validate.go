package lgbm

import (
	"errors"
	"fmt"
	"strings"
)

// Validate is validate for a model that did not come through Read (one
// decoded from another encoding): what Read checks of every model it
// returns.
func (m *Model) Validate() error { return m.validate() }

// validate checks everything that PredictRaw, the TreeSHAP explainer and
// LightGBM's own loader rely on: consistent header counts, array lengths per
// tree, and child links that form one tree rooted at node 0. A model that
// passes cannot make prediction loop or index out of range.
func (m *Model) validate() error {
	if m.NumClass < 1 {
		return fmt.Errorf("num_class %d < 1", m.NumClass)
	}
	if m.NumTreePerIteration < 1 {
		return fmt.Errorf("num_tree_per_iteration %d < 1", m.NumTreePerIteration)
	}
	if len(m.Trees)%m.NumTreePerIteration != 0 {
		return fmt.Errorf("%d trees is not a whole number of iterations of %d trees", len(m.Trees), m.NumTreePerIteration)
	}
	if m.MaxFeatureIdx < 0 {
		return fmt.Errorf("max_feature_idx %d < 0", m.MaxFeatureIdx)
	}
	if len(m.FeatureNames) != m.MaxFeatureIdx+1 {
		return fmt.Errorf("%d feature_names for max_feature_idx %d", len(m.FeatureNames), m.MaxFeatureIdx)
	}
	if len(m.FeatureInfos) != m.MaxFeatureIdx+1 {
		return fmt.Errorf("%d feature_infos for max_feature_idx %d", len(m.FeatureInfos), m.MaxFeatureIdx)
	}
	for i, name := range m.FeatureNames {
		if name == "" || strings.ContainsAny(name, " \t\r\n") {
			return fmt.Errorf("feature name %d %q is empty or contains white space", i, name)
		}
	}
	for i, info := range m.FeatureInfos {
		if info == "" || strings.ContainsAny(info, " \t\r\n") {
			return fmt.Errorf("feature info %d %q is empty or contains white space", i, info)
		}
	}
	if strings.ContainsAny(m.Objective, "\r\n") {
		return errors.New("objective contains a line break")
	}
	for _, p := range m.Parameters {
		if strings.ContainsAny(p, "\r\n") || p == "end of parameters" {
			return fmt.Errorf("parameter line %q would break the parameters block", p)
		}
	}
	for i := range m.Trees {
		if err := m.Trees[i].validate(m.MaxFeatureIdx); err != nil {
			return fmt.Errorf("tree %d: %w", i, err)
		}
	}
	return nil
}

func (t *Tree) validate(maxFeatureIdx int) error {
	if t.NumLeaves < 1 {
		return fmt.Errorf("num_leaves %d < 1", t.NumLeaves)
	}
	nodes := t.NumLeaves - 1
	if len(t.LeafValue) != t.NumLeaves {
		return fmt.Errorf("leaf_value has %d values, want num_leaves=%d", len(t.LeafValue), t.NumLeaves)
	}
	exact := []struct {
		name string
		n    int
	}{
		{"split_feature", len(t.SplitFeature)},
		{"threshold", len(t.Threshold)},
		{"decision_type", len(t.DecisionType)},
		{"left_child", len(t.LeftChild)},
		{"right_child", len(t.RightChild)},
	}
	for _, a := range exact {
		if a.n != nodes {
			return fmt.Errorf("%s has %d values, want num_leaves-1=%d", a.name, a.n, nodes)
		}
	}
	// The statistics below are optional (LightGBM itself writes an empty
	// leaf_weight for a one-leaf tree) but, when present, must be complete.
	optional := []struct {
		name string
		n    int
		want int
	}{
		{"split_gain", len(t.SplitGain), nodes},
		{"leaf_weight", len(t.LeafWeight), t.NumLeaves},
		{"leaf_count", len(t.LeafCount), t.NumLeaves},
		{"internal_value", len(t.InternalValue), nodes},
		{"internal_weight", len(t.InternalWeight), nodes},
		{"internal_count", len(t.InternalCount), nodes},
	}
	for _, a := range optional {
		if a.n != 0 && a.n != a.want {
			return fmt.Errorf("%s has %d values, want 0 or %d", a.name, a.n, a.want)
		}
	}
	if t.NumCat < 0 {
		return fmt.Errorf("num_cat %d < 0", t.NumCat)
	}
	if t.NumCat > 0 {
		if len(t.CatBoundaries) != t.NumCat+1 {
			return fmt.Errorf("cat_boundaries has %d values, want num_cat+1=%d", len(t.CatBoundaries), t.NumCat+1)
		}
		if t.CatBoundaries[0] != 0 || t.CatBoundaries[t.NumCat] != len(t.CatThreshold) {
			return fmt.Errorf("cat_boundaries must run from 0 to len(cat_threshold)=%d", len(t.CatThreshold))
		}
		for k := 1; k <= t.NumCat; k++ {
			if t.CatBoundaries[k] < t.CatBoundaries[k-1] {
				return fmt.Errorf("cat_boundaries decrease at %d", k)
			}
		}
	} else if len(t.CatBoundaries) != 0 || len(t.CatThreshold) != 0 {
		return errors.New("category bitsets present but num_cat=0")
	}
	for n := 0; n < nodes; n++ {
		if f := t.SplitFeature[n]; f < 0 || f > maxFeatureIdx {
			return fmt.Errorf("node %d splits on feature %d outside [0, %d]", n, f, maxFeatureIdx)
		}
		dt := t.DecisionType[n]
		if dt < 0 || dt > 15 || (dt>>2)&3 == 3 {
			return fmt.Errorf("node %d has unknown decision_type %d", n, dt)
		}
		if dt&categoricalMask != 0 {
			k := t.Threshold[n]
			if k != float64(int(k)) || k < 0 || int(k) >= t.NumCat {
				return fmt.Errorf("node %d: categorical threshold %v is not a bitset index below num_cat=%d", n, k, t.NumCat)
			}
		}
	}
	// Every internal node but the root and every leaf must be the child of
	// exactly one node, and following children from the root must reach
	// them all: that makes the links one tree without cycles.
	if nodes == 0 {
		return nil
	}
	nodeSeen := make([]bool, nodes)
	leafSeen := make([]bool, t.NumLeaves)
	nodeSeen[0] = true
	stack := []int{0}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, c := range [2]int{t.LeftChild[n], t.RightChild[n]} {
			if c >= 0 {
				if c >= nodes || nodeSeen[c] {
					return fmt.Errorf("node %d has child %d that is out of range or reached twice", n, c)
				}
				nodeSeen[c] = true
				stack = append(stack, c)
				continue
			}
			leaf := ^c
			if leaf >= t.NumLeaves || leafSeen[leaf] {
				return fmt.Errorf("node %d has leaf child %d that is out of range or reached twice", n, leaf)
			}
			leafSeen[leaf] = true
		}
	}
	for n, ok := range nodeSeen {
		if !ok {
			return fmt.Errorf("node %d is not reachable from the root", n)
		}
	}
	for l, ok := range leafSeen {
		if !ok {
			return fmt.Errorf("leaf %d is not reachable from the root", l)
		}
	}
	return nil
}
