package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestDriftCommand(t *testing.T) {
	if r := runCLI(t, seedWorkspace(t), "", "drift"); r.Code != exitError || !strings.Contains(r.Err, "reference") {
		t.Fatalf("drift without a retrained champion: exit %d %q", r.Code, r.Err)
	}
	dir, _ := trainedWorkspace(t)
	r := runCLI(t, dir, "", "drift", "--since", "2023-01-01", "--json")
	var got struct {
		Report struct {
			CurrentDocs  int `json:"current_docs"`
			Columns      []struct{ Feature, Test string }
			DatasetDrift bool `json:"dataset_drift"`
		}
	}
	if r.Code != 0 || json.Unmarshal([]byte(r.Out), &got) != nil {
		t.Fatalf("drift --json: exit %d %s %s", r.Code, r.Out, r.Err)
	}
	// The window is the training data itself: no drift.
	if got.Report.CurrentDocs != 300 || got.Report.DatasetDrift || len(got.Report.Columns) < 10 {
		t.Fatalf("report %+v", got.Report)
	}
	r = runCLI(t, dir, "", "drift", "--since", "2023-01-01")
	if r.Code != 0 || !strings.Contains(r.Out, "FEATURE") || !strings.Contains(r.Out, "no dataset drift") {
		t.Fatalf("drift table: exit %d\n%s", r.Code, r.Out)
	}
	if r := runCLI(t, dir, "", "drift", "--since", "May 1"); r.Code != exitUsage {
		t.Fatalf("bad --since: exit %d", r.Code)
	}
}
