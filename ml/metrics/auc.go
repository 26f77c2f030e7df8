package metrics

import (
	"math"
	"sort"
)

// oneVsRestAUC is the ROC-AUC of class c against all others, scored by
// prob[i][c]. It uses the Mann–Whitney rank statistic
//
//	AUC = (R₊ − n₊(n₊+1)/2) / (n₊·n₋)
//
// where R₊ is the sum of the ranks of the positives and tied scores get
// their average (mid) rank, so a tie between a positive and a negative
// counts one half — the same value as the area under the ROC curve with
// ties drawn as diagonal segments (scikit-learn's roc_auc_score). NaN when
// there are no positives or no negatives.
func oneVsRestAUC(yTrue []int, prob [][]float64, c int) float64 {
	n := len(yTrue)
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return prob[idx[a]][c] < prob[idx[b]][c] })

	var rankSumPos float64
	pos := 0
	for i := 0; i < n; {
		// Find the run of tied scores [i, j) and give each its mid rank.
		j := i + 1
		for j < n && prob[idx[j]][c] == prob[idx[i]][c] {
			j++
		}
		midRank := float64(i+1+j) / 2 // ranks are 1-based: (i+1 + j) / 2
		for _, e := range idx[i:j] {
			if yTrue[e] == c {
				rankSumPos += midRank
				pos++
			}
		}
		i = j
	}
	neg := n - pos
	if pos == 0 || neg == 0 {
		return math.NaN()
	}
	return (rankSumPos - float64(pos)*float64(pos+1)/2) / (float64(pos) * float64(neg))
}
