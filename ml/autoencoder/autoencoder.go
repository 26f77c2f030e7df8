// Package autoencoder learns a small under-complete autoencoder whose
// reconstruction error scores how unlike its training rows a new row is
// (Japkowicz, Myers & Gluck 1995, "A novelty detection approach to
// classification"; Hinton & Salakhutdinov 2006): the network can only
// rebuild, through its narrow hidden layer, what resembles what it was
// trained on.
//
// The network is one tanh bottleneck layer and a linear output layer,
// trained on the mean squared error with mini-batch Adam (Kingma & Ba 2015,
// "Adam: A Method for Stochastic Optimization", Algorithm 1). Training is
// single-threaded and every random choice comes from the seed, so equal
// data, Params and Seed give a bit-identical model. A Model is plain data
// with JSON tags, saved beside the model it belongs to; loading validates
// its shape so a damaged file cannot index out of range.
package autoencoder

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
)

// Params controls training. Zero fields mean the defaults.
type Params struct {
	Hidden       int     `json:"hidden"`        // bottleneck width (default: a quarter of the inputs, at least 2)
	Epochs       int     `json:"epochs"`        // passes over the data (default 30)
	BatchSize    int     `json:"batch_size"`    // rows per Adam step (default 64)
	LearningRate float64 `json:"learning_rate"` // Adam's α (default 0.003)
	Seed         uint64  `json:"seed"`
}

func (p Params) withDefaults(in int) Params {
	if p.Hidden <= 0 {
		p.Hidden = max(in/4, 2)
	}
	if p.Epochs <= 0 {
		p.Epochs = 30
	}
	if p.BatchSize <= 0 {
		p.BatchSize = 64
	}
	if p.LearningRate <= 0 {
		p.LearningRate = 0.003
	}
	return p
}

// Model is a trained autoencoder: h = tanh(W1·x + B1), x̂ = W2·h + B2.
// W1 is Hidden×Inputs and W2 Inputs×Hidden, both row-major.
type Model struct {
	Params Params    `json:"params"`
	Inputs int       `json:"inputs"`
	Hidden int       `json:"hidden"`
	W1     []float64 `json:"w1"`
	B1     []float64 `json:"b1"`
	W2     []float64 `json:"w2"`
	B2     []float64 `json:"b2"`
}

// Fit trains an autoencoder on the rows of x (which the caller has put on
// comparable scales, e.g. standardised). It stops with ctx's error when ctx
// is cancelled.
func Fit(ctx context.Context, x [][]float64, p Params) (*Model, error) {
	if len(x) < 2 {
		return nil, fmt.Errorf("autoencoder: %d rows; need at least 2", len(x))
	}
	in := len(x[0])
	if in == 0 {
		return nil, errors.New("autoencoder: rows have no columns")
	}
	for i, r := range x {
		if len(r) != in {
			return nil, fmt.Errorf("autoencoder: row %d has %d columns, row 0 has %d", i, len(r), in)
		}
		for j, v := range r {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("autoencoder: row %d column %d is %v", i, j, v)
			}
		}
	}
	p = p.withDefaults(in)
	h := p.Hidden
	rng := rand.New(rand.NewPCG(p.Seed, 0x6175746f656e63))
	m := &Model{Params: p, Inputs: in, Hidden: h,
		W1: make([]float64, h*in), B1: make([]float64, h), W2: make([]float64, in*h), B2: make([]float64, in)}
	// Glorot-uniform initial weights (Glorot & Bengio 2010).
	lim := math.Sqrt(6 / float64(in+h))
	for i := range m.W1 {
		m.W1[i] = (2*rng.Float64() - 1) * lim
	}
	for i := range m.W2 {
		m.W2[i] = (2*rng.Float64() - 1) * lim
	}
	params := [][]float64{m.W1, m.B1, m.W2, m.B2}
	grads := make([][]float64, len(params))
	first := make([][]float64, len(params))
	second := make([][]float64, len(params))
	for i, w := range params {
		grads[i], first[i], second[i] = make([]float64, len(w)), make([]float64, len(w)), make([]float64, len(w))
	}
	const beta1, beta2, eps = 0.9, 0.999, 1e-8
	order := make([]int, len(x))
	for i := range order {
		order[i] = i
	}
	hid, out, dOut, dHid := make([]float64, h), make([]float64, in), make([]float64, in), make([]float64, h)
	step := 0
	for epoch := 0; epoch < p.Epochs; epoch++ {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("autoencoder: %w", err)
		}
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for start := 0; start < len(order); start += p.BatchSize {
			batch := order[start:min(start+p.BatchSize, len(order))]
			for _, g := range grads {
				clear(g)
			}
			scale := 2 / float64(len(batch)*in) // d(mean squared error)/d(x̂)
			for _, r := range batch {
				row := x[r]
				m.forward(row, hid, out)
				for j := range out {
					dOut[j] = (out[j] - row[j]) * scale
				}
				// Output layer: x̂_j = Σ_k W2[j,k] h_k + B2_j.
				clear(dHid)
				for j := range in {
					d := dOut[j]
					grads[3][j] += d
					w, g := m.W2[j*h:(j+1)*h], grads[2][j*h:(j+1)*h]
					for k := range h {
						g[k] += d * hid[k]
						dHid[k] += d * w[k]
					}
				}
				// Hidden layer: h_k = tanh(a_k), dh/da = 1 − h².
				for k := range h {
					d := dHid[k] * (1 - hid[k]*hid[k])
					grads[1][k] += d
					g := grads[0][k*in : (k+1)*in]
					for j, v := range row {
						g[j] += d * v
					}
				}
			}
			step++
			c1 := 1 - math.Pow(beta1, float64(step))
			c2 := 1 - math.Pow(beta2, float64(step))
			for i, w := range params {
				g, mo, v := grads[i], first[i], second[i]
				for j := range w {
					mo[j] = beta1*mo[j] + (1-beta1)*g[j]
					v[j] = beta2*v[j] + (1-beta2)*g[j]*g[j]
					w[j] -= p.LearningRate * (mo[j] / c1) / (math.Sqrt(v[j]/c2) + eps)
				}
			}
		}
	}
	return m, nil
}

