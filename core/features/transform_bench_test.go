package features

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/internal/shareddata"
)

// sharedAdvisories reads up to n documents of the shared advisory corpus
// (../shared/data next to the repository), or skips when it is absent.
func sharedAdvisories(tb testing.TB, n int) []document.Document {
	tb.Helper()
	f, err := os.Open(shareddata.File(tb, "advisories_train.jsonl.gz"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatal(err)
	}
	var docs []document.Document
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() && len(docs) < n {
		var a struct {
			ID, Summary, Details, Published, Source, Assigner, Severity string
			Ecosystem                                                   *string
			Aliases, CWEs, Packages, Vendors, References                []string
		}
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			tb.Fatal(err)
		}
		d := document.Document{ID: a.ID, Title: a.Summary, Body: a.Details, Source: a.Source, Assigner: a.Assigner,
			Severity: a.Severity, Aliases: a.Aliases, CWEs: a.CWEs, Packages: a.Packages, Vendors: a.Vendors, References: a.References}
		if a.Ecosystem != nil {
			d.Ecosystem = *a.Ecosystem
		}
		d.Published, _ = time.Parse("2006-01-02T15:04:05", a.Published)
		d.Entities = map[string][]string{"cve": {a.ID}, "url": a.References}
		docs = append(docs, d)
	}
	return docs
}

// edgeDocs are documents that exercise the slow paths: non-ASCII text and
// category values, repeated and malformed references, a tail longer than
// the insertion sort handles, KEV ids in odd case, no text at all.
func edgeDocs(base []document.Document) []document.Document {
	rng := rand.New(rand.NewSource(3))
	var out []document.Document
	for i, d := range base {
		e := d
		switch i % 6 {
		case 0:
			e.Title = "İSTANBUL Straße ΣΊΣΥΦΟΣ " + strings.ToUpper(d.Title)
			e.Vendors = append([]string{"ÇELİK", "Microsoft", "MICROSOFT"}, d.Vendors...)
		case 1:
			var refs []string
			for k := 0; k < 150; k++ {
				refs = append(refs, fmt.Sprintf("https://WWW.Site%d.example/%d", rng.Intn(90), k), "::not a url", " http://github.com/x ")
			}
			e.References = refs
		case 2:
			e.Title, e.Body = "", ""
		case 3:
			e.ID = strings.ToLower(d.ID)
			e.Published = time.Time{}
		case 4:
			e.Entities = map[string][]string{"cve": {strings.ToLower(d.ID), "CVE-2021-44228"}, "unknown": {"x"}}
		case 5:
			e.Packages = append([]string{"Log4J-Core", "log4j-core"}, d.Packages...)
			// URLs in the text (blanked before tokenising), one with a
			// vector in it, one running across a 64-byte block and into
			// non-ASCII text.
			e.Body = "See HTTPS://GitHub.com/" + strings.Repeat("a/", 40) + "b) and www.openwall.com/lists/x, " + d.Body +
				" https://nvd.nist.gov/vuln-metrics/cvss/v3-calculator?vector=AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H&version=3.1 " +
				"lien:https://exemple.fr/été größe"
		}
		out = append(out, e)
	}
	return out
}

