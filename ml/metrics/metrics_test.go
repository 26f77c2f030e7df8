package metrics

import (
	"math"
	"testing"
)

var severities = []string{"critical", "high", "medium", "low", "informational"}

// fixture is a 12-document, 5-class example. Its expected values were
// computed once with scikit-learn 1.9.1 (python3 -m pip install
// scikit-learn) by:
//
//	pred = P.argmax(1)
//	accuracy_score(y, pred); f1_score(y, pred, average='macro'|'weighted', labels=range(5))
//	log_loss(y, P, labels=range(5))
//	precision_recall_fscore_support(y, pred, labels=range(5), zero_division=0)
//	[roc_auc_score(y == c, P[:, c]) for c in range(5)]
//	confusion_matrix(y, pred, labels=range(5))
//
// Row 10's "low" score (0.30) ties row 9's, so class 3's AUC exercises the
// mid-rank tie rule.
var (
	fixtureY = []int{0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 4, 4}
	fixtureP = [][]float64{
		{0.70, 0.10, 0.10, 0.05, 0.05},
		{0.30, 0.40, 0.20, 0.05, 0.05},
		{0.10, 0.60, 0.20, 0.05, 0.05},
		{0.20, 0.50, 0.20, 0.05, 0.05},
		{0.05, 0.15, 0.60, 0.10, 0.10},
		{0.05, 0.10, 0.70, 0.10, 0.05},
		{0.10, 0.20, 0.40, 0.20, 0.10},
		{0.05, 0.05, 0.30, 0.50, 0.10},
		{0.05, 0.05, 0.10, 0.60, 0.20},
		{0.05, 0.05, 0.20, 0.30, 0.40},
		{0.02, 0.03, 0.05, 0.30, 0.60},
		{0.10, 0.10, 0.10, 0.20, 0.50},
	}
)

func TestEvaluateMatchesScikitLearn(t *testing.T) {
	r := Evaluate(severities, fixtureY, fixtureP)

	scalars := []struct {
		name      string
		got, want float64
	}{
		{"accuracy", r.Accuracy, 0.6666666666666666},
		{"macro F1", r.MacroF1, 0.6599999999999999},
		{"weighted F1", r.WeightedF1, 0.6611111111111111},
		{"log loss", r.LogLoss, 0.838120854169431},
		// Hand-computed: confidences 0.4 (3 docs, 1 right), 0.5 (3, 2 right),
		// 0.6 (4, 3 right), 0.7 (2, 2 right) each fill one 1/15-wide bin:
		// (3·|1/3−0.4| + 3·|2/3−0.5| + 4·|0.75−0.6| + 2·|1−0.7|)/12 = 1.9/12.
		{"ECE", r.ECE, 1.9 / 12},
		// Hand-computed: true critical/high are docs 0–4, predicted
		// 0,1,1,1,2 → TP 4, FN 1; docs 5–11 are predicted 2,2,3,3,4,4,4 →
		// FP 0, TN 7.
		{"critical+high precision", r.CriticalHighPrecision, 1},
		{"critical+high recall", r.CriticalHighRecall, 0.8},
		{"critical+high FPR", r.CriticalHighFPR, 0},
	}
	for _, s := range scalars {
		if !approx(s.got, s.want) {
			t.Errorf("%s = %.17g, want %.17g", s.name, s.got, s.want)
		}
	}
	if r.N != 12 {
		t.Errorf("N = %d, want 12", r.N)
	}

	wantPrec := []float64{1, 2.0 / 3, 2.0 / 3, 0.5, 2.0 / 3}
	wantRec := []float64{0.5, 2.0 / 3, 2.0 / 3, 0.5, 1}
	wantF1 := []float64{2.0 / 3, 2.0 / 3, 2.0 / 3, 0.5, 0.8}
	wantSupport := []int{2, 3, 3, 2, 2}
	wantAUC := []float64{1, 0.9259259259259259, 0.9259259259259259, 0.9249999999999999, 1}
	for c, m := range r.PerClass {
		if m.Class != severities[c] || m.Support != wantSupport[c] ||
			!approx(m.Precision, wantPrec[c]) || !approx(m.Recall, wantRec[c]) || !approx(m.F1, wantF1[c]) {
			t.Errorf("class %d = %+v, want P %.4f R %.4f F1 %.4f support %d",
				c, m, wantPrec[c], wantRec[c], wantF1[c], wantSupport[c])
		}
		if !approx(r.AUC[c], wantAUC[c]) {
			t.Errorf("AUC[%s] = %.17g, want %.17g", severities[c], r.AUC[c], wantAUC[c])
		}
	}

	wantConf := [][]int{{1, 1, 0, 0, 0}, {0, 2, 1, 0, 0}, {0, 0, 2, 1, 0}, {0, 0, 0, 1, 1}, {0, 0, 0, 0, 2}}
	for i := range wantConf {
		for j := range wantConf[i] {
			if r.Confusion[i][j] != wantConf[i][j] {
				t.Fatalf("confusion = %v, want %v", r.Confusion, wantConf)
			}
		}
	}
}

