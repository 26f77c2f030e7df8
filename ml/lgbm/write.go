package lgbm

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

// FormatVersion is the model format version Write puts in the header.
// LightGBM 4.x writes "v4" but still loads "v3", and leaves only accepts
// "v2"/"v3"; the tree blocks we write are the same in both.
const FormatVersion = "v3"

// Write writes m in LightGBM's text model format, field for field as
// GBDT::SaveModelToString and Tree::ToString lay it out (LightGBM 4.x), so
// that LightGBM's Booster(model_file=...) and leaves both load it.
//
// Thresholds, leaf values and leaf weights are written with %.17g as
// LightGBM does; the other real numbers (split gains, internal values and
// weights, shrinkage) with the shortest decimal that parses back to the same
// float64. Either way Read(Write(m)) restores every number exactly, and a
// file LightGBM wrote comes back byte for byte apart from the version line.
// The feature_importances block is recomputed from the trees (split counts
// of splits with positive gain), as LightGBM computes it.
func Write(w io.Writer, m *Model) error {
	if err := m.validate(); err != nil {
		return fmt.Errorf("lgbm: write: %w", err)
	}
	bw := bufio.NewWriter(w)
	var b strings.Builder
	b.WriteString("tree\n")
	b.WriteString("version=" + FormatVersion + "\n")
	fmt.Fprintf(&b, "num_class=%d\n", m.NumClass)
	fmt.Fprintf(&b, "num_tree_per_iteration=%d\n", m.NumTreePerIteration)
	fmt.Fprintf(&b, "label_index=%d\n", m.LabelIndex)
	fmt.Fprintf(&b, "max_feature_idx=%d\n", m.MaxFeatureIdx)
	if m.Objective != "" {
		b.WriteString("objective=" + m.Objective + "\n")
	}
	if m.AverageOutput {
		b.WriteString("average_output\n")
	}
	b.WriteString("feature_names=" + strings.Join(m.FeatureNames, " ") + "\n")
	b.WriteString("feature_infos=" + strings.Join(m.FeatureInfos, " ") + "\n")

	// tree_sizes lets LightGBM parse trees in parallel by byte offset, so
	// each size must be the exact length of the block we then write:
	// "Tree=i\n" + the tree's lines + the blank line Tree::ToString ends
	// with + the blank line SaveModelToString adds.
	blocks := make([]string, len(m.Trees))
	sizes := make([]string, len(m.Trees))
	for i := range m.Trees {
		blocks[i] = "Tree=" + strconv.Itoa(i) + "\n" + m.Trees[i].text() + "\n"
		sizes[i] = strconv.Itoa(len(blocks[i]))
	}
	b.WriteString("tree_sizes=" + strings.Join(sizes, " ") + "\n\n")
	if _, err := bw.WriteString(b.String()); err != nil {
		return fmt.Errorf("lgbm: write header: %w", err)
	}
	for i, block := range blocks {
		if _, err := bw.WriteString(block); err != nil {
			return fmt.Errorf("lgbm: write tree %d: %w", i, err)
		}
	}

	b.Reset()
	b.WriteString("end of trees\n")
	b.WriteString("\nfeature_importances:\n")
	for _, fi := range m.splitImportances() {
		fmt.Fprintf(&b, "%s=%d\n", m.FeatureNames[fi.feature], fi.count)
	}
	b.WriteString("\nparameters:\n")
	for _, p := range m.Parameters {
		b.WriteString(p + "\n")
	}
	b.WriteString("\nend of parameters\n")
	b.WriteString("\npandas_categorical:null\n")
	if _, err := bw.WriteString(b.String()); err != nil {
		return fmt.Errorf("lgbm: write trailer: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("lgbm: write: %w", err)
	}
	return nil
}

type importance struct {
	feature, count int
}

// splitImportances counts, per feature, the splits with positive gain, in
// decreasing count order with ties in feature order (LightGBM's
// FeatureImportance with importance_type 0, stable-sorted).
func (m *Model) splitImportances() []importance {
	counts := make([]int, m.MaxFeatureIdx+1)
	for i := range m.Trees {
		t := &m.Trees[i]
		for n := 0; n < t.NumLeaves-1 && n < len(t.SplitGain); n++ {
			if t.SplitGain[n] > 0 {
				counts[t.SplitFeature[n]]++
			}
		}
	}
	var out []importance
	for f, c := range counts {
		if c > 0 {
			out = append(out, importance{f, c})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].count > out[j].count })
	return out
}

