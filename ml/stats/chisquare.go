package stats

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/stat/distuv"
)

// ChiSquareTest is Pearson's chi-square test of independence (homogeneity)
// on a contingency table of counts: expected counts are rowSum·colSum/total,
//
//	χ² = Σ (O − E)² / E,   dof = (r − 1)(c − 1),
//
// and p = P(χ²_dof ≥ stat). No Yates continuity correction is applied, so
// the result equals scipy.stats.chi2_contingency(observed, correction=False).
// Rows and columns that are all zero carry no information and are dropped
// before counting degrees of freedom (scipy would refuse the table). With no
// degrees of freedom left the table cannot show a difference: stat 0, p 1.
// Negative or NaN counts give NaN. Ragged rows panic.
func ChiSquareTest(observed [][]float64) (stat, p float64, dof int) {
	if len(observed) == 0 {
		return 0, 1, 0
	}
	cols := len(observed[0])
	rowSum := make([]float64, len(observed))
	colSum := make([]float64, cols)
	var total float64
	for i, row := range observed {
		if len(row) != cols {
			panic(fmt.Sprintf("stats: contingency row %d has %d columns, want %d", i, len(row), cols))
		}
		for j, v := range row {
			if v < 0 || math.IsNaN(v) {
				return math.NaN(), math.NaN(), 0
			}
			rowSum[i] += v
			colSum[j] += v
			total += v
		}
	}
	r := countNonZero(rowSum)
	c := countNonZero(colSum)
	if r < 2 || c < 2 {
		return 0, 1, 0
	}
	dof = (r - 1) * (c - 1)
	for i, row := range observed {
		if rowSum[i] == 0 {
			continue
		}
		for j, o := range row {
			if colSum[j] == 0 {
				continue
			}
			e := rowSum[i] * colSum[j] / total
			stat += (o - e) * (o - e) / e
		}
	}
	return stat, chiSquareSurvival(stat, dof), dof
}

// ChiSquareCounts is the categorical drift test Evidently calls "chisquare":
// a goodness-of-fit test of the current category counts against the
// reference counts rescaled to the current sample size,
//
//	E_c = ref_c · n_cur / n_ref,   χ² = Σ_c (cur_c − E_c)² / E_c,   dof = k − 1,
//
// over the k categories seen in either window (scipy.stats.chisquare(f_obs,
// f_exp)). A category that appears only in the current window has E_c = 0,
// so χ² = +Inf and p = 0: a never-before-seen value is certain drift. Either
// window being empty gives NaN; a single category gives stat 0, p 1.
// Categories are summed in sorted order so the result does not depend on map
// iteration order.
func ChiSquareCounts(ref, cur map[string]int) (stat, p float64, dof int) {
	var keys []string
	var nRef, nCur float64
	seen := map[string]bool{}
	for _, m := range []map[string]int{ref, cur} {
		for k, v := range m {
			if v < 0 {
				return math.NaN(), math.NaN(), 0
			}
			if v > 0 && !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	for _, v := range ref {
		nRef += float64(v)
	}
	for _, v := range cur {
		nCur += float64(v)
	}
	if nRef == 0 || nCur == 0 {
		return math.NaN(), math.NaN(), 0
	}
	slices.Sort(keys)
	dof = len(keys) - 1
	if dof < 1 {
		return 0, 1, 0
	}
	scale := nCur / nRef
	for _, k := range keys {
		o := float64(cur[k])
		e := float64(ref[k]) * scale
		if e == 0 {
			return math.Inf(1), 0, dof
		}
		stat += (o - e) * (o - e) / e
	}
	return stat, chiSquareSurvival(stat, dof), dof
}

func chiSquareSurvival(stat float64, dof int) float64 {
	return distuv.ChiSquared{K: float64(dof)}.Survival(stat)
}

func countNonZero(v []float64) int {
	n := 0
	for _, x := range v {
		if x != 0 {
			n++
		}
	}
	return n
}
