// Package metrics measures how well a severity classifier agrees with the
// analysts' labels: accuracy, per-class and averaged F1, log loss,
// calibration (ECE), one-vs-rest ROC-AUC, the critical+high triage group, and
// inter-rater agreement (Cohen's kappa, Krippendorff's alpha).
//
// Classes are indices into a caller-supplied name list. By the workbench's
// convention classes 0 and 1 are "critical" and "high"; the CriticalHigh*
// fields treat them as one positive group because that is the triage
// decision an analyst acts on.
//
// Conventions follow scikit-learn where it has one, so numbers can be checked
// against it: precision/recall/F1 of a class that is never predicted (or
// never present) are 0, and macro/weighted averages run over every class in
// the list, including classes with no support.
package metrics

import (
	"fmt"
	"math"
)

// ClassMetrics is the one-vs-rest view of a single class.
type ClassMetrics struct {
	Class     string  `json:"class"`
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
	Support   int     `json:"support"` // number of true examples of the class
}

// Report is the evaluation of one set of predictions against true labels.
// Quantities that are undefined for the data (no probabilities, a class with
// no positives for AUC, an empty critical+high group) are NaN.
type Report struct {
	Classes    []string `json:"classes"`
	N          int      `json:"n"`
	Accuracy   float64  `json:"accuracy"`
	MacroF1    float64  `json:"macro_f1"`
	WeightedF1 float64  `json:"weighted_f1"`
	// LogLoss is the mean negative log-likelihood of the true class
	// (natural log), with probabilities clipped to [eps, 1-eps] as
	// scikit-learn's log_loss does.
	LogLoss float64 `json:"log_loss"`
	// ECE is the top-label expected calibration error over 15 equal-width
	// confidence bins (Guo et al. 2017, "On Calibration of Modern Neural
	// Networks").
	ECE      float64        `json:"ece"`
	PerClass []ClassMetrics `json:"per_class"`
	// Confusion[t][p] counts examples of true class t predicted as p.
	Confusion [][]int `json:"confusion"`
	// AUC is the one-vs-rest ROC-AUC of each class, NaN when the class has
	// no positives or no negatives in yTrue.
	AUC []float64 `json:"auc"`
	// Critical+high group (classes 0 and 1): precision and recall of
	// predicting "critical or high", and the false-positive rate: the
	// fraction of true medium/low/informational documents predicted as
	// critical or high.
	CriticalHighPrecision float64 `json:"critical_high_precision"`
	CriticalHighFPR       float64 `json:"critical_high_fpr"`
	CriticalHighRecall    float64 `json:"critical_high_recall"`
}

// eceBins is the number of equal-width confidence bins for ECE; 15 is the
// value used by Guo et al. (2017) and most later calibration work.
const eceBins = 15

// Evaluate scores class probabilities against true labels. The predicted
// class of a row is its argmax (the first one on ties, as numpy.argmax).
// prob[i] must have len(classes) entries. Evaluate panics if the lengths
// disagree or a label is outside [0, len(classes)) — those are programming
// errors, not data conditions.
func Evaluate(classes []string, yTrue []int, prob [][]float64) Report {
	k := len(classes)
	if len(prob) != len(yTrue) {
		panic(fmt.Sprintf("metrics: %d labels but %d probability rows", len(yTrue), len(prob)))
	}
	yPred := make([]int, len(prob))
	for i, row := range prob {
		if len(row) != k {
			panic(fmt.Sprintf("metrics: probability row %d has %d entries, want %d", i, len(row), k))
		}
		yPred[i] = argmax(row)
	}
	r := EvaluatePred(classes, yTrue, yPred)
	r.LogLoss = logLoss(yTrue, prob)
	r.ECE = expectedCalibrationError(yTrue, yPred, prob, eceBins)
	for c := range k {
		r.AUC[c] = oneVsRestAUC(yTrue, prob, c)
	}
	return r
}

