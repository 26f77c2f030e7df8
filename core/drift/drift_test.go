package drift

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/cyberstreams/cyberstreams/core/features"
	"github.com/cyberstreams/cyberstreams/core/learner/learnertest"
	"github.com/cyberstreams/cyberstreams/core/model"
	"github.com/cyberstreams/cyberstreams/core/workspace"
)

func TestCompareDetectsShiftOnly(t *testing.T) {
	b := learnertest.Bundle(t, "m1")
	fz := features.New(b.Spec)
	refDocs := learnertest.Corpus{N: 400, Seed: 1}.Docs()
	ref := Summarize(fz, refDocs, map[string]int{"critical": 80, "high": 80, "medium": 80, "low": 80, "informational": 80}, 7)
	tests := []struct {
		name      string
		cur       learnertest.Corpus
		predicted map[string]int
		drift     bool
	}{
		{"same process, other sample", learnertest.Corpus{N: 300, Seed: 2}, map[string]int{"critical": 60, "high": 60, "medium": 60, "low": 60, "informational": 60}, false},
		{"shifted shape and predictions", learnertest.Corpus{N: 300, Seed: 3, Shift: true}, map[string]int{"critical": 250, "medium": 50}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := Compare(ref, fz, Window{Docs: tt.cur.Docs(), Predicted: tt.predicted}, Options{})
			if rep.DatasetDrift != tt.drift {
				t.Fatalf("dataset drift %v (share %.2f of %d), want %v:\n%s", rep.DatasetDrift, rep.Share, rep.Tested, tt.drift, dump(rep))
			}
			for _, c := range rep.Columns {
				if c.Feature == "doc:reference_count" && c.Drifted != tt.drift {
					t.Fatalf("reference_count drifted=%v, want %v", c.Drifted, tt.drift)
				}
				if c.Kind == "numeric" && c.Test != "ks" {
					t.Fatalf("small reference used %s, want ks", c.Test)
				}
			}
		})
	}
}

func TestLargeReferenceUsesDistances(t *testing.T) {
	b := learnertest.Bundle(t, "m1")
	fz := features.New(b.Spec)
	ref := Summarize(fz, learnertest.Corpus{N: 1500, Seed: 1}.Docs(), nil, 7)
	for _, shift := range []bool{false, true} {
		rep := Compare(ref, fz, Window{Docs: learnertest.Corpus{N: 1200, Seed: 9, Shift: shift}.Docs()}, Options{})
		if rep.DatasetDrift != shift {
			t.Fatalf("shift=%v: dataset drift %v\n%s", shift, rep.DatasetDrift, dump(rep))
		}
		tests := map[string]bool{}
		for _, c := range rep.Columns {
			tests[c.Test] = true
		}
		if !tests["wasserstein"] || !tests["jensenshannon"] || tests["ks"] {
			t.Fatalf("tests used %v, want wasserstein and jensenshannon", tests)
		}
	}
}

func TestSummarizeSamplesDeterministically(t *testing.T) {
	b := learnertest.Bundle(t, "m1")
	fz := features.New(b.Spec)
	docs := learnertest.Corpus{N: MaxSample + 300, Seed: 4}.Docs()
	a, _ := json.Marshal(Summarize(fz, docs, nil, 1))
	c, _ := json.Marshal(Summarize(fz, docs, nil, 1))
	if string(a) != string(c) {
		t.Fatal("same documents and seed gave different references")
	}
	var ref Reference
	json.Unmarshal(a, &ref)
	for name, v := range ref.Numeric {
		if len(v) != MaxSample {
			t.Fatalf("%s: %d values, want %d", name, len(v), MaxSample)
		}
	}
	if ref.Docs != len(docs) || ref.Categorical["source"]["feed-a"] != len(docs) {
		t.Fatalf("categorical counts cover %v of %d docs", ref.Categorical["source"], len(docs))
	}
}

