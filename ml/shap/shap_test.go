package shap_test

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"

	"github.com/cyberstreams/cyberstreams/ml/lgbm"
	"github.com/cyberstreams/cyberstreams/ml/lgbm/lgbmtest"
	"github.com/cyberstreams/cyberstreams/ml/shap"
)

func newPhi(e *shap.Explainer, numFeatures int) ([][]float64, []float64) {
	phi := make([][]float64, e.NumOutputs())
	for k := range phi {
		phi[k] = make([]float64, numFeatures)
	}
	return phi, make([]float64, e.NumOutputs())
}

var ensembles = []struct {
	name string
	opt  lgbmtest.Options
}{
	{"stumps", lgbmtest.Options{NumClass: 1, Iterations: 30, NumLeaves: 2, NumFeatures: 4}},
	{"one-leaf trees", lgbmtest.Options{NumClass: 2, Iterations: 3, NumLeaves: 1, NumFeatures: 3}},
	{"multiclass numerical", lgbmtest.Options{NumClass: 5, Iterations: 20, NumLeaves: 31, NumFeatures: 10}},
	{"repeated features", lgbmtest.Options{NumClass: 3, Iterations: 10, NumLeaves: 31, NumFeatures: 3, Missing: true}},
	{"categorical and missing", lgbmtest.Options{NumClass: 3, Iterations: 10, NumLeaves: 20, NumFeatures: 8, Categorical: 3, Missing: true}},
	{"deep, tiny covers", lgbmtest.Options{NumClass: 1, Iterations: 10, NumLeaves: 60, NumFeatures: 6, Missing: true, Rows: 70}},
	{"chain-like", lgbmtest.Options{NumClass: 2, Iterations: 5, NumLeaves: 31, NumFeatures: 8, Missing: true, Chain: 0.9}},
}

// TestContributionsAddUpToRawScore is the local-accuracy property of SHAP
// values: base + Σ phi equals the model's raw score, for every row.
func TestContributionsAddUpToRawScore(t *testing.T) {
	for i, c := range ensembles {
		t.Run(c.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(i), 10))
			m := lgbmtest.Model(rng, c.opt)
			e := shap.New(m)
			phi, base := newPhi(e, c.opt.NumFeatures)
			sphi, sbase := newPhi(e, c.opt.NumFeatures)
			raw := make([]float64, m.NumOutputs())
			worst := 0.0
			rows := 2000
			if testing.Short() {
				rows = 200
			}
			for r := 0; r < rows; r++ {
				x := lgbmtest.Row(rng, c.opt)
				m.PredictRaw(x, raw)
				e.Explain(x, phi, base)
				for k := range raw {
					sum := base[k]
					for _, v := range phi[k] {
						sum += v
					}
					worst = max(worst, math.Abs(sum-raw[k]))
				}
				idx, val := lgbmtest.Sparse(x)
				e.ExplainSparse(idx, val, sphi, sbase)
				if !reflect.DeepEqual(phi, sphi) || !reflect.DeepEqual(base, sbase) {
					t.Fatalf("row %d: ExplainSparse differs from Explain", r)
				}
			}
			t.Logf("max |base + Σphi - PredictRaw| = %.3g", worst)
			if worst > 1e-9 {
				t.Fatalf("contributions miss the raw score by %g", worst)
			}
		})
	}
}

// TestMatchesShapleyDefinition checks the values themselves, not just their
// sum, against the Shapley formula evaluated by brute force over all feature
// subsets, with the path-dependent value function TreeSHAP uses: v(S) is
// the tree's output when the features in S follow x and the others split in
// proportion to the node covers.
func TestMatchesShapleyDefinition(t *testing.T) {
	for i, c := range ensembles {
		if c.opt.NumFeatures > 8 {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(i), 11))
			m := lgbmtest.Model(rng, c.opt)
			e := shap.New(m)
			phi, base := newPhi(e, c.opt.NumFeatures)
			for r := 0; r < 30; r++ {
				x := lgbmtest.Row(rng, c.opt)
				e.Explain(x, phi, base)
				want := bruteForce(m, x)
				for k := range want {
					for f := range want[k] {
						if d := math.Abs(phi[k][f] - want[k][f]); d > 1e-9 {
							t.Fatalf("row %d output %d feature %d: TreeSHAP %v, Shapley formula %v", r, k, f, phi[k][f], want[k][f])
						}
					}
				}
			}
		})
	}
}

// bruteForce evaluates phi_i = Σ_S |S|!(M-|S|-1)!/M! (v(S∪{i}) - v(S)).
func bruteForce(m *lgbm.Model, x []float64) [][]float64 {
	M := m.NumFeatures()
	fact := make([]float64, M+1)
	fact[0] = 1
	for i := 1; i <= M; i++ {
		fact[i] = fact[i-1] * float64(i)
	}
	out := make([][]float64, m.NumOutputs())
	for k := range out {
		out[k] = make([]float64, M)
	}
	for ti := range m.Trees {
		t := &m.Trees[ti]
		k := ti % m.NumOutputs()
		v := make([]float64, 1<<M)
		for s := range v {
			v[s] = conditionalValue(t, x, s, 0)
		}
		for i := 0; i < M; i++ {
			for s := 0; s < 1<<M; s++ {
				if s&(1<<i) != 0 {
					continue
				}
				size := popcount(s)
				w := fact[size] * fact[M-size-1] / fact[M]
				out[k][i] += w * (v[s|1<<i] - v[s])
			}
		}
	}
	return out
}

