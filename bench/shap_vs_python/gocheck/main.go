// Command gocheck computes, with ml/lgbm and ml/shap, the raw scores and
// TreeSHAP contributions of the rows of a libsvm file under a LightGBM text
// model, so that compare.py can hold them against LightGBM's own
// predict(raw_score=True) and predict(pred_contrib=True). It also writes the
// model back with lgbm.Write (to check that LightGBM reloads it unchanged)
// and can emit a random ensemble with categorical and missing-value splits
// that LightGBM never trains on the generated data.
//
//	go run ./bench/shap_vs_python/gocheck -model m.txt -rows rows.svm -out ours.json -rewrite m2.txt
//	go run ./bench/shap_vs_python/gocheck -random r.txt -rows rows.svm -out ours.json
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/cyberstreams/cyberstreams/ml/lgbm"
	"github.com/cyberstreams/cyberstreams/ml/lgbm/lgbmtest"
	"github.com/cyberstreams/cyberstreams/ml/shap"
)

// result is what compare.py reads. Contrib uses LightGBM's pred_contrib
// layout: per row, for each output, the feature contributions followed by
// the expected value.
type result struct {
	Raw              [][]float64 `json:"raw"`
	Contrib          [][]float64 `json:"contrib"`
	ExplainNsPerRow  float64     `json:"explain_ns_per_row"`
	ClassNsPerRow    float64     `json:"explain_class_ns_per_row"`
	PredictNsPerRow  float64     `json:"predict_ns_per_row"`
	ExplainCPUNs     float64     `json:"explain_cpu_ns_per_row"`
	ClassCPUNs       float64     `json:"explain_class_cpu_ns_per_row"`
	PredictCPUNs     float64     `json:"predict_cpu_ns_per_row"`
	MeanLeafDepth    float64     `json:"mean_leaf_depth"`
	MaxLeafDepth     int         `json:"max_leaf_depth"`
	NumTrees         int         `json:"num_trees"`
	NumFeatures      int         `json:"num_features"`
	NumOutputs       int         `json:"num_outputs"`
	ModelBytesOnDisk int         `json:"model_bytes"`
}

func main() {
	modelPath := flag.String("model", "", "LightGBM text model to read")
	randomPath := flag.String("random", "", "instead of -model: write a random 3-class ensemble with categorical and missing-value splits here and use it")
	rowsPath := flag.String("rows", "", "libsvm rows (zero-based feature indices) to score")
	outPath := flag.String("out", "", "JSON output")
	rewrite := flag.String("rewrite", "", "write the model back here with lgbm.Write")
	flag.Parse()
	if err := run(*modelPath, *randomPath, *rowsPath, *outPath, *rewrite); err != nil {
		fmt.Fprintln(os.Stderr, "gocheck:", err)
		os.Exit(1)
	}
}

func run(modelPath, randomPath, rowsPath, outPath, rewrite string) error {
	var m *lgbm.Model
	switch {
	case randomPath != "":
		opt := lgbmtest.Options{NumClass: 3, Iterations: 30, NumLeaves: 31, NumFeatures: 40, Categorical: 4, Missing: true}
		m = lgbmtest.Model(rand.New(rand.NewPCG(42, 42)), opt)
		if err := writeModel(randomPath, m); err != nil {
			return err
		}
	case modelPath != "":
		var err error
		if m, err = lgbm.ReadFile(modelPath); err != nil {
			return err
		}
	default:
		return fmt.Errorf("need -model or -random")
	}
	if rewrite != "" {
		if err := writeModel(rewrite, m); err != nil {
			return err
		}
	}
	rows, err := readLibSVM(rowsPath)
	if err != nil {
		return err
	}

	e := shap.New(m)
	F, K := m.NumFeatures(), m.NumOutputs()
	res := result{NumTrees: len(m.Trees), NumFeatures: F, NumOutputs: K}
	phi := make([][]float64, K)
	for k := range phi {
		phi[k] = make([]float64, F)
	}
	base := make([]float64, K)
	for _, r := range rows {
		raw := make([]float64, K)
		m.PredictRawSparse(r.idx, r.val, raw)
		res.Raw = append(res.Raw, raw)
		e.ExplainSparse(r.idx, r.val, phi, base)
		c := make([]float64, 0, K*(F+1))
		for k := 0; k < K; k++ {
			c = append(c, phi[k]...)
			c = append(c, base[k])
		}
		res.Contrib = append(res.Contrib, c)
	}

	res.MeanLeafDepth, res.MaxLeafDepth = depths(m)

	// Timings: a few passes over the rows after the warm-up above, in wall
	// clock and in this thread's CPU time (less disturbed by a busy machine).
	runtime.LockOSThread()
	const passes = 3
	n := float64(passes * len(rows))
	raw := make([]float64, K)
	timed := func(f func(i int, r sparseRow)) (wall, cpu float64) {
		w0, c0 := time.Now(), threadCPU()
		for p := 0; p < passes; p++ {
			for i, r := range rows {
				f(i, r)
			}
		}
		return float64(time.Since(w0).Nanoseconds()) / n, float64(threadCPU()-c0) / n
	}
	res.PredictNsPerRow, res.PredictCPUNs = timed(func(_ int, r sparseRow) { m.PredictRawSparse(r.idx, r.val, raw) })
	res.ExplainNsPerRow, res.ExplainCPUNs = timed(func(_ int, r sparseRow) { e.ExplainSparse(r.idx, r.val, phi, base) })
	res.ClassNsPerRow, res.ClassCPUNs = timed(func(i int, r sparseRow) { e.ExplainClass(r.idx, r.val, i%K, phi[0]) })

	b, err := json.Marshal(res)
	if err != nil {
		return err
	}
	return os.WriteFile(outPath, b, 0o644)
}

// threadCPU is the CPU time this OS thread has used, in nanoseconds.
func threadCPU() int64 {
	var u syscall.Rusage
	if err := syscall.Getrusage(rusageThread, &u); err != nil {
		return 0
	}
	return u.Utime.Nano() + u.Stime.Nano()
}

// rusageThread is RUSAGE_THREAD on Linux.
const rusageThread = 1

// depths returns the mean and the largest leaf depth over all trees.
func depths(m *lgbm.Model) (float64, int) {
	total, leaves, deepest := 0, 0, 0
	for i := range m.Trees {
		t := &m.Trees[i]
		if t.NumLeaves == 1 {
			leaves++
			continue
		}
		var walk func(n, d int)
		walk = func(n, d int) {
			if n < 0 {
				total += d
				leaves++
				deepest = max(deepest, d)
				return
			}
			walk(t.LeftChild[n], d+1)
			walk(t.RightChild[n], d+1)
		}
		walk(0, 0)
	}
	return float64(total) / float64(max(leaves, 1)), deepest
}

func writeModel(path string, m *lgbm.Model) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := lgbm.Write(f, m); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

type sparseRow struct {
	idx []int32
	val []float64
}

// readLibSVM reads "label idx:val ..." lines with zero-based indices.
func readLibSVM(path string) ([]sparseRow, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var rows []sparseRow
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	for n := 1; sc.Scan(); n++ {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		var r sparseRow
		for _, kv := range fields[1:] {
			k, v, ok := strings.Cut(kv, ":")
			if !ok {
				return nil, fmt.Errorf("%s:%d: bad entry %q", path, n, kv)
			}
			i, err := strconv.ParseInt(k, 10, 32)
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %w", path, n, err)
			}
			x, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %w", path, n, err)
			}
			r.idx = append(r.idx, int32(i))
			r.val = append(r.val, x)
		}
		rows = append(rows, r)
	}
	return rows, sc.Err()
}
