package triage_test

import (
	"context"
	"slices"
	"testing"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/triage"
	"github.com/cyberstreams/cyberstreams/core/triage/triagetest"
	"github.com/cyberstreams/cyberstreams/core/workspace"
	"github.com/cyberstreams/cyberstreams/labels"
)

// TestDetailTechniques: a document's detail carries the techniques its
// prose describes, each with its evidence sentence, and pivoting on a
// technique finds the documents that write its id before any graph build.
func TestDetailTechniques(t *testing.T) {
	ctx := context.Background()
	ws, err := workspace.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	docs := []document.Document{
		{ID: "r1", Title: "Loader report", Body: "The loader decodes its payload with certutil. It then runs PowerShell (T1059.001)."},
		{ID: "r2", Title: "Other report", Body: "Operators used T1059.001 again.", Entities: map[string][]string{"attack_technique": {"T1059.001"}}},
		{ID: "r3", Title: "Unrelated", Body: "A patch is available."},
	}
	if _, err := ws.PutDocuments(ctx, docs); err != nil {
		t.Fatal(err)
	}
	s, err := triage.New(ws, triagetest.Scorer(t), "tester")
	if err != nil {
		t.Fatal(err)
	}
	d, err := s.Detail(ctx, "r1")
	if err != nil {
		t.Fatal(err)
	}
	evidence := map[string]string{}
	for _, tag := range d.Techniques {
		if tag.Evidence != nil {
			evidence[tag.Technique] = tag.Evidence.Sentence
		}
	}
	want := map[string]string{
		"T1140":     "The loader decodes its payload with certutil.",
		"T1059.001": "It then runs PowerShell (T1059.001).",
	}
	for id, sentence := range want {
		if evidence[id] != sentence {
			t.Errorf("%s: evidence %q, want %q (all: %+v)", id, evidence[id], sentence, d.Techniques)
		}
	}
	// An analyst's verdicts correct the detail: T1140 absent, T1027 present.
	for _, l := range []labels.TechniqueLabel{
		{DocID: "r1", Technique: "T1140", Sentence: want["T1140"], Analyst: "tester"},
		{DocID: "r1", Technique: "T1027", Present: true, Sentence: want["T1140"], Analyst: "tester"},
	} {
		if _, err := ws.Labels().AddTechnique(ctx, l); err != nil {
			t.Fatal(err)
		}
	}
	if d, err = s.Detail(ctx, "r1"); err != nil {
		t.Fatal(err)
	}
	provenance := map[string]string{}
	for _, tag := range d.Techniques {
		provenance[tag.Technique] = tag.Provenance
	}
	if _, ok := provenance["T1140"]; ok || provenance["T1027"] != "analyst" || provenance["T1059.001"] != "explicit" {
		t.Errorf("after the verdicts: %v", provenance)
	}
	got, err := s.DocsWithEntity(ctx, "technique", "T1059.001", 0)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(got, "r2") || slices.Contains(got, "r3") {
		t.Fatalf("documents with T1059.001: %v", got)
	}
}