func TestDetectOnWorkspace(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	ws, err := workspace.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	b := learnertest.Bundle(t, "m1")
	bdir := dir + "/models/m1"
	if err := b.Save(bdir); err != nil {
		t.Fatal(err)
	}
	if _, err := Detect(ctx, ws, b, bdir, time.Time{}, Options{}); err == nil || !strings.Contains(err.Error(), "reference") {
		t.Fatalf("missing reference: %v", err)
	}
	if _, err := DetectBundle(ctx, ws, b, time.Time{}, Options{}); err == nil || !strings.Contains(err.Error(), "retrain to make one") {
		t.Fatalf("bundle without a reference: %v", err)
	}
	fz := features.New(b.Spec)
	if err := Summarize(fz, learnertest.Corpus{N: 300, Seed: 1}.Docs(), map[string]int{"critical": 60, "high": 60, "medium": 60, "low": 60, "informational": 60}, 1).Save(bdir); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	if _, err := ws.PutDocuments(ctx, learnertest.Corpus{N: 200, Seed: 5, Shift: true, Start: start, Prefix: "new"}.Docs()); err != nil {
		t.Fatal(err)
	}
	rep, err := Detect(ctx, ws, b, bdir, start.AddDate(0, 0, 10), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.CurrentDocs != 160 || !rep.DatasetDrift {
		t.Fatalf("window of %d docs (want 160 published since day 10), drift %v\n%s", rep.CurrentDocs, rep.DatasetDrift, dump(rep))
	}
	// The bundle loaded from its directory carries the same reference.
	loaded, err := model.LoadDir(bdir)
	if err != nil {
		t.Fatal(err)
	}
	fromBundle, err := DetectBundle(ctx, ws, loaded, start.AddDate(0, 0, 10), Options{})
	if err != nil || dump(fromBundle) != dump(rep) {
		t.Fatalf("DetectBundle differs from Detect (%v):\n%s\n%s", err, dump(fromBundle), dump(rep))
	}
	// A window with no documents published since falls back to the latest ones.
	rep, err = Detect(ctx, ws, b, bdir, start.AddDate(5, 0, 0), Options{})
	if err != nil || rep.CurrentDocs != 200 {
		t.Fatalf("fallback window: %d docs, %v", rep.CurrentDocs, err)
	}
}

func dump(r Report) string {
	b, _ := json.MarshalIndent(r, "", " ")
	return string(b)
}

// BenchmarkCompare measures a drift check of a 1,000-document window
// against a full 5,000-value reference.
func BenchmarkCompare(b *testing.B) {
	bundle := learnertest.Bundle(b, "m1")
	fz := features.New(bundle.Spec)
	ref := Summarize(fz, learnertest.Corpus{N: MaxSample, Seed: 1}.Docs(), map[string]int{"high": 10}, 1)
	cur := Window{Docs: learnertest.Corpus{N: 1000, Seed: 2, Shift: true}.Docs(), Predicted: map[string]int{"high": 3, "low": 2}}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Compare(ref, fz, cur, Options{})
	}
}

func TestParseReference(t *testing.T) {
	tests := []struct {
		name, data, wantErr string
	}{
		{"a reference", `{"docs":2,"numeric":{"doc:cwe_count":[0,1]},"categorical":{"source":{"ghsa":2}}}`, ""},
		{"not json", `{"docs":`, "drift reference"},
		{"empty object", `{}`, "not a reference"},
		{"no numeric features", `{"docs":5}`, "not a reference"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ref, err := ParseReference([]byte(tt.data))
			if tt.wantErr == "" {
				if err != nil || ref.Docs != 2 || len(ref.Numeric["doc:cwe_count"]) != 2 {
					t.Fatalf("got %+v, %v", ref, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("got %v, want an error mentioning %q", err, tt.wantErr)
			}
		})
	}
}

// TestPredictedReadsOnlyScoresOfItsBasis: stored scores made on another
// basis (before the graph or the scoring path changed) are stale and do not
// count; the window is then featurised with the featuriser the options give.
func TestPredictedReadsOnlyScoresOfItsBasis(t *testing.T) {
	ctx := context.Background()
	ws, err := workspace.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	b := learnertest.Bundle(t, "m1")
	docs := learnertest.Corpus{N: 20, Seed: 5}.Docs()
	if _, err := ws.PutDocuments(ctx, docs); err != nil {
		t.Fatal(err)
	}
	stored := make([]workspace.Score, len(docs))
	for i, d := range docs {
		// Every stored score says informational, which the model's own
		// predictions on this corpus are not all.
		stored[i] = workspace.Score{DocID: d.ID, Model: "m1", Severity: "informational", Probabilities: "{}", Basis: "m1 path 1 graph 3"}
	}
	if err := ws.PutScores(ctx, stored); err != nil {
		t.Fatal(err)
	}
	calls := 0
	fz := func(spec *features.Spec) *features.Featurizer { calls++; return features.New(spec) }
	tests := []struct {
		name      string
		basis     string
		fromStore bool
	}{
		{"scores of its basis", "m1 path 1 graph 3", true},
		{"scores of another graph are stale", "m1 path 1 graph 4", false},
		{"no basis: the model version's scores", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls = 0
			mix, err := Predicted(ctx, ws, b, docs, Options{Featurizer: fz, Basis: tt.basis})
			if err != nil {
				t.Fatal(err)
			}
			fromStore := mix["informational"] == len(docs)
			if fromStore != tt.fromStore || (calls > 0) == tt.fromStore {
				t.Fatalf("mix %v (from the store: %v, want %v), featuriser built %d times", mix, fromStore, tt.fromStore, calls)
			}
		})
	}
}
