package features

import (
	"encoding/binary"
	"math"
	"math/bits"
	"slices"
	"strings"
	"sync"
	"unsafe"

	"github.com/cyberstreams/cyberstreams/core/document"
)

// Featurizer turns documents into sparse feature rows. It is immutable and
// safe for concurrent use.
type Featurizer struct {
	spec  *Spec
	graph Graph
	// words and bigrams are terms seen the way Transform meets them, one
	// token at a time: each token costs one lookup (is it a stop word or a
	// term, which words can follow it in a bigram term), and a bigram is
	// looked up by the pair of its words' numbers only when the first
	// admits the second, instead of joining every pair of tokens into a
	// string to look up.
	words   *vocabTable
	bigrams *pairTable
	groups  map[string]map[string]int32 // group name → value → index
	// The one-hot groups Transform reads, looked up once in New.
	cwe, ecosystem, vendor, pkg, assigner, source, refdomain map[string]int32
	// Numeric feature indices (-1: not in the spec), looked up once in New
	// so Transform does no name lookups or string building per document.
	textTokensLog, noText, titleTokens, referenceCount, packageCount, aliasCount,
	cweCount, hour, weekday, year, reputation, kevListed int32
	knownActors, knownTechniques, actorLinkedIndicators, kevVulnerabilities int32
	// stated holds the indices of the stated:* features (StatedNames
	// order); statedAny says whether the spec has any.
	stated      [2 + len(statedMetricNames)]int32
	statedAny   bool
	entityCount map[string]int32        // entity type → index of "entities:TYPE_count"
	kevFilter   *[kevFilterWords]uint64 // the KEV ids' hash bits (kevID); nil without a catalog
	width       int
	pool        sync.Pool
}

// Row is one document's sparse features: indices ascending, values non-zero.
type Row struct {
	Idx []int32
	Val []float64
	// TextTokens counts the document's tokens; zero means the score rests on
	// meta features alone.
	TextTokens int
	// TermCount counts the occurrences of vocabulary terms (unigrams and
	// bigrams) in the text: over TextTokens, how much of the text the
	// vocabulary covers (novelty reads it; text unlike the training
	// documents' is mostly words the vocabulary never chose).
	TermCount int
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
	f := &Featurizer{spec: spec, groups: map[string]map[string]int32{}, entityCount: map[string]int32{}}
	for _, o := range opts {
		o(f)
	}
	f.words, f.bigrams = newVocabulary(spec.Terms, uint32(len(spec.Terms)))
	next := int32(len(spec.Terms))
	for _, g := range spec.Groups {
		m := make(map[string]int32, len(g.Values))
		for _, v := range g.Values {
			m[v] = next
			next++
		}
		f.groups[g.Name] = m
	}
	f.cwe, f.ecosystem, f.vendor, f.pkg = f.groups["cwe"], f.groups["ecosystem"], f.groups["vendor"], f.groups["package"]
	f.assigner, f.source, f.refdomain = f.groups["assigner"], f.groups["source"], f.groups["refdomain"]
	numIdx := map[string]int32{}
	for i, n := range spec.Numeric {
		idx := next + int32(i)
		numIdx[n] = idx
		if typ, ok := strings.CutPrefix(n, "entities:"); ok {
			if typ, ok := strings.CutSuffix(typ, "_count"); ok {
				f.entityCount[typ] = idx
			}
		}
	}
	num := func(name string) int32 {
		if i, ok := numIdx[name]; ok {
			return i
		}
		return -1
	}
	f.textTokensLog, f.noText, f.titleTokens = num("doc:text_tokens_log"), num("doc:no_text"), num("doc:title_tokens")
	f.referenceCount, f.packageCount, f.aliasCount = num("doc:reference_count"), num("doc:package_count"), num("doc:alias_count")
	f.cweCount, f.hour, f.weekday, f.year = num("doc:cwe_count"), num("time:hour"), num("time:weekday"), num("time:year")
	f.reputation, f.kevListed = num("source:reputation"), num("kev:listed")
	f.knownActors, f.knownTechniques = num("graph:known_actors"), num("graph:known_techniques")
	f.actorLinkedIndicators, f.kevVulnerabilities = num("graph:actor_linked_indicators"), num("graph:kev_vulnerabilities")
	for i, n := range StatedNames() {
		f.stated[i] = num(n)
		f.statedAny = f.statedAny || f.stated[i] >= 0
	}
	f.width = int(next) + len(spec.Numeric)
	if len(spec.KEV) > 0 {
		f.kevFilter = newKEVFilter(spec.KEV)
	}
	f.pool.New = func() any { return &scratch{} }
	return f
}

