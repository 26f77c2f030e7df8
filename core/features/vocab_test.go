package features

import (
	"slices"
	"strings"
	"testing"
)

// asciiSpans is nextTokensASCII over all of s (ASCII), batch by batch of
// size batch, through a padded buffer as featurising uses it.
func asciiSpans(s string, batch int) []span {
	buf := append([]byte(s), make([]byte, lowerPad)...)
	var all []span
	toks := make([]span, batch)
	for i := 0; i < len(s); {
		var got []span
		got, i = nextTokensASCII(buf, len(s), i, toks[:0])
		all = append(all, got...)
	}
	return all
}

// stringSpans is nextTokens over all of s, batch by batch.
func stringSpans(s string, batch int) []span {
	var all []span
	toks := make([]span, batch)
	for i := 0; i < len(s); {
		var got []span
		got, i = nextTokens(s, i, toks[:0])
		all = append(all, got...)
	}
	return all
}

func checkSpans(t *testing.T, s string) {
	t.Helper()
	want := stringSpans(s, 1<<20)
	for _, batch := range []int{1, 2, 3, 128} {
		if got := stringSpans(s, batch); !slices.Equal(got, want) {
			t.Fatalf("nextTokens(%q) in batches of %d = %v, in one %v", s, batch, got, want)
		}
		if !isASCII(s) {
			continue
		}
		if got := asciiSpans(s, batch); !slices.Equal(got, want) {
			t.Fatalf("nextTokensASCII(%q) in batches of %d = %v, nextTokens %v", s, batch, got, want)
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

func TestNextTokensASCII(t *testing.T) {
	for _, s := range []string{
		"", "a", "ab", " ab ", "abcdefgh", "abcdefghijklmnop", "abcdefghijklmnopq",
		"abcdefghijklmnopqrstuvwxyz0123456789_ABCDEFGHIJKLMNOPQRSTUVWXYZ",
		"a.b", "a.", ".a", "a..b", "a::b", "a:b", "a:::b", "a::", "1.2.3.", "x-y-z -w",
		"/etc/passwd", "org.apache.commons: text", "foo_bar() and net::http::get",
		"\x00a\x00b", "@[`{ Z A z a ~\x7f", strings.Repeat("x", 100) + " " + strings.Repeat("ab.", 40),
		"the quick brown fox jumps over the lazy dog, then: sleeps.",
	} {
		checkSpans(t, s)
		checkSpans(t, strings.ToUpper(s))
	}
}

// TestWordBytes checks the SWAR word test against asciiWord, byte by byte
// in every position.
func TestWordBytes(t *testing.T) {
	for c := range 256 {
		for pos := range 8 {
			x := uint64(c)<<(8*pos) | 0x2020202020202020&^(0xff<<(8*pos))
			want := uint64(0)
			if asciiWord[c] {
				want = 0x80 << (8 * pos)
			}
			if got := wordBytes(x); got != want {
				t.Fatalf("wordBytes(%#x) = %#x, want %#x", x, got, want)
			}
		}
	}
}

func FuzzNextTokens(f *testing.F) {
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
	spare := int32(len(vocabTerms))
	v, pairs := newVocabulary(vocabTerms, spare)
	term := map[string]int32{}
	for i, tm := range vocabTerms {
		term[tm] = int32(i)
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

func checkWord(t *testing.T, v *vocabTable, term map[string]int32, spare int32, p string) {
	t.Helper()
	w := v.words[v.lookup(p)]
	dropped := len(p) < 2 || len(p) > 64 || isStopWord(p)
	if (w.drop == 1) != dropped {
		t.Fatalf("word %q: drop %d, want %v", p, w.drop, dropped)
	}
	want, ok := term[p]
	if !ok || dropped {
		want = spare
	}
	if w.term != want {
		t.Fatalf("word %q: term %d, want %d", p, w.term, want)
	}
}

func checkPair(t *testing.T, v *vocabTable, pairs *pairTable, term map[string]int32, a, b string) {
	t.Helper()
	if a == "" || b == "" || strings.Contains(a, " ") || strings.Contains(b, " ") {
		return
	}
	ia, ib := v.lookup(a), v.lookup(b)
	wa, wb := v.words[ia], v.words[ib]
	if wa.drop == 1 || wb.drop == 1 {
		return // never a pair of tokens
	}
	want, ok := term[a+" "+b]
	got := int32(-1)
	if wa.next&wb.bit != 0 {
		got = pairs.find(int32(ia), int32(ib))
	}
	if !ok {
		want = -1
	}
	if got != want {
		t.Fatalf("pair %q %q: term %d, want %d", a, b, got, want)
	}
}

func FuzzVocabularyFind(f *testing.F) {
	f.Add("remote code execution", "remote")
	f.Add("org.apache.commons.text stringsubstitutor", "org.apache.commons.tex")
	f.Fuzz(func(t *testing.T, terms, probe string) {
		list := append(strings.Split(terms, ","), vocabTerms...)
		spare := int32(len(list))
		v, pairs := newVocabulary(list, spare)
		term := map[string]int32{}
		for i, tm := range list {
			term[tm] = int32(i)
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
