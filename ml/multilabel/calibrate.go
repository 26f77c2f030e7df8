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
	np, nn := outcomes(pos)
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
// precision more. The cut lies halfway between the lowest score decided
// yes and the next score below it (or on the lowest score, when none is
// below): a cut on the last positive's score would turn away a new item
// that scores a hair lower, which matters where the scores separate the
// outcomes well. Among equal F-beta the higher cut wins. With no positive
// it returns 1 (never decide yes) and 0.
func Threshold(p []float64, pos []bool, beta float64) (cut, fbeta float64) {
	idx, total := byScore(p, pos)
	if total == 0 {
		return 1, 0
	}
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
			if k+1 < len(idx) {
				cut = (p[i] + p[idx[k+1]]) / 2
			}
		}
	}
	return cut, fbeta
}

// PrecisionCut returns the probability cut for decisions p >= cut
// against pos that puts precision first while keeping recall at least
// minRecall: the lowest cut whose precision reaches minPrecision with
// recall at least minRecall, when one does; otherwise the highest cut
// whose recall reaches minRecall (the most precise one that keeps the
// recall). Among equal scores the cut decides ties together. With no
// positive it returns 1 (never decide yes).
func PrecisionCut(p []float64, pos []bool, minPrecision, minRecall float64) float64 {
	idx, total := byScore(p, pos)
	if total == 0 {
		return 1
	}
	precise, floor := -1.0, -1.0
	tp := 0
	for k, i := range idx {
		if pos[i] {
			tp++
		}
		if k+1 < len(idx) && p[idx[k+1]] == p[i] {
			continue
		}
		if float64(tp) < minRecall*float64(total) {
			continue
		}
		if floor < 0 {
			floor = p[i]
		}
		if float64(tp)/float64(k+1) >= minPrecision {
			precise = p[i]
		}
	}
	if precise >= 0 {
		return precise
	}
	return floor
}

// byScore returns the indices of p from the highest score down, and the
// number of positives.
func byScore(p []float64, pos []bool) ([]int, int) {
	idx := make([]int, len(p))
	total := 0
	for i := range idx {
		idx[i] = i
		if pos[i] {
			total++
		}
	}
	sort.Slice(idx, func(i, j int) bool { return p[idx[i]] > p[idx[j]] })
	return idx, total
}

// Logistic is a logistic regression over a few dense inputs: the
// probability of x is σ(W·x + B). It stacks on calibrated scores, for
// instance a sentence's calibrated log-odds beside its length.
type Logistic struct {
	W []float64
	B float64
}

// Logit is W·x + B.
func (g Logistic) Logit(x []float64) float64 {
	z := g.B
	for i, w := range g.W {
		z += w * x[i]
	}
	return z
}

// Prob is σ(W·x + B).
func (g Logistic) Prob(x []float64) float64 { return sigmoid(g.Logit(x)) }

// FitLogistic fits a logistic regression to rows xs (all of one small
// width) and their outcomes by Newton's method with backtracking,
// minimising the log-loss plus l2/2·‖W‖² (the bias is not penalised).
// With no positive or no negative outcome it returns zero weights and the
// smoothed log-odds of the outcome as the bias.
func FitLogistic(xs [][]float64, pos []bool, l2 float64) Logistic {
	np, nn := outcomes(pos)
	d := 0
	if len(xs) > 0 {
		d = len(xs[0])
	}
	g := Logistic{W: make([]float64, d), B: math.Log((np + 1) / (nn + 1))}
	if np == 0 || nn == 0 {
		return g
	}
	loss := func(w []float64, b float64) float64 {
		f := 0.0
		for i, x := range xs {
			z := b
			for j, v := range x {
				z += w[j] * v
			}
			if pos[i] {
				z = -z
			}
			f += softplus(z) // -log σ(±z)
		}
		for _, v := range w {
			f += l2 / 2 * v * v
		}
		return f
	}
	n := d + 1 // weights, then the bias
	f := loss(g.W, g.B)
	grad := make([]float64, n)
	hess := make([]float64, n*n)
	row := make([]float64, n)
	for range 100 {
		clear(grad)
		clear(hess)
		for i, x := range xs {
			copy(row, x)
			row[d] = 1
			p := sigmoid(g.Logit(x))
			r := p
			if pos[i] {
				r = p - 1
			}
			h := p * (1 - p)
			for a := range n {
				grad[a] += r * row[a]
				for b := 0; b <= a; b++ {
					hess[a*n+b] += h * row[a] * row[b]
				}
			}
		}
		for a := range d {
			grad[a] += l2 * g.W[a]
			hess[a*n+a] += l2
		}
		for a := range n {
			hess[a*n+a] += 1e-12
			for b := 0; b < a; b++ {
				hess[b*n+a] = hess[a*n+b]
			}
		}
		step, ok := solve(hess, grad, n)
		if !ok {
			break
		}
		gd := 0.0
		for a := range n {
			gd -= grad[a] * step[a]
		}
		if -gd < 1e-10 {
			break
		}
		t := 1.0
		w := make([]float64, d)
		for ; t >= 1e-10; t /= 2 {
			for a := range d {
				w[a] = g.W[a] - t*step[a]
			}
			b := g.B - t*step[d]
			if nf := loss(w, b); nf <= f+1e-4*t*gd {
				g.W, g.B, f = w, b, nf
				break
			}
		}
		if t < 1e-10 {
			break
		}
	}
	return g
}

// softplus is log(1 + eˣ), without overflow.
func softplus(x float64) float64 {
	if x > 0 {
		return x + math.Log1p(math.Exp(-x))
	}
	return math.Log1p(math.Exp(x))
}

// solve returns x with a·x = b for the n×n symmetric positive definite a
// (row-major), by Cholesky decomposition; false when a is not.
func solve(a, b []float64, n int) ([]float64, bool) {
	l := make([]float64, n*n)
	for i := range n {
		for j := 0; j <= i; j++ {
			s := a[i*n+j]
			for k := range j {
				s -= l[i*n+k] * l[j*n+k]
			}
			if i == j {
				if s <= 0 {
					return nil, false
				}
				l[i*n+i] = math.Sqrt(s)
			} else {
				l[i*n+j] = s / l[j*n+j]
			}
		}
	}
	y := make([]float64, n)
	for i := range n {
		s := b[i]
		for k := range i {
			s -= l[i*n+k] * y[k]
		}
		y[i] = s / l[i*n+i]
	}
	x := make([]float64, n)
	for i := n - 1; i >= 0; i-- {
		s := y[i]
		for k := i + 1; k < n; k++ {
			s -= l[k*n+i] * x[k]
		}
		x[i] = s / l[i*n+i]
	}
	return x, true
}

// outcomes counts the positive and the negative outcomes.
func outcomes(pos []bool) (np, nn float64) {
	for _, y := range pos {
		if y {
			np++
		} else {
			nn++
		}
	}
	return np, nn
}