// TestTransformMatchesReference checks the allocation-free Transform entry
// by entry against referenceTransform, the straightforward implementation
// it replaced, on real advisories (when present) and on edge cases.
func TestTransformMatchesReference(t *testing.T) {
	docs := trainingDocs()
	if testing.Short() {
		docs = append(docs, edgeDocs(docs)...)
	} else if real := sharedAdvisoriesOrNil(t, 3000); real != nil {
		docs = append(real, edgeDocs(real[:600])...)
	} else {
		docs = append(docs, edgeDocs(docs)...)
	}
	var kevIDs []string
	for _, d := range docs[:min(len(docs), 200)] {
		kevIDs = append(kevIDs, d.ID)
	}
	kev := map[string]string{"CVE-2021-44228": "2021-12-10"}
	for i, id := range kevIDs {
		kev[strings.ToUpper(id)] = fmt.Sprintf("20%02d-06-01", i%25)
	}
	spec, err := Fit(context.Background(), docs, FitOptions{MinCategory: 1, MinDF: 2, EntityTypes: []string{"cve", "url"}, KEV: kev})
	if err != nil {
		t.Fatal(err)
	}
	graph := func(ents map[string][]string) GraphFacts {
		return GraphFacts{KnownActors: len(ents["cve"]), KEVVulnerabilities: len(ents["url"]) % 3}
	}
	for _, f := range []*Featurizer{New(spec), New(spec, WithGraph(graph))} {
		var row Row
		for i := range docs {
			want := referenceTransform(f, &docs[i])
			got := f.Transform(&docs[i])
			f.TransformInto(&docs[i], &row) // reused storage must give the same row
			for _, r := range []Row{got, row} {
				if r.TextTokens != want.TextTokens || r.TermCount != want.TermCount || !slices.Equal(r.Idx, want.Idx) || !slices.Equal(r.Val, want.Val) {
					t.Fatalf("doc %d (%s): row differs from the reference\n got %v %v\nwant %v %v", i, docs[i].ID, r.Idx, r.Val, want.Idx, want.Val)
				}
			}
		}
	}
}

func sharedAdvisoriesOrNil(t *testing.T, n int) (docs []document.Document) {
	t.Run("shared-data", func(t *testing.T) { docs = sharedAdvisories(t, n) })
	return docs
}