// Spec returns the spec the featurizer was built from.
func (f *Featurizer) Spec() *Spec { return f.spec }

// Width is the number of features.
func (f *Featurizer) Width() int { return f.width }

// NamesAssigner says whether the spec can name a document's assigner (the
// CNA that scored it): true for a document without one and for a spec
// without an assigner group (older specs), otherwise whether the group
// holds it — seen at least MinCategory times among the training
// documents.
func (f *Featurizer) NamesAssigner(assigner string) bool {
	if assigner == "" || f.assigner == nil {
		return true
	}
	_, ok := f.assigner[assigner]
	return ok
}

// scratch is per-call working space, pooled so that featurising a document
// allocates nothing once the buffers have grown to its size.
type scratch struct {
	// counts[t] is how often term t occurred; seen has bit t set for the
	// terms counted, so that they come out in index order without sorting
	// (a fifth of the time of featurising, sorting every occurrence). Both
	// are cleared as they are read.
	counts []int32
	seen   []uint64
	lower  []byte // the lower-cased title or body, and lowerPad zero bytes
	scan   asciiScan
	toks   []span   // a batch of the tokens of lower
	found  []uint32 // their words
	key    []byte   // a lower-cased category value
	perm   []int
	stated Stated // what the title and body state of their severity
	blank  []span // the CVSS vectors of lower
}

// Transform featurises one document. Its Entities should already be filled
// by extraction; a nil map simply gives zero entity counts.
func (f *Featurizer) Transform(d *document.Document) Row {
	var row Row
	f.TransformInto(d, &row)
	return row
}

