package metrics

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

func TestReportJSONRoundTripKeepsNaN(t *testing.T) {
	r := EvaluatePred([]string{"a", "b"}, []int{0, 0, 1}, []int{0, 1, 1})
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatalf("a report with NaN fields must marshal: %v", err)
	}
	if !strings.Contains(string(b), `"log_loss":null`) {
		t.Fatalf("NaN log loss should be null: %s", b)
	}
	var back Report
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(back.LogLoss) || back.Accuracy != r.Accuracy || len(back.AUC) != 2 || !math.IsNaN(back.AUC[0]) {
		t.Fatalf("round trip changed the report: %+v", back)
	}
}