func conditionalValue(t *lgbm.Tree, x []float64, known, node int) float64 {
	if t.NumLeaves == 1 {
		return t.LeafValue[0]
	}
	if node < 0 {
		return t.LeafValue[^node]
	}
	f := t.SplitFeature[node]
	if known&(1<<f) != 0 {
		return conditionalValue(t, x, known, t.Next(node, x[f]))
	}
	count := func(n int) float64 {
		if n < 0 {
			return float64(t.LeafCount[^n])
		}
		return float64(t.InternalCount[n])
	}
	l, r := t.LeftChild[node], t.RightChild[node]
	return (count(l)*conditionalValue(t, x, known, l) + count(r)*conditionalValue(t, x, known, r)) / count(node)
}

func popcount(s int) int {
	n := 0
	for ; s != 0; s &= s - 1 {
		n++
	}
	return n
}

func TestExpectedValueIsCoverWeightedLeafMean(t *testing.T) {
	// root splits 10 rows into leaf 0 (4 rows, value 1) and a node that
	// splits 6 rows into leaf 1 (2 rows, value -3) and leaf 2 (4 rows, 0.5).
	tree := lgbm.Tree{NumLeaves: 3, SplitFeature: []int{0, 1}, Threshold: []float64{0, 0},
		DecisionType: []int8{0, 0}, LeftChild: []int{^0, ^1}, RightChild: []int{1, ^2},
		LeafValue: []float64{1, -3, 0.5}, LeafCount: []int{4, 2, 4}, InternalCount: []int{10, 6}, Shrinkage: 1}
	stump := lgbm.Tree{NumLeaves: 1, LeafValue: []float64{0.25}, LeafCount: []int{10}, Shrinkage: 1}
	m := &lgbm.Model{NumClass: 2, NumTreePerIteration: 2, MaxFeatureIdx: 1,
		FeatureNames: []string{"a", "b"}, FeatureInfos: []string{"none", "none"},
		Trees: []lgbm.Tree{tree, stump, stump, tree}}
	want := 0.4*1 + 0.2*-3 + 0.4*0.5 + 0.25
	got := shap.New(m).ExpectedValue()
	for k, v := range got {
		if math.Abs(v-want) > 1e-15 {
			t.Errorf("class %d: expected value %v, want %v", k, v, want)
		}
	}
}

type lightGBMExpected struct {
	NumFeatures int          `json:"num_features"`
	Rows        [][]*float64 `json:"rows"`
	Contrib     [][]float64  `json:"contrib"`
}

// TestMatchesLightGBMPredContrib compares with predict(pred_contrib=True)
// of LightGBM 4.x, stored next to the models it trained (see
// bench/shap_vs_python/make_lgbm_testdata.py).
func TestMatchesLightGBMPredContrib(t *testing.T) {
	dir := filepath.Join("..", "lgbm", "testdata")
	for _, name := range []string{"multiclass_nan_cat", "binary_zero_missing", "constant_one_leaf"} {
		t.Run(name, func(t *testing.T) {
			m, err := lgbm.ReadFile(filepath.Join(dir, name+".txt"))
			if err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(filepath.Join(dir, name+".expected.json"))
			if err != nil {
				t.Fatal(err)
			}
			var want lightGBMExpected
			if err := json.Unmarshal(b, &want); err != nil {
				t.Fatal(err)
			}
			e := shap.New(m)
			F := m.NumFeatures()
			phi, base := newPhi(e, F)
			worst := 0.0
			for r, row := range want.Rows {
				x := make([]float64, len(row))
				for j, v := range row {
					x[j] = math.NaN()
					if v != nil {
						x[j] = *v
					}
				}
				e.Explain(x, phi, base)
				for k := 0; k < e.NumOutputs(); k++ {
					lg := want.Contrib[r][k*(F+1) : (k+1)*(F+1)]
					for f := 0; f < F; f++ {
						worst = max(worst, math.Abs(phi[k][f]-lg[f]))
					}
					worst = max(worst, math.Abs(base[k]-lg[F]))
				}
			}
			t.Logf("max |Δ| vs LightGBM pred_contrib = %.3g over %d rows", worst, len(want.Rows))
			if worst > 1e-9 {
				t.Fatalf("max |Δ| vs LightGBM pred_contrib = %g", worst)
			}
		})
	}
}

