// Package calibrate turns a classifier's raw margins into probabilities
// that mean what they say, fitted on data the classifier did not train on.
package calibrate

import (
	"errors"
	"math"
)

// Platt is a logistic map of a raw margin m to a probability,
// σ(A·m + B) (Platt, "Probabilistic Outputs for Support Vector Machines",
// 1999). Being affine in the margin, it keeps an additive explanation of m
// exact: A·(base + Σφ) + B = (A·base + B) + Σ A·φ.
type Platt struct {
	A float64 `json:"a"`
	B float64 `json:"b"`
}

// Logit is the calibrated log-odds of margin m.
func (p Platt) Logit(m float64) float64 { return p.A*m + p.B }

// Probability is the calibrated probability of margin m.
func (p Platt) Probability(m float64) float64 { return Sigmoid(p.Logit(m)) }

// Sigmoid is 1/(1+e^−x), computed without overflow for large |x|.
func Sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

// FitPlatt fits A and B by maximum likelihood on held-out margins and
// outcomes, with Platt's smoothed targets (N₊+1)/(N₊+2) and 1/(N₋+2),
// which keep a rare event's probability off 0 and 1. It uses Newton's
// method with a backtracking line search (Lin, Lin and Weng, "A note on
// Platt's probabilistic outputs for support vector machines", 2007,
// algorithm 1).
func FitPlatt(margin []float64, y []bool) (Platt, error) {
	if len(margin) != len(y) {
		return Platt{}, errors.New("platt: margins and outcomes differ in length")
	}
	var pos, neg float64
	for _, v := range y {
		if v {
			pos++
		} else {
			neg++
		}
	}
	if pos == 0 || neg == 0 {
		return Platt{}, errors.New("platt: needs both outcomes among the held-out rows")
	}
	hi, lo := (pos+1)/(pos+2), 1/(neg+2)
	t := make([]float64, len(y))
	for i, v := range y {
		if v {
			t[i] = hi
		} else {
			t[i] = lo
		}
	}
	a, b := 0.0, math.Log((pos+1)/(neg+1))
	loss := func(a, b float64) float64 {
		var f float64
		for i, m := range margin {
			z := a*m + b
			// −[t·log σ(z) + (1−t)·log(1−σ(z))], stably.
			if z >= 0 {
				f += (1-t[i])*z + math.Log1p(math.Exp(-z))
			} else {
				f += -t[i]*z + math.Log1p(math.Exp(z))
			}
		}
		return f
	}
	f := loss(a, b)
	const sigma = 1e-12 // keeps the Hessian positive definite
	for range 100 {
		var h11, h22, h21, g1, g2 float64
		for i, m := range margin {
			p := Sigmoid(a*m + b)
			d2 := p * (1 - p)
			h11 += m * m * d2
			h22 += d2
			h21 += m * d2
			d1 := p - t[i]
			g1 += m * d1
			g2 += d1
		}
		if math.Abs(g1) < 1e-9 && math.Abs(g2) < 1e-9 {
			break
		}
		h11 += sigma
		h22 += sigma
		det := h11*h22 - h21*h21
		da := -(h22*g1 - h21*g2) / det
		db := -(-h21*g1 + h11*g2) / det
		gd := g1*da + g2*db
		step := 1.0
		for step >= 1e-10 {
			na, nb := a+step*da, b+step*db
			if nf := loss(na, nb); nf < f+1e-4*step*gd {
				a, b, f = na, nb, nf
				break
			}
			step /= 2
		}
		if step < 1e-10 {
			break
		}
	}
	return Platt{A: a, B: b}, nil
}
