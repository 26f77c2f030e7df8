package lgbm_test

import (
	"bufio"
	"bytes"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/dmitryikh/leaves"

	"github.com/cyberstreams/cyberstreams/ml/lgbm"
	"github.com/cyberstreams/cyberstreams/ml/lgbm/lgbmtest"
)

var ensembles = []struct {
	name string
	opt  lgbmtest.Options
}{
	{"binary stumps", lgbmtest.Options{NumClass: 1, Iterations: 20, NumLeaves: 2, NumFeatures: 3}},
	{"one-leaf trees", lgbmtest.Options{NumClass: 3, Iterations: 4, NumLeaves: 1, NumFeatures: 2}},
	{"multiclass numerical", lgbmtest.Options{NumClass: 5, Iterations: 10, NumLeaves: 15, NumFeatures: 12}},
	{"multiclass missing", lgbmtest.Options{NumClass: 5, Iterations: 10, NumLeaves: 31, NumFeatures: 8, Missing: true}},
	{"multiclass categorical", lgbmtest.Options{NumClass: 3, Iterations: 8, NumLeaves: 12, NumFeatures: 6, Categorical: 2, Missing: true}},
	{"deep few rows", lgbmtest.Options{NumClass: 2, Iterations: 5, NumLeaves: 40, NumFeatures: 4, Missing: true, Rows: 45}},
}

func write(t testing.TB, m *lgbm.Model) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := lgbm.Write(&buf, m); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestWriteReadRoundTripsEveryNumber(t *testing.T) {
	for i, c := range ensembles {
		t.Run(c.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(i), 1))
			m := lgbmtest.Model(rng, c.opt)
			// Values that only round-trip with full precision.
			m.Trees[0].LeafValue[0] = 0.1 + 0.2
			m.Trees[0].Shrinkage = 1.0 / 3
			text := write(t, m)
			got, err := lgbm.Read(bytes.NewReader(text))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, m) {
				t.Fatalf("model changed in a Write/Read round trip")
			}
			if again := write(t, got); !bytes.Equal(again, text) {
				t.Fatalf("second Write differs from the first")
			}
		})
	}
}

// TestLeavesLoadsWrittenModels checks the contract with dmitryikh/leaves,
// the inference library the design card picked: it loads what Write writes
// and predicts the same raw scores.
func TestLeavesLoadsWrittenModels(t *testing.T) {
	for i, c := range ensembles {
		t.Run(c.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(i), 2))
			m := lgbmtest.Model(rng, c.opt)
			e, err := leaves.LGEnsembleFromReader(bufio.NewReader(bytes.NewReader(write(t, m))), false)
			if err != nil {
				t.Fatalf("leaves rejects our model: %v", err)
			}
			if e.NRawOutputGroups() != m.NumOutputs() || e.NFeatures() != m.NumFeatures() {
				t.Fatalf("leaves sees %d outputs × %d features, want %d × %d", e.NRawOutputGroups(), e.NFeatures(), m.NumOutputs(), m.NumFeatures())
			}
			const rows = 500
			x := make([]float64, 0, rows*c.opt.NumFeatures)
			for r := 0; r < rows; r++ {
				x = append(x, lgbmtest.Row(rng, c.opt)...)
			}
			// leaves counts |v| < 1e-35 as zero where LightGBM (and we) use
			// 1e-35f = 1.0000000180025095e-35; keep rows out of that sliver.
			for j, v := range x {
				if v != 0 && math.Abs(v) <= 1.1e-35 {
					x[j] = 0
				}
			}
			theirs := make([]float64, rows*m.NumOutputs())
			if err := e.PredictDense(x, rows, c.opt.NumFeatures, theirs, 0, 1); err != nil {
				t.Fatal(err)
			}
			ours := make([]float64, m.NumOutputs())
			worst := 0.0
			for r := 0; r < rows; r++ {
				m.PredictRaw(x[r*c.opt.NumFeatures:(r+1)*c.opt.NumFeatures], ours)
				for k, v := range ours {
					worst = max(worst, math.Abs(v-theirs[r*len(ours)+k]))
				}
			}
			t.Logf("max |PredictRaw - leaves| = %.3g over %d rows", worst, rows)
			if worst > 1e-9 {
				t.Fatalf("max |Δ| vs leaves = %g, want <= 1e-9", worst)
			}
		})
	}
}

