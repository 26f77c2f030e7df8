package triage_test

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/cyberstreams/cyberstreams/core/demo"
	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/graphsync"
	"github.com/cyberstreams/cyberstreams/core/ingest"
	"github.com/cyberstreams/cyberstreams/core/scoring"
	"github.com/cyberstreams/cyberstreams/core/triage"
	"github.com/cyberstreams/cyberstreams/core/triage/triagetest"
	"github.com/cyberstreams/cyberstreams/core/workspace"
	"github.com/cyberstreams/cyberstreams/kg"
	"github.com/cyberstreams/cyberstreams/kg/attack"
	"github.com/cyberstreams/cyberstreams/kg/kgtest"
)

// namedRecords mention the actor, malware and alias names of
// kgtest.SyntheticBundle, which a workspace only knows after `graph
// import-attack`.
const namedRecords = `{"id":"NAMED-1","title":"Fancy Test phishing wave","text":"Fancy Test sent spearphishing attachments (T1566.001) dropping BadRat from 203.0.113.7 to ministries."}
{"id":"NAMED-2","title":"RatBad loader update","text":"A new RatBad build beacons to bad.example.net; analysts tie it to Alpha Group operators."}
{"id":"NAMED-3","title":"Printer firmware fix","text":"A buffer overflow in the web interface of the LaserJet Pro allows remote code execution."}
`