// TransformInto is Transform writing into row, reusing the storage of its
// Idx and Val slices: a caller that keeps one Row per worker featurises
// without allocating.
func (f *Featurizer) TransformInto(d *document.Document, row *Row) {
	sc := f.pool.Get().(*scratch)
	// Not deferred: a scratch left half-counted by a panic must not go
	// back to the pool.
	row.Idx, row.Val, row.TextTokens, row.TermCount = row.Idx[:0], row.Val[:0], 0, 0
	if sc.counts == nil {
		// One more counter, the spare: tokens that are no term count there.
		sc.counts = make([]int32, len(f.spec.Terms)+1)
		sc.seen = make([]uint64, (len(f.spec.Terms)+1+63)/64)
	}
	sc.stated = Stated{}
	titleTokens := f.countTokens(sc, d.Title)
	tokens := f.countTokens(sc, d.Body) + titleTokens
	counts, seen := sc.counts, sc.seen
	spare := len(f.spec.Terms)
	counts[spare] = 0
	seen[spare/64] &^= 1 << (spare % 64)
	row.TextTokens = tokens

	// Sublinear TF-IDF, L2-normalised over the text part (as scikit-learn's
	// TfidfVectorizer(sublinear_tf=True)).
	var norm float64
	for k, bitset := range seen {
		if bitset == 0 {
			continue
		}
		seen[k] = 0
		for ; bitset != 0; bitset &= bitset - 1 {
			t := k*64 + bits.TrailingZeros64(bitset)
			w := sublinearTF(int(counts[t])) * f.spec.IDF[t]
			row.TermCount += int(counts[t])
			counts[t] = 0
			row.Idx = append(row.Idx, int32(t))
			row.Val = append(row.Val, w)
			norm += w * w
		}
	}
	if norm > 0 {
		norm = 1 / math.Sqrt(norm)
		for i := range row.Val {
			row.Val[i] *= norm
		}
	}

	meta := len(row.Idx)
	set := func(idx int32, v float64) {
		if idx >= 0 && v != 0 {
			row.Idx = append(row.Idx, idx)
			row.Val = append(row.Val, v)
		}
	}
	onehot := func(g map[string]int32, v string) {
		if i, ok := g[v]; ok {
			set(i, 1)
		}
	}
	// Lower-cased values are looked up through a scratch buffer; the map
	// lookup with string(bytes) does not allocate.
	onehotLower := func(g map[string]int32, v string) {
		if len(g) == 0 {
			return
		}
		var key string
		key, sc.key = lowerASCII(sc.key, v)
		onehot(g, key)
	}
	for _, v := range d.CWEs {
		onehot(f.cwe, v)
	}
	onehot(f.ecosystem, d.Ecosystem)
	for _, v := range d.Vendors {
		onehotLower(f.vendor, v)
	}
	for _, v := range d.Packages {
		onehotLower(f.pkg, v)
	}
	onehot(f.assigner, d.Assigner)
	onehot(f.source, d.Source)
	if len(f.refdomain) > 0 {
		// A repeated domain sets its index twice; sortTail keeps one.
		for _, r := range d.References {
			if h, ok := referenceDomain(r); ok {
				onehot(f.refdomain, h)
			}
		}
	}

	set(f.textTokensLog, math.Log1p(float64(tokens)))
	if tokens == 0 {
		set(f.noText, 1)
	}
	set(f.titleTokens, float64(titleTokens))
	set(f.referenceCount, float64(len(d.References)))
	set(f.packageCount, float64(len(d.Packages)))
	set(f.aliasCount, float64(len(d.Aliases)))
	set(f.cweCount, float64(len(d.CWEs)))
	if !d.Published.IsZero() {
		p := d.Published.UTC()
		set(f.hour, float64(p.Hour())+1) // +1 keeps midnight distinct from "unknown"
		set(f.weekday, float64(p.Weekday())+1)
		set(f.year, float64(p.Year()))
	} else {
		set(f.year, float64(f.spec.DefaultYear))
	}
	rep, ok := f.spec.Reputation[d.Source]
	if !ok {
		rep = f.spec.ReputationPrior
	}
	set(f.reputation, rep)
	if f.kevListed >= 0 && f.isKEVListed(d) {
		set(f.kevListed, 1)
	}
	if f.statedAny {
		sc.stated.finish()
		for i, v := range sc.stated.values() {
			set(f.stated[i], v)
		}
	}

	for typ, vals := range d.Entities {
		if i, ok := f.entityCount[typ]; ok {
			set(i, float64(len(vals)))
		}
	}
	if f.graph != nil && len(d.Entities) > 0 {
		g := f.graph(d.Entities)
		set(f.knownActors, float64(g.KnownActors))
		set(f.knownTechniques, float64(g.KnownTechniques))
		set(f.actorLinkedIndicators, float64(g.ActorLinkedIndicators))
		set(f.kevVulnerabilities, float64(g.KEVVulnerabilities))
	}
	// One-hot groups and entity maps arrive in data order; the row must be
	// sorted by index for the model and the explainer.
	sc.perm = sortTail(row, meta, sc.perm)
	f.pool.Put(sc)
}

// countTokens counts the terms among the tokens of text (a title or a
// body) and the bigram terms among its pairs of consecutive tokens into
// sc, and returns the number of tokens. It is Tokenize(strings.ToLower(text))
// with each token looked up in f.words where it lies in the lower-cased
// buffer, tokenised by asciiScan (lowerClassifyUnicode for the few texts
// that are not all ASCII).
func (f *Featurizer) countTokens(sc *scratch, text string) int {
	if len(sc.toks) == 0 {
		sc.toks = make([]span, 256)
		sc.found = make([]uint32, 256)
	}
	var c tokenCounter // prev: noWord
	var ascii bool
	sc.lower, ascii = sc.scan.lowerClassify(sc.lower, text)
	if !ascii {
		sc.lower = sc.scan.lowerClassifyUnicode(sc.lower, text)
	}
	f.readVectors(sc)
	for {
		toks := sc.scan.next(sc.toks[:0])
		if len(toks) == 0 {
			break
		}
		f.count(sc, &c, toks)
	}
	if f.statedAny && c.trig&tokStated != 0 {
		// A token that can start a stated score or severity ("cvss",
		// "severity", "rated", ...; statedTriggers): read the words.
		sc.stated.scanWords(unsafe.String(&sc.lower[0], len(sc.lower)-lowerPad))
	}
	return c.n
}

