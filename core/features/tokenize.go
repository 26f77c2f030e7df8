package features

import (
	"unicode"
	"unicode/utf8"
)

// Tokenize splits lower-cased text into word tokens, keeping security tokens
// whole: CVE and CWE ids (cve-2024-3094), versions (1.2.3), file paths
// (/etc/passwd, wp-admin/admin-ajax.php), function names (foo_bar, foo::bar)
// and dotted names (org.apache.commons). Connectors (. - / :) stay inside a
// token only between two word characters, so sentence punctuation never
// sticks to a word. Stop words and one-letter tokens are dropped, and so
// are CVSS vectors ("cvss:3.1/av:n/ac:l/…"): their fragments are no words,
// and what they state is read as the stated:* features; and so are URLs
// ("https://github.com/…", "www.example.com/…"; urlSpans), whose pieces
// are no words either.
//
// The callback form lets featurisation run without allocating a slice of
// strings per document.
func Tokenize(text string, emit func(tok string)) {
	text = blankUnread(text)
	start := -1
	n := len(text)
	for i := 0; i < n; {
		r, size := rune(text[i]), 1
		if r < utf8.RuneSelf {
			if asciiWord[r] {
				if start < 0 {
					start = i
				}
				for i++; i < n && asciiWord[text[i]]; i++ {
				}
				continue
			}
		} else {
			r, size = utf8.DecodeRuneInString(text[i:])
			if isWord(r) {
				if start < 0 {
					start = i
				}
				i += size
				continue
			}
		}
		if start >= 0 && isConnector(r) {
			// A connector joins two word characters: "1.2", "a/b", "x-y", "a::b".
			j := i + size
			if r == ':' {
				if j >= n || text[j] != ':' {
					j = -1
				} else {
					j++
				}
			}
			if j > 0 && j < n && wordAt(text, j) {
				i = j
				continue
			}
		}
		if start >= 0 {
			emitToken(text[start:i], emit)
			start = -1
		}
		i += size
	}
	if start >= 0 {
		emitToken(text[start:], emit)
	}
}

func emitToken(tok string, emit func(string)) {
	if len(tok) < 2 || len(tok) > 64 || isStopWord(tok) {
		return
	}
	emit(tok)
}

// span is a word run's place in its text: text[start:end].
type span struct{ start, end int }

func isWord(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' ||
		r >= 'A' && r <= 'Z' || r > 0x7f && (unicode.IsLetter(r) || unicode.IsDigit(r))
}

// asciiWord is isWord for the bytes below U+0080 (false for the others,
// which start or continue multi-byte characters).
var asciiWord = func() (t [256]bool) {
	for c := range utf8.RuneSelf {
		t[c] = isWord(rune(c))
	}
	return t
}()

// wordAt reports whether a word character starts at text[j].
func wordAt(text string, j int) bool {
	if c := text[j]; c < utf8.RuneSelf {
		return asciiWord[c]
	}
	r, _ := utf8.DecodeRuneInString(text[j:])
	return isWord(r)
}

func isConnector(r rune) bool { return r == '.' || r == '-' || r == '/' || r == ':' }

// isStopWord reports whether tok is one of stopWords. They are all short
// enough to be packed with their length into a uint64, looked up in a
// small open-addressing table: a token costs a multiplication and a
// comparison or two instead of a string map lookup (a tenth of the time
// of featurising a document).
func isStopWord(tok string) bool {
	if len(tok) > maxStopWord {
		return false
	}
	k := packWord(tok)
	for h := stopSlot(k); stopTable[h] != 0; h = (h + 1) % len(stopTable) {
		if stopTable[h] == k {
			return true
		}
	}
	return false
}

// maxStopWord bounds the length of the words packWord can pack.
const maxStopWord = 7

// packWord packs a word of at most maxStopWord bytes and its length into a
// non-zero uint64.
func packWord(w string) uint64 {
	k := uint64(len(w)) << 56
	for i := 0; i < len(w); i++ {
		k |= uint64(w[i]) << (8 * i)
	}
	return k
}

func stopSlot(k uint64) int { return int((k * 0x9E3779B97F4A7C15) >> 56) }

// stopTable holds the packed stop words (Fibonacci hashing, linear probing;
// zero marks an empty slot).
var stopTable = func() (t [256]uint64) {
	for _, w := range stopWords {
		if len(w) > maxStopWord {
			panic("features: stop word " + w + " too long to pack")
		}
		k := packWord(w)
		h := stopSlot(k)
		for t[h] != 0 && t[h] != k {
			h = (h + 1) % len(t)
		}
		t[h] = k
	}
	return t
}()

// stopWords are English function words that carry no severity signal; they
// are dropped before n-grams are formed so bigrams pair content words.
var stopWords = [...]string{
	"the", "a", "an", "and", "or", "of", "to", "in",
	"on", "for", "with", "by", "is", "are", "was", "were",
	"be", "been", "it", "its", "this", "that", "these",
	"those", "as", "at", "from", "which", "has", "have",
	"had", "but", "not", "if", "into", "than", "then",
	"there", "their", "they", "such", "also", "when", "where",
	"who", "whom", "will", "would", "can", "could", "may",
	"might", "should", "do", "does", "did", "so", "some",
	"any", "all", "other", "more", "most", "via", "within",
	"we", "our", "you", "your", "he", "she", "his", "her",
	"them", "what", "about", "over", "under", "only", "both",
}

// lsbs and msbs are the constants of the eight-bytes-at-a-time (SWAR)
// byte tests: the low and the high bit of every byte.
const (
	lsbs = 0x0101010101010101
	msbs = 0x8080808080808080
)
