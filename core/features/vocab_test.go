package features

import (
	"encoding/binary"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/cyberstreams/cyberstreams/core/document"
)

// asciiSpans is asciiScan over all of s (ASCII), batch by batch of size
// batch (at least 34), as featurising uses it, and the lower-cased text.
func asciiSpans(s string, batch int) ([]span, string) {
	var sc asciiScan
	buf, ascii := sc.lowerClassify([]byte("stale"), s)
	if !ascii {
		panic("asciiSpans of non-ASCII text")
	}
	if len(buf) != len(s)+lowerPad || string(buf[len(s):]) != string(make([]byte, lowerPad)) {
		panic("lowerClassify: bad padding")
	}
	var all []span
	toks := make([]span, batch)
	for {
		got := sc.next(toks[:0])
		if len(got) == 0 {
			return all, string(buf[:len(s)])
		}
		all = append(all, got...)
	}
}

// unicodeSpans is asciiScan after lowerClassifyUnicode over all of s, and
// the lower-cased text.
func unicodeSpans(s string) ([]span, string) {
	var sc asciiScan
	// Stale bitmaps from a longer text must not leak in.
	sc.lowerClassify(nil, strings.Repeat("Ab-c::d ", 64))
	buf := sc.lowerClassifyUnicode([]byte("stale"), s)
	var all []span
	for {
		got := sc.next(make([]span, 0, 40))
		if len(got) == 0 {
			return all, string(buf[:len(buf)-lowerPad])
		}
		all = append(all, got...)
	}
}

// checkSpans holds Tokenize and asciiScan to the reference scan.
func checkSpans(t *testing.T, s string) {
	t.Helper()
	checkTokenizeMatchesReference(t, s)
	// asciiScan reads the text lower-cased; so does featurising.
	lower := strings.ToLower(s)
	want := referenceSpans(lower)
	if got, text := unicodeSpans(s); !slices.Equal(got, want) || text != lower {
		t.Fatalf("asciiScan.lowerClassifyUnicode(%q) = %v over %q, reference %v over %q", s, got, text, want, lower)
	}
	if !isASCII(s) {
		return
	}
	for _, batch := range []int{34, 35, 100, 256} {
		got, text := asciiSpans(s, batch)
		if !slices.Equal(got, want) {
			t.Fatalf("asciiScan(%q) in batches of %d = %v, reference %v", s, batch, got, want)
		}
		if text != lower {
			t.Fatalf("asciiScan(%q) lower-cased it to %q", s, text)
		}
	}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func FuzzLowerInto(f *testing.F) {
	f.Add("Größe ÜBER İstanbul ΣΊΣΥΦΟΣ \xff\xfe ok")
	f.Add("\xef\xbf\xbd \xe2\x80 A")
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := string(lowerInto([]byte("stale")[:0], s)), strings.ToLower(s); got != want {
			t.Fatalf("lowerInto(%q) = %q, strings.ToLower %q", s, got, want)
		}
	})
}

func TestAsciiScan(t *testing.T) {
	for _, s := range []string{
		"", "a", "ab", " ab ", "abcdefgh", "abcdefghijklmnop", "abcdefghijklmnopq",
		"abcdefghijklmnopqrstuvwxyz0123456789_ABCDEFGHIJKLMNOPQRSTUVWXYZ",
		"a.b", "a.", ".a", "a..b", "a::b", "a:b", "a:::b", "a::", "1.2.3.", "x-y-z -w",
		"/etc/passwd", "org.apache.commons: text", "foo_bar() and net::http::get",
		"\x00a\x00b", "@[`{ Z A z a ~\x7f", strings.Repeat("x", 100) + " " + strings.Repeat("ab.", 40),
		"the quick brown fox jumps over the lazy dog, then: sleeps.",
		"a.:b", "ab:::cd", "a:b::c", "a.-b", "a-:b", "a::::b",
		strings.Repeat("a", 63) + "." + strings.Repeat("b", 64) + "::" + "c",
		strings.Repeat("ab ", 21) + "a::b", strings.Repeat("x", 62) + "::y", strings.Repeat("x", 63) + "::y",
		strings.Repeat("x", 64), strings.Repeat("x", 128), strings.Repeat("x ", 32), strings.Repeat(" x", 32),
		strings.Repeat("1.", 100), strings.Repeat("a ", 200),
		"größe überlauf", "İSTANBUL Straße ΣΊΣΥΦΟΣ", "a’b “quoted” x—y", "ü.ö ü::ö ü-.ö",
		strings.Repeat("é", 40) + "::" + strings.Repeat("ß", 40), strings.Repeat("x", 63) + "é.b",
		"٣٤.٥ x\xffy \xe2\x80 z\xef\xbf\xbdw", strings.Repeat("ab ", 20) + "日本語のテキスト " + strings.Repeat("Σ", 30),
	} {
		checkSpans(t, s)
		checkSpans(t, strings.ToUpper(s))
	}
}