func TestPredictRawSparseMatchesDense(t *testing.T) {
	opt := lgbmtest.Options{NumClass: 3, Iterations: 10, NumLeaves: 15, NumFeatures: 30, Categorical: 3, Missing: true}
	rng := rand.New(rand.NewPCG(9, 9))
	m := lgbmtest.Model(rng, opt)
	dense, sparse := make([]float64, 3), make([]float64, 3)
	scratched := make([]float64, 3)
	scratch := make([]float64, m.NumFeatures())
	for r := 0; r < 2000; r++ {
		x := lgbmtest.Row(rng, opt)
		idx, val := lgbmtest.Sparse(x)
		if r%2 == 1 { // unsorted input takes the linear-scan path
			for i, j := 0, len(idx)-1; i < j; i, j = i+1, j-1 {
				idx[i], idx[j] = idx[j], idx[i]
				val[i], val[j] = val[j], val[i]
			}
		}
		m.PredictRaw(x, dense)
		m.PredictRawSparse(idx, val, sparse)
		if !reflect.DeepEqual(dense, sparse) {
			t.Fatalf("row %d: sparse %v != dense %v", r, sparse, dense)
		}
		m.PredictRawScratch(append(idx, 99), append(val, 5), scratch, scratched) // 99: not a model feature
		if !reflect.DeepEqual(dense, scratched) {
			t.Fatalf("row %d: scratch %v != dense %v", r, scratched, dense)
		}
		for f, v := range scratch {
			if v != 0 {
				t.Fatalf("row %d: scratch[%d] = %v left behind", r, f, v)
			}
		}
	}
}

func TestNextFollowsLightGBMDecisions(t *testing.T) {
	nan := math.NaN()
	// One split on feature 0 at threshold 0.5; left is leaf 0, right leaf 1.
	split := func(dt int8) *lgbm.Tree {
		return &lgbm.Tree{NumLeaves: 2, SplitFeature: []int{0}, Threshold: []float64{0.5},
			DecisionType: []int8{dt}, LeftChild: []int{^0}, RightChild: []int{^1}, LeafValue: []float64{-1, 1}}
	}
	cat := &lgbm.Tree{NumLeaves: 2, NumCat: 1, SplitFeature: []int{0}, Threshold: []float64{0},
		DecisionType: []int8{1}, LeftChild: []int{^0}, RightChild: []int{^1}, LeafValue: []float64{-1, 1},
		CatBoundaries: []int{0, 2}, CatThreshold: []uint32{1<<0 | 1<<3, 1 << 1}} // categories 0, 3, 33
	tests := []struct {
		name string
		tree *lgbm.Tree
		x    float64
		leaf int
	}{
		{"below threshold", split(0), 0.4, 0},
		{"at threshold goes left", split(0), 0.5, 0},
		{"above threshold", split(0), 0.6, 1},
		{"NaN without missing type reads as 0", split(0), nan, 0},
		{"NaN missing, default right", split(2 << 2), nan, 1},
		{"NaN missing, default left", split(2<<2 | 2), nan, 0},
		{"NaN missing type leaves 0 alone", split(2 << 2), 0, 0},
		{"zero missing, default right", split(1 << 2), 0, 1},
		{"tiny counts as zero", split(1 << 2), -1e-36, 1},
		// kZeroThreshold is 1e-35f, a little above 1e-35 as a double
		// (checked against LightGBM 4.7's predict).
		{"-1e-35 counts as zero", split(1 << 2), -1e-35, 1},
		{"-1e-34 is not zero", split(1 << 2), -1e-34, 0},
		// and LightGBM's dense predictor reads it as 0 for every split
		{"-1e-35f reads as 0", &lgbm.Tree{NumLeaves: 2, SplitFeature: []int{0}, Threshold: []float64{-1.0000000180025095e-35},
			DecisionType: []int8{0}, LeftChild: []int{^0}, RightChild: []int{^1}, LeafValue: []float64{-1, 1}}, -1.0000000180025095e-35, 1},
		{"NaN is zero is missing", split(1 << 2), nan, 1},
		{"zero missing, default left", split(1<<2 | 2), 0, 0},
		{"category in set", cat, 3, 0},
		{"category in second word", cat, 33, 0},
		{"category not in set", cat, 2, 1},
		{"fraction truncates", cat, 3.7, 0},
		{"-0.5 truncates to category 0", cat, -0.5, 0},
		{"negative category", cat, -1, 1},
		{"category past bitset", cat, 64, 1},
		{"huge category", cat, 1e15, 1},
		{"NaN category", cat, nan, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.tree.Leaf([]float64{tc.x}); got != tc.leaf {
				t.Errorf("Leaf(%v) = %d, want %d", tc.x, got, tc.leaf)
			}
		})
	}
}

