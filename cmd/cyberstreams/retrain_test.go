package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cyberstreams/cyberstreams/core/document"
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

// labelLines are label import lines for docs[from:to] of the seeded
// corpus, with their true severity (or the next class when wrong).
func labelLines(from, to int, wrong bool) string {
	var b strings.Builder
	docs := learnertest.Corpus{N: 300, Seed: 11, Noise: 0.05}.Docs()
	for _, d := range docs[from:to] {
		sev := d.Severity
		if wrong {
			sev = document.Severities[(document.SeverityIndex(sev)+1)%5]
		}
		fmt.Fprintf(&b, `{"doc_id":%q,"severity":%q,"analyst":"ana"}`+"\n", d.ID, sev)
	}
	return b.String()
}

// trainedWorkspace is a seeded workspace with 250 analyst labels whose
// retrain made a champion: judged against the embedded default on the
// newest 50 labels, on a vocabulary the default never saw.
func trainedWorkspace(t *testing.T) (dir, version string) {
	t.Helper()
	dir = seedWorkspace(t)
	if r := runCLI(t, dir, labelLines(0, 250, false), "label", "import", "-"); r.Code != 0 {
		t.Fatalf("label import: exit %d: %s", r.Code, r.Err)
	}
	r := runCLI(t, dir, "", "retrain", "--iterations", "5", "--min-holdout", "40", "--json", "-q")
	if r.Code != 0 {
		t.Fatalf("first retrain: exit %d: %s", r.Code, r.Err)
	}
	var got struct {
		Retrained bool
		Outcome   struct {
			Candidate string
			Promoted  bool
			Reason    string
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

// TestRetrainFreshWorkspaceKeepsDefault is issue 11's scenario on a real
// workspace: four labels, triggers fire ("age", the default model being
// older than a week), yet nothing is trained, the default stays the
// champion and the output says why; plain retrain refuses the same way.
func TestRetrainFreshWorkspaceKeepsDefault(t *testing.T) {
	dir := seedWorkspace(t)
	if r := runCLI(t, dir, labelLines(0, 4, false), "label", "import", "-"); r.Code != 0 {
		t.Fatalf("label import: exit %d: %s", r.Code, r.Err)
	}
	tests := []struct {
		args []string
		says []string
	}{
		{[]string{"retrain", "--if-needed"}, []string{"retrain not possible yet: age", "4 documents labelled since default",
			"at least 100 held-out labels", "495 more", "nothing trained, default stays the champion"}},
		{[]string{"retrain"}, []string{"retrain: nothing trained: 4 documents labelled since default", "495 more"}},
	}
	for _, tt := range tests {
		r := runCLI(t, dir, "", tt.args...)
		if r.Code != exitNotNeeded {
			t.Fatalf("%v: exit %d, want %d\n%s%s", tt.args, r.Code, exitNotNeeded, r.Out, r.Err)
		}
		for _, want := range tt.says {
			if !strings.Contains(r.Out, want) {
				t.Fatalf("%v does not say %q:\n%s", tt.args, want, r.Out)
			}
		}
	}
	if entries, _ := os.ReadDir(filepath.Join(dir, "models")); len(entries) != 0 {
		t.Fatalf("models written: %v", entries)
	}
	r := runCLI(t, dir, "", "models", "list")
	if r.Code != 0 || !strings.Contains(r.Out, "default") || !strings.Contains(r.Out, "champion") {
		t.Fatalf("models list: exit %d\n%s", r.Code, r.Out)
	}
	r = runCLI(t, dir, "", "retrain", "--json")
	var got struct {
		Retrained bool
		Reason    string
	}
	if r.Code != exitNotNeeded || json.Unmarshal([]byte(r.Out), &got) != nil || got.Retrained || !strings.Contains(got.Reason, "nothing trained") {
		t.Fatalf("retrain --json: exit %d %s", r.Code, r.Out)
	}
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
	// Three labels fire a three-label trigger, but cannot judge anything.
	if r := runCLI(t, dir, labelLines(250, 253, false), "label", "import", "-"); r.Code != 0 {
		t.Fatalf("label import: exit %d: %s", r.Code, r.Err)
	}
	r = runCLI(t, dir, "", "retrain", "--if-needed", "--min-labels", "3", "--min-holdout", "10")
	if r.Code != exitNotNeeded || !strings.Contains(r.Out, "retrain not possible yet: new_labels fired") || !strings.Contains(r.Out, "46 more") {
		t.Fatalf("trigger without labels to judge: exit %d\n%s%s", r.Code, r.Out, r.Err)
	}
	if r := runCLI(t, dir, labelLines(253, 300, false), "label", "import", "-"); r.Code != 0 {
		t.Fatalf("label import: exit %d: %s", r.Code, r.Err)
	}
	r = runCLI(t, dir, "", "retrain", "--if-needed", "--min-labels", "3", "--min-holdout", "10", "--iterations", "5", "--json", "-q")
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
			HoldoutDocs                   int `json:"holdout_docs"`
			Judgement                     struct {
				N          int
				Difference struct{ Low, High, Estimate float64 }
			}
		}
	}
	if err := json.Unmarshal([]byte(r.Out), &got); err != nil {
		t.Fatal(err)
	}
	if got.Outcome.Champion != first || got.Outcome.HoldoutDocs != 10 || got.Outcome.Judgement.N != 10 || got.Outcome.Decision == "" {
		t.Fatalf("outcome %+v", got.Outcome)
	}
	if d := got.Outcome.Judgement.Difference; !(d.Low <= d.Estimate && d.Estimate <= d.High) {
		t.Fatalf("interval %+v", d)
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
