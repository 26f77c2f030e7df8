package features

import (
	"math"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/cyberstreams/cyberstreams/core/document"
)

// Featurizer turns documents into sparse feature rows. It is immutable and
// safe for concurrent use.
type Featurizer struct {
	spec    *Spec
	graph   Graph
	terms   map[string]int32
	groups  map[string]map[string]int32 // group name → value → index
	numBase int32
	numIdx  map[string]int32
	width   int
	pool    sync.Pool
}

// Row is one document's sparse features: indices ascending, values non-zero.
type Row struct {
	Idx []int32
	Val []float64
	// TextTokens counts the document's tokens; zero means the score rests on
	// meta features alone.
	TextTokens int
}

// Graph answers what the knowledge graph knows about a document's
// entities; it must be safe for concurrent use.
type Graph func(entities map[string][]string) GraphFacts

// GraphFacts are the graph-aware features of one document.
type GraphFacts struct {
	KnownActors           int // actor names the graph resolves
	KnownTechniques       int // ATT&CK techniques the graph knows
	ActorLinkedIndicators int // indicators the graph already ties to a known actor
	KEVVulnerabilities    int // CVEs the graph marks as KEV-listed
}

// Option configures a Featurizer.
type Option func(*Featurizer)

// WithGraph adds the graph-aware features (graph:*); without it they are 0.
func WithGraph(g Graph) Option { return func(f *Featurizer) { f.graph = g } }

// New builds a Featurizer from a spec.
func New(spec *Spec, opts ...Option) *Featurizer {
	f := &Featurizer{spec: spec, terms: make(map[string]int32, len(spec.Terms)),
		groups: map[string]map[string]int32{}, numIdx: map[string]int32{}}
	for _, o := range opts {
		o(f)
	}
	for i, t := range spec.Terms {
		f.terms[t] = int32(i)
	}
	next := int32(len(spec.Terms))
	for _, g := range spec.Groups {
		m := make(map[string]int32, len(g.Values))
		for _, v := range g.Values {
			m[v] = next
			next++
		}
		f.groups[g.Name] = m
	}
	f.numBase = next
	for i, n := range spec.Numeric {
		f.numIdx[n] = next + int32(i)
	}
	f.width = int(next) + len(spec.Numeric)
	f.pool.New = func() any { return &scratch{} }
	return f
}

// Spec returns the spec the featurizer was built from.
func (f *Featurizer) Spec() *Spec { return f.spec }

// Width is the number of features.
func (f *Featurizer) Width() int { return f.width }

type scratch struct {
	hits []int32
	buf  []byte
	prev []byte
}

