package gbdt

import (
	"math"
	"math/rand/v2"
	"slices"
	"sort"
)

// textLike is a synthetic stand-in for the project's document features:
// sparse TF-IDF-like columns (Zipf word frequencies, a few hundred words
// per class that are more likely in that class, l2-normalised rows) and
// dense meta columns (some shifted by class, some noise), with label noise.
type textLike struct {
	rows, sparseCols, wordsPerRow, denseCols, classes int
	seed                                              uint64
}

func (s textLike) generate() (*Matrix, []int) {
	rng := rand.New(rand.NewPCG(s.seed, 7))
	cdf := make([]float64, s.sparseCols)
	acc := 0.0
	for w := range cdf {
		acc += 1 / math.Pow(float64(w)+10, 1.05)
		cdf[w] = acc
	}
	idf := make([]float64, s.sparseCols)
	for w := range idf {
		idf[w] = 1 + math.Log(acc/(cdf[w]-prev(cdf, w))/50)
	}
	classWords := make([][]int, s.classes)
	for c := range classWords {
		for range 150 {
			classWords[c] = append(classWords[c], rng.IntN(s.sparseCols))
		}
	}
	prior := []float64{0.1, 0.3, 0.35, 0.15, 0.1}
	m := &Matrix{NumCols: s.sparseCols + s.denseCols, Indptr: []int{0}}
	y := make([]int, s.rows)
	tf := map[int]float64{}
	for i := range s.rows {
		u, c := rng.Float64(), 0
		for c < s.classes-1 && u > prior[c%len(prior)] {
			u -= prior[c%len(prior)]
			c++
		}
		clear(tf)
		for range s.wordsPerRow {
			var w int
			if rng.Float64() < 0.25 {
				w = classWords[c][rng.IntN(len(classWords[c]))]
			} else {
				w = sort.SearchFloat64s(cdf, rng.Float64()*acc)
				w = min(w, s.sparseCols-1)
			}
			tf[w]++
		}
		words := make([]int, 0, len(tf))
		for w := range tf {
			words = append(words, w)
		}
		slices.Sort(words)
		norm := 0.0
		vals := make([]float64, len(words))
		for j, w := range words {
			vals[j] = (1 + math.Log(tf[w])) * idf[w]
			norm += vals[j] * vals[j]
		}
		norm = math.Sqrt(norm)
		for j, w := range words {
			m.Indices = append(m.Indices, int32(w))
			m.Values = append(m.Values, vals[j]/norm)
		}
		for j := range s.denseCols {
			var v float64
			switch j % 4 {
			case 0: // class-shifted
				v = float64(c)*0.5 + rng.NormFloat64()
			case 1: // count with many zeros
				v = float64(rng.IntN(3+c)) - 1
				if v < 0 {
					v = 0
				}
			case 2: // noise, signed
				v = rng.NormFloat64()
			default: // skewed positive
				v = math.Exp(rng.NormFloat64() + 0.2*float64(c))
			}
			if v != 0 {
				m.Indices = append(m.Indices, int32(s.sparseCols+j))
				m.Values = append(m.Values, v)
			}
		}
		m.Indptr = append(m.Indptr, len(m.Indices))
		if rng.Float64() < 0.1 {
			c = rng.IntN(s.classes)
		}
		y[i] = c
	}
	return m, y
}

func prev(cdf []float64, w int) float64 {
	if w == 0 {
		return 0
	}
	return cdf[w-1]
}

// denseMatrix builds a CSR matrix from dense rows, storing every value,
// zeros included.
func denseMatrix(rows [][]float64) *Matrix {
	m := &Matrix{NumCols: len(rows[0]), Indptr: []int{0}}
	for _, r := range rows {
		for j, v := range r {
			m.Indices = append(m.Indices, int32(j))
			m.Values = append(m.Values, v)
		}
		m.Indptr = append(m.Indptr, len(m.Indices))
	}
	return m
}

// rowsOf splits m into rows [lo, hi) as a new matrix.
func rowsOf(m *Matrix, lo, hi int) *Matrix {
	out := &Matrix{NumCols: m.NumCols, Indptr: []int{0}}
	for r := lo; r < hi; r++ {
		idx, val := m.Row(r)
		out.Indices = append(out.Indices, idx...)
		out.Values = append(out.Values, val...)
		out.Indptr = append(out.Indptr, len(out.Indices))
	}
	return out
}