// readVectors reads the CVSS vectors of the lower-cased text in sc.lower
// into sc.stated and blanks them and the text's URLs, in the text and in
// the scan's bitmaps, as Tokenize does (blankUnread): spaces are neither
// word characters nor connectors.
func (f *Featurizer) readVectors(sc *scratch) {
	n := len(sc.lower) - lowerPad
	if n == 0 {
		return
	}
	text := unsafe.String(&sc.lower[0], n)
	sc.blank = sc.blank[:0]
	sc.stated.unreadSpans(text, &sc.blank)
	for _, sp := range sc.blank {
		for i := sp.start; i < sp.end; i += copy(sc.lower[i:sp.end], spaces) {
		}
		// The span's bits, a 64-bit word at a time.
		for i := sp.start; i < sp.end; {
			q, lo := i/64, i%64
			hi := min(64, lo+sp.end-i)
			mask := ^uint64(0) >> (64 - (hi - lo)) << lo
			sc.scan.word[q] &^= mask
			sc.scan.conn[q] &^= mask
			sc.scan.colon[q] &^= mask
			i += hi - lo
		}
	}
}

// spaces is what blanked text is copied from.
const spaces = "                                                                "

// tokenCounter is where countTokens is between batches of tokens.
type tokenCounter struct {
	n    int    // tokens so far
	prev uint32 // the previous token's word
	trig uint32 // the tok bits of the tokens so far: tokStated when one is a trigger
}

// count counts a batch of tokens of sc.lower, in two loops: the first
// looks every token up, the second counts the words found. The lookups
// are independent of each other, so the processor overlaps their table
// reads; and each loop keeps its few values in registers.
func (f *Featurizer) count(sc *scratch, c *tokenCounter, toks []span) {
	found := f.lookup(sc.lower, toks, sc.found[:len(toks)])
	// Every word takes the same steps, whatever it is: one that is no
	// term counts into the spare counter, a dropped one adds 0 to n and
	// leaves prev alone. Only a bigram candidate branches.
	words, counts, seen := f.words.words, sc.counts, sc.seen
	n, prev, trig := c.n, c.prev, c.trig
	prevNext := words[prev].next
	for _, wi := range found {
		w := &words[wi]
		tok := w.tok & tokToken
		n += int(tok)
		trig |= w.tok
		counts[w.term]++
		seen[w.term/64] |= 1 << (w.term % 64)
		if prevNext&w.bit != 0 {
			f.countBigram(sc, prev, wi)
		}
		keep := -tok // all ones for a token, which becomes prev
		prev = prev&^keep | wi&keep
		prevNext = prevNext&^uint64(int64(int32(keep))) | w.next&uint64(int64(int32(keep)))
	}
	c.n, c.prev, c.trig = n, prev, trig
}

// lookup sets found[i] to the word of toks[i] in buf (vocabTable.find,
// written out here with the table in registers, and reading both slots
// before selecting one: the selections compile to conditional moves, not
// to branches mispredicted for a good share of tokens), and returns found.
func (f *Featurizer) lookup(buf []byte, toks []span, found []uint32) []uint32 {
	v := f.words
	keys, seed, shift := v.keys, v.seed, v.shift&63
	found = found[:len(toks)]
	for i, t := range toks {
		l := t.end - t.start
		if uint(l) > 16 {
			found[i] = v.findLong(buf[t.start:t.end])
			continue
		}
		b := (*[16]byte)(buf[t.start:])
		m := &keyMasks[l]
		k0 := binary.LittleEndian.Uint64(b[:8]) & m[0]
		k1 := binary.LittleEndian.Uint64(b[8:]) & m[1]
		hi, lo := bits.Mul64(k0^seed, k1^vocabHashK1)
		x := hi ^ lo
		h1, h2 := int(x>>shift), int(x<<vocabH2Shift>>shift)
		key1, key2 := keys[h1], keys[h2]
		// eqMask is all ones when its argument is 0: select the word of
		// the slot that holds the key (both, when h1 == h2; noWord, 0,
		// when none), and dropWord for a token too short.
		wi := key1.word&eqMask((key1.k0^k0)|(key1.k1^k1)) | key2.word&eqMask((key2.k0^k0)|(key2.k1^k1))
		short := eqMask(uint64(l) >> 1) // l < 2
		found[i] = wi&^short | dropWord&short
	}
	return found
}

