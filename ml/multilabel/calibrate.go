package multilabel

import (
	"math"
	"sort"
)

// Platt maps a margin s to a probability 1 / (1 + exp(A·s + B)).
type Platt struct{ A, B float64 }

// Prob is the calibrated probability of margin s.
func (p Platt) Prob(s float64) float64 { return sigmoid(-(p.A*s + p.B)) }

// FitPlatt fits Platt scaling to margins and their outcomes with the
// smoothed targets and the Newton method with backtracking of Lin, Lin and
// Weng, "A note on Platt's probabilistic outputs for support vector
// machines" (Machine Learning 68, 2007), Algorithm 1. With no positive or
// no negative outcome it returns the identity map (A = -1, B = 0).
func FitPlatt(margins []float64, pos []bool) Platt {
	var np, nn float64
	for _, y := range pos {
		if y {
			np++
		} else {
			nn++
		}
	}
	if np == 0 || nn == 0 {
		return Platt{A: -1}
	}
	hi, lo := (np+1)/(np+2), 1/(nn+2)
	t := make([]float64, len(pos))
	for i, y := range pos {
		t[i] = lo
		if y {
			t[i] = hi
		}
	}
	const (
		maxIter = 100
		minStep = 1e-10
		sigma   = 1e-12
		eps     = 1e-5
	)
	a, b := 0.0, math.Log((nn+1)/(np+1))
	fval := func(a, b float64) float64 {
		f := 0.0
		for i, s := range margins {
			fApB := s*a + b
			if fApB >= 0 {
				f += t[i]*fApB + math.Log1p(math.Exp(-fApB))
			} else {
				f += (t[i]-1)*fApB + math.Log1p(math.Exp(fApB))
			}
		}
		return f
	}
	f := fval(a, b)
	for it := 0; it < maxIter; it++ {
		h11, h22, h21, g1, g2 := sigma, sigma, 0.0, 0.0, 0.0
		for i, s := range margins {
			fApB := s*a + b
			var p, q float64
			if fApB >= 0 {
				e := math.Exp(-fApB)
				p, q = e/(1+e), 1/(1+e)
			} else {
				e := math.Exp(fApB)
				p, q = 1/(1+e), e/(1+e)
			}
			d2 := p * q
			h11 += s * s * d2
			h22 += d2
			h21 += s * d2
			d1 := t[i] - p
			g1 += s * d1
			g2 += d1
		}
		if math.Abs(g1) < eps && math.Abs(g2) < eps {
			break
		}
		det := h11*h22 - h21*h21
		dA := -(h22*g1 - h21*g2) / det
		dB := -(-h21*g1 + h11*g2) / det
		gd := g1*dA + g2*dB
		step := 1.0
		for step >= minStep {
			na, nb := a+step*dA, b+step*dB
			if nf := fval(na, nb); nf < f+0.0001*step*gd {
				a, b, f = na, nb, nf
				break
			}
			step /= 2
		}
		if step < minStep {
			break
		}
	}
	return Platt{A: a, B: b}
}

// Threshold returns the probability cut that maximises F-beta of the
// decisions p >= cut against pos, and that F-beta. beta < 1 weighs
// precision more. Among equal scores the higher cut wins. With no positive
// it returns 1 (never decide yes) and 0.
func Threshold(p []float64, pos []bool, beta float64) (cut, fbeta float64) {
	idx := make([]int, len(p))
	total := 0
	for i := range idx {
		idx[i] = i
		if pos[i] {
			total++
		}
	}
	if total == 0 {
		return 1, 0
	}
	sort.Slice(idx, func(i, j int) bool { return p[idx[i]] > p[idx[j]] })
	b2 := beta * beta
	cut, tp, fp := 1.0, 0, 0
	for k, i := range idx {
		if pos[i] {
			tp++
		} else {
			fp++
		}
		if k+1 < len(idx) && p[idx[k+1]] == p[i] {
			continue // a cut decides ties together
		}
		prec := float64(tp) / float64(tp+fp)
		rec := float64(tp) / float64(total)
		if prec+rec == 0 {
			continue
		}
		if f := (1 + b2) * prec * rec / (b2*prec + rec); f > fbeta {
			cut, fbeta = p[i], f
		}
	}
	return cut, fbeta
}
