package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/extract"
	"github.com/cyberstreams/cyberstreams/core/features"
	"github.com/cyberstreams/cyberstreams/core/training"
	"github.com/cyberstreams/cyberstreams/ml/gbdt"
	"github.com/cyberstreams/cyberstreams/ml/metrics"
	"github.com/cyberstreams/cyberstreams/ml/multilabel"
)

// linearMargins are one-vs-rest logistic margins of a linear model on the
// default spec's features: fitted on the training part for the
// validation slice, on training + validation for the judged documents, as
// the trees are.
type linearMargins struct {
	C           float64
	Valid, Gap  [][]float64
	Seconds     float64
	NonZeroRows int
}

// linearInput turns feature rows into the linear model's input: TF-IDF
// and one-hot columns as they are, numeric columns standardised by the
// training part's mean and standard deviation and clipped to ±5, so that
// one L2 penalty fits them all.
type linearInput struct {
	numeric    map[int32]int
	mean, sd   []float64
	firstNumer int
}

func fitLinearInput(spec *features.Spec, x *gbdt.Matrix) *linearInput {
	li := &linearInput{numeric: map[int32]int{}}
	li.firstNumer = spec.NumFeatures() - len(spec.Numeric)
	k := len(spec.Numeric)
	li.mean, li.sd = make([]float64, k), make([]float64, k)
	sum2 := make([]float64, k)
	for j := range k {
		li.numeric[int32(li.firstNumer+j)] = j
	}
	n := float64(x.NumRows())
	for i := range x.NumRows() {
		idx, val := x.Row(i)
		for t, f := range idx {
			if j, ok := li.numeric[f]; ok {
				li.mean[j] += val[t]
				sum2[j] += val[t] * val[t]
			}
		}
	}
	for j := range k {
		li.mean[j] /= n
		li.sd[j] = math.Sqrt(max(sum2[j]/n-li.mean[j]*li.mean[j], 0))
	}
	return li
}

func (li *linearInput) rows(x *gbdt.Matrix) []multilabel.Vector {
	out := make([]multilabel.Vector, x.NumRows())
	for i := range out {
		idx, val := x.Row(i)
		var v multilabel.Vector
		seen := map[int]bool{}
		for t, f := range idx {
			if j, ok := li.numeric[f]; ok {
				seen[j] = true
				if li.sd[j] == 0 {
					continue
				}
				v.Idx = append(v.Idx, f)
				v.Val = append(v.Val, float32(math.Max(-5, math.Min(5, (val[t]-li.mean[j])/li.sd[j]))))
				continue
			}
			v.Idx = append(v.Idx, f)
			v.Val = append(v.Val, float32(val[t]))
		}
		// A numeric feature absent from the row is a zero, which is not
		// its mean.
		for j := range li.mean {
			if !seen[j] && li.sd[j] > 0 {
				v.Idx = append(v.Idx, int32(li.firstNumer+j))
				v.Val = append(v.Val, float32(math.Max(-5, math.Min(5, -li.mean[j]/li.sd[j]))))
			}
		}
		out[i] = v
	}
	return out
}

func fitLinear(ctx context.Context, spec *features.Spec, x *gbdt.Matrix, y []int, weights []float64, C float64, judge ...*gbdt.Matrix) ([][][]float64, error) {
	li := fitLinearInput(spec, x)
	ys := make([][]int, len(y))
	for i, c := range y {
		ys[i] = []int{c}
	}
	cfg := multilabel.DefaultConfig()
	cfg.C, cfg.Prune, cfg.MaxIterations = C, 0, 300
	m, err := multilabel.Train(ctx, li.rows(x), ys, weights, 5, x.NumCols, cfg)
	if err != nil {
		return nil, err
	}
	var out [][][]float64
	for _, j := range judge {
		rows := li.rows(j)
		ms := make([][]float64, len(rows))
		for i, r := range rows {
			ms[i] = make([]float64, 5)
			m.Margins(r, ms[i])
		}
		out = append(out, ms)
	}
	return out, nil
}

// runLinear fits the linear model for each C on the baseline spec and
// saves its margins (linear-C<c>.json).
func runLinear(ctx context.Context, dir, data, kevPath string, w span, sample float64, cs []float64, halfLife float64) error {
	past, gap, kevs, err := w.inputs(ctx, data, kevPath, sample)
	if err != nil {
		return err
	}
	opts := training.DefaultOptions()
	train, valid, _ := training.Split(past, time.Time{}, opts.ValidShare)
	fo := opts.Features
	fo.EntityTypes = extract.Types
	fo.KEV = kevs
	spec, err := features.Fit(ctx, train, fo)
	if err != nil {
		return err
	}
	fz := features.New(spec)
	xTrain, yTrain := training.Matrix(fz, train)
	xValid, _ := training.Matrix(fz, valid)
	all := append(slices.Clone(train), valid...)
	xAll, yAll := training.Matrix(fz, all)
	xGap, _ := training.Matrix(fz, gap)
	hl := time.Duration(halfLife * 24 * float64(time.Hour))
	for _, C := range cs {
		path := filepath.Join(dir, linearName(C, halfLife))
		if _, err := os.Stat(path); err == nil {
			continue
		}
		start := time.Now()
		v, err := fitLinear(ctx, spec, xTrain, yTrain, training.RecencyWeights(train, hl), C, xValid)
		if err != nil {
			return err
		}
		g, err := fitLinear(ctx, spec, xAll, yAll, training.RecencyWeights(all, hl), C, xGap)
		if err != nil {
			return err
		}
		lm := linearMargins{C: C, Valid: v[0], Gap: g[0], Seconds: time.Since(start).Seconds()}
		b, err := json.Marshal(lm)
		if err != nil {
			return err
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "linear C=%g: %s\n", C, time.Since(start).Round(time.Second))
	}
	return nil
}