func TestReadRejectsCorruptFiles(t *testing.T) {
	good, err := os.ReadFile(filepath.Join("testdata", "multiclass_nan_cat.txt"))
	if err != nil {
		t.Fatal(err)
	}
	src := string(good)
	replace := func(old, new string) string {
		if !strings.Contains(src, old) {
			t.Fatalf("testdata lacks %q", old)
		}
		return strings.Replace(src, old, new, 1)
	}
	tests := []struct {
		name, text, want string
	}{
		{"empty", "", "empty model file"},
		{"not a model", "hello\n", "line 1: want the model type line"},
		{"future version", replace("version=v4", "version=v9"), "line 2: unsupported model version"},
		{"no num_class", replace("num_class=3\n", ""), "header has no num_class"},
		{"bad number", replace("max_feature_idx=4", "max_feature_idx=four"), "line 6: max_feature_idx"},
		{"names short", replace("feature_names=Column_0 ", "feature_names="), "line 8: feature_names has 4 entries"},
		{"truncated in trees", src[:strings.Index(src, "Tree=5")+200], "file ends inside the tree"},
		{"no end of trees", src[:strings.Index(src, "end of trees")], "file ends inside the tree"},
		{"leaf_value short", replace("leaf_value=", "leaf_value=1 "), "leaf_value has"},
		{"bad float", replace("threshold=", "threshold=x"), "threshold: value 0"},
		{"cycle", replace("left_child=1", "left_child=0"), "reached twice"},
		{"tree out of order", replace("Tree=1\n", "Tree=2\n"), `want "Tree=1"`},
		{"tree_sizes wrong", replace("tree_sizes=", "tree_sizes=1"), "tree_sizes gives tree 0"},
		{"linear tree", replace("is_linear=0", "is_linear=1"), "linear trees"},
		{"bad decision type", replace("decision_type=", "decision_type=12"), "decision_type"},
		{"parameters unterminated", src[:strings.Index(src, "end of parameters")], "no \"end of parameters\""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := lgbm.Read(strings.NewReader(tc.text))
			if err == nil {
				t.Fatalf("Read accepted a corrupt file")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not mention %q", err, tc.want)
			}
		})
	}
}

func TestReadFileNamesTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "broken.txt")
	if err := os.WriteFile(path, []byte("tree\nversion=v3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, filepath.Join(t.TempDir(), "missing.txt")} {
		if _, err := lgbm.ReadFile(p); err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("ReadFile(%s) error %v does not name the file", p, err)
		}
	}
}

func TestWriteRejectsInvalidModels(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	opt := lgbmtest.Options{NumClass: 2, Iterations: 2, NumLeaves: 4, NumFeatures: 3}
	tests := []struct {
		name    string
		corrupt func(m *lgbm.Model)
	}{
		{"partial iteration", func(m *lgbm.Model) { m.Trees = m.Trees[:3] }},
		{"space in a name", func(m *lgbm.Model) { m.FeatureNames[0] = "two words" }},
		{"feature out of range", func(m *lgbm.Model) { m.Trees[1].SplitFeature[0] = 3 }},
		{"dangling child", func(m *lgbm.Model) { m.Trees[1].RightChild[0] = 7 }},
		{"missing leaf values", func(m *lgbm.Model) { m.Trees[0].LeafValue = m.Trees[0].LeafValue[:2] }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := lgbmtest.Model(rng, opt)
			tc.corrupt(m)
			if err := lgbm.Write(&bytes.Buffer{}, m); err == nil {
				t.Fatal("Write accepted an invalid model")
			}
		})
	}
}

func FuzzRead(f *testing.F) {
	for _, name := range lightGBMModels {
		b, err := os.ReadFile(filepath.Join("testdata", name+".txt"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	rng := rand.New(rand.NewPCG(4, 4))
	f.Add(write(f, lgbmtest.Model(rng, ensembles[4].opt)))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := lgbm.Read(bytes.NewReader(data))
		if err != nil {
			return
		}
		// Whatever Read accepts must predict without panicking and survive
		// a Write/Read round trip.
		out := make([]float64, m.NumOutputs())
		m.PredictRaw(make([]float64, m.NumFeatures()), out)
		m.PredictRaw([]float64{math.NaN()}, out)
		m.PredictRawSparse([]int32{0}, []float64{1}, out)
		var buf bytes.Buffer
		if err := lgbm.Write(&buf, m); err != nil {
			t.Fatalf("Write fails on a model Read accepted: %v", err)
		}
		if _, err := lgbm.Read(&buf); err != nil {
			t.Fatalf("Read fails on Write's output: %v", err)
		}
	})
}

func BenchmarkPredictRaw(b *testing.B) {
	opt := lgbmtest.Options{NumClass: 5, Iterations: 100, NumLeaves: 31, NumFeatures: 2000, Missing: true}
	rng := rand.New(rand.NewPCG(5, 5))
	m := lgbmtest.Model(rng, opt)
	x := lgbmtest.Row(rng, opt)
	idx, val := lgbmtest.Sparse(x)
	out := make([]float64, m.NumOutputs())
	b.Run("dense", func(b *testing.B) {
		for b.Loop() {
			m.PredictRaw(x, out)
		}
	})
	b.Run("sparse", func(b *testing.B) {
		for b.Loop() {
			m.PredictRawSparse(idx, val, out)
		}
	})
	scratch := make([]float64, m.NumFeatures())
	b.Run("scratch", func(b *testing.B) {
		for b.Loop() {
			m.PredictRawScratch(idx, val, scratch, out)
		}
	})
}
