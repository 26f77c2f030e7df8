package graphsync_test

import (
	"context"
	"slices"
	"testing"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/graphsync"
	"github.com/cyberstreams/cyberstreams/core/workspace/workspacetest"
	"github.com/cyberstreams/cyberstreams/kg"
	"github.com/cyberstreams/cyberstreams/labels"
)

// TestBuildTechniquesFollowVerdicts: graph build links a document to the
// techniques its prose describes, and an analyst's verdicts correct the
// links: one said absent is not linked, one said present is.
func TestBuildTechniquesFollowVerdicts(t *testing.T) {
	ctx := context.Background()
	ws := workspacetest.Open(t)
	d := document.Document{ID: "REP-1", Title: "Loader", Body: "The loader decodes its payload with certutil. It persists through a Run key."}
	d.Finish()
	if _, err := ws.PutDocuments(ctx, []document.Document{d}); err != nil {
		t.Fatal(err)
	}
	store := kg.NewStore(ws.DB())
	build := func() {
		t.Helper()
		if _, err := graphsync.Build(ctx, ws, store, func(id string, err error) { t.Errorf("%s: %v", id, err) }, nil); err != nil {
			t.Fatal(err)
		}
	}
	linked := func(id string) bool {
		t.Helper()
		docs, err := store.DocumentsUsing(ctx, id, 0)
		if err != nil {
			t.Fatal(err)
		}
		return slices.Contains(docs, "REP-1")
	}
	build()
	if !linked("T1140") || !linked("T1547.001") || linked("T1027") {
		t.Fatalf("the model's techniques are not the document's USES edges: T1140 %v T1547.001 %v T1027 %v", linked("T1140"), linked("T1547.001"), linked("T1027"))
	}
	for _, l := range []labels.TechniqueLabel{
		{DocID: "REP-1", Technique: "T1140", Sentence: "The loader decodes its payload with certutil.", Analyst: "ana"},
		{DocID: "REP-1", Technique: "T1027", Present: true, Sentence: "The loader decodes its payload with certutil.", Analyst: "ana"},
	} {
		if _, err := ws.Labels().AddTechnique(ctx, l); err != nil {
			t.Fatal(err)
		}
	}
	build()
	for id, want := range map[string]bool{"T1140": false, "T1027": true, "T1547.001": true} {
		if linked(id) != want {
			t.Errorf("%s linked %v after the verdicts, want %v", id, !want, want)
		}
	}
}