// text renders the tree as Tree::ToString does, ending with a blank line.
func (t *Tree) text() string {
	var b strings.Builder
	nodes := t.NumLeaves - 1
	fmt.Fprintf(&b, "num_leaves=%d\n", t.NumLeaves)
	fmt.Fprintf(&b, "num_cat=%d\n", t.NumCat)
	writeInts(&b, "split_feature", t.SplitFeature, nodes)
	writeFloats(&b, "split_gain", t.SplitGain, nodes, -1)
	writeFloats(&b, "threshold", t.Threshold, nodes, 17)
	b.WriteString("decision_type=")
	for i := 0; i < nodes && i < len(t.DecisionType); i++ {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strconv.Itoa(int(t.DecisionType[i])))
	}
	b.WriteByte('\n')
	writeInts(&b, "left_child", t.LeftChild, nodes)
	writeInts(&b, "right_child", t.RightChild, nodes)
	writeFloats(&b, "leaf_value", t.LeafValue, t.NumLeaves, 17)
	writeFloats(&b, "leaf_weight", t.LeafWeight, t.NumLeaves, 17)
	writeInts(&b, "leaf_count", t.LeafCount, t.NumLeaves)
	writeFloats(&b, "internal_value", t.InternalValue, nodes, -1)
	writeFloats(&b, "internal_weight", t.InternalWeight, nodes, -1)
	writeInts(&b, "internal_count", t.InternalCount, nodes)
	if t.NumCat > 0 {
		writeInts(&b, "cat_boundaries", t.CatBoundaries, len(t.CatBoundaries))
		b.WriteString("cat_threshold=")
		for i, v := range t.CatThreshold {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(strconv.FormatUint(uint64(v), 10))
		}
		b.WriteByte('\n')
	}
	b.WriteString("is_linear=0\n")
	b.WriteString("shrinkage=" + strconv.FormatFloat(t.Shrinkage, 'g', -1, 64) + "\n")
	b.WriteString("\n")
	return b.String()
}

// writeInts writes "key=v0 v1 ...\n" with at most n values; optional
// statistics that the model does not carry are written empty, as LightGBM
// does for the leaf weights of a one-leaf tree.
func writeInts(b *strings.Builder, key string, vs []int, n int) {
	b.WriteString(key)
	b.WriteByte('=')
	for i := 0; i < n && i < len(vs); i++ {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strconv.Itoa(vs[i]))
	}
	b.WriteByte('\n')
}

// writeFloats writes "key=v0 v1 ...\n" with prec significant digits
// (-1: the shortest exact representation).
func writeFloats(b *strings.Builder, key string, vs []float64, n, prec int) {
	b.WriteString(key)
	b.WriteByte('=')
	var buf [32]byte
	for i := 0; i < n && i < len(vs); i++ {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.Write(strconv.AppendFloat(buf[:0], vs[i], 'g', prec, 64))
	}
	b.WriteByte('\n')
}

// FeatureName is name as the text format can hold it on its space-separated
// feature_names line: white space becomes '_' (as LightGBM's own writer
// does), so "text:remote code" is written "text:remote_code".
func FeatureName(name string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\r', '\n', '\v', '\f':
			return '_'
		}
		return r
	}, name)
}

// DefaultFeatureName is the name LightGBM gives feature i of a model trained
// without feature names.
func DefaultFeatureName(i int) string { return "Column_" + strconv.Itoa(i) }
