package metrics

import (
	"math"
	"sort"
)

// Binary is how well scores rank and probabilities estimate a rare yes/no
// event (a vulnerability listed as exploited): the figures a patch meeting
// reads, where the top of the list is what gets acted on.
type Binary struct {
	N         int     `json:"n"`
	Positives int     `json:"positives"`
	ROCAUC    float64 `json:"roc_auc"`
	// PRAUC is average precision (scikit-learn's average_precision_score):
	// Σ (Rₖ − Rₖ₋₁)·Pₖ over the distinct score thresholds, the area under
	// the precision–recall curve without interpolation.
	PRAUC float64 `json:"pr_auc"`
	// PrecisionAt50 and PrecisionAt100 are the shares of positives among the
	// 50 and 100 highest scores (ties broken by input order).
	PrecisionAt50  float64 `json:"precision_at_50"`
	PrecisionAt100 float64 `json:"precision_at_100"`
	// RankingOnly says the scores were a ranking, not probabilities: ECE,
	// Brier and MeanProbability are then 0, not measured.
	RankingOnly bool `json:"ranking_only,omitempty"`
	// ECE is the calibration error of the probabilities (BinaryECE, ten
	// bins).
	ECE float64 `json:"ece"`
	// Brier is the mean squared error of the probabilities.
	Brier float64 `json:"brier"`
	// MeanProbability beside the positive share says whether the model
	// over- or under-states the event on the whole.
	MeanProbability float64 `json:"mean_probability"`
	PositiveShare   float64 `json:"positive_share"`
}

// EvaluateBinary measures scores against yes/no outcomes. probabilities
// says whether the scores are probabilities (ECE, Brier and the mean are
// computed) or only a ranking (RankingOnly). ROC-AUC and PR-AUC are NaN
// without positives (or, for ROC-AUC, negatives).
func EvaluateBinary(y []bool, score []float64, probabilities bool) Binary {
	b := Binary{N: len(y), ROCAUC: BinaryAUC(y, score), PRAUC: AveragePrecision(y, score),
		PrecisionAt50: PrecisionAtK(y, score, 50), PrecisionAt100: PrecisionAtK(y, score, 100),
		RankingOnly: !probabilities}
	for _, v := range y {
		if v {
			b.Positives++
		}
	}
	if b.N > 0 {
		b.PositiveShare = float64(b.Positives) / float64(b.N)
	}
	if probabilities && b.N > 0 {
		b.ECE = BinaryECE(y, score, 10)
		var brier, mean float64
		for i, p := range score {
			t := 0.0
			if y[i] {
				t = 1
			}
			brier += (p - t) * (p - t)
			mean += p
		}
		b.Brier, b.MeanProbability = brier/float64(b.N), mean/float64(b.N)
	}
	return b
}

// BinaryAUC is the ROC-AUC of score for the positives of y (ties count one
// half, as oneVsRestAUC); NaN without positives or negatives.
func BinaryAUC(y []bool, score []float64) float64 {
	yi := make([]int, len(y))
	prob := make([][]float64, len(y))
	for i := range y {
		if y[i] {
			yi[i] = 1
		}
		prob[i] = []float64{0, score[i]}
	}
	return oneVsRestAUC(yi, prob, 1)
}

// byScore returns the indices of score from the highest score down, ties
// in input order.
func byScore(score []float64) []int {
	idx := make([]int, len(score))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return score[idx[a]] > score[idx[b]] })
	return idx
}

// AveragePrecision is Σ (Rₖ − Rₖ₋₁)·Pₖ over the distinct thresholds of
// score, highest first: tied scores enter the ranking together, as in
// scikit-learn's average_precision_score. NaN without positives.
func AveragePrecision(y []bool, score []float64) float64 {
	idx := byScore(score)
	total := 0
	for _, v := range y {
		if v {
			total++
		}
	}
	if total == 0 {
		return math.NaN()
	}
	var ap float64
	tp, seen, prevRecall := 0, 0, 0.0
	for i := 0; i < len(idx); {
		j := i
		for j < len(idx) && score[idx[j]] == score[idx[i]] {
			if y[idx[j]] {
				tp++
			}
			j++
		}
		seen += j - i
		recall := float64(tp) / float64(total)
		ap += (recall - prevRecall) * float64(tp) / float64(seen)
		prevRecall = recall
		i = j
	}
	return ap
}

// PrecisionAtK is the share of positives among the k highest scores (all
// of them when there are fewer than k); NaN for no scores.
func PrecisionAtK(y []bool, score []float64, k int) float64 {
	idx := byScore(score)
	k = min(k, len(idx))
	if k <= 0 {
		return math.NaN()
	}
	hits := 0
	for _, i := range idx[:k] {
		if y[i] {
			hits++
		}
	}
	return float64(hits) / float64(k)
}

// BinaryECE is the expected calibration error of the probabilities p of a
// yes/no event: the probabilities are binned into equal-width bins
// (lo, hi] over [0, 1] and ECE = Σ_b |B_b|/n · |share of yes(B_b) − mean
// p(B_b)| (Naeini et al., AAAI 2015, on the event's own probability).
func BinaryECE(y []bool, p []float64, bins int) float64 {
	n := len(y)
	if n == 0 || bins < 1 {
		return math.NaN()
	}
	count := make([]int, bins)
	yes := make([]float64, bins)
	sum := make([]float64, bins)
	for i, v := range p {
		b := min(max(int(math.Ceil(v*float64(bins)))-1, 0), bins-1)
		count[b]++
		sum[b] += v
		if y[i] {
			yes[b]++
		}
	}
	var ece float64
	for b := range bins {
		if count[b] > 0 {
			m := float64(count[b])
			ece += m / float64(n) * math.Abs(yes[b]/m-sum[b]/m)
		}
	}
	return ece
}
