package features

import (
	"context"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/cyberstreams/cyberstreams/core/document"
)

// FitOptions controls how a spec is chosen from training documents.
type FitOptions struct {
	// MaxTerms is the vocabulary size after chi² ranking (default 4000).
	MaxTerms int
	// MinDF drops n-grams seen in fewer documents (default 5).
	MinDF int
	// MaxDFRatio drops n-grams seen in more than this share of documents
	// (default 0.5): they carry no class signal.
	MaxDFRatio float64
	// MinCategory keeps a categorical value seen at least this often
	// (default 10).
	MinCategory int
	// EntityTypes are the extractor's entity types, each a count feature.
	EntityTypes []string
	// KEV maps CVE id → date added (YYYY-MM-DD), from the CISA catalog.
	KEV map[string]string
	// Class, when set, is the class a document's terms are ranked by (χ²)
	// in place of its severity: a model of another target (exploitation,
	// core/exploitation) chooses the words that tell its own classes
	// apart. It returns an index in [0, 5), or -1 to leave the document
	// out of the ranking.
	Class func(d *document.Document) int
}

func (o *FitOptions) defaults() {
	if o.MaxTerms == 0 {
		o.MaxTerms = 4000
	}
	if o.MinDF == 0 {
		o.MinDF = 5
	}
	if o.MaxDFRatio == 0 {
		o.MaxDFRatio = 0.5
	}
	if o.MinCategory == 0 {
		o.MinCategory = 10
	}
}

// classCount is a per-class document frequency.
type classCount [len(document.Severities)]int32

// Fit chooses the vocabulary and categorical values from labelled documents
// (Severity set). Terms are ranked by the χ² statistic of their presence
// against the five classes (the k×2 contingency table), after a document
// frequency floor — the supervised selection scikit-learn's SelectKBest(chi2)
// makes, on presence rather than weights.
func Fit(ctx context.Context, docs []document.Document, opts FitOptions) (*Spec, error) {
	opts.defaults()

	var classTotal classCount
	var statedDocs [2 + len(statedMetricNames)]int // labelled documents stating each stated:* feature
	df := map[string]*classCount{}
	seen := map[string]bool{}
	var buf []byte
	for i := range docs {
		if i%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		c := document.SeverityIndex(docs[i].Severity)
		if opts.Class != nil {
			c = opts.Class(&docs[i])
		}
		if c < 0 || c >= len(classTotal) {
			continue
		}
		classTotal[c]++
		st := ParseStated(docs[i].Title, docs[i].Body)
		for k, v := range st.values() {
			if v != 0 {
				statedDocs[k]++
			}
		}
		clear(seen)
		for _, text := range []string{docs[i].Title, docs[i].Body} {
			var prev string
			Tokenize(strings.ToLower(text), func(tok string) {
				seen[tok] = true
				if prev != "" {
					buf = append(append(append(buf[:0], prev...), ' '), tok...)
					if !seen[string(buf)] {
						seen[string(buf)] = true
					}
				}
				prev = tok
			})
		}
		for g := range seen {
			cc := df[g]
			if cc == nil {
				cc = new(classCount)
				df[g] = cc
			}
			cc[c]++
		}
	}
	labelled := 0
	for _, t := range classTotal {
		labelled += int(t)
	}
	maxDF := int(opts.MaxDFRatio * float64(labelled))
	type scored struct {
		term string
		chi2 float64
		df   int
	}
	var cands []scored
	for term, cc := range df {
		d := 0
		for _, v := range cc {
			d += int(v)
		}
		if d < opts.MinDF || d > maxDF || unreadTerm(term) {
			continue
		}
		cands = append(cands, scored{term, chi2(cc, &classTotal, d, labelled), d})
	}
	sort.Slice(cands, func(i, j int) bool {
		if cands[i].chi2 != cands[j].chi2 {
			return cands[i].chi2 > cands[j].chi2
		}
		return cands[i].term < cands[j].term
	})
	if len(cands) > opts.MaxTerms {
		cands = cands[:opts.MaxTerms]
	}
	sort.Slice(cands, func(i, j int) bool { return cands[i].term < cands[j].term })
	spec := &Spec{Version: SpecVersion, KEV: opts.KEV}
	for _, c := range cands {
		spec.Terms = append(spec.Terms, c.term)
		// Smooth IDF, as scikit-learn: ln((1+n)/(1+df)) + 1.
		spec.IDF = append(spec.IDF, math.Log(float64(1+labelled)/float64(1+c.df))+1)
	}
	spec.Groups = []Group{
		{"cwe", frequent(docs, opts.MinCategory, func(d *document.Document) []string { return d.CWEs })},
		{"ecosystem", frequent(docs, opts.MinCategory, func(d *document.Document) []string { return one(d.Ecosystem) })},
		{"vendor", frequent(docs, opts.MinCategory, func(d *document.Document) []string { return lowerAll(d.Vendors) })},
		{"package", frequent(docs, opts.MinCategory*2, func(d *document.Document) []string { return lowerAll(d.Packages) })},
		{"assigner", frequent(docs, opts.MinCategory, func(d *document.Document) []string { return one(d.Assigner) })},
		{"source", frequent(docs, opts.MinCategory, func(d *document.Document) []string { return one(d.Source) })},
		{"refdomain", frequent(docs, opts.MinCategory, func(d *document.Document) []string { return ReferenceDomains(d.References) })},
	}
	// A stated:* feature no training document states could never be
	// split on; it would only dilute each tree's feature sample.
	spec.Numeric = numericNames(opts.EntityTypes)
	stated := StatedNames()
	spec.Numeric = slices.DeleteFunc(spec.Numeric, func(n string) bool {
		k := slices.Index(stated, n)
		return k >= 0 && statedDocs[k] < opts.MinCategory
	})
	spec.Reputation, spec.ReputationPrior = reputation(docs)
	return spec, nil
}

