package metrics

import (
	"math"
	"testing"
)

// The expected values are scikit-learn's (roc_auc_score,
// average_precision_score) for the same inputs, worked by hand.
func TestBinaryRanking(t *testing.T) {
	for _, c := range []struct {
		name          string
		y             []bool
		score         []float64
		auc, ap, p2   float64
		undefinedAUC  bool
		undefinedPrec bool
	}{
		{name: "perfect", y: []bool{true, false, true, false}, score: []float64{0.9, 0.1, 0.8, 0.2}, auc: 1, ap: 1, p2: 1},
		{name: "reversed", y: []bool{true, false}, score: []float64{0.1, 0.9}, auc: 0, ap: 0.5, p2: 0.5},
		// ranks: 0.8(+) 0.6(−) 0.4(+) 0.2(−): AP = ½·1 + ½·⅔.
		{name: "mixed", y: []bool{false, true, false, true}, score: []float64{0.2, 0.8, 0.6, 0.4}, auc: 0.75, ap: 0.5 + 1.0/3, p2: 0.5},
		// a tie between a positive and a negative enters together: AP = ½.
		{name: "tie", y: []bool{true, false}, score: []float64{0.5, 0.5}, auc: 0.5, ap: 0.5, p2: 0.5},
		{name: "no positives", y: []bool{false, false}, score: []float64{0.5, 0.4}, undefinedAUC: true, p2: 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			auc, ap, p2 := BinaryAUC(c.y, c.score), AveragePrecision(c.y, c.score), PrecisionAtK(c.y, c.score, 2)
			if c.undefinedAUC {
				if !math.IsNaN(auc) || !math.IsNaN(ap) {
					t.Fatalf("auc %v ap %v, want NaN without positives", auc, ap)
				}
			} else if math.Abs(auc-c.auc) > 1e-12 || math.Abs(ap-c.ap) > 1e-12 {
				t.Fatalf("auc %v ap %v, want %v %v", auc, ap, c.auc, c.ap)
			}
			if math.Abs(p2-c.p2) > 1e-12 {
				t.Fatalf("P@2 %v, want %v", p2, c.p2)
			}
		})
	}
}

func TestBinaryECE(t *testing.T) {
	for _, c := range []struct {
		name string
		y    []bool
		p    []float64
		want float64
	}{
		{"calibrated", []bool{true, false, true, false}, []float64{0.5, 0.5, 0.5, 0.5}, 0},
		// bin (0.9,1]: mean p 0.95, share 0.5 → 0.45 over all rows.
		{"overconfident", []bool{true, false}, []float64{0.95, 0.95}, 0.45},
		// two bins, each off by 0.1, half the rows each.
		{"two bins", []bool{false, true}, []float64{0.1, 0.9}, 0.1},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := BinaryECE(c.y, c.p, 10); math.Abs(got-c.want) > 1e-12 {
				t.Fatalf("ECE %v, want %v", got, c.want)
			}
		})
	}
	b := EvaluateBinary([]bool{true, false}, []float64{0.9, 0.1}, false)
	if !b.RankingOnly || b.ECE != 0 || b.Positives != 1 || b.PositiveShare != 0.5 {
		t.Fatalf("ranking-only report %+v", b)
	}
}
