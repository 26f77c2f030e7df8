package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/cyberstreams/cyberstreams/core/learner/learnertest"
	"github.com/cyberstreams/cyberstreams/core/workspace"
)

// seedWorkspace creates a workspace holding a synthetic labelled corpus.
func seedWorkspace(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	ws, err := workspace.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	if _, err := ws.PutDocuments(context.Background(), learnertest.Corpus{N: 300, Seed: 11, Noise: 0.05}.Docs()); err != nil {
		t.Fatal(err)
	}
	return dir
}

// trainedWorkspace is a seeded workspace whose first retrain made a champion.
func trainedWorkspace(t *testing.T) (dir, version string) {
	t.Helper()
	dir = seedWorkspace(t)
	r := runCLI(t, dir, "", "retrain", "--iterations", "5", "--json", "-q")
	if r.Code != 0 {
		t.Fatalf("first retrain: exit %d: %s", r.Code, r.Err)
	}
	var got struct {
		Retrained bool
		Outcome   struct {
			Candidate string
			Promoted  bool
		}
	}
	if err := json.Unmarshal([]byte(r.Out), &got); err != nil {
		t.Fatalf("retrain --json: %v\n%s", err, r.Out)
	}
	if !got.Retrained || !got.Outcome.Promoted {
		t.Fatalf("first retrain did not promote: %s", r.Out)
	}
	return dir, got.Outcome.Candidate
}

func TestRetrainIfNeeded(t *testing.T) {
	dir, first := trainedWorkspace(t)
	r := runCLI(t, dir, "", "retrain", "--if-needed")
	if r.Code != exitNotNeeded {
		t.Fatalf("no trigger: exit %d, want %d\n%s%s", r.Code, exitNotNeeded, r.Out, r.Err)
	}
	if !strings.Contains(r.Out, "retrain not needed: champion "+first) {
		t.Fatalf("no-trigger output: %q", r.Out)
	}
	var labels strings.Builder
	for i := 0; i < 3; i++ {
		fmt.Fprintf(&labels, `{"doc_id":"doc-%05d","severity":"critical","analyst":"ana"}`+"\n", i)
	}
	if r := runCLI(t, dir, labels.String(), "label", "import", "-"); r.Code != 0 {
		t.Fatalf("label import: exit %d: %s", r.Code, r.Err)
	}
	r = runCLI(t, dir, "", "retrain", "--if-needed", "--min-labels", "3", "--iterations", "5", "--json", "-q")
	if r.Code != 0 {
		t.Fatalf("triggered retrain: exit %d: %s", r.Code, r.Err)
	}
	var got struct {
		Triggers struct {
			Triggers []struct {
				Name  string
				Fired bool
			}
		}
		Outcome struct {
			Champion, Candidate, Decision string
			LabelledDocs                  int `json:"labelled_docs"`
		}
	}
	if err := json.Unmarshal([]byte(r.Out), &got); err != nil {
		t.Fatal(err)
	}
	if got.Outcome.Champion != first || got.Outcome.LabelledDocs != 3 || got.Outcome.Decision == "" {
		t.Fatalf("outcome %+v", got.Outcome)
	}
	fired := false
	for _, tr := range got.Triggers.Triggers {
		fired = fired || tr.Name == "new_labels" && tr.Fired
	}
	if !fired {
		t.Fatalf("new_labels trigger not reported: %s", r.Out)
	}
}

func TestRetrainFlagErrors(t *testing.T) {
	dir := seedWorkspace(t)
	tests := []struct {
		args []string
		code int
	}{
		{[]string{"retrain", "--metric", "auc"}, exitError},
		{[]string{"retrain", "--margin", "-1"}, exitError},
		{[]string{"retrain", "--min-labels", "many"}, exitUsage},
		{[]string{"retrain", "extra"}, exitUsage},
	}
	for _, tt := range tests {
		if r := runCLI(t, dir, "", tt.args...); r.Code != tt.code {
			t.Errorf("%v: exit %d, want %d (%s)", tt.args, r.Code, tt.code, r.Err)
		}
	}
}
