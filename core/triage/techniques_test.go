package triage_test

import (
	"context"
	"slices"
	"strings"
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

// TestJudgeTechnique: the TUI's verdicts are the CLI's technique labels
// (durable, from the tui, undoable): a confirmation or rejection judges
// the evidence sentence shown, an added technique the sentence its words
// name; the detail then shows each verdict, rejected techniques apart.
func TestJudgeTechnique(t *testing.T) {
	ctx := context.Background()
	ws, err := workspace.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	const decodes = "The loader decodes its payload with certutil."
	d := document.Document{ID: "r1", Title: "Loader report", Body: decodes + " It persists through a Run key."}
	if _, err := ws.PutDocuments(ctx, []document.Document{d}); err != nil {
		t.Fatal(err)
	}
	s, err := triage.New(ws, triagetest.Scorer(t), "tester")
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name        string
		id          string
		present     bool
		words       string
		wantSurface string // the sentence judged, or the error's words
	}{
		{"confirm", "t1140", true, "", decodes},
		{"reject", "T1547.001", false, "", "It persists through a Run key."},
		{"add by id with words", "T1027", true, "payload with", decodes},
		{"not an id", "certutil", true, "", "not an ATT&CK technique id"},
		{"nothing names the sentence", "T9999", true, "", triage.ErrNoEvidence.Error()},
		{"words no sentence holds", "T1105", true, "nowhere", "no sentence of the document contains"},
	}
	for _, st := range steps {
		l, err := s.JudgeTechnique(ctx, "r1", st.id, st.present, st.words)
		if err != nil {
			if !strings.Contains(err.Error(), st.wantSurface) {
				t.Errorf("%s: %v, want %q", st.name, err, st.wantSurface)
			}
			continue
		}
		if l.Sentence != st.wantSurface || l.Origin != "tui" || l.Analyst != "tester" || l.Present != st.present || l.ID == 0 {
			t.Errorf("%s: recorded %+v, want %q from tester via tui", st.name, l, st.wantSurface)
		}
	}
	det, err := s.Detail(ctx, "r1")
	if err != nil {
		t.Fatal(err)
	}
	var kept, rejected []string
	for _, tag := range det.Techniques {
		kept = append(kept, tag.Technique+" "+tag.Provenance)
	}
	for _, tag := range det.Rejected {
		rejected = append(rejected, tag.Technique)
	}
	if !slices.Contains(kept, "T1140 analyst") || !slices.Contains(kept, "T1027 analyst") || !slices.Equal(rejected, []string{"T1547.001"}) {
		t.Errorf("detail after the verdicts: kept %q, rejected %q", kept, rejected)
	}
	if v := det.Verdicts["T1547.001"]; v.Present || v.Analyst != "tester" || len(det.Verdicts) != 3 {
		t.Errorf("verdicts %+v", det.Verdicts)
	}
	if l, err := s.UndoTechnique(ctx); err != nil || l.Technique != "T1027" {
		t.Fatalf("undo: %+v %v, want T1027 taken back", l, err)
	}
	if det, err = s.Detail(ctx, "r1"); err != nil || len(det.Verdicts) != 2 {
		t.Fatalf("after undo: %+v %v", det.Verdicts, err)
	}
}
