package kg_test

import (
	"context"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/cyberstreams/cyberstreams/kg"
	"github.com/cyberstreams/cyberstreams/kg/kgtest"
)

func keysOf[T any](items []T, key func(T) string) []string {
	out := []string{}
	for _, it := range items {
		out = append(out, key(it))
	}
	return out
}

func TestQueriesOnSyntheticGraph(t *testing.T) {
	s := kgtest.OpenStore(t)
	kgtest.LoadSynthetic(t, s)
	ctx := context.Background()
	actorTech := func(name string) []string {
		at, err := s.ActorTechniques(ctx, name)
		if err != nil {
			t.Fatalf("actor-techniques %q: %v", name, err)
		}
		return keysOf(at.Techniques, func(u kg.TechniqueUse) string {
			if u.Direct {
				return u.ID
			}
			return u.ID + "<" + strings.Join(u.Via, ",")
		})
	}
	next := func(hops int, ts ...string) []string {
		ns, err := s.NextSteps(ctx, kg.NextStepsQuery{Techniques: ts, MaxHops: hops})
		if err != nil {
			t.Fatal(err)
		}
		return keysOf(ns, func(n kg.NextStep) string { return n.ID + "=" + string(rune('0'+n.Groups)) })
	}
	pairs := func(q kg.IOCPairsQuery) []string {
		ps, err := s.IOCPairs(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		return keysOf(ps, func(p kg.IOCPair) string { return p.A + "|" + p.B + "=" + string(rune('0'+p.Count)) })
	}
	enrich := func(v string, hops int) []string {
		ns, err := s.Enrich(ctx, kg.EnrichQuery{Value: v, Hops: hops})
		if err != nil {
			t.Fatal(err)
		}
		return keysOf(ns, func(n kg.Neighbour) string { return string(rune('0'+n.Distance)) + ":" + n.Key })
	}
	tests := []struct {
		name string
		got  func() []string
		want []string
	}{
		{"actor by alias, via software and campaign, revoked id remapped", func() []string { return actorTech("FANCY  test") },
			[]string{"T1059", "T1059.001<S0001", "T1071<S0001", "T1105<C0001", "T1566.001"}},
		{"actor by ATT&CK id", func() []string { return actorTech("g0002") }, []string{"T1003", "T1059.001", "T1566"}},
		{"hostile actor name, deprecated technique left out", func() []string { return actorTech(kgtest.Hostile) }, []string{"T1059", "T1566"}},
		{"next steps, 3 hops", func() []string { return next(3, "T1566", "T1059") }, []string{"T1003=1", "T1071=1", "T1105=1"}},
		{"next steps, direct only", func() []string { return next(1, "t1566") }, []string{"T1059=2", "T1003=1", "T1059.001=1"}},
		{"ioc pairs, ip only", func() []string { return pairs(kg.IOCPairsQuery{Types: []string{"ip"}}) }, []string{"ipv4:1.2.3.4|ipv4:5.6.7.8=1"}},
		{"ioc pairs, min count", func() []string { return pairs(kg.IOCPairsQuery{MinCount: 2}) }, []string{"domain:evil.example|ipv4:1.2.3.4=2"}},
		{"enrich an indicator, refanged", func() []string { return enrich("EVIL[.]example", 1) },
			[]string{"0:domain:evil.example", "1:ipv4:1.2.3.4", "1:ipv4:5.6.7.8", "1:url:http://evil.example/Payload", "1:doc:doc-1", "1:doc:doc-2"}},
		{"enrich by alias", func() []string { return enrich("ratbad", 1) },
			[]string{"0:S0001", "1:G0001", "1:T1059.001", "1:T1071", "1:doc:doc-2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.got(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
	if _, err := s.ActorTechniques(ctx, "nobody at all"); !errors.Is(err, kg.ErrNotFound) {
		t.Errorf("unknown actor: err = %v, want ErrNotFound", err)
	}
	if _, err := s.NextSteps(ctx, kg.NextStepsQuery{Techniques: []string{"T1566"}, MaxHops: 9}); err == nil {
		t.Error("max hops 9 accepted")
	}
}

func TestReupsertDoesNotDoubleCounts(t *testing.T) {
	s := kgtest.OpenStore(t)
	kgtest.LoadSynthetic(t, s)
	ctx := context.Background()
	before, _ := s.Stats(ctx)
	docs := kgtest.SyntheticDocs()
	for i := 0; i < 3; i++ {
		ch, err := s.UpsertDocument(ctx, docs[1])
		if err != nil {
			t.Fatal(err)
		}
		if ch != (kg.Change{}) {
			t.Fatalf("re-upsert %d changed %+v", i, ch)
		}
	}
	after, _ := s.Stats(ctx)
	if !reflect.DeepEqual(before, after) {
		t.Fatalf("counts moved: %+v → %+v", before, after)
	}
	p, _ := s.IOCPairs(ctx, kg.IOCPairsQuery{MinCount: 2})
	if len(p) != 1 || p[0].Count != 2 {
		t.Fatalf("pair counts after re-upsert: %+v", p)
	}
	// Dropping an indicator from doc-2 retracts its relationships and
	// lowers the shared pair's count.
	d := docs[1]
	d.Entities = map[string][]string{"ipv4": {"5.6.7.8"}, "url": {"hxxp://evil[.]example/Payload"}}
	ch, err := s.UpsertDocument(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	if ch.EdgesDeleted == 0 {
		t.Errorf("change %+v: want deleted relationships", ch)
	}
	p, _ = s.IOCPairs(ctx, kg.IOCPairsQuery{MinCount: 2})
	if len(p) != 0 {
		t.Errorf("pairs with count ≥ 2 after retraction: %+v", p)
	}
	// Deleting every document leaves only catalogue knowledge.
	for _, d := range docs {
		if _, err := s.DeleteDocument(ctx, d.ID); err != nil {
			t.Fatal(err)
		}
	}
	c, _ := s.Stats(ctx)
	if c.Nodes[kg.Indicator] != 0 || c.Edges[kg.RelatedTo] != 0 || c.Nodes[kg.Vulnerability] != 2 {
		t.Errorf("after deleting all documents: %+v", c)
	}
	pend, _ := s.Pending(ctx)
	if pend.NodeDeletes == 0 || pend.EdgeDeletes != 0 {
		// Nodes and edges never synced still need their deletes sent only
		// when they might exist remotely; the outbox keeps one row per
		// entity, so each deleted node has exactly one delete row.
		t.Logf("pending %+v", pend)
	}
}

func TestHostileStringsLeaveGraphIntact(t *testing.T) {
	s := kgtest.OpenStore(t)
	kgtest.LoadSynthetic(t, s)
	ctx := context.Background()
	c, err := s.Stats(ctx)
	if err != nil {
		t.Fatalf("graph_nodes damaged: %v", err)
	}
	if c.Nodes[kg.Technique] != 8 || c.Nodes[kg.Actor] != 4 {
		t.Fatalf("counts %+v", c)
	}
	n, err := s.Enrich(ctx, kg.EnrichQuery{Value: kgtest.HostileSQL, Hops: 1})
	if err != nil || len(n) == 0 || n[0].Key != "G0003" {
		t.Fatalf("hostile alias lookup: %+v %v", n, err)
	}
}

func TestDocFeatures(t *testing.T) {
	s := kgtest.OpenStore(t)
	kgtest.LoadSynthetic(t, s)
	f, err := s.DocFeatures(context.Background(), map[string][]string{
		"ipv4": {"1.2.3.4", "5.6.7.8", "9.9.9.9"}, "cve": {"CVE-2021-44228", "CVE-2020-0001"},
		"attack_technique": {"T1059", "T9999"}, "actor": {"alpha group", "nobody"}})
	if err != nil {
		t.Fatal(err)
	}
	want := kg.GraphFeatures{IndicatorsLinkedToKnownActor: 2, Techniques: 1, KEVVulnerabilities: 1, KnownActors: 1}
	if f != want {
		t.Errorf("got %+v, want %+v", f, want)
	}
}

func TestNames(t *testing.T) {
	s := kgtest.OpenStore(t)
	kgtest.LoadSynthetic(t, s)
	names, err := s.Names(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]kg.NamedEntity{}
	for _, n := range names {
		got[n.Canonical] = n
	}
	if e := got["BadRat"]; e.Kind != "malware" || !reflect.DeepEqual(e.Aliases, []string{"RatBad"}) {
		t.Errorf("BadRat: %+v", e)
	}
	if e := got["Alpha Group"]; e.Kind != "actor" || !reflect.DeepEqual(e.Aliases, []string{"Fancy Test"}) {
		t.Errorf("Alpha Group: %+v", e)
	}
}

func TestIndicatorKey(t *testing.T) {
	tests := []struct{ typ, in, want string }{
		{"domain", "EVIL[.]Example", "domain:evil.example"},
		{"url", "hxxps://Evil[.]Example/Path?Q=1", "url:https://evil.example/Path?Q=1"},
		{"email", "a[at]b(.)com", "email:a@b.com"},
		{"sha256", "ABCDEF", "sha256:abcdef"},
		{"actor", "x", ""},
		{"ipv4", "  ", ""},
	}
	for _, tt := range tests {
		if got, _ := kg.IndicatorKey(tt.typ, tt.in); got != tt.want {
			t.Errorf("IndicatorKey(%q, %q) = %q, want %q", tt.typ, tt.in, got, tt.want)
		}
	}
}

func FuzzIndicatorKey(f *testing.F) {
	f.Add("url", "hxxp://a[.]b/C")
	f.Add("domain", kgtest.Hostile)
	f.Fuzz(func(t *testing.T, typ, v string) {
		k, val := kg.IndicatorKey(typ, v)
		if k != "" && k != typ+":"+val {
			t.Fatalf("key %q does not carry value %q", k, val)
		}
	})
}

// TestDocFeatureQueriesUseTheKeyIndex guards scoring speed in a workspace
// with a built graph: every count looks the document's keys up in the
// unique key index instead of scanning all nodes of a label (which cost
// ~20 ms a document on a graph of 78k indicators, ~100× the rest of
// scoring).
func TestDocFeatureQueriesUseTheKeyIndex(t *testing.T) {
	s := kgtest.OpenStore(t)
	kgtest.LoadSynthetic(t, s)
	for name, q := range kg.DocFeatureQueries {
		rows, err := s.DB().Query(`EXPLAIN QUERY PLAN `+q, `["x"]`)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		joined := strings.Join(plan, "\n")
		if len(plan) < 2 || !strings.HasPrefix(plan[0], "SCAN j VIRTUAL TABLE") ||
			!strings.Contains(plan[1], "USING INDEX sqlite_autoindex_graph_nodes_1 (key=?)") {
			t.Errorf("%s: plan\n%s\nwant a scan of the keys, then a search of graph_nodes by key", name, joined)
		}
	}
}

// TestUpsertDocumentsIsolatesAFailingDocument: in a batch, a document that
// fails half-way (its technique's confidence cannot be stored) is rolled
// back alone — its Threat node, the technique node it created and their
// outbox rows — and the documents around it are written exactly as if
// each had been upserted alone, including one that needs the technique
// node the failed document had created and cached.
func TestUpsertDocumentsIsolatesAFailingDocument(t *testing.T) {
	ctx := context.Background()
	good1 := kg.DocInput{ID: "good-1", Title: "one", Entities: map[string][]string{"ipv4": {"192.0.2.7"}, "domain": {"a.example.com"}}}
	bad := kg.DocInput{ID: "bad", Title: "bad", Entities: map[string][]string{"ipv4": {"198.51.100.9"}},
		Techniques: []kg.DocTechnique{{ID: "T1999", Confidence: math.NaN(), Provenance: "model"}}}
	good2 := kg.DocInput{ID: "good-2", Title: "two", Entities: map[string][]string{"ipv4": {"192.0.2.7"}},
		Techniques: []kg.DocTechnique{{ID: "T1999", Confidence: 0.8, Provenance: "model"}}}

	batched := kgtest.OpenStore(t)
	var failed []string
	got, err := batched.UpsertDocuments(ctx, []kg.DocInput{good1, bad, good2}, func(id string, err error) {
		failed = append(failed, id)
		if !strings.Contains(err.Error(), "bad") {
			t.Errorf("error %q does not name the document", err)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(failed, []string{"bad"}) {
		t.Fatalf("failed %q, want [bad]", failed)
	}

	alone := kgtest.OpenStore(t)
	var want kg.Change
	for _, d := range []kg.DocInput{good1, good2} {
		ch, err := alone.UpsertDocument(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		want.Add(ch)
	}
	if got != want {
		t.Errorf("batch change %+v, one by one %+v", got, want)
	}
	for name, s := range map[string]*kg.Store{"batched": batched, "alone": alone} {
		c, err := s.Stats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if c.Nodes[kg.Threat] != 2 || c.Edges[kg.Uses] != 1 {
			t.Errorf("%s: %d threats and %d USES, want 2 and 1", name, c.Nodes[kg.Threat], c.Edges[kg.Uses])
		}
	}
	bc, _ := batched.Stats(ctx)
	ac, _ := alone.Stats(ctx)
	if !reflect.DeepEqual(bc, ac) {
		t.Errorf("batched graph %+v, one by one %+v", bc, ac)
	}
	bp, _ := batched.Pending(ctx)
	ap, _ := alone.Pending(ctx)
	if !reflect.DeepEqual(bp, ap) {
		t.Errorf("batched outbox %+v, one by one %+v", bp, ap)
	}
	if _, err := batched.Enrich(ctx, kg.EnrichQuery{Value: "198.51.100.9", Hops: 1}); !errors.Is(err, kg.ErrNotFound) {
		t.Errorf("the failed document's indicator is in the graph (err %v)", err)
	}
}
