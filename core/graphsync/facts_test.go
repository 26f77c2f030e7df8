package graphsync_test

import (
	"compress/gzip"
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/features"
	"github.com/cyberstreams/cyberstreams/core/graphsync"
	"github.com/cyberstreams/cyberstreams/core/ingest"
	"github.com/cyberstreams/cyberstreams/core/workspace"
	"github.com/cyberstreams/cyberstreams/core/workspace/workspacetest"
	"github.com/cyberstreams/cyberstreams/kg"
	"github.com/cyberstreams/cyberstreams/kg/attack"
	"github.com/cyberstreams/cyberstreams/kg/kgtest"
)

// wantFacts is what the per-document queries say.
func wantFacts(t testing.TB, s *kg.Store, entities map[string][]string) features.GraphFacts {
	t.Helper()
	f, err := s.DocFeatures(context.Background(), entities)
	if err != nil {
		t.Fatalf("reference for %q: %v", entities, err)
	}
	return features.GraphFacts{KnownActors: f.KnownActors, KnownTechniques: f.Techniques,
		ActorLinkedIndicators: f.IndicatorsLinkedToKnownActor, KEVVulnerabilities: f.KEVVulnerabilities}
}

func TestFactsAnswerAsTheQueriesDo(t *testing.T) {
	ws := workspacetest.Open(t)
	s := kg.NewStore(ws.DB())
	kgtest.LoadSynthetic(t, s)
	var errs []error
	facts := graphsync.Facts(context.Background(), ws, func(err error) { errs = append(errs, err) })
	docs := []map[string][]string{
		nil,
		{"sector": {"Energy"}},
		{"ipv4": {"1.2.3.4", "5.6.7.8", "9.9.9.9"}, "cve": {"CVE-2021-44228", "CVE-2020-0001"},
			"attack_technique": {"T1059", "T9999"}, "actor": {"alpha group", "nobody"}},
		{"actor": {"FANCY  test", "G0001", kgtest.Hostile, kgtest.HostileSQL}, "attack_technique": {"t1566.001", "T1999"}},
		{"domain": {"EVIL[.]example", "evil.example"}, "url": {"hxxp://evil[.]example/Payload"}, "cve": {"CVE-2023-0001"}},
	}
	for _, d := range docs {
		if got, want := facts(d), wantFacts(t, s, d); got != want {
			t.Errorf("%q: got %+v, want %+v", d, got, want)
		}
	}
	if got := facts(docs[2]); got == (features.GraphFacts{}) {
		t.Error("the synthetic graph should know something about the reference document")
	}
	if len(errs) > 0 {
		t.Errorf("errors reported: %v", errs)
	}
}

// TestFactsReportFailuresAsNothingKnown: when the graph cannot be read,
// the error is reported and documents count as knowing nothing.
func TestFactsReportFailuresAsNothingKnown(t *testing.T) {
	ws := workspacetest.Open(t)
	kgtest.LoadSynthetic(t, kg.NewStore(ws.DB()))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var errs []error
	facts := graphsync.Facts(ctx, ws, func(err error) { errs = append(errs, err) })
	if len(errs) != 1 || !errors.Is(errs[0], context.Canceled) {
		t.Fatalf("loading under a canceled context reported %v", errs)
	}
	got := facts(map[string][]string{"cve": {"CVE-2021-44228"}, "actor": {"Alpha Group"}})
	if got != (features.GraphFacts{}) {
		t.Errorf("a failing query should count as nothing known, got %+v", got)
	}
	if len(errs) != 2 {
		t.Errorf("the failing query should be reported, got %v", errs)
	}
	if got := facts(map[string][]string{"sector": {"Energy"}}); got != (features.GraphFacts{}) || len(errs) != 2 {
		t.Errorf("a document with nothing to look up: %+v, errors %v", got, errs)
	}
	graphsync.Facts(ctx, ws, nil)(map[string][]string{"cve": {"CVE-2021-44228"}}) // nil onError is allowed
}