// Transform featurises one document. Its Entities should already be filled
// by extraction; a nil map simply gives zero entity counts.
func (f *Featurizer) Transform(d *document.Document) Row {
	sc := f.pool.Get().(*scratch)
	defer f.pool.Put(sc)
	var row Row
	hits := sc.hits[:0]
	tokens := 0
	titleTokens := 0
	countTokens := func(text string, counter *int) {
		havePrev := false
		Tokenize(strings.ToLower(text), func(tok string) {
			*counter++
			if i, ok := f.terms[tok]; ok {
				hits = append(hits, i)
			}
			if havePrev {
				sc.buf = append(append(append(sc.buf[:0], sc.prev...), ' '), tok...)
				if i, ok := f.terms[string(sc.buf)]; ok {
					hits = append(hits, i)
				}
			}
			sc.prev = append(sc.prev[:0], tok...)
			havePrev = true
		})
	}
	countTokens(d.Title, &titleTokens)
	countTokens(d.Body, &tokens)
	tokens += titleTokens
	row.TextTokens = tokens

	// Sublinear TF-IDF, L2-normalised over the text part (as scikit-learn's
	// TfidfVectorizer(sublinear_tf=True)).
	slices.Sort(hits)
	var norm float64
	for i := 0; i < len(hits); {
		j := i
		for j < len(hits) && hits[j] == hits[i] {
			j++
		}
		w := (1 + math.Log(float64(j-i))) * f.spec.IDF[hits[i]]
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
	sc.hits = hits

	meta := len(row.Idx)
	set := func(idx int32, v float64) {
		if v != 0 {
			row.Idx = append(row.Idx, idx)
			row.Val = append(row.Val, v)
		}
	}
	onehot := func(group string, values ...string) {
		g := f.groups[group]
		for _, v := range values {
			if i, ok := g[v]; ok {
				set(i, 1)
			}
		}
	}
	onehot("cwe", d.CWEs...)
	onehot("ecosystem", d.Ecosystem)
	onehot("vendor", lowerAll(d.Vendors)...)
	onehot("package", lowerAll(d.Packages)...)
	onehot("assigner", d.Assigner)
	onehot("source", d.Source)
	onehot("refdomain", ReferenceDomains(d.References)...)

	num := func(name string, v float64) {
		if i, ok := f.numIdx[name]; ok {
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
		num("time:hour", float64(p.Hour())+1) // +1 keeps midnight distinct from "unknown"
		num("time:weekday", float64(p.Weekday())+1)
		num("time:year", float64(p.Year()))
	}
	rep, ok := f.spec.Reputation[d.Source]
	if !ok {
		rep = f.spec.ReputationPrior
	}
	num("source:reputation", rep)
	if f.kevListed(d) {
		num("kev:listed", 1)
	}
	for typ, vals := range d.Entities {
		num("entities:"+typ+"_count", float64(len(vals)))
	}
	if f.graph != nil && len(d.Entities) > 0 {
		g := f.graph(d.Entities)
		num("graph:known_actors", float64(g.KnownActors))
		num("graph:known_techniques", float64(g.KnownTechniques))
		num("graph:actor_linked_indicators", float64(g.ActorLinkedIndicators))
		num("graph:kev_vulnerabilities", float64(g.KEVVulnerabilities))
	}
	// One-hot groups and entity maps arrive in data order; the row must be
	// sorted by index for the model and the explainer.
	sortTail(&row, meta)
	return row
}

// sortTail sorts row entries from position start on by index, keeping the
// first occurrence of a repeated index.
func sortTail(row *Row, start int) {
	idx, val := row.Idx[start:], row.Val[start:]
	perm := make([]int, len(idx))
	for i := range perm {
		perm[i] = i
	}
	slices.SortStableFunc(perm, func(a, b int) int { return int(idx[a]) - int(idx[b]) })
	ni := make([]int32, 0, len(idx))
	nv := make([]float64, 0, len(idx))
	for _, p := range perm {
		if len(ni) > 0 && ni[len(ni)-1] == idx[p] {
			continue
		}
		ni = append(ni, idx[p])
		nv = append(nv, val[p])
	}
	row.Idx = append(row.Idx[:start], ni...)
	row.Val = append(row.Val[:start], nv...)
}

// kevListed reports whether any CVE of the document was in the KEV catalog
// when the document was published (documents without a date use the
// catalog as it is now).
func (f *Featurizer) kevListed(d *document.Document) bool {
	if len(f.spec.KEV) == 0 {
		return false
	}
	check := func(id string) bool {
		added, ok := f.spec.KEV[strings.ToUpper(id)]
		if !ok {
			return false
		}
		return d.Published.IsZero() || added <= d.Published.UTC().Format("2006-01-02")
	}
	if check(d.ID) {
		return true
	}
	for _, a := range d.Aliases {
		if check(a) {
			return true
		}
	}
	for _, c := range d.Entities["cve"] {
		if check(c) {
			return true
		}
	}
	return false
}

// Dense writes a row into a dense vector of Width() (zeroing it first).
func (f *Featurizer) Dense(row Row, x []float64) {
	clear(x)
	for i, j := range row.Idx {
		x[j] = row.Val[i]
	}
}

// ReferenceDomains returns the lower-cased host of each reference URL
// without a leading "www.", deduplicated, in input order.
func ReferenceDomains(refs []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range refs {
		u, err := url.Parse(strings.TrimSpace(r))
		if err != nil || u.Host == "" {
			continue
		}
		h := strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
		if !seen[h] {
			seen[h] = true
			out = append(out, h)
		}
	}
	return out
}

func lowerAll(vs []string) []string {
	if len(vs) == 0 {
		return nil
	}
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = strings.ToLower(v)
	}
	return out
}