// eqMask is all ones (as a uint32) when x is 0, else 0.
func eqMask(x uint64) uint32 { return uint32((x|-x)>>63) - 1 }

// countBigram counts the bigram term of words first and second, if any.
func (f *Featurizer) countBigram(sc *scratch, first, second uint32) {
	if b := f.bigrams.find(int32(first), int32(second)); b >= 0 {
		sc.hit(b)
	}
}

// hit counts one occurrence of term t.
func (sc *scratch) hit(t int32) {
	if sc.counts[t] == 0 {
		sc.seen[t/64] |= 1 << (t % 64)
	}
	sc.counts[t]++
}

// lowerPad is how many zero bytes follow the lower-cased text in
// scratch.lower: a token's key loads sixteen bytes from its start
// (vocabTable.find), asciiScan reads whole blocks of 64 bytes.
const lowerPad = 64

// sublinearTF is 1 + ln(count), the sublinear term frequency; small counts
// (nearly all) come from a table of the same values.
func sublinearTF(count int) float64 {
	if count < len(sublinearTable) {
		return sublinearTable[count]
	}
	return 1 + math.Log(float64(count))
}

var sublinearTable = func() (t [64]float64) {
	for i := 1; i < len(t); i++ {
		t[i] = 1 + math.Log(float64(i))
	}
	return t
}()

// lowerASCII lower-cases s as strings.ToLower does. ASCII text (nearly all
// of it) is lower-cased into buf, in the same pass that checks it is
// ASCII, and returned as a string sharing buf's memory, so the result must
// not outlive the next use of buf; other text takes strings.ToLower's
// Unicode path.
func lowerASCII(buf []byte, s string) (string, []byte) {
	buf = slices.Grow(buf[:0], len(s))[:len(s)]
	var high uint64
	i := 0
	for ; i+8 <= len(s); i += 8 {
		x := binary.LittleEndian.Uint64(unsafe.Slice(unsafe.StringData(s[i:]), 8))
		high |= x
		binary.LittleEndian.PutUint64(buf[i:], lowerWord(x))
	}
	for ; i < len(s); i++ {
		c := s[i]
		high |= uint64(c)
		buf[i] = c + lowerShift[c]
	}
	if high&0x8080808080808080 != 0 {
		return strings.ToLower(s), buf
	}
	return unsafe.String(unsafe.SliceData(buf), len(buf)), buf
}

// lowerWord lower-cases the ASCII letters among eight bytes at once
// (Hacker's Delight, 2nd ed., 6-1: a byte is in 'A'..'Z' when adding
// 0x80-'A' sets its high bit and adding 0x80-'Z'-1 does not; the 7-bit
// halves cannot carry into the next byte). Bytes of 0x80 and above are left
// alone.
func lowerWord(x uint64) uint64 {
	const lsbs, msbs = 0x0101010101010101, 0x8080808080808080
	low7 := x &^ msbs
	upper := (low7 + lsbs*(0x80-'A')) &^ (low7 + lsbs*(0x80-'Z'-1)) &^ x & msbs
	return x | upper>>2
}

// lowerShift is what lower-casing adds to an ASCII byte.
var lowerShift = func() (t [256]byte) {
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = 'a' - 'A'
	}
	return t
}()

// sortTail sorts row entries from position start on by index, keeping the
// first occurrence of a repeated index. The tail is the meta features, a
// few dozen entries: a stable insertion sort in place needs no memory;
// longer tails (documents with hundreds of known reference domains) sort a
// permutation in perm, which is returned for reuse.
func sortTail(row *Row, start int, perm []int) []int {
	idx, val := row.Idx[start:], row.Val[start:]
	if len(idx) <= 64 {
		for i := 1; i < len(idx); i++ {
			ki, kv := idx[i], val[i]
			j := i
			for j > 0 && idx[j-1] > ki {
				idx[j], val[j] = idx[j-1], val[j-1]
				j--
			}
			idx[j], val[j] = ki, kv
		}
	} else {
		perm = perm[:0]
		for i := range idx {
			perm = append(perm, i)
		}
		slices.SortStableFunc(perm, func(a, b int) int { return int(idx[a]) - int(idx[b]) })
		ni := make([]int32, len(idx))
		nv := make([]float64, len(idx))
		for i, p := range perm {
			ni[i], nv[i] = idx[p], val[p]
		}
		copy(idx, ni)
		copy(val, nv)
	}
	// Drop repeats, keeping the first (stable order keeps data order).
	n := 0
	for i := range idx {
		if n > 0 && idx[n-1] == idx[i] {
			continue
		}
		idx[n], val[n] = idx[i], val[i]
		n++
	}
	row.Idx, row.Val = row.Idx[:start+n], row.Val[:start+n]
	return perm
}

