package main

import (
	"context"
	"fmt"
	"time"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/training"
)

// offsetRule is a way of tuning the class offsets on the saved validation
// probabilities. Every rule is judged as scoring decides: documents of an
// assigner the spec cannot name by arg-max (training.OffsetsFor).
type offsetRule struct {
	name string
	// known: tune on the validation documents of learnt assigners only
	// (the only ones the offsets will decide).
	known  bool
	shrink float64
	// unknownShrink > 0 also tunes offsets on the validation documents
	// of assigners the spec cannot name, shrunk by it, and decides the
	// judged documents of such assigners with them instead of arg-max.
	unknownShrink float64
}

var offsetRules = []offsetRule{
	{name: "all ×0.5 (shipped)", shrink: 0.5},
	{name: "all ×0.75", shrink: 0.75},
	{name: "known ×0.5", known: true, shrink: 0.5},
	{name: "known ×0.75", known: true, shrink: 0.75},
	{name: "known ×1", known: true, shrink: 1},
	{name: "all ×0.5, unknown ×0.5", shrink: 0.5, unknownShrink: 0.5},
	{name: "all ×0.5, unknown ×0.25", shrink: 0.5, unknownShrink: 0.25},
}

// offsetRuleStudy judges each variant's saved probabilities on the judged
// documents with offsets tuned by each offsetRule on the saved validation
// probabilities, paired by seed against the shipped rule.
func offsetRuleStudy(ctx context.Context, dir, data, kevPath string, w span, sample float64, vs, seeds []string) error {
	past, gap, _, err := w.inputs(ctx, data, kevPath, sample)
	if err != nil {
		return err
	}
	train, valid, _ := training.Split(past, time.Time{}, training.DefaultOptions().ValidShare)
	seen := map[string]int{}
	for i := range train {
		seen[train[i].Assigner]++
	}
	named := func(d *document.Document) bool { return d.Assigner == "" || seen[d.Assigner] >= 10 }
	yValid, yGap := make([]int, len(valid)), make([]int, len(gap))
	knownValid, knownGap := make([]bool, len(valid)), make([]bool, len(gap))
	for i := range valid {
		yValid[i], knownValid[i] = document.SeverityIndex(valid[i].Severity), named(&valid[i])
	}
	for i := range gap {
		yGap[i], knownGap[i] = document.SeverityIndex(gap[i].Severity), named(&gap[i])
	}
	fmt.Printf("\noffsets tuned other ways (%d of %d validation, %d of %d judged documents from learnt assigners):\n",
		count(knownValid), len(valid), count(knownGap), len(gap))
	fmt.Printf("%-18s %-20s %5s %17s %17s %17s %17s  %s\n", "variant", "rule", "seeds", "accuracy", "macro-F1", "Δ acc", "Δ mF1", "mean offsets (H M L I)")
	for _, v := range vs {
		base := map[string][2]float64{}
		for _, rule := range offsetRules {
			var acc, mf1, dacc, dmf1 []float64
			var mean [5]float64
			for _, s := range seeds {
				r, ok := load(dir, v, s)
				if !ok || len(r.GapProb) != len(gap) || len(r.ValidProb) != len(valid) {
					continue
				}
				bias := tuneRule(rule, yValid, r.ValidProb, knownValid)
				var unknownBias []float64
				if rule.unknownShrink > 0 {
					unknown := make([]bool, len(valid))
					for i, k := range knownValid {
						unknown[i] = !k
					}
					unknownBias = tuneRule(offsetRule{known: true, shrink: rule.unknownShrink}, yValid, r.ValidProb, unknown)
				}
				offsets := make([][]float64, len(gap))
				for i := range gap {
					offsets[i] = unknownBias
					if knownGap[i] {
						offsets[i] = bias
					}
				}
				rep := training.EvaluateEach(yGap, r.GapProb, offsets)
				acc, mf1 = append(acc, rep.Accuracy), append(mf1, rep.MacroF1)
				if b, ok := base[s]; ok {
					dacc, dmf1 = append(dacc, rep.Accuracy-b[0]), append(dmf1, rep.MacroF1-b[1])
				} else {
					base[s] = [2]float64{rep.Accuracy, rep.MacroF1}
				}
				for c := range 5 {
					mean[c] += bias[c]
				}
			}
			if len(acc) == 0 {
				continue
			}
			d1, d2 := "–", "–"
			if len(dacc) > 0 {
				d1, d2 = ms(dacc), ms(dmf1)
			}
			n := float64(len(acc))
			fmt.Printf("%-18s %-20s %5d %17s %17s %17s %17s  %+.2f %+.2f %+.2f %+.2f\n", v, rule.name, len(acc), ms(acc), ms(mf1), d1, d2,
				mean[1]/n, mean[2]/n, mean[3]/n, mean[4]/n)
		}
	}
	return nil
}

func count(b []bool) int {
	n := 0
	for _, v := range b {
		if v {
			n++
		}
	}
	return n
}

// tuneRule tunes offsets by rule on the validation labels and
// probabilities; known marks the documents of learnt assigners.
func tuneRule(rule offsetRule, y []int, prob [][]float64, known []bool) []float64 {
	if rule.known {
		var ky []int
		var kp [][]float64
		for i := range y {
			if known[i] {
				ky, kp = append(ky, y[i]), append(kp, prob[i])
			}
		}
		y, prob = ky, kp
	}
	search := training.FineOffsets()
	search.Shrink = rule.shrink
	return training.TuneBiasWith(y, prob, search)
}
