package features

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestTokenize(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"remote code execution in the parser", []string{"remote", "code", "execution", "parser"}},
		{"fixed in 1.2.3.", []string{"fixed", "1.2.3"}},
		{"see cve-2024-3094 and cwe-79,", []string{"see", "cve-2024-3094", "cwe-79"}},
		{"reads /etc/passwd via ../x", []string{"reads", "etc/passwd"}},
		{"calls foo_bar() and net::http::get", []string{"calls", "foo_bar", "net::http::get"}},
		{"org.apache.commons: text", []string{"org.apache.commons", "text"}},
		{"use-after-free - heap", []string{"use-after-free", "heap"}},
		{"a: b", nil},
		{"größe überlauf", []string{"größe", "überlauf"}},
	}
	for _, tt := range tests {
		var got []string
		Tokenize(tt.in, func(s string) { got = append(got, s) })
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Tokenize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzTokenize(f *testing.F) {
	f.Add("cve-2024-1234 in foo::bar 1.2.3")
	f.Add("::a:b..c//d--")
	f.Fuzz(func(t *testing.T, s string) {
		Tokenize(s, func(tok string) {
			if len(tok) < 2 || len(tok) > 64 {
				t.Fatalf("token %q out of length bounds", tok)
			}
		})
	})
}

// referenceTokenize is Tokenize as first written — rune by rune, stop words
// in a map — kept as the oracle for the table-driven version.
func referenceTokenize(text string, emit func(tok string)) {
	stop := map[string]bool{}
	for _, w := range stopWords {
		stop[w] = true
	}
	text = blankVectors(text)
	for _, sp := range referenceSpans(text) {
		if tok := text[sp.start:sp.end]; len(tok) >= 2 && len(tok) <= 64 && !stop[tok] {
			emit(tok)
		}
	}
}

// referenceSpans are the word runs of text, before the length and stop
// word filters: referenceTokenize's scan, and the oracle for asciiScan.
func referenceSpans(text string) []span {
	var out []span
	start := -1
	n := len(text)
	for i := 0; i < n; {
		r, size := rune(text[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(text[i:])
		}
		if isWord(r) {
			if start < 0 {
				start = i
			}
			i += size
			continue
		}
		if start >= 0 && isConnector(r) {
			j := i + size
			if r == ':' {
				if j >= n || text[j] != ':' {
					j = -1
				} else {
					j++
				}
			}
			if j > 0 && j < n {
				next, _ := utf8.DecodeRuneInString(text[j:])
				if isWord(next) {
					i = j
					continue
				}
			}
		}
		if start >= 0 {
			out = append(out, span{start, i})
			start = -1
		}
		i += size
	}
	if start >= 0 {
		out = append(out, span{start, n})
	}
	return out
}

func checkTokenizeMatchesReference(t *testing.T, s string) {
	t.Helper()
	var got, want []string
	Tokenize(s, func(tok string) { got = append(got, tok) })
	referenceTokenize(s, func(tok string) { want = append(want, tok) })
	if !slices.Equal(got, want) {
		t.Fatalf("Tokenize(%q) = %q, reference %q", s, got, want)
	}
}

// TestStopWordTable: the packed table holds exactly the stop words.
func TestStopWordTable(t *testing.T) {
	for _, w := range stopWords {
		if !isStopWord(w) {
			t.Errorf("%q not found", w)
		}
		for _, v := range []string{w + "s", w[1:], strings.ToUpper(w), w + "\x00", "x" + w} {
			if isStopWord(v) != slices.Contains(stopWords[:], v) {
				t.Errorf("isStopWord(%q) = %v", v, isStopWord(v))
			}
		}
	}
	for _, s := range []string{"", "x", "theater", "withins", "security", "ab\x00", "\x00\x00\x00"} {
		checkTokenizeMatchesReference(t, s)
		if isStopWord(s) {
			t.Errorf("isStopWord(%q) = true", s)
		}
	}
}

func FuzzTokenizeMatchesReference(f *testing.F) {
	f.Add("cve-2024-1234 in foo::bar 1.2.3 the And größe::ü -x- a::")
	f.Add("::a:b..c//d--\xff\xe2\x80 İ_x ٣٤.٥")
	f.Fuzz(func(t *testing.T, s string) {
		checkTokenizeMatchesReference(t, s)
		checkTokenizeMatchesReference(t, strings.ToLower(s))
	})
}

func FuzzLowerASCII(f *testing.F) {
	f.Add("Remote Code EXECUTION in @[`{ Z A z a", 3)
	f.Add("ÀÉ mixed İ ascii ABCDEFGHIJKLMNOPQRSTUVWXYZ", 0)
	f.Fuzz(func(t *testing.T, s string, cap int) {
		buf := make([]byte, 0, max(0, cap%64))
		got, _ := lowerASCII(buf, s)
		if want := strings.ToLower(s); got != want {
			t.Fatalf("lowerASCII(%q) = %q, strings.ToLower %q", s, got, want)
		}
	})
}
