package multilabel

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"

	"gonum.org/v1/gonum/optimize"
)

// Config sets the learner: per label, L2-regularised
// logistic regression, minimising Σ wᵢ·loss(xᵢ) + ‖w‖²/(2C) with L-BFGS
// (the objective of scikit-learn's LogisticRegression, intercept not
// penalised).
type Config struct {
	C              float64
	PositiveWeight float64 // scales positive rows' loss
	MaxIterations  int
	// Prune drops weights whose magnitude is below it from the stored
	// model, so that it is small enough to embed.
	Prune   float64
	Workers int // labels fitted at once; 0 means GOMAXPROCS
}

// DefaultConfig is the configuration the technique model uses. C = 30:
// on the out-of-fold margins of 5 report-level folds of TRAM, sentence
// precision at recall 0.40 was 0.508 with C = 3, 0.546 with C = 10 and
// 0.555 with C = 30 (Platt per technique, pooled).
func DefaultConfig() Config {
	return Config{C: 30, PositiveWeight: 1, MaxIterations: 200, Prune: 0.03}
}

// Train fits one logistic regression per label with L-BFGS (gonum
// optimize), labels in parallel. xs[i] is row i and ys[i] its labels
// (indices below k); weights[i], when not nil, scales row i's loss.
func Train(ctx context.Context, xs []Vector, ys [][]int, weights []float64, k, dim int, cfg Config) (*Linear, error) {
	if err := checkRows(xs, ys, weights, k, dim); err != nil {
		return nil, err
	}
	workers := cfg.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	ws := make([][]float64, k) // per label: dim weights then the bias
	errs := make([]error, k)
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(workers, k) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for l := range next {
				ws[l], errs[l] = fitOne(ctx, xs, ys, weights, l, dim, cfg)
			}
		}()
	}
	for l := range k {
		next <- l
	}
	close(next)
	wg.Wait()
	for l, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("multilabel: label %d: %w", l, err)
		}
	}
	m := &Linear{Labels: k, Features: dim, Bias: make([]float32, k), Start: make([]int32, dim+1)}
	for l := range k {
		m.Bias[l] = float32(ws[l][dim])
	}
	for f := range dim {
		for l := range k {
			if w := ws[l][f]; math.Abs(w) >= cfg.Prune && w != 0 {
				m.Label = append(m.Label, uint16(l))
				m.Weight = append(m.Weight, float32(w))
			}
		}
		m.Start[f+1] = int32(len(m.Weight))
	}
	return m, nil
}

func fitOne(ctx context.Context, xs []Vector, ys [][]int, weights []float64, l, dim int, cfg Config) ([]float64, error) {
	y := make([]float64, len(xs))
	rw := make([]float64, len(xs))
	for i := range xs {
		rw[i] = 1
		if weights != nil {
			rw[i] = weights[i]
		}
		if slices.Contains(ys[i], l) {
			y[i] = 1
			rw[i] *= cfg.PositiveWeight
		}
	}
	lambda := 1 / cfg.C
	var lastX, lastG []float64
	var lastF float64
	eval := func(w []float64) {
		if lastX != nil && slices.Equal(lastX, w) {
			return
		}
		lastX = append(lastX[:0], w...)
		if lastG == nil {
			lastG = make([]float64, len(w))
		}
		g := lastG
		f := 0.0
		for j := 0; j < dim; j++ {
			f += 0.5 * lambda * w[j] * w[j]
			g[j] = lambda * w[j]
		}
		g[dim] = 0
		for i, x := range xs {
			z := w[dim]
			for t, fi := range x.Idx {
				z += w[fi] * float64(x.Val[t])
			}
			// loss = log(1+exp(z)) - y·z, gradient (σ(z) - y)·x
			if z > 0 {
				f += rw[i] * (z + math.Log1p(math.Exp(-z)) - y[i]*z)
			} else {
				f += rw[i] * (math.Log1p(math.Exp(z)) - y[i]*z)
			}
			d := rw[i] * (sigmoid(z) - y[i])
			g[dim] += d
			for t, fi := range x.Idx {
				g[fi] += d * float64(x.Val[t])
			}
		}
		lastF = f
	}
	p := optimize.Problem{
		Func: func(w []float64) float64 { eval(w); return lastF },
		Grad: func(grad, w []float64) { eval(w); copy(grad, lastG) },
	}
	settings := &optimize.Settings{
		MajorIterations:   cfg.MaxIterations,
		GradientThreshold: 1e-4,
		Converger: &ctxConverger{ctx: ctx,
			inner: &optimize.FunctionConverge{Absolute: 1e-6, Relative: 1e-6, Iterations: 5}},
	}
	res, err := optimize.Minimize(p, make([]float64, dim+1), settings, &optimize.LBFGS{})
	if cerr := ctx.Err(); cerr != nil {
		return nil, cerr
	}
	if err != nil && res == nil {
		return nil, err
	}
	if res.Status == optimize.Failure || res.Status == optimize.NotTerminated {
		return nil, errors.New("L-BFGS failed to converge")
	}
	return res.X, nil
}

// ctxConverger stops the optimiser (as a failure) once ctx is done, so that
// a cancelled training returns between iterations.
type ctxConverger struct {
	ctx   context.Context
	inner optimize.Converger
}

func (c *ctxConverger) Init(dim int) { c.inner.Init(dim) }

func (c *ctxConverger) Converged(loc *optimize.Location) optimize.Status {
	if c.ctx.Err() != nil {
		return optimize.Failure
	}
	return c.inner.Converged(loc)
}
