// Command gotrain trains ml/gbdt on a libsvm file, the Go half of the
// gbdt-vs-LightGBM measurement: it writes model.txt (LightGBM text format),
// reads it back with ml/lgbm, writes the raw margins that model gives every
// row of the evaluation file (the validation file, else the training file)
// and prints one JSON line of timings.
//
// Indices in the libsvm files are zero-based, as LightGBM and sklearn's
// dump_svmlight_file write them.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/cyberstreams/cyberstreams/ml/gbdt"
	"github.com/cyberstreams/cyberstreams/ml/lgbm"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "gotrain:", err)
		os.Exit(1)
	}
}

func run() error {
	p := gbdt.DefaultParams()
	trainPath := flag.String("train", "", "training libsvm file (required)")
	validPath := flag.String("valid", "", "validation libsvm file (optional)")
	modelPath := flag.String("model", "model.txt", "where to write the model")
	predPath := flag.String("pred", "pred.tsv", "where to write raw margins of the evaluation rows")
	numClass := flag.Int("classes", 5, "number of classes")
	numCols := flag.Int("cols", 0, "number of columns (0: largest index seen + 1)")
	flag.IntVar(&p.NumIterations, "iterations", p.NumIterations, "boosting iterations")
	flag.IntVar(&p.NumLeaves, "leaves", p.NumLeaves, "leaves per tree")
	flag.IntVar(&p.MaxDepth, "max-depth", p.MaxDepth, "depth limit (<= 0: none)")
	flag.IntVar(&p.MinDataInLeaf, "min-data", p.MinDataInLeaf, "min_data_in_leaf")
	flag.Float64Var(&p.MinSumHessian, "min-hessian", p.MinSumHessian, "min_sum_hessian_in_leaf")
	flag.Float64Var(&p.LearningRate, "lr", p.LearningRate, "learning rate")
	flag.Float64Var(&p.Lambda, "lambda", p.Lambda, "lambda_l2")
	flag.Float64Var(&p.MinGainToSplit, "min-gain", p.MinGainToSplit, "min_gain_to_split")
	flag.Float64Var(&p.FeatureFraction, "feature-fraction", p.FeatureFraction, "feature_fraction")
	flag.Float64Var(&p.BaggingFraction, "bagging-fraction", p.BaggingFraction, "bagging_fraction")
	flag.IntVar(&p.BaggingFreq, "bagging-freq", p.BaggingFreq, "bagging_freq")
	flag.IntVar(&p.MaxBin, "max-bin", p.MaxBin, "max_bin")
	flag.IntVar(&p.EarlyStoppingRounds, "early-stop", p.EarlyStoppingRounds, "early stopping rounds (needs -valid)")
	flag.Int64Var(&p.Seed, "seed", p.Seed, "seed")
	flag.IntVar(&p.Threads, "threads", p.Threads, "goroutines (0: GOMAXPROCS)")
	flag.Parse()
	if *trainPath == "" {
		return fmt.Errorf("-train is required")
	}

	t0 := time.Now()
	train, y, err := readLibsvm(*trainPath)
	if err != nil {
		return err
	}
	var valid *gbdt.Matrix
	var yValid []int
	if *validPath != "" {
		if valid, yValid, err = readLibsvm(*validPath); err != nil {
			return err
		}
	}
	cols := max(train.NumCols, *numCols)
	if valid != nil {
		cols = max(cols, valid.NumCols)
		valid.NumCols = cols
	}
	train.NumCols = cols
	readTime := time.Since(t0)

	m, rep, err := gbdt.Train(context.Background(), train, y, *numClass, valid, yValid, p, nil, nil)
	if err != nil {
		return err
	}

	f, err := os.Create(*modelPath)
	if err != nil {
		return err
	}
	if err := lgbm.Write(f, m); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	// Predict with the model as read back from the file, so the margins
	// are those of the text LightGBM will load.
	back, err := lgbm.ReadFile(*modelPath)
	if err != nil {
		return fmt.Errorf("reading back %s: %w", *modelPath, err)
	}
	eval := train
	if valid != nil {
		eval = valid
	}
	if err := writeMargins(*predPath, back, eval); err != nil {
		return err
	}
	last := func(xs []float64) float64 {
		if len(xs) == 0 {
			return 0
		}
		return xs[len(xs)-1]
	}
	return json.NewEncoder(os.Stdout).Encode(map[string]any{
		"read_seconds":       readTime.Seconds(),
		"train_seconds":      rep.Duration.Seconds(),
		"iterations_trained": len(rep.TrainLoss),
		"best_iteration":     rep.BestIteration,
		"train_loss":         last(rep.TrainLoss),
		"rows":               train.NumRows(),
		"cols":               train.NumCols,
		"nnz":                len(train.Indices),
	})
}

func writeMargins(path string, m *lgbm.Model, x *gbdt.Matrix) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	out := make([]float64, m.NumOutputs())
	for r := 0; r < x.NumRows(); r++ {
		idx, val := x.Row(r)
		m.PredictRawSparse(idx, val, out)
		for c, v := range out {
			if c > 0 {
				w.WriteByte('\t')
			}
			w.WriteString(strconv.FormatFloat(v, 'g', 17, 64))
		}
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// readLibsvm reads "label idx:val idx:val ..." lines (zero-based indices)
// into a CSR matrix whose NumCols is the largest index + 1.
func readLibsvm(path string) (*gbdt.Matrix, []int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	m, y, err := parseLibsvm(f)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, y, nil
}

func parseLibsvm(r io.Reader) (*gbdt.Matrix, []int, error) {
	m := &gbdt.Matrix{Indptr: []int{0}}
	var y []int
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<28)
	line := 0
	for sc.Scan() {
		line++
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		label, err := strconv.ParseFloat(fields[0], 64)
		if err != nil || label != float64(int(label)) || label < 0 {
			return nil, nil, fmt.Errorf("line %d: label %q is not a class index", line, fields[0])
		}
		y = append(y, int(label))
		for _, fv := range fields[1:] {
			if strings.HasPrefix(fv, "#") {
				break
			}
			k, v, ok := strings.Cut(fv, ":")
			if !ok {
				return nil, nil, fmt.Errorf("line %d: %q is not index:value", line, fv)
			}
			idx, err := strconv.ParseInt(k, 10, 32)
			if err != nil || idx < 0 {
				return nil, nil, fmt.Errorf("line %d: bad index %q", line, k)
			}
			val, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return nil, nil, fmt.Errorf("line %d: bad value %q", line, v)
			}
			m.Indices = append(m.Indices, int32(idx))
			m.Values = append(m.Values, val)
			m.NumCols = max(m.NumCols, int(idx)+1)
		}
		m.Indptr = append(m.Indptr, len(m.Indices))
	}
	if err := sc.Err(); err != nil {
		return nil, nil, err
	}
	return m, y, nil
}