// EvaluatePred scores hard predictions against true labels. LogLoss, ECE and
// AUC need probabilities and are NaN. It panics on mismatched lengths or
// labels outside [0, len(classes)).
func EvaluatePred(classes []string, yTrue, yPred []int) Report {
	k := len(classes)
	if len(yTrue) != len(yPred) {
		panic(fmt.Sprintf("metrics: %d true labels but %d predictions", len(yTrue), len(yPred)))
	}
	conf := make([][]int, k)
	for c := range conf {
		conf[c] = make([]int, k)
	}
	for i := range yTrue {
		checkLabel(yTrue[i], k)
		checkLabel(yPred[i], k)
		conf[yTrue[i]][yPred[i]]++
	}

	n := len(yTrue)
	r := Report{
		Classes:   append([]string(nil), classes...),
		N:         n,
		Confusion: conf,
		LogLoss:   math.NaN(),
		ECE:       math.NaN(),
		AUC:       make([]float64, k),
		PerClass:  make([]ClassMetrics, k),
	}
	for c := range r.AUC {
		r.AUC[c] = math.NaN()
	}

	correct := 0
	for c := range k {
		correct += conf[c][c]
	}
	r.Accuracy = ratio(correct, n)

	var macro, weighted float64
	for c := range k {
		tp := conf[c][c]
		support, predicted := 0, 0
		for o := range k {
			support += conf[c][o]
			predicted += conf[o][c]
		}
		m := ClassMetrics{
			Class:     classes[c],
			Precision: zeroIfUndefined(tp, predicted),
			Recall:    zeroIfUndefined(tp, support),
			Support:   support,
		}
		if m.Precision+m.Recall > 0 {
			m.F1 = 2 * m.Precision * m.Recall / (m.Precision + m.Recall)
		}
		r.PerClass[c] = m
		macro += m.F1
		weighted += m.F1 * float64(support)
	}
	if k > 0 {
		r.MacroF1 = macro / float64(k)
	} else {
		r.MacroF1 = math.NaN()
	}
	r.WeightedF1 = weighted / float64(n)
	if n == 0 {
		r.WeightedF1 = math.NaN()
	}

	r.CriticalHighPrecision, r.CriticalHighRecall, r.CriticalHighFPR = criticalHigh(conf)
	return r
}

// criticalHigh collapses the confusion matrix to "critical or high" (classes
// 0 and 1) versus the rest and returns precision, recall and false-positive
// rate of that binary decision. A confusion between critical and high still
// counts as a hit: both send the document to the top of the queue.
func criticalHigh(conf [][]int) (precision, recall, fpr float64) {
	k := len(conf)
	group := min(2, k)
	var tp, fp, fn, tn int
	for t := range k {
		for p := range k {
			truePos, predPos := t < group, p < group
			switch {
			case truePos && predPos:
				tp += conf[t][p]
			case !truePos && predPos:
				fp += conf[t][p]
			case truePos && !predPos:
				fn += conf[t][p]
			default:
				tn += conf[t][p]
			}
		}
	}
	return ratio(tp, tp+fp), ratio(tp, tp+fn), ratio(fp, fp+tn)
}

// logLoss is the mean cross-entropy of the true class. Probabilities are
// clipped to [eps, 1-eps] with eps the float64 machine epsilon, matching
// scikit-learn's log_loss, so a confident mistake costs ~36 nats, not +Inf.
func logLoss(yTrue []int, prob [][]float64) float64 {
	if len(yTrue) == 0 {
		return math.NaN()
	}
	const eps = 0x1p-52
	var sum float64
	for i, y := range yTrue {
		p := min(max(prob[i][y], eps), 1-eps)
		sum -= math.Log(p)
	}
	return sum / float64(len(yTrue))
}

// expectedCalibrationError is top-label ECE: examples are binned by their
// confidence (the largest probability) into equal-width bins (lo, hi] over
// [0, 1], and ECE = Σ_b |B_b|/n · |accuracy(B_b) − mean confidence(B_b)|.
func expectedCalibrationError(yTrue, yPred []int, prob [][]float64, bins int) float64 {
	n := len(yTrue)
	if n == 0 {
		return math.NaN()
	}
	count := make([]int, bins)
	hits := make([]float64, bins)
	confSum := make([]float64, bins)
	for i, row := range prob {
		c := row[yPred[i]]
		// Bin b covers (b/bins, (b+1)/bins]; confidence 0 joins bin 0.
		b := int(math.Ceil(c*float64(bins))) - 1
		b = min(max(b, 0), bins-1)
		count[b]++
		confSum[b] += c
		if yPred[i] == yTrue[i] {
			hits[b]++
		}
	}
	var ece float64
	for b := range bins {
		if count[b] == 0 {
			continue
		}
		m := float64(count[b])
		ece += m / float64(n) * math.Abs(hits[b]/m-confSum[b]/m)
	}
	return ece
}

func argmax(row []float64) int {
	best := 0
	for i, v := range row {
		if v > row[best] {
			best = i
		}
	}
	return best
}

func checkLabel(y, k int) {
	if y < 0 || y >= k {
		panic(fmt.Sprintf("metrics: label %d outside [0, %d)", y, k))
	}
}

// ratio is num/den, NaN when den is 0 (the quantity is undefined).
func ratio(num, den int) float64 {
	if den == 0 {
		return math.NaN()
	}
	return float64(num) / float64(den)
}

// zeroIfUndefined is num/den with scikit-learn's zero_division=0 convention.
func zeroIfUndefined(num, den int) float64 {
	if den == 0 {
		return 0
	}
	return float64(num) / float64(den)
}
