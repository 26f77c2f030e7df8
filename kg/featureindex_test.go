package kg_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/cyberstreams/cyberstreams/kg"
	"github.com/cyberstreams/cyberstreams/kg/kgtest"
)

// featureGraph is the synthetic graph plus what DocFeatures must tell
// apart: a deprecated actor (with an alias shared by a live one) whose
// document's indicator is not actor-linked, two live actors sharing an
// alias, a technique without a name, vulnerabilities outside KEV (one
// with kev=false, one with kev=1), and URL indicators whose keys keep
// invalid UTF-8.
func featureGraph(t testing.TB) *kg.Store {
	t.Helper()
	s := kgtest.OpenStore(t)
	kgtest.LoadSynthetic(t, s)
	ctx := context.Background()
	_, err := s.ReplaceSource(ctx, "test-extra", []kg.Node{
		{Label: kg.Actor, Key: "G0009", Name: "Gone Group", Aliases: []string{"Twin"}, Curated: true, Deprecated: true},
		{Label: kg.Actor, Key: "G0010", Name: "Left Twin", Aliases: []string{"Twin", "Shared"}, Curated: true},
		{Label: kg.Actor, Key: "G0011", Name: "Right Twin", Aliases: []string{"Twin", "Shared"}, Curated: true},
		{Label: kg.Vulnerability, Key: "CVE-2019-1111", Name: "CVE-2019-1111", Props: map[string]any{"kev": false}, Curated: true},
		{Label: kg.Vulnerability, Key: "CVE-2019-2222", Name: "CVE-2019-2222", Props: map[string]any{"kev": 1}, Curated: true},
		{Label: kg.Technique, Key: "T1111", Name: "Gone Technique", Curated: true, Deprecated: true},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	day := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	docs := []kg.DocInput{
		{ID: "doc-gone", Published: day, Entities: map[string][]string{
			"actor": {"Gone Group"}, "ipv4": {"10.0.0.1"}, "url": {"http://gone.example/a"}}},
		{ID: "doc-new-actor", Published: day, Entities: map[string][]string{
			"actor": {"New Kitten"}, "sha256": {"ABCDEF0123"}, "url": {"http://x.example/p\xff", "http://x.example/q\ufffd"},
			"attack_technique": {"T1234"}, "cve": {"CVE-2020-0001"}}},
		{ID: "doc-twins", Published: day, Entities: map[string][]string{
			"actor": {"Shared"}, "email": {"ops@twin.example"}, "ipv4": {"10.0.0.1"}}},
		{ID: "doc-no-actor", Published: day, Entities: map[string][]string{
			"ipv4": {"10.9.9.9"}, "attack_technique": {"T1566", "T4321"}, "cve": {"CVE-2021-44228", "CVE-2022-9999"}}},
	}
	for _, d := range docs {
		if _, err := s.UpsertDocument(ctx, d); err != nil {
			t.Fatalf("upsert %s: %v", d.ID, err)
		}
	}
	return s
}

func loadIndex(t testing.TB, s *kg.Store) *kg.FeatureIndex {
	t.Helper()
	x, err := s.FeatureIndex(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// sameFeatures fails unless the index answers as the SQL reference does.
func sameFeatures(t testing.TB, s *kg.Store, x *kg.FeatureIndex, entities map[string][]string) kg.GraphFeatures {
	t.Helper()
	want, err := s.DocFeatures(context.Background(), entities)
	if err != nil {
		t.Fatalf("reference for %q: %v", entities, err)
	}
	if got := x.DocFeatures(entities); got != want {
		t.Fatalf("entities %q:\nindex %+v\nSQL   %+v", entities, got, want)
	}
	return want
}

func TestFeatureIndexMatchesDocFeatures(t *testing.T) {
	s := featureGraph(t)
	x := loadIndex(t, s)
	type gf = kg.GraphFeatures
	tests := []struct {
		name     string
		entities map[string][]string
		want     gf
	}{
		{"nil map", nil, gf{}},
		{"empty map", map[string][]string{}, gf{}},
		{"only unrelated types", map[string][]string{"sector": {"Energy"}, "cwe": {"CWE-79"}}, gf{}},
		{"the existing DocFeatures case", map[string][]string{
			"ipv4": {"1.2.3.4", "5.6.7.8", "9.9.9.9"}, "cve": {"CVE-2021-44228", "CVE-2020-0001"},
			"attack_technique": {"T1059", "T9999"}, "actor": {"alpha group", "nobody"}},
			gf{IndicatorsLinkedToKnownActor: 2, Techniques: 1, KEVVulnerabilities: 1, KnownActors: 1}},
		{"duplicates and defanged spellings count once", map[string][]string{
			"ipv4": {"1.2.3.4", "1.2.3.4", " 1.2.3.4 "}, "domain": {"evil.example", "EVIL[.]example"},
			"attack_technique": {"T1059", "t1059", " T1059 "}, "cve": {"cve-2021-44228", "CVE-2021-44228"}},
			gf{IndicatorsLinkedToKnownActor: 2, Techniques: 1, KEVVulnerabilities: 1}},
		{"actor casing, spacing, alias and id name one actor", map[string][]string{
			"actor": {"ALPHA GROUP", "  fancy   TEST ", "g0001", "Alpha Group"}}, gf{KnownActors: 1}},
		{"a shared alias names both live actors, not the deprecated one", map[string][]string{
			"actor": {"twin"}}, gf{KnownActors: 2}},
		{"deprecated actor by name is unknown", map[string][]string{"actor": {"Gone Group", "G0009"}}, gf{}},
		{"hostile actor names", map[string][]string{"actor": {kgtest.Hostile, kgtest.HostileSQL, "Unknown Kitten"}},
			gf{KnownActors: 2}},
		{"indicator of a deprecated actor's document alone is not linked", map[string][]string{
			"url": {"http://gone.example/a"}}, gf{}},
		{"indicator also in a live actor's document is linked", map[string][]string{
			"ipv4": {"10.0.0.1"}, "email": {"OPS@twin.example"}}, gf{IndicatorsLinkedToKnownActor: 2}},
		{"indicator in no actor's document", map[string][]string{"ipv4": {"10.9.9.9"}}, gf{}},
		{"invalid UTF-8 reads as U+FFFD, each distinct spelling once", map[string][]string{
			"url": {"http://x.example/q\xff", "http://x.example/q\xfe", "http://x.example/q\ufffd", "http://x.example/p\xff"}},
			gf{IndicatorsLinkedToKnownActor: 3}},
		{"techniques: deprecated, unnamed and unknown do not count", map[string][]string{
			"attack_technique": {"T1999", "T1111", "T1234", "T4321", "T1566", "T1566.001", "bogus"}}, gf{Techniques: 2}},
		{"vulnerabilities: only kev = 1", map[string][]string{
			"cve": {"CVE-2019-1111", "CVE-2019-2222", "CVE-2022-9999", "CVE-2023-0001", "not a cve"}}, gf{KEVVulnerabilities: 2}},
		{"empty values", map[string][]string{"ipv4": {"", " "}, "actor": {"", "  "}, "cve": {""}}, gf{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sameFeatures(t, s, x, tt.entities); got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

// entityPool holds spellings of what featureGraph knows and does not, to
// draw random documents from.
var entityPool = map[string][]string{
	"ipv4":             {"1.2.3.4", "5.6.7.8", "10.0.0.1", "10.9.9.9", "9.9.9.9", " 1.2.3.4", ""},
	"domain":           {"evil.example", "EVIL[.]example", kgtest.Hostile, "good.example"},
	"url":              {"hxxp://evil[.]example/Payload", "http://evil.example/payload", "http://gone.example/a", "http://x.example/p\xff", "http://x.example/p\xfe", "http://x.example/q\ufffd", "http://x.example/q\xff"},
	"email":            {"ops@twin.example", "OPS[at]twin.example", kgtest.HostileSQL + "@x.example"},
	"sha256":           {"ABCDEF0123", "abcdef0123", "ffff"},
	"attack_technique": {"T1566", "t1566.001", "T1059", "T1999", "T1086", "T1111", "T1234", "T4321", "T9999", "x"},
	"cve":              {"CVE-2021-44228", "cve-2023-0001", "CVE-2019-1111", "CVE-2019-2222", "CVE-2020-0001", "CVE-2022-9999", "CVE-1"},
	"actor":            {"Alpha Group", "fancy  test", "G0002", "beta", "twin", "Shared", "Gone Group", "G0009", "New Kitten", "Unknown Kitten", kgtest.Hostile, kgtest.HostileSQL, "nobody", ""},
	"sector":           {"Energy"},
	"malware":          {"RatBad"},
}

func randomEntities(r *rand.Rand) map[string][]string {
	types := make([]string, 0, len(entityPool))
	for typ := range entityPool {
		types = append(types, typ)
	}
	m := map[string][]string{}
	for range r.IntN(5) {
		typ := types[r.IntN(len(types))]
		pool := entityPool[typ]
		for range 1 + r.IntN(4) {
			v := pool[r.IntN(len(pool))]
			if r.IntN(4) == 0 {
				v = strings.ToUpper(v)
			}
			m[typ] = append(m[typ], v)
		}
	}
	return m
}

func TestFeatureIndexRandomDocuments(t *testing.T) {
	s := featureGraph(t)
	x := loadIndex(t, s)
	r := rand.New(rand.NewPCG(1, 2))
	n := 3000
	if testing.Short() {
		n = 300
	}
	for range n {
		sameFeatures(t, s, x, randomEntities(r))
	}
}

// TestFeatureIndexIsASnapshot: the index answers for the graph it read,
// and a new index sees later writes.
func TestFeatureIndexIsASnapshot(t *testing.T) {
	s := featureGraph(t)
	x := loadIndex(t, s)
	doc := map[string][]string{"ipv4": {"10.9.9.9"}}
	if _, err := s.UpsertDocument(context.Background(), kg.DocInput{ID: "doc-later",
		Entities: map[string][]string{"ipv4": {"10.9.9.9"}, "actor": {"Beta"}}}); err != nil {
		t.Fatal(err)
	}
	if got := x.DocFeatures(doc); got.IndicatorsLinkedToKnownActor != 0 {
		t.Errorf("old index saw a later write: %+v", got)
	}
	if got := sameFeatures(t, s, loadIndex(t, s), doc); got.IndicatorsLinkedToKnownActor != 1 {
		t.Errorf("new index: %+v", got)
	}
}

func TestFeatureIndexManyHits(t *testing.T) {
	s := kgtest.OpenStore(t)
	var ips []string
	for i := range 100 {
		ips = append(ips, fmt.Sprintf("10.1.%d.%d", i/250, i%250))
	}
	if _, err := s.UpsertDocument(context.Background(), kg.DocInput{ID: "big",
		Entities: map[string][]string{"ipv4": ips, "actor": {"Big Actor"}}}); err != nil {
		t.Fatal(err)
	}
	x := loadIndex(t, s)
	doc := map[string][]string{"ipv4": append(append([]string{}, ips...), ips...)}
	if got := sameFeatures(t, s, x, doc); got.IndicatorsLinkedToKnownActor != len(ips) {
		t.Errorf("got %+v, want %d linked indicators", got, len(ips))
	}
}

func TestFeatureIndexConcurrentUse(t *testing.T) {
	s := featureGraph(t)
	x := loadIndex(t, s)
	r := rand.New(rand.NewPCG(3, 4))
	docs := make([]map[string][]string, 200)
	want := make([]kg.GraphFeatures, len(docs))
	for i := range docs {
		docs[i] = randomEntities(r)
		want[i] = x.DocFeatures(docs[i])
	}
	done := make(chan error, 4)
	for range 4 {
		go func() {
			for i, d := range docs {
				if got := x.DocFeatures(d); got != want[i] {
					done <- fmt.Errorf("doc %d: %+v, want %+v", i, got, want[i])
					return
				}
			}
			done <- nil
		}()
	}
	for range 4 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

func TestFeatureIndexCanceled(t *testing.T) {
	s := featureGraph(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.FeatureIndex(ctx); err == nil {
		t.Error("a canceled context should fail the load")
	}
}

func FuzzFeatureIndex(f *testing.F) {
	f.Add("ipv4", "1.2.3.4", "attack_technique", "t1566", "Fancy Test")
	f.Add("url", "http://x.example/p\xff", "cve", "CVE-2021-44228", "  TWIN ")
	f.Add("domain", kgtest.Hostile, "url", "hxxp://evil[.]example/Payload", kgtest.HostileSQL)
	s := featureGraph(f)
	x := loadIndex(f, s)
	f.Fuzz(func(t *testing.T, typ1, v1, typ2, v2, actor string) {
		sameFeatures(t, s, x, map[string][]string{typ1: {v1, v2}, typ2: {v2, v1}, "actor": {actor, v1}})
	})
}

func BenchmarkDocFeatures(b *testing.B) {
	s := featureGraph(b)
	x := loadIndex(b, s)
	doc := map[string][]string{
		"ipv4": {"1.2.3.4", "9.9.9.9"}, "domain": {"evil.example"}, "cve": {"CVE-2021-44228", "CVE-2020-0001"},
		"attack_technique": {"T1059", "T1566.001"}, "actor": {"Fancy Test"}, "sector": {"Energy"}}
	b.Run("sql", func(b *testing.B) {
		ctx := context.Background()
		for b.Loop() {
			if _, err := s.DocFeatures(ctx, doc); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("index", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			x.DocFeatures(doc)
		}
	})
}
