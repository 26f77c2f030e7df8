// Package gbdt trains gradient-boosted decision trees for multiclass
// classification (softmax) on sparse feature matrices, with LightGBM's
// semantics: histogram-based split finding, leaf-wise (best-first) growth,
// shrinkage folded into leaf values, and the result written in LightGBM's
// own tree layout (ml/lgbm) so that LightGBM, leaves and ml/lgbm all score
// it identically.
//
// References: Ke et al., "LightGBM: A Highly Efficient Gradient Boosting
// Decision Tree", NeurIPS 2017 (histograms, leaf-wise growth, histogram
// subtraction); Chen & Guestrin, "XGBoost: A Scalable Tree Boosting System",
// KDD 2016, section 2.2 (second-order gain and leaf weights) and section 3.4
// (sparsity-aware split finding: only non-zero entries are visited).
package gbdt

import (
	"fmt"
	"math"
)

// Matrix is a sparse feature matrix in compressed sparse row (CSR) form:
// row i holds the entries Indices[Indptr[i]:Indptr[i+1]] with values
// Values[Indptr[i]:Indptr[i+1]]. Absent entries are zero. Column indices
// inside a row need not be sorted but must not repeat.
type Matrix struct {
	NumCols int
	Indptr  []int
	Indices []int32
	Values  []float64
}

// NumRows is the number of rows (documents) in the matrix.
func (m *Matrix) NumRows() int {
	if len(m.Indptr) == 0 {
		return 0
	}
	return len(m.Indptr) - 1
}

// Row returns the column indices and values of row i's stored entries.
func (m *Matrix) Row(i int) ([]int32, []float64) {
	lo, hi := m.Indptr[i], m.Indptr[i+1]
	return m.Indices[lo:hi], m.Values[lo:hi]
}

// validate checks the CSR invariants the trainer relies on: monotone row
// pointers, in-range and non-repeated columns, and finite values (the
// trainer writes splits with missing type "None", so NaN has no meaning).
func (m *Matrix) validate() error {
	if m.NumCols < 0 {
		return fmt.Errorf("negative column count %d", m.NumCols)
	}
	if len(m.Indptr) == 0 {
		return fmt.Errorf("empty row pointer (need NumRows+1 entries)")
	}
	if m.Indptr[0] != 0 {
		return fmt.Errorf("row pointer starts at %d, want 0", m.Indptr[0])
	}
	nnz := m.Indptr[len(m.Indptr)-1]
	if nnz != len(m.Indices) || nnz != len(m.Values) {
		return fmt.Errorf("row pointer ends at %d but there are %d indices and %d values", nnz, len(m.Indices), len(m.Values))
	}
	if nnz > math.MaxInt32 {
		return fmt.Errorf("%d stored entries exceed the trainer's limit of %d", nnz, math.MaxInt32)
	}
	seen := make([]int, m.NumCols) // row+1 of the last row that used each column
	for i := 0; i+1 < len(m.Indptr); i++ {
		lo, hi := m.Indptr[i], m.Indptr[i+1]
		if hi < lo {
			return fmt.Errorf("row %d: row pointer decreases (%d > %d)", i, lo, hi)
		}
		for e := lo; e < hi; e++ {
			c := int(m.Indices[e])
			if c < 0 || c >= m.NumCols {
				return fmt.Errorf("row %d: column %d out of range [0,%d)", i, c, m.NumCols)
			}
			if seen[c] == i+1 {
				return fmt.Errorf("row %d: column %d stored twice", i, c)
			}
			seen[c] = i + 1
			if v := m.Values[e]; math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("row %d column %d: value %v is not finite", i, c, v)
			}
		}
	}
	return nil
}
