package features

import (
	"slices"
	"strings"
)

// urlSpans appends to spans the URLs of lower-cased text: from a scheme
// ("https://", "ftp://", "git+ssh://") or a "www." that starts a word, to
// the next space, quote, bracket or non-ASCII byte. Tokenize blanks them:
// their pieces ("https", "www.openwall.com/lists/oss-security/2019/04/12/2",
// the "https https" of two links in a row) are no words an analyst reads
// as a reason, and what a reference says of an advisory is read from its
// domain (the refdomain features) instead.
func urlSpans(text string, spans *[]span) {
	first := len(*spans)
	for i := 0; i < len(text); {
		j := strings.Index(text[i:], "://")
		if j < 0 {
			break
		}
		j += i
		start := j
		for start > i && isSchemeByte(text[start-1]) {
			start--
		}
		for start < j && !isLetter(text[start]) {
			start++ // a scheme starts with a letter
		}
		if start == j || start > 0 && isWordByte(text[start-1]) {
			i = j + 3
			continue
		}
		end := urlEnd(text, j+3)
		*spans = append(*spans, span{start, end})
		i = end
	}
	for i := 0; i < len(text); {
		j := strings.Index(text[i:], "www.")
		if j < 0 {
			break
		}
		j += i
		end := j + len("www.")
		if j > 0 && (isWordByte(text[j-1]) || isConnector(rune(text[j-1]))) || end >= len(text) || !isWordByte(text[end]) {
			// Inside a word or a URL already blanked, or no host after it.
			i = end
			continue
		}
		end = urlEnd(text, end)
		*spans = append(*spans, span{j, end})
		i = end
	}
	*spans = append((*spans)[:first], mergeSpans((*spans)[first:])...)
}

// mergeSpans sorts spans and merges those that overlap or touch ("www."
// can start a scheme: "www.https://…"), in place.
func mergeSpans(spans []span) []span {
	if len(spans) < 2 {
		return spans
	}
	slices.SortFunc(spans, func(a, b span) int { return a.start - b.start })
	out := spans[:1]
	for _, sp := range spans[1:] {
		if last := &out[len(out)-1]; sp.start <= last.end {
			last.end = max(last.end, sp.end)
			continue
		}
		out = append(out, sp)
	}
	return out
}

// runOnSpans appends to spans the full stops of lower-cased text that
// have no space after them where a sentence starts with a stop word
// ("… allows reflected xss.this issue affects …"): blanked, "xss" is read
// as a word of the sentence before, not as a dotted name "xss.this".
// Dotted names ("org.apache.commons", "index.php") have no stop word
// after a dot, and the stop word must end at a space: URL schemes and
// CVSS vectors, which hold none, are left as they are, so blanking twice
// blanks nothing more.
func runOnSpans(text string, spans *[]span) {
	// Right to left: a stop word before a full stop blanked here ends
	// at a space too ("a.the.end" as "a the end").
	blanked := -1
	for i := len(text); i > 1; {
		d := strings.LastIndexByte(text[:i], '.')
		if d < 1 {
			return
		}
		i = d
		if d+1 >= len(text) || !isWordByte(text[d-1]) || !isLetter(text[d+1]) {
			continue
		}
		e := d + 1
		for e < len(text) && isWordByte(text[e]) {
			e++
		}
		if (e == len(text) || isSpace(text[e]) || e == blanked) && isStopWord(text[d+1:e]) {
			*spans = append(*spans, span{d, d + 1})
			blanked = d
		}
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\r' }

// isSchemeByte reports whether c can be part of a URL scheme (RFC 3986:
// letters, digits, '+', '-' and '.').
func isSchemeByte(c byte) bool {
	return isLetter(c) || isDigit(c) || c == '+' || c == '-' || c == '.'
}

// urlEnd returns where the URL whose rest starts at text[i] ends: at the
// first byte that cannot be in one as written in prose.
func urlEnd(text string, i int) int {
	for i < len(text) && urlByte[text[i]] {
		i++
	}
	return i
}

// urlByte marks the bytes a URL in prose runs through: printable ASCII
// but for quotes, angle brackets and brackets, which enclose links in
// markdown, HTML and prose ("(see https://…)").
var urlByte = func() (t [256]bool) {
	for c := '!'; c <= '~'; c++ {
		t[c] = !strings.ContainsRune("\"'<>()[]{}`\\", c)
	}
	return t
}()
