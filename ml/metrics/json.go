package metrics

import (
	"encoding/json"
	"math"
)

// reportJSON is Report as JSON: the quantities that may be undefined (NaN)
// are pointers, written as null, because JSON has no NaN and a report must
// always serialise.
type reportJSON struct {
	plainReport
	LogLoss               *float64   `json:"log_loss"`
	ECE                   *float64   `json:"ece"`
	MacroF1               *float64   `json:"macro_f1"`
	WeightedF1            *float64   `json:"weighted_f1"`
	AUC                   []*float64 `json:"auc"`
	CriticalHighPrecision *float64   `json:"critical_high_precision"`
	CriticalHighFPR       *float64   `json:"critical_high_fpr"`
	CriticalHighRecall    *float64   `json:"critical_high_recall"`
}

// plainReport has Report's fields without its JSON methods.
type plainReport Report

// MarshalJSON writes undefined quantities (NaN) as null.
func (r Report) MarshalJSON() ([]byte, error) {
	o := reportJSON{plainReport: plainReport(r), LogLoss: num(r.LogLoss), ECE: num(r.ECE), MacroF1: num(r.MacroF1),
		WeightedF1: num(r.WeightedF1), CriticalHighPrecision: num(r.CriticalHighPrecision),
		CriticalHighFPR: num(r.CriticalHighFPR), CriticalHighRecall: num(r.CriticalHighRecall)}
	for _, a := range r.AUC {
		o.AUC = append(o.AUC, num(a))
	}
	return json.Marshal(o)
}

// UnmarshalJSON reads null back as NaN.
func (r *Report) UnmarshalJSON(b []byte) error {
	var in reportJSON
	if err := json.Unmarshal(b, &in); err != nil {
		return err
	}
	*r = Report(in.plainReport)
	r.LogLoss, r.ECE, r.MacroF1, r.WeightedF1 = val(in.LogLoss), val(in.ECE), val(in.MacroF1), val(in.WeightedF1)
	r.CriticalHighPrecision, r.CriticalHighFPR, r.CriticalHighRecall = val(in.CriticalHighPrecision), val(in.CriticalHighFPR), val(in.CriticalHighRecall)
	r.AUC = nil
	for _, a := range in.AUC {
		r.AUC = append(r.AUC, val(a))
	}
	return nil
}

func num(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

func val(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}
