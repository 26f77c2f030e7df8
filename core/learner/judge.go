package learner

import (
	"fmt"
	"math"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/model"
	"github.com/cyberstreams/cyberstreams/core/scoring"
	"github.com/cyberstreams/cyberstreams/core/training"
	"github.com/cyberstreams/cyberstreams/ml/metrics"
	"github.com/cyberstreams/cyberstreams/ml/stats"
)

// Judgement is a candidate judged against the champion on the same
// held-out labels: both models' scores, the paired bootstrap interval on
// the difference, and the verdict with its reason in words.
type Judgement struct {
	Champion  string `json:"champion"`
	Candidate string `json:"candidate"`
	Metric    string `json:"metric"`
	// N held-out labels (MinN needed to judge at all).
	N    int `json:"n"`
	MinN int `json:"min_n"`
	// Scores in Metric on the held-out labels (zero when N < MinN).
	ChampionScore  float64 `json:"champion_score"`
	CandidateScore float64 `json:"candidate_score"`
	// Difference is candidate − champion, with its interval and p-value.
	Difference stats.Interval `json:"difference"`
	Margin     float64        `json:"margin"`
	// Full reports of both models on the held-out labels.
	ChampionReport  *metrics.Report `json:"champion_report,omitempty"`
	CandidateReport *metrics.Report `json:"candidate_report,omitempty"`
	// Better: the candidate may replace the champion.
	Better bool `json:"better"`
	// Summary states the numbers, Conclusion what follows from them;
	// Reason is both in one sentence.
	Summary    string `json:"summary"`
	Conclusion string `json:"conclusion"`
	Reason     string `json:"reason"`
}

// Judge scores champion and candidate, with the workspace's knowledge, on
// the same held-out labelled documents (which neither may have trained on) and decides whether the
// candidate is better: at least cfg.MinHoldout labels, a positive
// difference in cfg.Metric, and a one-sided lower confidence bound on it
// (paired bootstrap at cfg.Confidence, cfg.Resamples resamples, seeded by
// cfg.Seed) above −cfg.Margin — a one-sided test of "the candidate is no
// better" at level 1 − cfg.Confidence.
// The same inputs give the same judgement.
func Judge(know scoring.Knowledge, champ, cand *model.Bundle, hold []document.Document, cfg Config) Judgement {
	j := Judgement{Champion: versionOf(champ), Candidate: versionOf(cand), Metric: cfg.Metric,
		N: len(hold), MinN: cfg.MinHoldout, Margin: cfg.Margin}
	if len(hold) < cfg.MinHoldout || len(hold) == 0 {
		j.Summary = fmt.Sprintf("only %d held-out labels that neither model trained on; a judgement needs at least %d (learner setting min_holdout)",
			len(hold), cfg.MinHoldout)
		j.Conclusion = j.Champion + " is kept"
		j.Reason = j.Summary + ": " + j.Conclusion
		return j
	}
	y, champPred, champRep := decisions(know, champ, hold)
	_, candPred, candRep := decisions(know, cand, hold)
	j.ChampionReport, j.CandidateReport = &champRep, &candRep
	j.ChampionScore, j.CandidateScore = pickMetric(champRep, cfg.Metric), pickMetric(candRep, cfg.Metric)
	j.Difference = stats.PairedBootstrap(len(hold), pairedGap(y, champPred, candPred, cfg.Metric),
		cfg.Resamples, cfg.Confidence, uint64(cfg.Seed))
	d := j.Difference
	j.Better = d.Estimate > 0 && d.Low > -cfg.Margin
	j.Summary = fmt.Sprintf("%s on %d held-out labels: champion %s %.4f, candidate %s %.4f; difference %+.4f, %s",
		cfg.Metric, j.N, j.Champion, j.ChampionScore, j.Candidate, j.CandidateScore, d.Estimate, describeInterval(d))
	switch {
	case j.Better && cfg.Margin > 0:
		j.Conclusion = fmt.Sprintf("better: the lower bound stays above the margin −%.4f", cfg.Margin)
	case j.Better:
		j.Conclusion = "better: the lower bound is above zero"
	case d.Estimate <= 0:
		j.Conclusion = "the candidate is not better; " + j.Champion + " is kept"
	default:
		j.Conclusion = fmt.Sprintf("the gain is not clear (the lower bound is %+.4f); %s is kept", d.Low, j.Champion)
	}
	j.Reason = j.Summary + ": " + j.Conclusion
	return j
}

// describeInterval states a bootstrap difference's bounds and p-value.
func describeInterval(d stats.Interval) string {
	return fmt.Sprintf("one-sided %.0f%% lower bound %+.4f (%.0f%% interval [%+.4f, %+.4f]), p = %.4f (paired bootstrap, %d resamples, seed %d)",
		100*d.Confidence, d.Low, 100*(2*d.Confidence-1), d.Low, d.High, d.P, d.Resamples, d.Seed)
}

func versionOf(b *model.Bundle) string {
	if b.Card.Version == "" {
		return model.DefaultRef
	}
	return b.Card.Version
}

func pickMetric(r metrics.Report, metric string) float64 {
	if metric == "accuracy" {
		return r.Accuracy
	}
	return r.MacroF1
}

// decisions scores labelled documents with a bundle (its class offsets
// included where scoring applies them, training.OffsetsFor) and returns the true classes, the decided ones and the report.
func decisions(know scoring.Knowledge, b *model.Bundle, docs []document.Document) (y, pred []int, r metrics.Report) {
	fz := know.Featurizer(b.Spec)
	x, y := training.Matrix(fz, docs)
	prob := training.Probabilities(b.Trees, x)
	bias := training.Offsets(fz, docs)
	pred = make([]int, len(y))
	for i := range y {
		pred[i] = training.Decide(prob[i], bias[i])
	}
	// The report's probabilities are the shown ones, offsets folded in
	// (training.Fold), whose arg-max is pred.
	return y, pred, training.EvaluateEach(y, prob, bias)
}

// pairedGap is the statistic the bootstrap resamples: the candidate's
// metric minus the champion's on the same resampled documents.
func pairedGap(y, champ, cand []int, metric string) func(idx []int) float64 {
	var a, b [5][5]int // confusion counts, rows true, columns decided
	return func(idx []int) float64 {
		a, b = [5][5]int{}, [5][5]int{}
		for _, i := range idx {
			a[y[i]][champ[i]]++
			b[y[i]][cand[i]]++
		}
		return confusionMetric(&b, metric) - confusionMetric(&a, metric)
	}
}

// confusionMetric is accuracy or macro-F1 of a confusion matrix, as
// metrics.EvaluatePred computes them (an undefined F1 counts as 0).
func confusionMetric(c *[5][5]int, metric string) float64 {
	var n, right int
	var f1 float64
	for k := range 5 {
		support, predicted := 0, 0
		for o := range 5 {
			support += c[k][o]
			predicted += c[o][k]
		}
		n += support
		tp := c[k][k]
		right += tp
		if tp > 0 {
			p, r := float64(tp)/float64(predicted), float64(tp)/float64(support)
			f1 += 2 * p * r / (p + r)
		}
	}
	if n == 0 {
		return math.NaN()
	}
	if metric == "accuracy" {
		return float64(right) / float64(n)
	}
	return f1 / 5
}