// storedMatches fails the test unless every document's stored score and
// entities are what sc gives the document now.
func storedMatches(t *testing.T, ws *workspace.Workspace, sc *scoring.Scorer, want map[string]scoring.Result) {
	t.Helper()
	ctx := context.Background()
	for id, w := range want {
		d, err := ws.Document(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if !sameEntityMaps(d.Entities, w.Entities) {
			t.Errorf("%s: stored entities %v, scoring now gives %v", id, d.Entities, w.Entities)
		}
		got, ok, err := ws.Score(ctx, id)
		if err != nil || !ok {
			t.Fatalf("%s: no stored score (%v)", id, err)
		}
		p, _ := json.Marshal(w.Probabilities)
		if got.Basis != sc.Basis() || got.Model != w.Model || got.Severity != w.Severity || got.Probabilities != string(p) {
			t.Errorf("%s: stored %s %s %s (basis %q), scoring now gives %s %s %s (basis %q)",
				id, got.Model, got.Severity, got.Probabilities, got.Basis, w.Model, w.Severity, p, sc.Basis())
		}
	}
}

func sameEntityMaps(a, b map[string][]string) bool {
	nonEmpty := func(m map[string][]string) map[string][]string {
		out := map[string][]string{}
		for k, v := range m {
			if len(v) > 0 {
				out[k] = v
			}
		}
		return out
	}
	return maps.EqualFunc(nonEmpty(a), nonEmpty(b), slices.Equal)
}

// scoredNow is what sc gives the records of path read now (as `score`
// reads them, with the scorer's knowledge) and the workspace's other
// documents as stored.
func scoredNow(t *testing.T, ws *workspace.Workspace, sc *scoring.Scorer, path string) map[string]scoring.Result {
	t.Helper()
	ctx := context.Background()
	out := map[string]scoring.Result{}
	err := ws.EachDocument(ctx, workspace.ListOptions{}, func(d document.Document) error {
		out[d.ID] = sc.Score(&d, scoring.Options{Explain: -1})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = ingest.Read(ctx, []string{path}, sc.Knowledge().Reading(ingest.Options{}), func(r ingest.Record) error {
		if r.Err != nil {
			return r.Err
		}
		d := r.Doc
		out[d.ID] = sc.Score(&d, scoring.Options{Explain: -1})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestStoredScoresFollowTheKnowledge: documents ingested and scored before
// `graph import-attack` and `graph build` are scored again afterwards,
// with the names the graph taught the extractor, so the queue, the detail
// pane and the entity pivot agree with what `score` gives the same
// records now; and a score stored by an older scoring path is made again.
func TestStoredScoresFollowTheKnowledge(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	ws, err := workspace.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	if _, err := demo.Load(ctx, ws); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "named.jsonl")
	if err := os.WriteFile(path, []byte(namedRecords), 0o644); err != nil {
		t.Fatal(err)
	}
	before, err := scoring.KnowledgeOf(ctx, ws)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ingest.Run(ctx, ws, []string{path}, before.Reading(ingest.Options{}), nil); err != nil {
		t.Fatal(err)
	}
	bundle := triagetest.Model(t)
	sc0, err := scoring.ForWorkspace(ctx, ws, bundle)
	if err != nil {
		t.Fatal(err)
	}
	s, err := triage.New(ws, sc0, "tester")
	if err != nil {
		t.Fatal(err)
	}
	total, err := ws.CountDocuments(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := s.ScoreMissing(ctx, nil); err != nil || n != total {
		t.Fatalf("first ScoreMissing scored %d of %d (%v)", n, total, err)
	}
	storedMatches(t, ws, sc0, scoredNow(t, ws, sc0, path))
	if d, _ := ws.Document(ctx, "NAMED-1"); len(d.Entities["actor"]) != 0 {
		t.Fatalf("actor %v found before the graph knows any", d.Entities["actor"])
	}

	store := kg.NewStore(ws.DB())
	if _, err := attack.Import(ctx, store, bytes.NewReader(kgtest.SyntheticBundle())); err != nil {
		t.Fatal(err)
	}
	if _, err := graphsync.Build(ctx, ws, store, nil, nil); err != nil {
		t.Fatal(err)
	}
	sc1, err := scoring.ForWorkspace(ctx, ws, bundle)
	if err != nil {
		t.Fatal(err)
	}
	if sc1.Basis() == sc0.Basis() {
		t.Fatalf("basis %q did not change with the graph", sc1.Basis())
	}
	s.SetScorer(sc1)
	if n, err := s.ScoreMissing(ctx, nil); err != nil || n != total {
		t.Fatalf("ScoreMissing after the import scored %d of %d (%v)", n, total, err)
	}
	want := scoredNow(t, ws, sc1, path)
	if got := want["NAMED-1"].Entities["actor"]; !slices.Contains(got, "Alpha Group") {
		t.Fatalf("scoring NAMED-1 now finds actors %v, want Alpha Group", got)
	}
	storedMatches(t, ws, sc1, want)

	// Every door shows the same entities: the detail pane and the pivot.
	det, err := s.Detail(ctx, "NAMED-1")
	if err != nil {
		t.Fatal(err)
	}
	if !sameEntityMaps(det.Document.Entities, want["NAMED-1"].Entities) || det.Score.Severity != want["NAMED-1"].Severity {
		t.Errorf("detail %v %s, scoring now %v %s", det.Document.Entities, det.Score.Severity, want["NAMED-1"].Entities, want["NAMED-1"].Severity)
	}
	for _, name := range want["NAMED-2"].Entities["malware"] {
		ids, err := s.DocsWithEntity(ctx, "malware", name, 0)
		if err != nil || !slices.Contains(ids, "NAMED-2") {
			t.Errorf("pivot on malware %s: %v %v, want NAMED-2 among them", name, ids, err)
		}
	}

	// A score stored by an older scoring path (here: unfolded
	// probabilities of another class) is stale and made again.
	old := "unfolded"
	if _, err := ws.DB().ExecContext(ctx, `UPDATE scores SET basis = ?, severity = 'informational',
		probabilities = '{"critical":0,"high":0,"medium":0,"low":0,"informational":1}' WHERE doc_id = 'NAMED-3'`, old); err != nil {
		t.Fatal(err)
	}
	if n, err := s.ScoreMissing(ctx, nil); err != nil || n != 1 {
		t.Fatalf("ScoreMissing after a stale score scored %d (%v), want 1", n, err)
	}
	storedMatches(t, ws, sc1, want)
	if n, err := s.ScoreMissing(ctx, nil); err != nil || n != 0 {
		t.Fatalf("ScoreMissing with nothing stale scored %d (%v)", n, err)
	}
}
