package multilabel

// Scores are precision, recall and F1 over label sets, micro-averaged
// (pooled over labels) and macro-averaged (the mean of per-label F1 over
// labels that occur in the truth or the predictions).
type Scores struct {
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	MicroF1   float64 `json:"micro_f1"`
	MacroF1   float64 `json:"macro_f1"`
	Support   int     `json:"support"` // true (item, label) pairs
	Items     int     `json:"items"`
}

// Evaluate compares predicted label sets with true ones, item by item,
// counting only the labels keep accepts (nil keeps all).
func Evaluate(truth, pred [][]int, keep func(int) bool) Scores {
	type count struct{ tp, fp, fn int }
	per := map[int]*count{}
	at := func(l int) *count {
		c := per[l]
		if c == nil {
			c = &count{}
			per[l] = c
		}
		return c
	}
	for i := range truth {
		inTruth := map[int]bool{}
		for _, l := range truth[i] {
			if keep == nil || keep(l) {
				inTruth[l] = true
			}
		}
		inPred := map[int]bool{}
		for _, l := range pred[i] {
			if keep == nil || keep(l) {
				inPred[l] = true
			}
		}
		for l := range inPred {
			if inTruth[l] {
				at(l).tp++
			} else {
				at(l).fp++
			}
		}
		for l := range inTruth {
			if !inPred[l] {
				at(l).fn++
			}
		}
	}
	var s Scores
	s.Items = len(truth)
	var tp, fp, fn int
	macro := 0.0
	for _, c := range per {
		tp, fp, fn = tp+c.tp, fp+c.fp, fn+c.fn
		macro += f1(c.tp, c.fp, c.fn)
	}
	if len(per) > 0 {
		s.MacroF1 = macro / float64(len(per))
	}
	s.Support = tp + fn
	if tp+fp > 0 {
		s.Precision = float64(tp) / float64(tp+fp)
	}
	if tp+fn > 0 {
		s.Recall = float64(tp) / float64(tp+fn)
	}
	s.MicroF1 = f1(tp, fp, fn)
	return s
}

func f1(tp, fp, fn int) float64 {
	if tp == 0 {
		return 0
	}
	return 2 * float64(tp) / float64(2*tp+fp+fn)
}
