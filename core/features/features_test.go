package features

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cyberstreams/cyberstreams/core/document"
)

func trainingDocs() []document.Document {
	var docs []document.Document
	add := func(sev, title, body, cwe, src string, n int) {
		for i := 0; i < n; i++ {
			docs = append(docs, document.Document{Severity: sev, Title: title, Body: body,
				CWEs: []string{cwe}, Source: src, References: []string{"https://www.Example.com/a"},
				Published: time.Date(2024, 1, 1+i, 3, 0, 0, 0, time.UTC)})
		}
	}
	add("critical", "Remote code execution", "unauthenticated remote code execution in the web server", "CWE-94", "vendor-a", 12)
	add("medium", "Cross-site scripting", "stored cross-site scripting in the admin page", "CWE-79", "vendor-b", 12)
	add("low", "Information disclosure", "minor information disclosure of version banner", "CWE-200", "vendor-b", 12)
	return docs
}

func TestFitChoosesDiscriminativeTerms(t *testing.T) {
	spec, err := Fit(context.Background(), trainingDocs(), FitOptions{MaxTerms: 6, EntityTypes: []string{"cve", "url"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(spec.Terms) != 6 {
		t.Fatalf("got %d terms, want 6: %v", len(spec.Terms), spec.Terms)
	}
	if !slices.IsSorted(spec.Terms) {
		t.Fatal("terms must be sorted for a stable spec")
	}
	names := spec.Names()
	for _, want := range []string{"cwe:CWE-79", "source:vendor-a", "refdomain:example.com", "entities:url_count", "source:reputation"} {
		if !slices.Contains(names, want) {
			t.Errorf("feature %q missing from %v", want, names)
		}
	}
	if len(names) != spec.NumFeatures() {
		t.Fatalf("Names %d != NumFeatures %d", len(names), spec.NumFeatures())
	}
	// vendor-a is all critical: its reputation is above the prior.
	if spec.Reputation["vendor-a"] <= spec.ReputationPrior {
		t.Errorf("reputation of an all-critical source %.1f not above prior %.1f", spec.Reputation["vendor-a"], spec.ReputationPrior)
	}
}

// TestFitLeavesOutURLsAndIDs: URLs, commit hashes, build numbers and
// sentences run together tell these classes apart perfectly, yet none of
// their pieces is a term.
func TestFitLeavesOutURLsAndIDs(t *testing.T) {
	var docs []document.Document
	for i, sev := range []string{"critical", "low"} {
		for k := range 10 {
			docs = append(docs, document.Document{Severity: sev, Title: []string{"remote flaw", "banner"}[i],
				Body: fmt.Sprintf("Fixed in commit %x of build 2022110%d. References: https://github.com/o/r%d/issues/%d "+
					"HTTPS://www.openwall.com/lists/%d www.example.com/p%d %s", 0x530dbfa3+i, i, i, k, i, i,
					[]string{"Stored Cross-Site Scripting (XSS).This issue", "SQL Injection.This issue"}[i])})
		}
	}
	spec, err := Fit(context.Background(), docs, FitOptions{MinDF: 2})
	if err != nil {
		t.Fatal(err)
	}
	for _, term := range spec.Terms {
		for _, bad := range []string{"http", "www", "github", "openwall", "example", "530dbfa", "20221", "this"} {
			if strings.Contains(term, bad) {
				t.Errorf("term %q holds %q", term, bad)
			}
		}
	}
	if !slices.Contains(spec.Terms, "remote") {
		t.Errorf("the prose around the URLs is gone too: %q", spec.Terms)
	}
}

func TestTransform(t *testing.T) {
	docs := trainingDocs()
	spec, err := Fit(context.Background(), docs, FitOptions{EntityTypes: []string{"cve"}, KEV: map[string]string{"CVE-2024-0001": "2024-01-01"}})
	if err != nil {
		t.Fatal(err)
	}
	f := New(spec)
	d := document.Document{Title: "Remote code execution", Body: "remote code execution remote code", CWEs: []string{"CWE-94", "CWE-94"},
		Source: "vendor-a", Aliases: []string{"CVE-2024-0001"}, Published: time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC),
		Entities: map[string][]string{"cve": {"CVE-2024-0001"}}}
	row := f.Transform(&d)
	if !slices.IsSorted(row.Idx) {
		t.Fatalf("row indices not sorted: %v", row.Idx)
	}
	for i := 1; i < len(row.Idx); i++ {
		if row.Idx[i] == row.Idx[i-1] {
			t.Fatalf("duplicate index %d", row.Idx[i])
		}
	}
	names := spec.Names()
	got := map[string]float64{}
	var norm float64
	for i, j := range row.Idx {
		got[names[j]] = row.Val[i]
		if j < int32(len(spec.Terms)) {
			norm += row.Val[i] * row.Val[i]
		}
	}
	if math.Abs(norm-1) > 1e-9 {
		t.Errorf("text part not L2-normalised: |x|² = %v", norm)
	}
	if got["text:remote code"] == 0 || got["text:remote"] == 0 {
		t.Errorf("expected unigram and bigram features, got %v", got)
	}
	if got["cwe:CWE-94"] != 1 || got["kev:listed"] != 1 || got["entities:cve_count"] != 1 {
		t.Errorf("meta features wrong: %v", got)
	}
	empty := document.Document{Source: "unknown-source"}
	row = f.Transform(&empty)
	if row.TextTokens != 0 {
		t.Fatal("empty document has tokens")
	}
	x := make([]float64, f.Width())
	f.Dense(row, x)
	if x[slices.Index(names, "doc:no_text")] != 1 || x[slices.Index(names, "source:reputation")] != spec.ReputationPrior {
		t.Errorf("empty document should say it has no text and get the prior reputation")
	}
}

func BenchmarkTransform(b *testing.B) {
	docs := trainingDocs()
	spec, _ := Fit(context.Background(), docs, FitOptions{EntityTypes: []string{"cve"}})
	f := New(spec)
	d := docs[0]
	d.Body = ""
	for i := 0; i < 40; i++ {
		d.Body += "An unauthenticated remote attacker can execute arbitrary code in the web server by sending crafted requests. "
	}
	b.SetBytes(int64(len(d.Body)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f.Transform(&d)
	}
}

// TestTransformStated: what the text states of its severity arrives as
// the stated:* features, and the vector's fragments are no terms; the
// publication hour and weekday are no features of a new spec.
func TestTransformStated(t *testing.T) {
	docs := trainingDocs()
	spec, err := Fit(context.Background(), docs, FitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if slices.ContainsFunc(spec.Numeric, isStated) {
		t.Errorf("no training document states anything, yet the spec has %v", spec.Numeric)
	}
	for i := range 10 {
		docs = append(docs, document.Document{Severity: "critical", Title: "Critical severity",
			Body: fmt.Sprintf("issue %d: CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", i)})
	}
	if spec, err = Fit(context.Background(), docs, FitOptions{}); err != nil {
		t.Fatal(err)
	}
	if slices.ContainsFunc(spec.Names(), func(n string) bool { return strings.HasPrefix(n, "time:") }) {
		t.Errorf("a new spec has time-of-publication features: %v", spec.Numeric)
	}
	f := New(spec)
	d := document.Document{Title: "Remote code execution", Body: "Critical severity. CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H remote code execution"}
	row := f.Transform(&d)
	names := spec.Names()
	got := map[string]float64{}
	for i, j := range row.Idx {
		got[names[j]] = row.Val[i]
	}
	want := map[string]float64{StatedScore: 9.8, StatedSeverity: 5, "stated:attack_vector": 4, "stated:scope": 1, "stated:availability": 3}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v (row %v)", k, got[k], v, got)
		}
	}
	if row.TextTokens != 8 { // remote code execution ×2, critical, severity
		t.Errorf("%d tokens, want 8: the vector is no text", row.TextTokens)
	}
}

func TestGraphFacts(t *testing.T) {
	spec, err := Fit(context.Background(), trainingDocs(), FitOptions{EntityTypes: []string{"actor"}})
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	f := New(spec, WithGraph(func(ents map[string][]string) GraphFacts {
		calls++
		return GraphFacts{KnownActors: len(ents["actor"]), ActorLinkedIndicators: 2}
	}))
	d := document.Document{Title: "x", Entities: map[string][]string{"actor": {"APT28"}}}
	row := f.Transform(&d)
	x := make([]float64, f.Width())
	f.Dense(row, x)
	names := spec.Names()
	if calls != 1 || x[slices.Index(names, "graph:known_actors")] != 1 || x[slices.Index(names, "graph:actor_linked_indicators")] != 2 {
		t.Fatalf("graph facts not in the row (calls %d)", calls)
	}
	// Without a graph the features are simply zero.
	f.Dense(New(spec).Transform(&d), x)
	if x[slices.Index(names, "graph:known_actors")] != 0 {
		t.Fatal("graph feature set without a graph")
	}
}

// Models trained before time:year left the features still read it: a
// dated document gets its year, an undated one the spec's DefaultYear.
func TestOlderSpecsStillFeaturiseTheYear(t *testing.T) {
	spec, err := Fit(context.Background(), trainingDocs(), FitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(spec.Numeric, "time:year") || spec.DefaultYear != 0 {
		t.Fatalf("a new spec has time:year (%v) or a default year (%d)", spec.Numeric, spec.DefaultYear)
	}
	at := slices.Index(spec.Numeric, "doc:cwe_count") + 1
	spec.Numeric = slices.Insert(spec.Numeric, at, "time:year")
	spec.DefaultYear = 2023
	f := New(spec)
	year := slices.Index(spec.Names(), "time:year")
	for _, tc := range []struct {
		name string
		doc  document.Document
		want float64
	}{
		{"dated", document.Document{Title: "dated", Published: time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)}, 2024},
		{"undated", document.Document{Title: "undated"}, 2023},
	} {
		x := make([]float64, f.Width())
		f.Dense(f.Transform(&tc.doc), x)
		if x[year] != tc.want {
			t.Errorf("%s document has time:year %v, want %v", tc.name, x[year], tc.want)
		}
	}
}