// TestMovemask checks the bit packing on every pattern of high bits.
func TestMovemask(t *testing.T) {
	for p := range 256 {
		var m uint64
		for i := range 8 {
			if p>>i&1 != 0 {
				m |= 0x80 << (8 * i)
			}
		}
		if got := movemask(m); got != uint64(p) {
			t.Fatalf("movemask(%#x) = %#x, want %#x", m, got, p)
		}
	}
}

// TestLowerClass checks the SWAR lower-casing and byte classes against
// the byte tables, for every ASCII byte in every position among others.
func TestLowerClass(t *testing.T) {
	for c := range 128 {
		for _, fill := range []byte{0, ' ', 'Z', 'a', ':', '_', 0x7f} {
			for pos := range 8 {
				var b [8]byte
				for i := range b {
					b[i] = fill
				}
				b[pos] = byte(c)
				x := binary.LittleEndian.Uint64(b[:])
				lo, word, conn, colon := lowerClass(x)
				var wl [8]byte
				var ww, wc, wcol uint64
				for i, v := range b {
					wl[i] = v + lowerShift[v]
					if asciiWord[v] {
						ww |= 0x80 << (8 * i)
					}
					if v == '.' || v == '-' || v == '/' {
						wc |= 0x80 << (8 * i)
					}
					if v == ':' {
						wcol |= 0x80 << (8 * i)
					}
				}
				if lo != binary.LittleEndian.Uint64(wl[:]) || word != ww || conn != wc || colon != wcol {
					t.Fatalf("lowerClass(%q) = %#x %#x %#x %#x, want %q %#x %#x %#x", b, lo, word, conn, colon, wl, ww, wc, wcol)
				}
			}
		}
	}
}

func FuzzScanSpans(f *testing.F) {
	f.Add("cve-2024-1234 in foo::bar 1.2.3 the And a::")
	f.Add("::a:b..c//d--\xff\xe2\x80 İ_x ٣٤.٥")
	f.Fuzz(func(t *testing.T, s string) {
		checkSpans(t, s)
	})
}

// vocabTerms are terms exercising the vocabulary: words, bigrams, words
// only in bigrams, stop words as terms and in bigrams, long words, words
// sharing their first sixteen bytes, repeated terms, odd terms.
var vocabTerms = []string{
	"remote", "remote code", "code execution", "execution", "the", "the remote",
	"remote the", "org.apache.commons.text", "org.apache.commons.text2",
	"org.apache.commons.text stringsubstitutor", "abcdefgh", "abcdefghi",
	"abcdefghijklmnop", "abcdefghijklmnopq", "remote", "a", "", " ", "x  y", "a b c",
	"ab\x00", strings.Repeat("z", 64), strings.Repeat("z", 65), "1.2.3 earlier",
	"heap heap", "Upper", "größe", "größe überlauf",
	"org.apache.commons.texa", "org.apache.commons.texb", "org.apache.commons.texc",
	"org.apache.commons.texd org.apache.commons.texe", "org.apache.commons.texe",
}

// TestVocabularyFind checks every lookup against the plain definition: a
// token's term is the last index of the term equal to it, its bigram's the
// last index of "first second"; stop words and tokens of a length Tokenize
// drops are dropped.
func TestVocabularyFind(t *testing.T) {
	spare := uint32(len(vocabTerms))
	v, pairs := newVocabulary(vocabTerms, spare)
	term := map[string]uint32{}
	for i, tm := range vocabTerms {
		term[tm] = uint32(i)
	}
	var probes []string
	for _, tm := range vocabTerms {
		probes = append(probes, tm, strings.ToUpper(tm), tm+"x", strings.TrimSuffix(tm, "t"))
		probes = append(probes, strings.Fields(tm)...)
	}
	probes = append(probes, stopWords[:]...)
	probes = append(probes, "ab", "abcdefghijklmnopqrstuvwxyz", "zz", "t")
	for _, p := range probes {
		if p == "" || strings.Contains(p, " ") {
			continue
		}
		checkWord(t, v, term, spare, p)
	}
	for _, a := range probes {
		for _, b := range probes {
			checkPair(t, v, pairs, term, a, b)
		}
	}
}