func TestConcurrentExplainsAgree(t *testing.T) {
	opt := ensembles[4].opt
	rng := rand.New(rand.NewPCG(12, 12))
	m := lgbmtest.Model(rng, opt)
	e := shap.New(m)
	rows := make([][]float64, 200)
	want := make([][][]float64, len(rows))
	for i := range rows {
		rows[i] = lgbmtest.Row(rng, opt)
		phi, base := newPhi(e, opt.NumFeatures)
		e.Explain(rows[i], phi, base)
		want[i] = phi
	}
	var wg sync.WaitGroup
	errs := make(chan int, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			phi, base := newPhi(e, opt.NumFeatures)
			for i, x := range rows {
				e.Explain(x, phi, base)
				if !reflect.DeepEqual(phi, want[i]) {
					errs <- i
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for i := range errs {
		t.Errorf("row %d explained differently under concurrency", i)
	}
}

func TestAverageOutputScalesContributions(t *testing.T) {
	opt := lgbmtest.Options{NumClass: 2, Iterations: 7, NumLeaves: 9, NumFeatures: 5, Missing: true}
	rng := rand.New(rand.NewPCG(13, 13))
	m := lgbmtest.Model(rng, opt)
	m.AverageOutput = true
	e := shap.New(m)
	phi, base := newPhi(e, opt.NumFeatures)
	raw := make([]float64, 2)
	for r := 0; r < 200; r++ {
		x := lgbmtest.Row(rng, opt)
		m.PredictRaw(x, raw)
		e.Explain(x, phi, base)
		for k := range raw {
			sum := base[k]
			for _, v := range phi[k] {
				sum += v
			}
			if math.Abs(sum-raw[k]) > 1e-9 {
				t.Fatalf("row %d class %d: base+Σphi %v, raw %v", r, k, sum, raw[k])
			}
		}
	}
}

func TestTop(t *testing.T) {
	tests := []struct {
		name string
		phi  []float64
		k    int
		want []shap.Contribution
	}{
		{"largest magnitude first", []float64{0.1, -0.5, 0.3, 0, 0.2}, 3,
			[]shap.Contribution{{1, -0.5}, {2, 0.3}, {4, 0.2}}},
		{"ties keep lower feature", []float64{0.2, -0.2, 0.2}, 2,
			[]shap.Contribution{{0, 0.2}, {1, -0.2}}},
		{"fewer non-zero than k", []float64{0, 1, 0, math.NaN()}, 5,
			[]shap.Contribution{{1, 1}}},
		{"k zero", []float64{1}, 0, []shap.Contribution{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := shap.Top(tc.phi, tc.k, make([]shap.Contribution, 0, 8))
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Top = %v, want %v", got, tc.want)
			}
		})
	}
}

// document returns a TF-IDF-like row: about one feature in thirty set.
func document(rng *rand.Rand, opt lgbmtest.Options) []float64 {
	x := lgbmtest.Row(rng, opt)
	for f := range x {
		if rng.IntN(30) != 0 {
			x[f] = 0
		}
	}
	return x
}

func TestExplainClassMatchesExplain(t *testing.T) {
	opt := ensembles[4].opt
	rng := rand.New(rand.NewPCG(15, 15))
	m := lgbmtest.Model(rng, opt)
	e := shap.New(m)
	phi, base := newPhi(e, opt.NumFeatures)
	one := make([]float64, e.NumFeatures())
	for r := 0; r < 300; r++ {
		x := lgbmtest.Row(rng, opt)
		idx, val := lgbmtest.Sparse(x)
		e.Explain(x, phi, base)
		for k := 0; k < e.NumOutputs(); k++ {
			b := e.ExplainClass(idx, val, k, one)
			if b != base[k] || !reflect.DeepEqual(one, phi[k]) {
				t.Fatalf("row %d class %d: ExplainClass differs from Explain", r, k)
			}
		}
	}
}

// BenchmarkExplain measures the reasons for one document: TreeSHAP over a
// 5-class model of 100 iterations (500 trees of 31 leaves, 5000 features)
// for a sparse TF-IDF-like row, then the top 5 contributions of one class.
// "balanced" trees split random leaves (mean leaf depth about 6); "chain"
// trees mostly split the largest leaf, like LightGBM on sparse text (mean
// depth about 15, up to 30). "class" explains only that class's 100 trees,
// as a scorer does for the class it predicted.
func BenchmarkExplain(b *testing.B) {
	for _, shape := range []struct {
		name  string
		chain float64
	}{{"balanced", 0}, {"chain", 0.9}} {
		opt := lgbmtest.Options{NumClass: 5, Iterations: 100, NumLeaves: 31, NumFeatures: 5000, Missing: true, Chain: shape.chain}
		rng := rand.New(rand.NewPCG(14, 14))
		m := lgbmtest.Model(rng, opt)
		e := shap.New(m)
		x := document(rng, opt)
		idx, val := lgbmtest.Sparse(x)
		phi, base := newPhi(e, opt.NumFeatures)
		top := make([]shap.Contribution, 0, 5)
		b.Run(shape.name+"/dense", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				e.Explain(x, phi, base)
				top = shap.Top(phi[2], 5, top)
			}
		})
		b.Run(shape.name+"/sparse", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				e.ExplainSparse(idx, val, phi, base)
				top = shap.Top(phi[2], 5, top)
			}
		})
		b.Run(shape.name+"/class", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				e.ExplainClass(idx, val, 2, phi[2])
				top = shap.Top(phi[2], 5, top)
			}
		})
	}
}
