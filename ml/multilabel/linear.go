// Package multilabel learns one-vs-rest linear models for multi-label text
// tagging: L2-regularised logistic regression per label on sparse rows,
// Platt calibration, per-label thresholds, and micro/macro F1 over label
// sets. A linear model's margin is a sum of weight × value, so every
// prediction comes with exact per-feature contributions.
package multilabel

import (
	"errors"
	"fmt"
	"math"
)

// Vector is a sparse row: Val[i] is the value of feature Idx[i].
type Vector struct {
	Idx []int32
	Val []float32
}

// Linear is a trained one-vs-rest model. Weights are stored by feature
// (compressed sparse rows): feature f's non-zero weights are
// Weight[Start[f]:Start[f+1]] for labels Label[Start[f]:Start[f+1]].
type Linear struct {
	Labels, Features int
	Bias             []float32
	Start            []int32
	Label            []uint16
	Weight           []float32
}

func checkRows(xs []Vector, ys [][]int, weights []float64, k, dim int) error {
	if len(xs) != len(ys) || weights != nil && len(weights) != len(xs) {
		return errors.New("multilabel: rows, labels and weights differ in length")
	}
	if k <= 0 || k > math.MaxUint16 {
		return fmt.Errorf("multilabel: %d labels (want 1..%d)", k, math.MaxUint16)
	}
	for i, x := range xs {
		for _, f := range x.Idx {
			if f < 0 || int(f) >= dim {
				return fmt.Errorf("multilabel: row %d: feature %d outside 0..%d", i, f, dim-1)
			}
		}
		for _, l := range ys[i] {
			if l < 0 || l >= k {
				return fmt.Errorf("multilabel: row %d: label %d outside 0..%d", i, l, k-1)
			}
		}
	}
	return nil
}

// Validate checks that a decoded model is well formed, so that Margins
// never indexes outside it.
func (m *Linear) Validate() error {
	switch {
	case m.Labels <= 0 || len(m.Bias) != m.Labels:
		return fmt.Errorf("multilabel: %d labels but %d biases", m.Labels, len(m.Bias))
	case len(m.Start) != m.Features+1 || m.Start[0] != 0:
		return fmt.Errorf("multilabel: %d features but %d row starts", m.Features, len(m.Start))
	case len(m.Label) != len(m.Weight) || int(m.Start[m.Features]) != len(m.Weight):
		return errors.New("multilabel: weight arrays disagree in length")
	}
	for f := range m.Features {
		if m.Start[f] > m.Start[f+1] {
			return fmt.Errorf("multilabel: feature %d: row starts decrease", f)
		}
	}
	for _, l := range m.Label {
		if int(l) >= m.Labels {
			return fmt.Errorf("multilabel: weight for label %d of %d", l, m.Labels)
		}
	}
	return nil
}

// Margins writes each label's margin (log-odds) for x into out (len Labels).
// Features outside the model are ignored.
func (m *Linear) Margins(x Vector, out []float64) {
	for l := range out {
		out[l] = float64(m.Bias[l])
	}
	for i, f := range x.Idx {
		if f < 0 || int(f) >= m.Features {
			continue
		}
		v := float64(x.Val[i])
		for j := m.Start[f]; j < m.Start[f+1]; j++ {
			out[m.Label[j]] += float64(m.Weight[j]) * v
		}
	}
}

// Contribution is one feature's exact share of a label's margin.
type Contribution struct {
	Feature int32
	Value   float64 // weight × feature value
}

// Contributions returns the non-zero weight × value terms of label l's
// margin for x; with the bias they sum to the margin.
func (m *Linear) Contributions(x Vector, l int) []Contribution {
	var out []Contribution
	for i, f := range x.Idx {
		if f < 0 || int(f) >= m.Features {
			continue
		}
		for j := m.Start[f]; j < m.Start[f+1]; j++ {
			if int(m.Label[j]) == l {
				out = append(out, Contribution{Feature: f, Value: float64(m.Weight[j]) * float64(x.Val[i])})
				break
			}
		}
	}
	return out
}

func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}
