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
		// URLs are blanked, whatever follows them; "http" in prose is a word.
		{"references: https://github.com/a/b/issues/1 https://www.openwall.com/x.", []string{"references"}},
		{"see (http://x.org/a_b) and www.example.com/p?q=1, next http request", []string{"see", "next", "http", "request"}},
		{"[fix](https://git.io/x)done git+ssh://h/p ftp://h 1http://xy", []string{"fix", "done", "1http", "xy"}},
		{"foo.www.bar swww.x www. www.x", []string{"foo.www.bar", "swww.x", "www"}},
		{"https:// xx ://yy", []string{"xx", "yy"}},
		{"lien https://exemple.fr/été ok", []string{"lien", "été", "ok"}},
		// Sentences run together part; dotted names do not.
		{"allows reflected xss.this issue. and.the\nend.it", []string{"allows", "reflected", "xss", "issue", "end"}},
		{"org.apache.commons index.php ab.the.cd this.props ab.it", []string{"org.apache.commons", "index.php", "ab.the.cd", "this.props", "ab"}},
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
	text = blankUnread(text)
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

// FuzzURLSpans holds urlSpans to what a URL span is: in order and apart,
// starting with a letter at the start of a word, holding "://" after its
// scheme or starting with "www.", and running only through URL bytes
// after them; blanking them twice blanks nothing more.
func FuzzURLSpans(f *testing.F) {
	f.Add("see https://github.com/a/b (www.x.org/y) git+ssh://h/p 1http://x www. foo.www.bar")
	f.Add("http://é https:// ://x wwww.x.y")
	f.Fuzz(func(t *testing.T, s string) {
		text := strings.ToLower(s)
		var spans []span
		urlSpans(text, &spans)
		end := 0
		for _, sp := range spans {
			if sp.start < end || sp.end > len(text) || sp.start >= sp.end {
				t.Fatalf("urlSpans(%q): span %v after %d", text, sp, end)
			}
			end = sp.end
			u := text[sp.start:sp.end]
			if !isLetter(u[0]) || sp.start > 0 && (isWordByte(text[sp.start-1])) {
				t.Fatalf("urlSpans(%q): %q starts no word", text, u)
			}
			rest := strings.TrimPrefix(u, "www.")
			if len(rest) == len(u) {
				k := strings.Index(u, "://")
				if k < 0 || strings.IndexFunc(u[:k], func(r rune) bool { return r > 0x7f || !isSchemeByte(byte(r)) }) >= 0 {
					t.Fatalf("urlSpans(%q): %q has no scheme", text, u)
				}
				rest = u[k+3:]
			}
			for i := 0; i < len(rest); i++ {
				if !urlByte[rest[i]] {
					t.Fatalf("urlSpans(%q): %q runs through %q", text, u, rest[i])
				}
			}
			if sp.end < len(text) && urlByte[text[sp.end]] {
				t.Fatalf("urlSpans(%q): %q stops short", text, u)
			}
		}
		once := blankUnread(text)
		if twice := blankUnread(once); twice != once {
			t.Fatalf("blankUnread(%q) = %q, again %q", text, once, twice)
		}
	})
}

func TestUnreadTerm(t *testing.T) {
	for _, c := range []struct {
		term string
		want bool
	}{
		{"530dbfa3", true},
		{"commit 530dbfa3", true},
		{"2c74674348a4708ced58ad6eb1b23", true},
		{"abc1234", true},
		{"v1.0_20221108 specially", true},
		{"commerce 4.12.56860", true},
		{"1234567", true},   // a long run of digits
		{"deadbeef", false}, // hex, but no digit: a word
		{"a1b2c3", false},   // too short for a hash
		{"cve-2021-44228", false},
		{"remote code", false},
		{"2.14.1", false},
		{"port 8080", false},
		{"reflected xss.this", true},
		{"injection.this issue", true},
		{"org.apache.commons", false},
		{"node.js", false},
		{"index.php", false},
		{"1.2.3", false},
	} {
		if got := unreadTerm(c.term); got != c.want {
			t.Errorf("unreadTerm(%q) = %v, want %v", c.term, got, c.want)
		}
	}
}
