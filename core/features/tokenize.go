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
// sticks to a word. Stop words and one-letter tokens are dropped.
//
// The callback form lets featurisation run without allocating a slice of
// strings per document.
func Tokenize(text string, emit func(tok string)) {
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
			// A connector joins two word characters: "1.2", "a/b", "x-y", "a::b".
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
	if len(tok) < 2 || len(tok) > 64 || stopWords[tok] {
		return
	}
	emit(tok)
}

func isWord(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' ||
		r >= 'A' && r <= 'Z' || r > 0x7f && (unicode.IsLetter(r) || unicode.IsDigit(r))
}

func isConnector(r rune) bool { return r == '.' || r == '-' || r == '/' || r == ':' }

// stopWords are English function words that carry no severity signal; they
// are dropped before n-grams are formed so bigrams pair content words.
var stopWords = map[string]bool{
	"the": true, "a": true, "an": true, "and": true, "or": true, "of": true, "to": true, "in": true,
	"on": true, "for": true, "with": true, "by": true, "is": true, "are": true, "was": true, "were": true,
	"be": true, "been": true, "it": true, "its": true, "this": true, "that": true, "these": true,
	"those": true, "as": true, "at": true, "from": true, "which": true, "has": true, "have": true,
	"had": true, "but": true, "not": true, "if": true, "into": true, "than": true, "then": true,
	"there": true, "their": true, "they": true, "such": true, "also": true, "when": true, "where": true,
	"who": true, "whom": true, "will": true, "would": true, "can": true, "could": true, "may": true,
	"might": true, "should": true, "do": true, "does": true, "did": true, "so": true, "some": true,
	"any": true, "all": true, "other": true, "more": true, "most": true, "via": true, "within": true,
	"we": true, "our": true, "you": true, "your": true, "he": true, "she": true, "his": true, "her": true,
	"them": true, "what": true, "about": true, "over": true, "under": true, "only": true, "both": true,
}
