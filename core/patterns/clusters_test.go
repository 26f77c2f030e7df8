package patterns

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/workspace"
	"github.com/cyberstreams/cyberstreams/core/workspace/workspacetest"
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// campaignDocs: two campaigns and some noise. a1–a3 share two addresses and
// a domain; b1–b4 share a hash and a malware family (b4 adds a technique);
// n1 shares one item with a1, a2 and a3 (distance 5/6, 6/7), n2 none.
func campaignDocs() []ClusterDoc {
	return []ClusterDoc{
		{ID: "a2", Published: day("2024-03-02"), Severity: "high", Scored: true, Items: []string{"domain:evil.example.com", "ipv4:192.0.2.1", "ipv4:192.0.2.2"}},
		{ID: "n1", Items: []string{"ipv4:192.0.2.1", "cve:CVE-2024-0001", "domain:other.example.net", "actor:APT-X"}},
		{ID: "b1", Published: day("2024-05-01"), Severity: "critical", Items: []string{"malware:Stealer", "sha256:aa"}},
		{ID: "a1", Published: day("2024-03-01"), Severity: "high", Scored: true, Items: []string{"domain:evil.example.com", "ipv4:192.0.2.1", "ipv4:192.0.2.2"}},
		{ID: "b2", Published: day("2024-05-09"), Items: []string{"malware:Stealer", "sha256:aa"}},
		{ID: "a3", Published: day("2024-02-28"), Severity: "medium", Items: []string{"domain:evil.example.com", "ipv4:192.0.2.1", "ipv4:192.0.2.2", "url:http://evil.example.com/x"}},
		{ID: "b3", Items: []string{"malware:Stealer", "sha256:aa"}},
		{ID: "b4", Items: []string{"attack_technique:T1059", "malware:Stealer", "sha256:aa"}},
		{ID: "n2", Items: []string{"cve:CVE-2024-0002"}},
	}
}