// isKEVListed reports whether any CVE of the document was in the KEV catalog
// when the document was published (documents without a date use the
// catalog as it is now).
func (f *Featurizer) isKEVListed(d *document.Document) bool {
	if len(f.spec.KEV) == 0 {
		return false
	}
	var day string
	if f.kevID(d, d.ID, &day) {
		return true
	}
	for _, a := range d.Aliases {
		if f.kevID(d, a, &day) {
			return true
		}
	}
	for _, c := range d.Entities["cve"] {
		if f.kevID(d, c, &day) {
			return true
		}
	}
	return false
}

// kevID reports whether id, upper-cased, was in the KEV catalog when d
// was published; day caches d's publication day. Nearly no id is: an
// ASCII id whose hash bit is clear in f.kevFilter is not, without
// upper-casing it or a map lookup.
func (f *Featurizer) kevID(d *document.Document, id string, day *string) bool {
	if h, ascii := kevHash(id); ascii && f.kevFilter[h/64&(kevFilterWords-1)]&(1<<(h%64)) == 0 {
		return false
	}
	added, ok := f.spec.KEV[strings.ToUpper(id)]
	if !ok {
		return false
	}
	if d.Published.IsZero() {
		return true
	}
	if *day == "" {
		*day = d.Published.UTC().Format("2006-01-02")
	}
	return added <= *day
}

// kevFilterWords is the size of Featurizer.kevFilter in 64-bit words.
const kevFilterWords = 256

// kevHash hashes the length and the last eight bytes of s with its ASCII
// lower-case letters upper-cased, as strings.ToUpper does ASCII (ids
// differ most in their last digits); false when s is not all ASCII (and
// the hash does not stand for strings.ToUpper(s)).
func kevHash(s string) (uint64, bool) {
	var high, last uint64
	if len(s) >= 8 {
		for i := 0; i < len(s)-8; i += 8 {
			high |= binary.LittleEndian.Uint64(unsafe.Slice(unsafe.StringData(s[i:]), 8))
		}
		last = binary.LittleEndian.Uint64(unsafe.Slice(unsafe.StringData(s[len(s)-8:]), 8))
	} else {
		for i := len(s) - 1; i >= 0; i-- {
			last = last<<8 | uint64(s[i])
		}
	}
	high |= last
	low7 := last &^ msbs
	lower := (low7 + lsbs*(0x80-'a')) &^ (low7 + lsbs*(0x7f-'z')) &^ last & msbs
	last -= lower >> 2 // 'a'–'z' to 'A'–'Z'
	h := (last ^ uint64(len(s))<<56 ^ uint64(len(s))) * 0x9E3779B97F4A7C15
	return h >> 32, high&msbs == 0
}

// newKEVFilter sets the hash bit of every KEV id: an upper-cased ASCII id
// equal to one hashes to its bit.
func newKEVFilter(kev map[string]string) *[kevFilterWords]uint64 {
	var filter [kevFilterWords]uint64
	for id := range kev {
		h, _ := kevHash(id)
		filter[h/64&(kevFilterWords-1)] |= 1 << (h % 64)
	}
	return &filter
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
	var seen map[string]bool // only for long lists; short ones scan out
	if len(refs) > 32 {
		seen = map[string]bool{}
	}
	for _, r := range refs {
		h, ok := referenceDomain(r)
		if !ok {
			continue
		}
		if seen != nil {
			if seen[h] {
				continue
			}
			seen[h] = true
		} else if slices.Contains(out, h) {
			continue
		}
		out = append(out, h)
	}
	return out
}

// referenceDomain is one reference URL's lower-cased host without a
// leading "www.", or false when the reference is not a URL with a host.
func referenceDomain(ref string) (string, bool) {
	host, _, ok := ReferenceURL(ref)
	if !ok || host == "" {
		return "", false
	}
	return strings.TrimPrefix(strings.ToLower(host), "www."), true
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
