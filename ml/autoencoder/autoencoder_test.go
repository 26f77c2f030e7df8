package autoencoder

import (
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// line returns n rows on a line through 4-D space, with a little noise.
func line(n int, seed uint64) [][]float64 {
	rng := rand.New(rand.NewPCG(seed, 1))
	x := make([][]float64, n)
	for i := range x {
		t := 2*rng.Float64() - 1
		x[i] = []float64{t, 2 * t, -t, 0.5 * t}
		for j := range x[i] {
			x[i][j] += 0.01 * rng.NormFloat64()
		}
	}
	return x
}

func TestFitIsDeterministicForASeed(t *testing.T) {
	x := line(200, 1)
	p := Params{Hidden: 2, Epochs: 5, Seed: 7}
	a, err := Fit(context.Background(), x, p)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Fit(context.Background(), x, p)
	p.Seed = 8
	c, _ := Fit(context.Background(), x, p)
	if !slices.Equal(a.W1, b.W1) || !slices.Equal(a.W2, b.W2) || !slices.Equal(a.B2, b.B2) {
		t.Fatal("the same data, params and seed gave different weights")
	}
	if slices.Equal(a.W1, c.W1) {
		t.Fatal("another seed gave the same weights")
	}
}

// Points like the training rows are rebuilt well; points off their line
// are not.
func TestReconstructionErrorSeparatesOffLinePoints(t *testing.T) {
	m, err := Fit(context.Background(), line(2000, 2), Params{Hidden: 1, Epochs: 60, LearningRate: 0.01, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	sc := m.NewScratch()
	var errs []float64
	worstOn := 0.0
	for _, r := range line(100, 3) {
		var s float64
		errs, s = m.Errors(r, sc, errs)
		worstOn = max(worstOn, s)
	}
	tests := []struct {
		name string
		x    []float64
	}{
		{"second input doubled", []float64{0.5, 2, -0.5, 0.25}},
		{"third input flipped", []float64{0.5, 1, 0.5, 0.25}},
		{"first input alone", []float64{0.8, 0, 0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s float64
			errs, s = m.Errors(tt.x, sc, errs)
			if s <= 5*worstOn {
				t.Fatalf("score %.4g, not well above the worst on-line point's %.4g", s, worstOn)
			}
		})
	}
}

func TestFitRefusesUnusableRows(t *testing.T) {
	tests := []struct {
		name string
		x    [][]float64
		want string
	}{
		{"one row", [][]float64{{1, 2}}, "need at least 2"},
		{"no columns", [][]float64{{}, {}}, "no columns"},
		{"ragged", [][]float64{{1, 2}, {1}}, "row 1 has 1 columns"},
		{"NaN", [][]float64{{1, 2}, {math.NaN(), 1}}, "row 1 column 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Fit(context.Background(), tt.x, Params{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

func TestFitStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Fit(ctx, line(10, 1), Params{}); err == nil {
		t.Fatal("a cancelled fit returned a model")
	}
}

func TestLoadRefusesDamagedModels(t *testing.T) {
	m, err := Fit(context.Background(), line(50, 1), Params{Hidden: 2, Epochs: 1, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	good, _ := json.Marshal(m)
	var back Model
	if err := json.Unmarshal(good, &back); err != nil {
		t.Fatalf("a saved model does not load: %v", err)
	}
	tests := []struct {
		name, json, want string
	}{
		{"no hidden units", `{"inputs":2,"hidden":0}`, "want both positive"},
		{"short weights", `{"inputs":2,"hidden":1,"w1":[1],"w2":[1,2],"b1":[0],"b2":[0,0]}`, "weights of"},
		{"short biases", `{"inputs":2,"hidden":1,"w1":[1,2],"w2":[1,2],"b1":[],"b2":[0,0]}`, "biases of"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m Model
			err := json.Unmarshal([]byte(tt.json), &m)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

// A model that loads scores a row of its width without panicking.
func FuzzLoad(f *testing.F) {
	m, _ := Fit(context.Background(), line(20, 1), Params{Hidden: 2, Epochs: 1, Seed: 1})
	good, _ := json.Marshal(m)
	f.Add(good)
	f.Add([]byte(`{"inputs":1,"hidden":1,"w1":[1],"w2":[1],"b1":[0],"b2":[0]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var m Model
		if json.Unmarshal(data, &m) != nil || m.Inputs > 1<<12 {
			return
		}
		m.Errors(make([]float64, m.Inputs), m.NewScratch(), nil)
	})
}