// forward computes the hidden layer and the reconstruction of x.
func (m *Model) forward(x, hid, out []float64) {
	in, h := m.Inputs, m.Hidden
	for k := range h {
		a := m.B1[k]
		for j, w := range m.W1[k*in : (k+1)*in] {
			a += w * x[j]
		}
		hid[k] = math.Tanh(a)
	}
	for j := range in {
		a := m.B2[j]
		for k, w := range m.W2[j*h : (j+1)*h] {
			a += w * hid[k]
		}
		out[j] = a
	}
}

// Scratch is one caller's working space for Errors; not safe for
// concurrent use (each goroutine keeps its own).
type Scratch struct{ hid, out []float64 }

// NewScratch returns working space for m.
func (m *Model) NewScratch() *Scratch {
	return &Scratch{hid: make([]float64, m.Hidden), out: make([]float64, m.Inputs)}
}

// Errors writes each input's squared reconstruction error of x into errs
// (grown to the input width) and returns their mean, the row's score.
// It panics when x has the wrong length, a programming error.
func (m *Model) Errors(x []float64, sc *Scratch, errs []float64) ([]float64, float64) {
	if len(x) != m.Inputs {
		panic(fmt.Sprintf("autoencoder: row has %d columns, the model reads %d", len(x), m.Inputs))
	}
	m.forward(x, sc.hid, sc.out)
	errs = errs[:0]
	var sum float64
	for j, v := range x {
		d := sc.out[j] - v
		errs = append(errs, d*d)
		sum += d * d
	}
	return errs, sum / float64(len(x))
}

// UnmarshalJSON loads a model and checks its shape, so that scoring with a
// damaged file fails at load time instead of indexing out of range.
func (m *Model) UnmarshalJSON(data []byte) error {
	type plain Model
	var p plain
	if err := json.Unmarshal(data, &p); err != nil {
		return err
	}
	if err := (*Model)(&p).Validate(); err != nil {
		return err
	}
	*m = Model(p)
	return nil
}

// Validate checks the model's shape and weights (what UnmarshalJSON
// checks), for a model decoded from another encoding.
func (m *Model) Validate() error {
	switch {
	case m.Inputs <= 0 || m.Hidden <= 0:
		return fmt.Errorf("autoencoder: %d inputs and %d hidden units; want both positive", m.Inputs, m.Hidden)
	case len(m.W1) != m.Inputs*m.Hidden || len(m.W2) != m.Inputs*m.Hidden:
		return fmt.Errorf("autoencoder: weights of %d and %d values for %d inputs × %d hidden units", len(m.W1), len(m.W2), m.Inputs, m.Hidden)
	case len(m.B1) != m.Hidden || len(m.B2) != m.Inputs:
		return fmt.Errorf("autoencoder: biases of %d and %d values for %d hidden units and %d inputs", len(m.B1), len(m.B2), m.Hidden, m.Inputs)
	}
	for _, w := range [][]float64{m.W1, m.B1, m.W2, m.B2} {
		for _, v := range w {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return errors.New("autoencoder: a weight is not a finite number")
			}
		}
	}
	return nil
}