func TestEvaluatePredHasNoProbabilityMetrics(t *testing.T) {
	pred := []int{0, 1, 1, 1, 2, 2, 2, 3, 3, 4, 4, 4}
	r := EvaluatePred(severities, fixtureY, pred)
	if !math.IsNaN(r.LogLoss) || !math.IsNaN(r.ECE) {
		t.Errorf("LogLoss %v ECE %v, want NaN without probabilities", r.LogLoss, r.ECE)
	}
	for c, a := range r.AUC {
		if !math.IsNaN(a) {
			t.Errorf("AUC[%d] = %v, want NaN without probabilities", c, a)
		}
	}
	if full := Evaluate(severities, fixtureY, fixtureP); r.MacroF1 != full.MacroF1 || r.Accuracy != full.Accuracy {
		t.Errorf("hard-prediction report disagrees with argmax of probabilities: %v/%v vs %v/%v",
			r.MacroF1, r.Accuracy, full.MacroF1, full.Accuracy)
	}
}

func TestCriticalHigh(t *testing.T) {
	tests := []struct {
		name                  string
		yTrue, yPred          []int
		precision, recall, fp float64
	}{
		// critical predicted as high still counts as a hit for the group.
		{"within-group swap is a hit", []int{0, 1, 2}, []int{1, 0, 2}, 1, 1, 0},
		{"one false alarm", []int{0, 2, 3, 4}, []int{0, 1, 3, 4}, 0.5, 1, 1.0 / 3},
		{"missed high", []int{1, 1, 2, 2}, []int{1, 3, 2, 2}, 1, 0.5, 0},
		{"never predicted: precision undefined", []int{0, 2}, []int{2, 2}, math.NaN(), 0, 0},
		{"no negatives: FPR undefined", []int{0, 1}, []int{0, 1}, 1, 1, math.NaN()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := EvaluatePred(severities, tt.yTrue, tt.yPred)
			if !approx(r.CriticalHighPrecision, tt.precision) || !approx(r.CriticalHighRecall, tt.recall) || !approx(r.CriticalHighFPR, tt.fp) {
				t.Errorf("precision %v recall %v FPR %v, want %v %v %v",
					r.CriticalHighPrecision, r.CriticalHighRecall, r.CriticalHighFPR, tt.precision, tt.recall, tt.fp)
			}
		})
	}
}

func TestAUC(t *testing.T) {
	binary := []string{"critical", "high"}
	tests := []struct {
		name   string
		yTrue  []int
		scores []float64 // probability of class 0
		want   float64
	}{
		{"perfect", []int{0, 0, 1, 1}, []float64{0.9, 0.8, 0.2, 0.1}, 1},
		{"reversed", []int{0, 0, 1, 1}, []float64{0.1, 0.2, 0.8, 0.9}, 0},
		// Pairs (pos, neg): (0.8,0.4)=1 (0.8,0.1)=1 (0.4,0.4)=½ (0.4,0.1)=1 → 3.5/4.
		{"one tie across classes", []int{0, 0, 1, 1}, []float64{0.8, 0.4, 0.4, 0.1}, 0.875},
		{"all tied", []int{0, 1, 0, 1}, []float64{0.5, 0.5, 0.5, 0.5}, 0.5},
		{"no negatives", []int{0, 0}, []float64{0.3, 0.6}, math.NaN()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prob := make([][]float64, len(tt.scores))
			for i, s := range tt.scores {
				prob[i] = []float64{s, 1 - s}
			}
			r := Evaluate(binary, tt.yTrue, prob)
			if !approx(r.AUC[0], tt.want) {
				t.Errorf("AUC = %v, want %v", r.AUC[0], tt.want)
			}
		})
	}
}

func TestLogLossClipsCertainMistakes(t *testing.T) {
	r := Evaluate([]string{"critical", "high"}, []int{0}, [][]float64{{0, 1}})
	// −ln(2⁻⁵²) = 52·ln 2: finite, as scikit-learn's clipping gives.
	if want := 52 * math.Ln2; !approx(r.LogLoss, want) {
		t.Errorf("LogLoss = %v, want %v", r.LogLoss, want)
	}
}

func TestECEPerfectCalibration(t *testing.T) {
	// Confidence 0.75 on four documents of which three are right: the bin's
	// accuracy equals its confidence, so ECE is 0.
	prob := [][]float64{{0.75, 0.25}, {0.75, 0.25}, {0.75, 0.25}, {0.75, 0.25}}
	r := Evaluate([]string{"critical", "high"}, []int{0, 0, 0, 1}, prob)
	if !approx(r.ECE, 0) {
		t.Errorf("ECE = %v, want 0", r.ECE)
	}
}

func TestEvaluatePanicsOnBadLabel(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("want panic for label outside the class list")
		}
	}()
	EvaluatePred(severities, []int{5}, []int{0})
}

// approx compares with a tolerance for float summation order; NaN equals NaN
// because "undefined" is an expected outcome here.
func approx(got, want float64) bool {
	if math.IsNaN(want) {
		return math.IsNaN(got)
	}
	return math.Abs(got-want) <= 1e-12
}