func TestClusterDocuments(t *testing.T) {
	rep, err := ClusterDocuments(context.Background(), campaignDocs(), ClusterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.TotalClusters != 2 || rep.Clustered != 7 || rep.Noise != 2 || rep.WithItems != 9 {
		t.Fatalf("report = %+v", rep)
	}
	b, a := rep.Clusters[0], rep.Clusters[1] // larger first
	if got := strings.Join(b.Members, " "); got != "b1 b2 b3 b4" {
		t.Errorf("first cluster = %s", got)
	}
	if got := strings.Join(a.Members, " "); got != "a1 a2 a3" {
		t.Errorf("second cluster = %s", got)
	}
	wantShared := []ItemCount{{"domain:evil.example.com", 3}, {"ipv4:192.0.2.1", 3}, {"ipv4:192.0.2.2", 3}}
	if !reflect.DeepEqual(a.Shared, wantShared) {
		t.Errorf("shared = %v, want %v", a.Shared, wantShared)
	}
	if a.FirstPublished != "2024-02-28" || a.LastPublished != "2024-03-02" {
		t.Errorf("span = %s … %s", a.FirstPublished, a.LastPublished)
	}
	if !reflect.DeepEqual(a.Severity, map[string]int{"high": 2, "medium": 1}) || a.Scored != 2 {
		t.Errorf("severity = %v, scored %d", a.Severity, a.Scored)
	}
	if !reflect.DeepEqual(b.Severity, map[string]int{"critical": 1, "unknown": 3}) {
		t.Errorf("severity = %v", b.Severity)
	}
}

func TestClusterDocumentsOptions(t *testing.T) {
	tests := []struct {
		name     string
		opts     ClusterOptions
		clusters string // members per cluster, "|" between clusters
		ignored  string
	}{
		{"defaults", ClusterOptions{}, "b1 b2 b3 b4|a1 a2 a3", ""},
		{"min docs 4 drops the smaller campaign", ClusterOptions{MinDocs: 4}, "b1 b2 b3 b4", ""},
		// At eps 0.2 b4 (2 of 3 items shared: distance 1/3) is no neighbour,
		// nor is a3 (3 of 4: distance 1/4).
		{"tight eps", ClusterOptions{Eps: 0.2}, "b1 b2 b3", ""},
		// Equal sizes: the cluster with the lower first id comes first.
		{"eps 0.25 is inclusive", ClusterOptions{Eps: 0.25}, "a1 a2 a3|b1 b2 b3", ""},
		// eps 0.85 lets n1 in (1 shared item of 6 with a1 and a2: 5/6).
		{"loose eps", ClusterOptions{Eps: 0.85}, "a1 a2 a3 n1|b1 b2 b3 b4", ""},
		{"just below n1", ClusterOptions{Eps: 0.83}, "b1 b2 b3 b4|a1 a2 a3", ""},
		{"min docs 1 makes singletons", ClusterOptions{MinDocs: 1}, "b1 b2 b3 b4|a1 a2 a3|n1|n2", ""},
		// With a cap of 3 documents the items of b (4 documents each) are
		// ignored; b4 keeps only its technique and stays alone.
		{"cap", ClusterOptions{MaxItemDocs: 3}, "a1 a2 a3", "ipv4:192.0.2.1=4 malware:Stealer=4 sha256:aa=4"},
		{"limit", ClusterOptions{Limit: 1}, "b1 b2 b3 b4", ""},
		{"types are the caller's", ClusterOptions{Types: []string{"ipv4"}}, "b1 b2 b3 b4|a1 a2 a3", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := ClusterDocuments(context.Background(), campaignDocs(), tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range rep.Clusters {
				got = append(got, strings.Join(c.Members, " "))
			}
			if g := strings.Join(got, "|"); g != tc.clusters {
				t.Errorf("clusters = %q, want %q", g, tc.clusters)
			}
			var ign []string
			for _, it := range rep.Ignored {
				ign = append(ign, fmt.Sprintf("%s=%d", it.Item, it.Count))
			}
			if g := strings.Join(ign, " "); g != tc.ignored {
				t.Errorf("ignored = %q, want %q", g, tc.ignored)
			}
		})
	}
}

func TestClusterDocumentsBadEps(t *testing.T) {
	for _, eps := range []float64{-0.1, 1, 2} {
		if _, err := ClusterDocuments(context.Background(), campaignDocs(), ClusterOptions{Eps: eps}); err == nil {
			t.Errorf("eps %g: no error", eps)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ClusterDocuments(ctx, campaignDocs(), ClusterOptions{}); err == nil {
		t.Error("cancelled context: no error")
	}
}

// TestClusterDocumentsOrderFree: the report does not depend on the order in
// which documents arrive.
func TestClusterDocumentsOrderFree(t *testing.T) {
	docs := syntheticDocs(2000, 1)
	want, err := ClusterDocuments(context.Background(), docs, ClusterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if want.TotalClusters < 10 {
		t.Fatalf("only %d clusters in the synthetic corpus", want.TotalClusters)
	}
	r := rand.New(rand.NewPCG(3, 4))
	r.Shuffle(len(docs), func(i, j int) { docs[i], docs[j] = docs[j], docs[i] })
	got, err := ClusterDocuments(context.Background(), docs, ClusterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Border documents between two clusters may go either way with the
	// order; the synthetic campaigns have none, so everything must match.
	if !reflect.DeepEqual(got, want) {
		t.Errorf("shuffled input changed the report")
	}
}

// syntheticDocs makes n documents: most belong to one of n/20 campaigns
// (each with its own addresses, domains and hashes, of which a document
// names most), the rest name random CVEs; every document also names one of
// a few common techniques, which the cap should ignore.
func syntheticDocs(n int, seed uint64) []ClusterDoc {
	r := rand.New(rand.NewPCG(seed, 99))
	camps := max(1, n/20)
	docs := make([]ClusterDoc, n)
	for i := range docs {
		d := ClusterDoc{ID: fmt.Sprintf("doc-%06d", i), Published: day("2024-01-01").AddDate(0, 0, r.IntN(180))}
		if r.IntN(10) < 8 {
			c := r.IntN(camps)
			for k := range 6 {
				if r.IntN(8) > 0 {
					d.Items = append(d.Items, fmt.Sprintf("ipv4:198.51.%d.%d", c%250, k))
				}
			}
			d.Items = append(d.Items, fmt.Sprintf("domain:c%d.example.com", c))
		} else {
			d.Items = append(d.Items, fmt.Sprintf("cve:CVE-2024-%d", r.IntN(n*10)))
		}
		d.Items = append(d.Items, fmt.Sprintf("attack_technique:T10%02d", r.IntN(3)))
		docs[i] = d
	}
	return docs
}

// BenchmarkClusterDocuments measures index, DBSCAN and summaries on a
// synthetic corpus the size of the shared training advisories.
func BenchmarkClusterDocuments(b *testing.B) {
	docs := syntheticDocs(40000, 1)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ClusterDocuments(context.Background(), docs, ClusterOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestFindClusters reads a workspace: a model score overrides the source's
// label in the severity mix, and a document without items is not clustered.
func TestFindClusters(t *testing.T) {
	ctx := context.Background()
	ws := workspacetest.Open(t)
	var docs []document.Document
	for i := range 4 {
		d := document.Document{ID: fmt.Sprintf("R-%d", i), Title: fmt.Sprintf("report %d", i), Body: "body", Severity: "medium",
			Published: day("2024-01-01").AddDate(0, 0, i),
			Entities:  map[string][]string{"ipv4": {"192.0.2.1", "192.0.2.2"}}}
		if i == 3 {
			d.Entities = nil
		}
		d.Finish()
		docs = append(docs, d)
	}
	if _, err := ws.PutDocuments(ctx, docs); err != nil {
		t.Fatal(err)
	}
	if err := ws.PutScores(ctx, []workspace.Score{{DocID: "R-0", Model: "m1", Severity: "critical", Confidence: 0.9, Probabilities: "{}"}}); err != nil {
		t.Fatal(err)
	}
	rep, err := FindClusters(ctx, ws, ClusterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Documents != 4 || rep.WithItems != 3 || rep.TotalClusters != 1 {
		t.Fatalf("report = %+v", rep)
	}
	c := rep.Clusters[0]
	if !reflect.DeepEqual(c.Severity, map[string]int{"critical": 1, "medium": 2}) || c.Scored != 1 {
		t.Errorf("severity = %v, scored %d", c.Severity, c.Scored)
	}
	if c.FirstPublished != "2024-01-01" || c.LastPublished != "2024-01-03" {
		t.Errorf("span = %s … %s", c.FirstPublished, c.LastPublished)
	}
	if _, err := FindClusters(ctx, ws, ClusterOptions{Types: []string{"nope"}}); err == nil {
		t.Error("unknown type accepted")
	}
}
