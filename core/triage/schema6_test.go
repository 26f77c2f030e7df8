package triage_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/exploitation"
	"github.com/cyberstreams/cyberstreams/core/scoring"
	"github.com/cyberstreams/cyberstreams/core/triage"
	"github.com/cyberstreams/cyberstreams/core/triage/triagetest"
	"github.com/cyberstreams/cyberstreams/core/workspace"
)

// openSchema6 opens a copy of testdata/v6-workspace.db.gz: the demo
// corpus scored by the demo model, with one label, written by the
// workbench before documents migration 7 (testdata/v6workspace says how).
func openSchema6(t *testing.T) *workspace.Workspace {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "v6-workspace.db.gz"))
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	db, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, workspace.DBFile), db, 0o644); err != nil {
		t.Fatal(err)
	}
	ws, err := workspace.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	return ws
}

// TestWorkspaceOfSchema6 opens a workspace written before stored scores
// carried an exploitation likelihood: its scores and label survive the
// migration, read back without a likelihood (horizon 0) until triage
// scores them again — all of them, since their basis names the older
// scoring path — after which each carries what `score` gives the document
// (30 days, with its patch priority) and the patch-priority sort ranks
// them by it.
func TestWorkspaceOfSchema6(t *testing.T) {
	ctx := context.Background()
	ws := openSchema6(t)
	var version int
	if err := ws.DB().QueryRowContext(ctx, `SELECT version FROM schema_versions WHERE component = 'documents'`).Scan(&version); err != nil {
		t.Fatal(err)
	}
	if version < 7 {
		t.Fatalf("documents schema at version %d after opening, want ≥ 7", version)
	}
	total, err := ws.CountDocuments(ctx)
	if err != nil {
		t.Fatal(err)
	}
	oldSeverity := map[string]string{}
	err = ws.EachQueueScore(ctx, func(s *workspace.Score) error {
		if s.ExploitationHorizon != 0 || s.Exploitation != 0 || s.PatchPriority != 0 {
			t.Errorf("%s: a score of schema 6 reads back with exploitation %v over %d days, priority %v",
				s.DocID, s.Exploitation, s.ExploitationHorizon, s.PatchPriority)
		}
		oldSeverity[s.DocID] = s.Severity
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if total == 0 || len(oldSeverity) != total {
		t.Fatalf("%d stored scores of %d documents survived the migration", len(oldSeverity), total)
	}
	sc := triagetest.Scorer(t)
	s, err := triage.New(ws, sc, "tester")
	if err != nil {
		t.Fatal(err)
	}
	if label, ok, err := s.CurrentLabel(ctx, "demo-003"); err != nil || !ok || label.Severity != "critical" {
		t.Fatalf("the fixture's label did not survive: %+v %v %v", label, ok, err)
	}
	stale, err := ws.Unscored(ctx, sc.Basis())
	if err != nil {
		t.Fatal(err)
	}
	if len(stale) != total {
		t.Fatalf("%d of %d stored scores are stale under basis %q, want all", len(stale), total, sc.Basis())
	}
	if n, err := s.ScoreMissing(ctx, nil); err != nil || n != total {
		t.Fatalf("ScoreMissing rescored %d of %d (%v)", n, total, err)
	}
	if n, err := s.ScoreMissing(ctx, nil); err != nil || n != 0 {
		t.Fatalf("a second ScoreMissing rescored %d (%v)", n, err)
	}
	near := func(a, b float64) bool { return math.Abs(a-b) <= 1e-12 }
	err = ws.EachDocument(ctx, workspace.ListOptions{}, func(d document.Document) error {
		want := sc.Score(&d, scoring.Options{Explain: -1, Exploitation: exploitation.DefaultHorizon})
		got, ok, err := ws.Score(ctx, d.ID)
		if err != nil || !ok {
			t.Fatalf("%s: no score after rescoring (%v)", d.ID, err)
		}
		e := want.Exploitation
		if got.Basis != sc.Basis() || got.ExploitationHorizon != exploitation.DefaultHorizon ||
			!near(got.Exploitation, e.Probability) || !near(got.PatchPriority, e.Priority) {
			t.Errorf("%s: stored exploitation %v over %d days, priority %v (basis %q); score gives %v, %v (basis %q)",
				d.ID, got.Exploitation, got.ExploitationHorizon, got.PatchPriority, got.Basis, e.Probability, e.Priority, sc.Basis())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	items, err := s.Items(ctx)
	if err != nil {
		t.Fatal(err)
	}
	byPatch := triage.Apply(items, triage.Filter{}, triage.ByPatchPriority, 0)
	for i, it := range byPatch {
		if !it.HasExploitation() && !(it.NoCVE && it.ExploitationHorizon == exploitation.DefaultHorizon) {
			t.Errorf("%s: no exploitation likelihood in the queue after rescoring, and it names a CVE", it.DocID)
		}
		if i > 0 && it.HasExploitation() && it.PatchPriority > byPatch[i-1].PatchPriority {
			t.Errorf("patch-priority order: %s (%v) after %s (%v)", it.DocID, it.PatchPriority, byPatch[i-1].DocID, byPatch[i-1].PatchPriority)
		}
		if it.DocID == "demo-003" && it.Label != "critical" {
			t.Errorf("demo-003 shows label %q after rescoring, want critical", it.Label)
		}
	}
}