// unreadTerm reports whether an n-gram has a word that does not read as
// a reason, and stays out of the vocabulary: one that identifies rather
// than says something — a hex hash ("530dbfa3", a commit) or a long run
// of digits ("v1.0_20221108", "4.12.56860", a build), which tie a batch
// of advisories from one disclosure together — or two sentences run
// together, a dotted word with a stop word in it ("xss.this", from
// "… (XSS).This issue affects …").
func unreadTerm(term string) bool {
	for w := range strings.SplitSeq(term, " ") {
		if hexHash(w) || digitRun(w) >= 5 && !strings.HasPrefix(w, "cve-") || runTogether(w) {
			return true
		}
	}
	return false
}

// runTogether reports whether a dotted word has a stop word among its
// parts: "xss.this", "injection.this".
func runTogether(w string) bool {
	if !strings.Contains(w, ".") {
		return false
	}
	for part := range strings.SplitSeq(w, ".") {
		if isStopWord(part) {
			return true
		}
	}
	return false
}

// hexHash reports whether w is a run of seven or more hex digits holding
// both a digit and a letter: an abbreviated or full hash.
func hexHash(w string) bool {
	if len(w) < 7 {
		return false
	}
	var digit, letter bool
	for i := 0; i < len(w); i++ {
		switch c := w[i]; {
		case isDigit(c):
			digit = true
		case c >= 'a' && c <= 'f':
			letter = true
		default:
			return false
		}
	}
	return digit && letter
}

// digitRun is the length of the longest run of digits in w.
func digitRun(w string) int {
	best, run := 0, 0
	for i := 0; i < len(w); i++ {
		if isDigit(w[i]) {
			run++
			best = max(best, run)
		} else {
			run = 0
		}
	}
	return best
}

// chi2 is Pearson's χ² for the 2×k table (term present/absent × class).
func chi2(cc *classCount, total *classCount, df, n int) float64 {
	var s float64
	pPresent := float64(df) / float64(n)
	for c := range cc {
		if total[c] == 0 {
			continue
		}
		obs := float64(cc[c])
		exp := pPresent * float64(total[c])
		s += (obs - exp) * (obs - exp) / exp
		obsA := float64(total[c]) - obs
		expA := float64(total[c]) - exp
		if expA > 0 {
			s += (obsA - expA) * (obsA - expA) / expA
		}
	}
	return s
}

func one(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

// frequent returns the values seen in at least min documents, sorted.
func frequent(docs []document.Document, min int, values func(*document.Document) []string) []string {
	count := map[string]int{}
	for i := range docs {
		seen := map[string]bool{}
		for _, v := range values(&docs[i]) {
			if v != "" && !seen[v] {
				seen[v] = true
				count[v]++
			}
		}
	}
	var out []string
	for v, c := range count {
		if c >= min {
			out = append(out, v)
		}
	}
	sort.Strings(out)
	return out
}

// reputationStrength is the pseudo-count of the Bayesian smoothing: a source
// with few labels stays near the overall rate.
const reputationStrength = 20

// reputation learns each source's smoothed share of critical+high labels
// (0–100): (k + m·prior) / (n + m), with prior the overall share.
func reputation(docs []document.Document) (map[string]float64, float64) {
	type tally struct{ hi, n float64 }
	by := map[string]*tally{}
	var all tally
	for i := range docs {
		c := document.SeverityIndex(docs[i].Severity)
		if c < 0 {
			continue
		}
		t := by[docs[i].Source]
		if t == nil {
			t = &tally{}
			by[docs[i].Source] = t
		}
		hi := 0.0
		if c <= 1 {
			hi = 1
		}
		t.hi += hi
		t.n++
		all.hi += hi
		all.n++
	}
	if all.n == 0 {
		return map[string]float64{}, 0
	}
	prior := all.hi / all.n
	out := make(map[string]float64, len(by))
	for s, t := range by {
		out[s] = 100 * (t.hi + reputationStrength*prior) / (t.n + reputationStrength)
	}
	return out, 100 * prior
}