func linearName(C, halfLife float64) string {
	n := "linear-C" + strconv.FormatFloat(C, 'g', -1, 64)
	if halfLife > 0 {
		n += "-hl" + strconv.FormatFloat(halfLife, 'g', -1, 64)
	}
	return n + ".json"
}

// blends judges each tree variant blended with each linear model in
// log-odds: class c's log-probability plus α times the linear margin of c,
// offsets tuned on the blended validation slice, as the default recipe
// tunes them.
func blends(dir string, vs, seeds []string, cs []float64, halfLife float64, alphas []float64) {
	var labels struct {
		YValid []int `json:"y_valid"`
		YGap   []int `json:"y_gap"`
	}
	if b, err := os.ReadFile(filepath.Join(dir, "labels.json")); err != nil || json.Unmarshal(b, &labels) != nil {
		return
	}
	for _, C := range cs {
		var lm linearMargins
		b, err := os.ReadFile(filepath.Join(dir, linearName(C, halfLife)))
		if err != nil || json.Unmarshal(b, &lm) != nil {
			continue
		}
		lin := training.Evaluate(labels.YGap, softmaxRows(lm.Gap, 1), nil)
		fmt.Printf("\nlinear C=%g (half-life %g) alone, arg-max: accuracy %.4f macro-F1 %.4f\n", C, halfLife, lin.Accuracy, lin.MacroF1)
		fmt.Printf("%-18s %6s %5s %17s %17s %17s %17s  %s\n", "trees", "α", "seeds", "accuracy", "macro-F1", "Δ acc", "Δ mF1", "per-class F1 (C H M L I)")
		for _, v := range vs {
			base := map[string][2]float64{}
			for _, a := range alphas {
				var acc, mf1, dacc, dmf1 []float64
				var pc [5][]float64
				for _, s := range seeds {
					r, ok := load(dir, v, s)
					if !ok || len(r.GapProb) != len(labels.YGap) || len(r.ValidProb) != len(labels.YValid) {
						continue
					}
					pv := blend(r.ValidProb, lm.Valid, a)
					pg := blend(r.GapProb, lm.Gap, a)
					bias := training.TuneBias(labels.YValid, pv)
					rep := training.Evaluate(labels.YGap, pg, bias)
					if a == 0 {
						base[s] = [2]float64{rep.Accuracy, rep.MacroF1}
					}
					acc, mf1 = append(acc, rep.Accuracy), append(mf1, rep.MacroF1)
					dacc, dmf1 = append(dacc, rep.Accuracy-base[s][0]), append(dmf1, rep.MacroF1-base[s][1])
					for c := range 5 {
						pc[c] = append(pc[c], rep.PerClass[c].F1)
					}
				}
				if len(acc) == 0 {
					continue
				}
				line := ""
				for c := range 5 {
					m, _ := meanSD(pc[c])
					line += fmt.Sprintf(" %.3f", m)
				}
				fmt.Printf("%-18s %6.2f %5d %17s %17s %17s %17s %s\n", v, a, len(acc), ms(acc), ms(mf1), ms(dacc), ms(dmf1), line)
			}
			// α chosen per seed on the validation slice: the best mean of
			// accuracy and macro-F1 with offsets judged on held-out folds
			// (training.CrossFitBias), as train reports validation.
			var acc, mf1, dacc, dmf1, chosen []float64
			for _, s := range seeds {
				r, ok := load(dir, v, s)
				if !ok || len(r.GapProb) != len(labels.YGap) || len(r.ValidProb) != len(labels.YValid) {
					continue
				}
				best, bestA := math.Inf(-1), 0.0
				for _, a := range alphas {
					_, held := training.CrossFitBias(labels.YValid, blend(r.ValidProb, lm.Valid, a), 5)
					rep := metrics.Evaluate(document.Severities[:], labels.YValid, held)
					if score := rep.Accuracy + rep.MacroF1; score > best {
						best, bestA = score, a
					}
				}
				pv := blend(r.ValidProb, lm.Valid, bestA)
				rep := training.Evaluate(labels.YGap, blend(r.GapProb, lm.Gap, bestA), training.TuneBias(labels.YValid, pv))
				acc, mf1 = append(acc, rep.Accuracy), append(mf1, rep.MacroF1)
				dacc, dmf1 = append(dacc, rep.Accuracy-base[s][0]), append(dmf1, rep.MacroF1-base[s][1])
				chosen = append(chosen, bestA)
			}
			if len(acc) > 0 {
				fmt.Printf("%-18s %6s %5d %17s %17s %17s %17s  α chosen %v\n", v, "valid", len(acc), ms(acc), ms(mf1), ms(dacc), ms(dmf1), chosen)
			}
		}
	}
}

func blend(prob, margins [][]float64, a float64) [][]float64 {
	out := make([][]float64, len(prob))
	for i, p := range prob {
		z := make([]float64, 5)
		for c := range 5 {
			z[c] = math.Log(math.Max(p[c], 1e-7)) + a*margins[i][c]
		}
		out[i] = training.Softmax(z)
	}
	return out
}

func softmaxRows(z [][]float64, a float64) [][]float64 {
	out := make([][]float64, len(z))
	for i, r := range z {
		s := make([]float64, 5)
		for c := range 5 {
			s[c] = a * r[c]
		}
		out[i] = training.Softmax(s)
	}
	return out
}