// sharedDocs reads the first n advisories of the shared data with entities
// extracted as ingest does after an ATT&CK import (actor names included).
func sharedDocs(t *testing.T, ws *workspace.Workspace, n int) []document.Document {
	t.Helper()
	ctx := context.Background()
	ex, err := graphsync.Extractor(ctx, ws)
	if err != nil {
		t.Fatal(err)
	}
	var docs []document.Document
	errEnough := errors.New("enough")
	err = ingest.Read(ctx, []string{kgtest.DataFile(t, "advisories_train.jsonl.gz")}, ingest.Options{
		Extract: func(text string) map[string][]string { return ex.Extract(text) },
	}, func(r ingest.Record) error {
		if r.Err == nil {
			docs = append(docs, r.Doc)
		}
		if len(docs) == n {
			return errEnough
		}
		return nil
	})
	if err != nil && !errors.Is(err, errEnough) {
		t.Fatal(err)
	}
	return docs
}

func importShared(t *testing.T, s *kg.Store) {
	t.Helper()
	ctx := context.Background()
	f, err := os.Open(kgtest.DataFile(t, "attack-enterprise.json.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := attack.Import(ctx, s, zr); err != nil {
		t.Fatal(err)
	}
	kev, err := os.ReadFile(kgtest.DataFile(t, "kev.json"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ImportKEV(ctx, strings.NewReader(string(kev))); err != nil {
		t.Fatal(err)
	}
}

// TestFactsOnSharedAdvisories builds a graph from a slice of the shared
// advisories (plus ATT&CK and KEV) and checks every document, those in the
// graph and those after, against the per-document queries.
func TestFactsOnSharedAdvisories(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a graph from the shared advisories")
	}
	ws := workspacetest.Open(t)
	s := kg.NewStore(ws.DB())
	importShared(t, s)
	const inGraph, checked = 2000, 4000
	docs := sharedDocs(t, ws, checked)
	ctx := context.Background()
	actors := 0
	for _, d := range docs[:min(inGraph, len(docs))] {
		if _, err := s.UpsertDocument(ctx, graphsync.DocInput(d)); err != nil {
			t.Fatalf("upsert %s: %v", d.ID, err)
		}
		actors += len(d.Entities["actor"])
	}
	start := time.Now()
	facts := graphsync.Facts(ctx, ws, func(err error) { t.Errorf("facts: %v", err) })
	t.Logf("%d documents in the graph (%d actor mentions), index loaded in %v", min(inGraph, len(docs)), actors, time.Since(start))
	var known [4]int
	for _, d := range docs {
		got, want := facts(d.Entities), wantFacts(t, s, d.Entities)
		if got != want {
			t.Fatalf("%s %q: got %+v, want %+v", d.ID, d.Entities, got, want)
		}
		for i, n := range []int{got.KnownActors, got.KnownTechniques, got.ActorLinkedIndicators, got.KEVVulnerabilities} {
			known[i] += n
		}
	}
	t.Logf("%d documents agree; totals actors/techniques/linked indicators/KEV = %v", len(docs), known)
}

// BenchmarkFacts measures loading the index and a document's cost on an
// existing workspace (CYBERSTREAMS_BENCH_WORKSPACE, e.g. one with a graph
// built from the shared advisories), the index against the queries.
// Opening a workspace migrates its schema: point it at a copy.
func BenchmarkFacts(b *testing.B) {
	dir := os.Getenv("CYBERSTREAMS_BENCH_WORKSPACE")
	if dir == "" {
		b.Skip("set CYBERSTREAMS_BENCH_WORKSPACE to a workspace with a built graph")
	}
	ctx := context.Background()
	ws, err := workspace.Open(ctx, dir)
	if err != nil {
		b.Fatal(err)
	}
	defer ws.Close()
	s := kg.NewStore(ws.DB())
	var docs []map[string][]string
	err = ws.EachDocument(ctx, workspace.ListOptions{Limit: 5000}, func(d document.Document) error {
		docs = append(docs, d.Entities)
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("load", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.FeatureIndex(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	x, err := s.FeatureIndex(ctx)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("doc/index", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			x.DocFeatures(docs[i%len(docs)])
			i++
		}
	})
	b.Run("doc/sql", func(b *testing.B) {
		i := 0
		for b.Loop() {
			if _, err := s.DocFeatures(ctx, docs[i%len(docs)]); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}
