package lgbm

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
)

// ReadFile reads a LightGBM text model from path; errors name the file.
func ReadFile(path string) (*Model, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("lgbm: %w", err)
	}
	defer f.Close()
	m, err := Read(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// Read parses a LightGBM text model (versions v2 to v4, as written by
// LightGBM's Booster.save_model or by Write). Errors carry the line number
// of the offending line. Linear trees (is_linear=1) are refused: nothing in
// this project trains or explains them.
func Read(r io.Reader) (*Model, error) {
	p := &parser{lines: newLineReader(r)}
	m, err := p.model()
	if err != nil {
		return nil, fmt.Errorf("lgbm: %w", err)
	}
	return m, nil
}

// lineReader yields lines without their line break, counting line numbers
// and the bytes each line took in the file (for tree_sizes).
type lineReader struct {
	r      *bufio.Reader
	lineNo int
	// pending holds a line that was peeked at but not consumed.
	pending *line
}

type line struct {
	text  string
	no    int
	bytes int
}

func newLineReader(r io.Reader) *lineReader {
	return &lineReader{r: bufio.NewReaderSize(r, 1<<16)}
}

// next returns the next line, or io.EOF when there is none.
func (lr *lineReader) next() (line, error) {
	if lr.pending != nil {
		l := *lr.pending
		lr.pending = nil
		return l, nil
	}
	s, err := lr.r.ReadString('\n')
	if err != nil && (err != io.EOF || s == "") {
		if err == io.EOF {
			return line{}, io.EOF
		}
		return line{}, fmt.Errorf("line %d: %w", lr.lineNo+1, err)
	}
	lr.lineNo++
	n := len(s)
	s = strings.TrimSuffix(s, "\n")
	s = strings.TrimSuffix(s, "\r")
	return line{text: s, no: lr.lineNo, bytes: n}, nil
}

func (lr *lineReader) unread(l line) { lr.pending = &l }

type parser struct {
	lines *lineReader
}

type field struct {
	value string
	line  int
}

func (p *parser) model() (*Model, error) {
	first, err := p.lines.next()
	if err == io.EOF {
		return nil, errors.New("empty model file")
	}
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(first.text) != "tree" {
		return nil, fmt.Errorf("line %d: want the model type line \"tree\", got %q", first.no, clip(first.text))
	}

	header := map[string]field{}
	var l line
	for {
		l, err = p.lines.next()
		if err == io.EOF {
			return nil, fmt.Errorf("line %d: file ends inside the header, before any tree or \"end of trees\"", p.lines.lineNo)
		}
		if err != nil {
			return nil, err
		}
		if strings.HasPrefix(l.text, "Tree=") || l.text == "end of trees" {
			break
		}
		if l.text == "" {
			continue
		}
		key, value, _ := strings.Cut(l.text, "=")
		if _, dup := header[key]; dup {
			return nil, fmt.Errorf("line %d: %s given twice", l.no, key)
		}
		header[key] = field{value, l.no}
	}
	p.lines.unread(l)

	m := &Model{}
	if v, ok := header["version"]; ok {
		switch v.value {
		case "v2", "v3", "v4":
		default:
			return nil, fmt.Errorf("line %d: unsupported model version %q", v.line, clip(v.value))
		}
	}
	ints := []struct {
		key      string
		dst      *int
		required bool
	}{
		{"num_class", &m.NumClass, true},
		{"num_tree_per_iteration", &m.NumTreePerIteration, false},
		{"label_index", &m.LabelIndex, true},
		{"max_feature_idx", &m.MaxFeatureIdx, true},
	}
	for _, h := range ints {
		f, ok := header[h.key]
		if !ok {
			if h.required {
				return nil, fmt.Errorf("header has no %s", h.key)
			}
			continue
		}
		v, err := strconv.Atoi(f.value)
		if err != nil {
			return nil, fmt.Errorf("line %d: %s: %w", f.line, h.key, err)
		}
		*h.dst = v
	}
	if _, ok := header["num_tree_per_iteration"]; !ok {
		m.NumTreePerIteration = m.NumClass
	}
	if m.MaxFeatureIdx < 0 || m.MaxFeatureIdx >= math.MaxInt32 {
		return nil, fmt.Errorf("line %d: max_feature_idx %d out of range", header["max_feature_idx"].line, m.MaxFeatureIdx)
	}
	m.Objective = header["objective"].value
	_, m.AverageOutput = header["average_output"]
	for _, h := range []struct {
		key string
		dst *[]string
	}{{"feature_names", &m.FeatureNames}, {"feature_infos", &m.FeatureInfos}} {
		f, ok := header[h.key]
		if !ok {
			return nil, fmt.Errorf("header has no %s", h.key)
		}
		*h.dst = strings.Fields(f.value)
		if len(*h.dst) != m.MaxFeatureIdx+1 {
			return nil, fmt.Errorf("line %d: %s has %d entries, want max_feature_idx+1=%d", f.line, h.key, len(*h.dst), m.MaxFeatureIdx+1)
		}
	}
	var treeSizes []int
	sizesField, haveSizes := header["tree_sizes"]
	if haveSizes {
		treeSizes, err = parseInts(sizesField.value)
		if err != nil {
			return nil, fmt.Errorf("line %d: tree_sizes: %w", sizesField.line, err)
		}
	}

	// Trees, each "Tree=i" followed by key=value lines, up to "end of trees".
	for {
		l, err = p.lines.next()
		if err == io.EOF {
			return nil, fmt.Errorf("line %d: file ends before \"end of trees\"", p.lines.lineNo)
		}
		if err != nil {
			return nil, err
		}
		if l.text == "end of trees" {
			break
		}
		if l.text == "" {
			continue
		}
		idx, ok := strings.CutPrefix(l.text, "Tree=")
		if !ok {
			return nil, fmt.Errorf("line %d: want \"Tree=%d\" or \"end of trees\", got %q", l.no, len(m.Trees), clip(l.text))
		}
		if n, err := strconv.Atoi(idx); err != nil || n != len(m.Trees) {
			return nil, fmt.Errorf("line %d: want \"Tree=%d\", got %q", l.no, len(m.Trees), clip(l.text))
		}
		t, size, err := p.tree(l)
		if err != nil {
			return nil, fmt.Errorf("tree %d (line %d): %w", len(m.Trees), l.no, err)
		}
		if haveSizes && len(m.Trees) < len(treeSizes) && treeSizes[len(m.Trees)] != size {
			return nil, fmt.Errorf("line %d: tree_sizes gives tree %d %d bytes but its block has %d", l.no, len(m.Trees), treeSizes[len(m.Trees)], size)
		}
		m.Trees = append(m.Trees, t)
	}
	if haveSizes && len(treeSizes) != len(m.Trees) {
		return nil, fmt.Errorf("line %d: tree_sizes lists %d trees but the file has %d", sizesField.line, len(treeSizes), len(m.Trees))
	}

	if err := p.trailer(m); err != nil {
		return nil, err
	}
	if err := m.validate(); err != nil {
		return nil, err
	}
	return m, nil
}

// tree parses the key=value lines of one tree block that starts at the
// "Tree=" line start, and returns the block's size in bytes as tree_sizes
// counts it (up to the next "Tree=" or "end of trees" line).
func (p *parser) tree(start line) (Tree, int, error) {
	size := start.bytes
	fields := map[string]field{}
	for {
		l, err := p.lines.next()
		if err == io.EOF {
			return Tree{}, 0, fmt.Errorf("line %d: file ends inside the tree", p.lines.lineNo)
		}
		if err != nil {
			return Tree{}, 0, err
		}
		if strings.HasPrefix(l.text, "Tree=") || l.text == "end of trees" {
			p.lines.unread(l)
			break
		}
		size += l.bytes
		if l.text == "" {
			continue
		}
		key, value, ok := strings.Cut(l.text, "=")
		if !ok {
			return Tree{}, 0, fmt.Errorf("line %d: want key=value, got %q", l.no, clip(l.text))
		}
		if _, dup := fields[key]; dup {
			return Tree{}, 0, fmt.Errorf("line %d: %s given twice", l.no, key)
		}
		fields[key] = field{value, l.no}
	}

	var t Tree
	scalar := func(key string, dst *int, def int) error {
		f, ok := fields[key]
		if !ok {
			*dst = def
			return nil
		}
		v, err := strconv.Atoi(f.value)
		if err != nil {
			return fmt.Errorf("line %d: %s: %w", f.line, key, err)
		}
		*dst = v
		return nil
	}
	if _, ok := fields["num_leaves"]; !ok {
		return t, 0, errors.New("no num_leaves")
	}
	if err := scalar("num_leaves", &t.NumLeaves, 0); err != nil {
		return t, 0, err
	}
	if err := scalar("num_cat", &t.NumCat, 0); err != nil {
		return t, 0, err
	}
	var linear int
	if err := scalar("is_linear", &linear, 0); err != nil {
		return t, 0, err
	}
	if linear != 0 {
		return t, 0, fmt.Errorf("line %d: linear trees (is_linear=%d) are not supported", fields["is_linear"].line, linear)
	}
	t.Shrinkage = 1
	if f, ok := fields["shrinkage"]; ok {
		v, err := parseFloat(f.value)
		if err != nil {
			return t, 0, fmt.Errorf("line %d: shrinkage: %w", f.line, err)
		}
		t.Shrinkage = v
	}
	if _, ok := fields["leaf_value"]; !ok {
		return t, 0, errors.New("no leaf_value")
	}
	if t.NumLeaves > 1 {
		for _, key := range []string{"split_feature", "threshold", "decision_type", "left_child", "right_child"} {
			if _, ok := fields[key]; !ok {
				return t, 0, fmt.Errorf("no %s", key)
			}
		}
	}

	floats := []struct {
		key string
		dst *[]float64
	}{
		{"split_gain", &t.SplitGain},
		{"threshold", &t.Threshold},
		{"leaf_value", &t.LeafValue},
		{"leaf_weight", &t.LeafWeight},
		{"internal_value", &t.InternalValue},
		{"internal_weight", &t.InternalWeight},
	}
	for _, a := range floats {
		f, ok := fields[a.key]
		if !ok {
			continue
		}
		v, err := parseFloats(f.value)
		if err != nil {
			return t, 0, fmt.Errorf("line %d: %s: %w", f.line, a.key, err)
		}
		*a.dst = v
	}
	intArrays := []struct {
		key string
		dst *[]int
	}{
		{"split_feature", &t.SplitFeature},
		{"left_child", &t.LeftChild},
		{"right_child", &t.RightChild},
		{"leaf_count", &t.LeafCount},
		{"internal_count", &t.InternalCount},
		{"cat_boundaries", &t.CatBoundaries},
	}
	for _, a := range intArrays {
		f, ok := fields[a.key]
		if !ok {
			continue
		}
		v, err := parseInts(f.value)
		if err != nil {
			return t, 0, fmt.Errorf("line %d: %s: %w", f.line, a.key, err)
		}
		*a.dst = v
	}
	if f, ok := fields["decision_type"]; ok {
		for i, s := range strings.Fields(f.value) {
			v, err := strconv.ParseInt(s, 10, 8)
			if err != nil {
				return t, 0, fmt.Errorf("line %d: decision_type value %d: %w", f.line, i, err)
			}
			t.DecisionType = append(t.DecisionType, int8(v))
		}
	}
	if f, ok := fields["cat_threshold"]; ok {
		for i, s := range strings.Fields(f.value) {
			v, err := strconv.ParseUint(s, 10, 32)
			if err != nil {
				return t, 0, fmt.Errorf("line %d: cat_threshold value %d: %w", f.line, i, err)
			}
			t.CatThreshold = append(t.CatThreshold, uint32(v))
		}
	}
	// The caller names the tree and its "Tree=" line.
	if err := t.validate(math.MaxInt32); err != nil {
		return t, 0, err
	}
	return t, size, nil
}

// trailer reads what follows "end of trees": the feature_importances block
// (recomputed on write, so skipped here) and the parameters block.
func (p *parser) trailer(m *Model) error {
	for {
		l, err := p.lines.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if l.text != "parameters:" {
			continue
		}
		start := l.no
		for {
			l, err = p.lines.next()
			if err == io.EOF {
				return fmt.Errorf("line %d: parameters block has no \"end of parameters\"", start)
			}
			if err != nil {
				return err
			}
			if l.text == "end of parameters" {
				break
			}
			m.Parameters = append(m.Parameters, l.text)
		}
		// LightGBM ends the block with a blank line that is not a parameter.
		for len(m.Parameters) > 0 && m.Parameters[len(m.Parameters)-1] == "" {
			m.Parameters = m.Parameters[:len(m.Parameters)-1]
		}
		return nil
	}
}

func parseInts(s string) ([]int, error) {
	n := countFields(s)
	if n == 0 {
		return nil, nil
	}
	out := make([]int, 0, n)
	for p := range fields(s) {
		v, ok := smallInt(p)
		if !ok {
			w, err := strconv.ParseInt(p, 10, 32)
			if err != nil {
				return nil, fmt.Errorf("value %d: %w", len(out), err)
			}
			v = int(w)
		}
		out = append(out, v)
	}
	return out, nil
}

func parseFloats(s string) ([]float64, error) {
	n := countFields(s)
	if n == 0 {
		return nil, nil
	}
	out := make([]float64, 0, n)
	for p := range fields(s) {
		v, err := parseFloat(p)
		if err != nil {
			return nil, fmt.Errorf("value %d: %w", len(out), err)
		}
		out = append(out, v)
	}
	return out, nil
}

// fields yields the space-separated fields of s, as strings.Fields would
// for the ASCII spaces a model file holds, without allocating them: the
// arrays of a model's trees are most of its loading time.
func fields(s string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for i := 0; i < len(s); {
			for i < len(s) && isSpace(s[i]) {
				i++
			}
			start := i
			for i < len(s) && !isSpace(s[i]) {
				i++
			}
			if i > start && !yield(s[start:i]) {
				return
			}
		}
	}
}

// countFields is the number of fields fields yields.
func countFields(s string) int {
	n := 0
	in := false
	for i := 0; i < len(s); i++ {
		if sp := isSpace(s[i]); sp == in {
			if !sp {
				n++
			}
			in = !sp
		}
	}
	return n
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r' || c == '\n'
}

// smallInt reads an optionally negative decimal of at most 9 digits (every
// count and index a model holds), which strconv would read the same way.
func smallInt(s string) (int, bool) {
	neg := false
	if len(s) > 0 && s[0] == '-' {
		neg, s = true, s[1:]
	}
	if len(s) == 0 || len(s) > 9 {
		return 0, false
	}
	v := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	if neg {
		v = -v
	}
	return v, true
}

// parseFloat reads a number as C's printf wrote it; glibc spells NaN with a
// sign as "-nan", which strconv does not know.
func parseFloat(s string) (float64, error) {
	if len(s) == 4 && strings.EqualFold(s, "-nan") {
		return math.NaN(), nil
	}
	return strconv.ParseFloat(s, 64)
}

// clip shortens a line quoted in an error message.
func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}