func checkWord(t *testing.T, v *vocabTable, term map[string]uint32, spare uint32, p string) {
	t.Helper()
	if strings.IndexByte(p, 0) >= 0 {
		return // no token holds a zero byte; the table need not know such words
	}
	w := v.words[v.lookup(p)]
	dropped := len(p) < 2 || len(p) > 64 || isStopWord(p)
	if (w.tok == 0) != dropped {
		t.Fatalf("word %q: tok %d, want dropped %v", p, w.tok, dropped)
	}
	want, ok := term[p]
	if !ok || dropped {
		want = spare
	}
	if w.term != want {
		t.Fatalf("word %q: term %d, want %d", p, w.term, want)
	}
}

func checkPair(t *testing.T, v *vocabTable, pairs *pairTable, term map[string]uint32, a, b string) {
	t.Helper()
	if a == "" || b == "" || strings.Contains(a, " ") || strings.Contains(b, " ") || strings.ContainsRune(a+b, 0) {
		return
	}
	ia, ib := v.lookup(a), v.lookup(b)
	wa, wb := v.words[ia], v.words[ib]
	if wa.tok == 0 || wb.tok == 0 {
		return // never a pair of tokens
	}
	want, ok := term[a+" "+b]
	got := int32(-1)
	wantTerm := int32(want)
	if wa.next&wb.bit != 0 {
		got = pairs.find(int32(ia), int32(ib))
	}
	if !ok {
		wantTerm = -1
	}
	if got != wantTerm {
		t.Fatalf("pair %q %q: term %d, want %d", a, b, got, wantTerm)
	}
}

func FuzzVocabularyFind(f *testing.F) {
	f.Add("remote code execution", "remote")
	f.Add("org.apache.commons.text stringsubstitutor", "org.apache.commons.tex")
	f.Fuzz(func(t *testing.T, terms, probe string) {
		list := append(strings.Split(terms, ","), vocabTerms...)
		spare := uint32(len(list))
		v, pairs := newVocabulary(list, spare)
		term := map[string]uint32{}
		for i, tm := range list {
			term[tm] = uint32(i)
		}
		for _, p := range append(strings.Fields(probe), strings.Fields(terms)...) {
			checkWord(t, v, term, spare, p)
		}
		fields := strings.Fields(probe)
		for i := 1; i < len(fields); i++ {
			checkPair(t, v, pairs, term, fields[i-1], fields[i])
		}
	})
}

// FuzzKEVFilter: the KEV prefilter never turns away an id whose
// upper-cased form is in the catalog.
func FuzzKEVFilter(f *testing.F) {
	f.Add("cve-2021-44228", "CVE-2024-3094")
	f.Add("Cve-2019-0708", "ÇVE-1")
	f.Fuzz(func(t *testing.T, id, other string) {
		filter := newKEVFilter(map[string]string{strings.ToUpper(id): "2021-12-10", other: "2020-01-01"})
		h, ascii := kevHash(id)
		if ascii && filter[h/64&(kevFilterWords-1)]&(1<<(h%64)) == 0 {
			t.Fatalf("kevHash(%q) bit clear for catalog id %q", id, strings.ToUpper(id))
		}
	})
}

// TestTransformEmptyVocabulary: a spec without terms (and without KEV,
// groups or numeric features) featurises text to nothing, without
// tripping over the spare counter or an empty table.
func TestTransformEmptyVocabulary(t *testing.T) {
	f := New(&Spec{Version: SpecVersion})
	for _, text := range []string{"", "a", "the remote code execution", "İstanbul größe ÇELİK", strings.Repeat("x.y ", 500)} {
		row := f.Transform(&document.Document{Title: text, Body: text})
		if len(row.Idx) != 0 {
			t.Errorf("Transform(%q) = %v, want no features", text, row.Idx)
		}
	}
}

// TestPairTableWide: the map a vocabulary of more than 65535 words keeps
// its pairs in answers as the packed table does.
func TestPairTableWide(t *testing.T) {
	pairs := map[uint64]int32{2<<32 | 3: 7, 3<<32 | 2: 8, 65535<<32 | 65535: 9, 2<<32 | 2: 10}
	narrow, wide := newPairTable(maps.Clone(pairs), 1<<16), newPairTable(maps.Clone(pairs), 1<<16+1)
	if wide.wide == nil || narrow.wide != nil {
		t.Fatal("newPairTable chose the wrong layout")
	}
	for a := range int32(6) {
		for _, b := range []int32{0, 1, 2, 3, 4, 65535} {
			for _, first := range []int32{a, 65535} {
				want := int32(-1)
				if tm, ok := pairs[uint64(first)<<32|uint64(b)]; ok {
					want = tm
				}
				if got := narrow.find(first, b); got != want {
					t.Errorf("narrow.find(%d, %d) = %d, want %d", first, b, got, want)
				}
				if got := wide.find(first, b); got != want {
					t.Errorf("wide.find(%d, %d) = %d, want %d", first, b, got, want)
				}
			}
		}
	}
}
