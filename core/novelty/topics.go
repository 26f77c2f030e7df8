package novelty

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/cyberstreams/cyberstreams/core/features"
)

// topics returns the k leading right singular vectors (k rows of terms
// weights, row-major) of the documents' text vectors, by the randomised
// range finder with power iterations (Halko, Martinsson & Tropp 2011,
// Alg. 4.4 with q = 2, then Alg. 5.1). Each vector's sign is fixed so that
// its heaviest weight is positive, and weights are rounded to 1e-6 so the
// saved model is small and scores the same after a save and load.
func topics(ctx context.Context, rows []features.Row, terms, k int, seed uint64) ([]float64, error) {
	n := len(rows)
	l := min(k+10, terms, n)
	if l < k {
		return nil, fmt.Errorf("novelty: %d documents and %d terms cannot give %d topics", n, terms, k)
	}
	rng := rand.New(rand.NewPCG(seed, 0x746f70696373))
	omega := mat.NewDense(terms, l, nil)
	for i := range terms {
		for j := range l {
			omega.Set(i, j, rng.NormFloat64())
		}
	}
	y := mulRows(rows, omega, n, terms, l) // A Ω
	for range 2 {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("novelty: %w", err)
		}
		q := orth(y)
		z := orth(mulRowsT(rows, q, terms, l)) // Aᵀ Q
		y = mulRows(rows, z, n, terms, l)
	}
	q := orth(y)
	bt := mulRowsT(rows, q, terms, l) // Bᵀ = Aᵀ Q, terms × l
	var svd mat.SVD
	if !svd.Factorize(bt, mat.SVDThin) {
		return nil, fmt.Errorf("novelty: the topic SVD did not converge")
	}
	var u mat.Dense // Bᵀ = U Σ Vᵀ: U's columns are A's right singular vectors
	svd.UTo(&u)
	out := make([]float64, k*terms)
	for c := range k {
		row := out[c*terms : (c+1)*terms]
		heaviest := 0.0
		for t := range terms {
			row[t] = u.At(t, c)
			if math.Abs(row[t]) > math.Abs(heaviest) {
				heaviest = row[t]
			}
		}
		sign := 1.0
		if heaviest < 0 {
			sign = -1
		}
		for t := range row {
			row[t] = math.Round(sign*row[t]*1e6) / 1e6
		}
	}
	return out, nil
}

// mulRows is A·M for the sparse text rows A (n × terms) and M (terms × l).
func mulRows(rows []features.Row, m *mat.Dense, n, terms, l int) *mat.Dense {
	out := mat.NewDense(n, l, nil)
	for i, r := range rows {
		dst := out.RawRowView(i)
		for p, j := range r.Idx {
			if int(j) >= terms {
				continue
			}
			v := r.Val[p]
			for c, w := range m.RawRowView(int(j)) {
				dst[c] += v * w
			}
		}
	}
	return out
}

// mulRowsT is Aᵀ·M for the sparse text rows A (n × terms) and M (n × l).
func mulRowsT(rows []features.Row, m *mat.Dense, terms, l int) *mat.Dense {
	out := mat.NewDense(terms, l, nil)
	for i, r := range rows {
		src := m.RawRowView(i)
		for p, j := range r.Idx {
			if int(j) >= terms {
				continue
			}
			v := r.Val[p]
			dst := out.RawRowView(int(j))
			for c, w := range src {
				dst[c] += v * w
			}
		}
	}
	return out
}

// orth returns an orthonormal basis of a's columns by modified
// Gram–Schmidt, run twice ("twice is enough", Giraud et al. 2005) so the
// basis stays orthogonal in floating point; a column that vanishes stays
// zero. The thin Q alone is needed, which mat.QR would give only as a
// full n×n matrix.
func orth(a *mat.Dense) *mat.Dense {
	r, c := a.Dims()
	cols := make([][]float64, c)
	for j := range c {
		cols[j] = mat.Col(nil, j, a)
	}
	for range 2 {
		for j := range c {
			for p := range j {
				var dot float64
				for i := range r {
					dot += cols[p][i] * cols[j][i]
				}
				for i := range r {
					cols[j][i] -= dot * cols[p][i]
				}
			}
			var norm float64
			for _, v := range cols[j] {
				norm += v * v
			}
			if norm = math.Sqrt(norm); norm > 1e-12 {
				for i := range cols[j] {
					cols[j][i] /= norm
				}
			} else {
				clear(cols[j])
			}
		}
	}
	q := mat.NewDense(r, c, nil)
	for j := range c {
		q.SetCol(j, cols[j])
	}
	return q
}