// referenceTransform is Transform as first written: maps of names, string
// building and a sorted permutation per document. Kept as the oracle for
// the optimised version.
func referenceTransform(f *Featurizer, d *document.Document) Row {
	spec := f.spec
	terms := map[string]int32{}
	for i, t := range spec.Terms {
		terms[t] = int32(i)
	}
	numIdx := map[string]int32{}
	base := int32(f.width - len(spec.Numeric))
	for i, n := range spec.Numeric {
		numIdx[n] = base + int32(i)
	}
	var row Row
	var hits []int32
	tokens, titleTokens := 0, 0
	countTokens := func(text string, counter *int) {
		prev := ""
		Tokenize(strings.ToLower(text), func(tok string) {
			*counter++
			if i, ok := terms[tok]; ok {
				hits = append(hits, i)
			}
			if prev != "" {
				if i, ok := terms[prev+" "+tok]; ok {
					hits = append(hits, i)
				}
			}
			prev = tok
		})
	}
	countTokens(d.Title, &titleTokens)
	countTokens(d.Body, &tokens)
	tokens += titleTokens
	row.TextTokens, row.TermCount = tokens, len(hits)
	slices.Sort(hits)
	var norm float64
	for i := 0; i < len(hits); {
		j := i
		for j < len(hits) && hits[j] == hits[i] {
			j++
		}
		w := (1 + math.Log(float64(j-i))) * spec.IDF[hits[i]]
		row.Idx = append(row.Idx, hits[i])
		row.Val = append(row.Val, w)
		norm += w * w
		i = j
	}
	if norm > 0 {
		norm = 1 / math.Sqrt(norm)
		for i := range row.Val {
			row.Val[i] *= norm
		}
	}
	meta := len(row.Idx)
	set := func(idx int32, v float64) {
		if v != 0 {
			row.Idx = append(row.Idx, idx)
			row.Val = append(row.Val, v)
		}
	}
	lower := func(vs []string) []string {
		out := make([]string, len(vs))
		for i, v := range vs {
			out[i] = strings.ToLower(v)
		}
		return out
	}
	onehot := func(group string, values ...string) {
		for _, v := range values {
			if i, ok := f.groups[group][v]; ok {
				set(i, 1)
			}
		}
	}
	var domains []string
	seen := map[string]bool{}
	for _, r := range d.References {
		u, err := url.Parse(strings.TrimSpace(r))
		if err != nil || u.Host == "" {
			continue
		}
		if h := strings.TrimPrefix(strings.ToLower(u.Hostname()), "www."); !seen[h] {
			seen[h] = true
			domains = append(domains, h)
		}
	}
	onehot("cwe", d.CWEs...)
	onehot("ecosystem", d.Ecosystem)
	onehot("vendor", lower(d.Vendors)...)
	onehot("package", lower(d.Packages)...)
	onehot("assigner", d.Assigner)
	onehot("source", d.Source)
	onehot("refdomain", domains...)
	num := func(name string, v float64) {
		if i, ok := numIdx[name]; ok {
			set(i, v)
		}
	}
	num("doc:text_tokens_log", math.Log1p(float64(tokens)))
	if tokens == 0 {
		num("doc:no_text", 1)
	}
	num("doc:title_tokens", float64(titleTokens))
	num("doc:reference_count", float64(len(d.References)))
	num("doc:package_count", float64(len(d.Packages)))
	num("doc:alias_count", float64(len(d.Aliases)))
	num("doc:cwe_count", float64(len(d.CWEs)))
	if !d.Published.IsZero() {
		p := d.Published.UTC()
		num("time:hour", float64(p.Hour())+1)
		num("time:weekday", float64(p.Weekday())+1)
		num("time:year", float64(p.Year()))
	} else {
		num("time:year", float64(spec.DefaultYear))
	}
	rep, ok := spec.Reputation[d.Source]
	if !ok {
		rep = spec.ReputationPrior
	}
	num("source:reputation", rep)
	kev := false
	for _, id := range append(append([]string{d.ID}, d.Aliases...), d.Entities["cve"]...) {
		if added, ok := spec.KEV[strings.ToUpper(id)]; ok && (d.Published.IsZero() || added <= d.Published.UTC().Format("2006-01-02")) {
			kev = true
			break
		}
	}
	if len(spec.KEV) > 0 && kev {
		num("kev:listed", 1)
	}
	for typ, vals := range d.Entities {
		num("entities:"+typ+"_count", float64(len(vals)))
	}
	st := ParseStated(d.Title, d.Body)
	num(StatedScore, st.Score)
	num(StatedSeverity, float64(st.Severity))
	for i, name := range StatedNames()[2:] {
		num(name, float64(st.Metrics[i]))
	}
	if f.graph != nil && len(d.Entities) > 0 {
		g := f.graph(d.Entities)
		num("graph:known_actors", float64(g.KnownActors))
		num("graph:known_techniques", float64(g.KnownTechniques))
		num("graph:actor_linked_indicators", float64(g.ActorLinkedIndicators))
		num("graph:kev_vulnerabilities", float64(g.KEVVulnerabilities))
	}
	idx, val := row.Idx[meta:], row.Val[meta:]
	perm := make([]int, len(idx))
	for i := range perm {
		perm[i] = i
	}
	slices.SortStableFunc(perm, func(a, b int) int { return int(idx[a]) - int(idx[b]) })
	var ni []int32
	var nv []float64
	for _, p := range perm {
		if len(ni) > 0 && ni[len(ni)-1] == idx[p] {
			continue
		}
		ni = append(ni, idx[p])
		nv = append(nv, val[p])
	}
	row.Idx = append(row.Idx[:meta], ni...)
	row.Val = append(row.Val[:meta], nv...)
	return row
}

// BenchmarkTransformAdvisories featurises real advisories (the shared
// corpus) with a spec fitted on them, reusing one Row as the scorer does.
func BenchmarkTransformAdvisories(b *testing.B) {
	docs := sharedAdvisories(b, 5000)
	spec, err := Fit(context.Background(), docs, FitOptions{EntityTypes: []string{"cve", "url"}})
	if err != nil {
		b.Fatal(err)
	}
	f := New(spec)
	var row Row
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		f.TransformInto(&docs[i%len(docs)], &row)
		i++
	}
}
