package extract

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Character classes for the single pass over the text. A span is a maximal
// run of non-breaking bytes; its class flags decide whether it can hold an
// indicator at all.
const (
	cBreak     uint16 = 1 << iota // whitespace, quotes, <>, `, |, control, non-ASCII
	cLower                        // a-z
	cUpper                        // A-Z
	cDigit                        // 0-9
	cDot                          // .
	cColon                        // :
	cAt                           // @
	cOpen                         // [ ( {
	cClose                        // ] ) }
	cSlash                        // /
	cBackslash                    // \
	cPercent                      // %
	cOther                        // any other non-breaking punctuation

	// cTrigger marks spans worth a closer look.
	cTrigger = cDigit | cDot | cColon | cAt | cOpen | cSlash | cBackslash | cPercent
)

var cls = func() (t [256]uint16) {
	for i := 0; i < 256; i++ {
		c := byte(i)
		switch {
		case c <= ' ' || c >= 0x7f:
			t[i] = cBreak
		case c >= 'a' && c <= 'z':
			t[i] = cLower
		case c >= 'A' && c <= 'Z':
			t[i] = cUpper
		case c >= '0' && c <= '9':
			t[i] = cDigit
		}
	}
	for _, c := range "\"'<>`|^" {
		t[c] = cBreak
	}
	for _, c := range "!#$&*+,-;=?_~" {
		t[c] = cOther
	}
	t['.'] = cDot
	t[':'] = cColon
	t['@'] = cAt
	t['['], t['('], t['{'] = cOpen, cOpen, cOpen
	t[']'], t[')'], t['}'] = cClose, cClose, cClose
	t['/'] = cSlash
	t['\\'] = cBackslash
	t['%'] = cPercent
	return t
}()

func isAlnum(c byte) bool  { return cls[c]&(cLower|cUpper|cDigit) != 0 }
func isLetter(c byte) bool { return cls[c]&(cLower|cUpper) != 0 }
func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isHex(c byte) bool {
	return isDigit(c) || (c|0x20) >= 'a' && (c|0x20) <= 'f'
}
func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 32
	}
	return c
}

// run holds the state of one Extract call: the text, the findings so far and
// scratch buffers reused across spans.
type run struct {
	refang bool
	// pairs (with refang) keeps each value's written form beside it.
	pairs bool
	// squeeze makes normalize drop spaces: spacedURL's joined spans.
	squeeze bool
	// joined is set while such a span is parsed: a URL host joined across
	// spaces must end in a listed TLD ("http:// the .Net" is prose).
	joined bool
	text   string
	found  []finding

	// norm is the refanged copy of the current span; oStart[i] and oEnd[i]
	// are the text offsets of the bytes that produced norm[i], so that a
	// value found in norm can be reported as written.
	norm         []byte
	oStart, oEnd []int32
	joins        []int // positions in norm produced by " dot " / " at " joins
	// identity says norm is text[base:base+len(norm)] unchanged; oStart
	// and oEnd are then not filled.
	identity bool
	base     int
	// plainText says norm is a copy of text from a span with no bracket,
	// '%' or '\\' and no defanged scheme, whose path, if any, starts after
	// norm (candidate): a URL in it that reads as its canonical form is
	// plainURL, which url uses to skip the test.
	plainText bool

	// wantWhole asks emit to remember, in whole, the canonical value of the
	// first indicator that covers all of norm (used by Refang).
	wantWhole bool
	whole     string

	// inner is set while reading the URLs nested in another URL's query:
	// their hosts are reported, not the URLs themselves.
	inner bool

	// depth is 1 inside the re-extraction that checks a URL is stable.
	depth int
	// sub is the run that re-extraction uses, kept for its buffers.
	sub *run
	// suffixes remembers public suffix lookups across documents.
	suffixes suffixMemo
	// hosts remembers the tests of recent URL hosts across documents.
	hosts *hostMemo
	// canon is where parseRemainder builds a canonical URL.
	canon []byte

	// prevStart, prevEnd delimit the previous span, and spanStart is where
	// the current one starts, for the version guard.
	prevStart, prevEnd int
	spanStart          int
}

// scan is the single pass over the text. Most spans are plain words, which
// concern span only when they read "AS"/"ASN"/"CVE"/"CWE" before a number,
// may be a MAC address of letters only, are a scheme and its "__"
// separator before a spaced host ("hxxp__ example.com"), or a spaced
// separator may follow (joinAhead); scan passes over the rest of them
// without a call.
func (r *run) scan() {
	t := r.text
	n := len(t)
	prevStart, prevEnd := -1, -1
	i := 0
	for i < n {
		if cls[t[i]]&cBreak != 0 {
			i++
			continue
		}
		start := i
		var fl uint16
		for i < n {
			c := cls[t[i]]
			if c&cBreak != 0 {
				break
			}
			fl |= c
			i++
		}
		end := i
		if fl&cTrigger == 0 && !(end-start <= 3 && wordAhead[t[start]]&(1<<(end-start)) != 0 && wordAhead2[t[start+1]]) &&
			!(end+2 < n && spanNext[t[end+1]]) && !(end-start == 17 && t[start+2] == '-') &&
			!(t[end-1] == '_' && end+2 < n && underscoreSep(t[start:end])) {
			prevStart, prevEnd = start, end
			continue
		}
		if inForeignWord(t, start, end) {
			// "bücher[.]de", "straße.example.com": the ASCII part of a
			// word in another script is no name ("cher.de" is someone
			// else's domain).
			prevStart, prevEnd = start, end
			continue
		}
		r.prevStart, r.prevEnd, r.spanStart = prevStart, prevEnd, start
		i = max(r.span(start, end, fl), end)
		prevStart, prevEnd = start, end
	}
}

// inForeignWord reports whether the span t[s:e] begins inside a word of a
// script written with spaces between words (Latin, Greek, Cyrillic): its
// ASCII bytes are then the tail of that word, and only look like an
// indicator ("bücher[.]de" is no "cher.de", which is someone else's
// domain). Scripts written without spaces (Chinese, Japanese, ...) put
// indicators right against their letters, and punctuation outside ASCII
// (curly quotes, arrows) is no part of a word: both are still read.
func inForeignWord(t string, s, e int) bool {
	if s == 0 || t[s-1] < utf8.RuneSelf {
		return false
	}
	r, _ := utf8.DecodeLastRuneInString(t[:s])
	return unicode.In(r, unicode.Latin, unicode.Greek, unicode.Cyrillic, unicode.Mn)
}

// span handles one whitespace-delimited span [s,e) with class flags fl and
// returns where scanning continues.
func (r *run) span(s, e int, fl uint16) int {
	t := r.text
	if e+2 < len(t) && t[e] == ' ' && urlAhead(t, s, e) {
		if next, ok := r.spacedURL(s, e); ok {
			return next
		}
	}
	if e+2 < len(t) && t[e] == ' ' && emailAhead(t, s, e) {
		if next, ok := r.spacedEmail(s, e); ok {
			return next
		}
	}
	if fl&cTrigger == 0 {
		// A plain word: only "AS 13335" and " dot "/" at " joins concern it.
		if e-s <= 3 {
			if next := r.wordNumber(s, e); next > 0 {
				return next
			}
		}
		if e-s == 17 && t[s+2] == '-' {
			// a MAC address of letters only, "aa-bb-cc-dd-ee-ff"
			r.candidate(s, e, fl)
			return e
		}
		if r.joinAhead(e) {
			if next, ok := r.tryJoined(s, e); ok {
				return next
			}
		}
		return e
	}
	s, e = r.trim(s, e)
	if s >= e {
		return e
	}
	if e-s <= 3 && isLetter(t[s]) {
		// "(CVE 2014-1001)", "[CWE 89]"
		if next := r.wordNumber(s, e); next > 0 {
			return next
		}
	}
	if fl&cColon != 0 && isDigit(t[s]) {
		// "BLOCKSIZE:HASH1:HASH2", possibly with ",FILENAME" after it.
		q := s
		for q < e && t[q] != ',' {
			q++
		}
		if ssdeepLen(t[s:q]) > 0 {
			r.emitText(kSSDeep, t[s:q])
			return e
		}
	}
	if fl&(cBackslash|cSlash) != 0 {
		if p, k := r.pathStart(s, e); p >= 0 {
			pe := r.extendPath(e)
			_, pe = r.trim(p, pe)
			if p > s {
				r.candidate(s, p, fl)
			}
			if pe > p {
				r.emitText(k, t[p:pe])
			}
			return max(pe, e)
		}
	}
	if r.joinAhead(e) {
		if next, ok := r.tryJoined(s, e); ok {
			return next
		}
	}
	r.candidate(s, e, fl)
	return e
}

// trim drops punctuation that frames a span in prose: leading brackets and
// quotes, trailing sentence punctuation and unbalanced closing brackets.
func (r *run) trim(s, e int) (int, int) {
	t := r.text
	for s < e {
		switch t[s] {
		case '(', '[', '{', ',', ';', '!', '?', '*':
			s++
			continue
		}
		break
	}
	for s < e {
		c := t[e-1]
		switch c {
		case '.', ',', ';', '!', '?', '*':
			e--
			continue
		case ':':
			// "2001:db8::" ends in a double colon.
			if e-s < 2 || t[e-2] != ':' {
				e--
				continue
			}
		case ')', ']', '}':
			if unbalanced(t[s:e], c) {
				e--
				continue
			}
		}
		break
	}
	return s, e
}

// unbalanced reports whether the closing bracket c has no opener in s.
func unbalanced(s string, c byte) bool {
	open := byte('(')
	switch c {
	case ']':
		open = '['
	case '}':
		open = '{'
	}
	d := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case open:
			d++
		case c:
			d--
		}
	}
	return d < 0
}

// wordNumber reads an id written as a word and a number apart, the word
// at t[s:e]: "AS 13335", "ASN 13335", "asn 13335", "CVE 2014-1001", "cwe
// 89". It returns where scanning continues, or 0.
func (r *run) wordNumber(s, e int) int {
	w := r.text[s:e]
	switch {
	case w == "AS" || equalFoldASCII(w, "asn"):
		return r.asnAfter(s, e)
	case equalFoldASCII(w, "cve"):
		return r.cveAfter(s, e)
	case equalFoldASCII(w, "cwe"):
		return r.cweAfter(s, e)
	}
	return 0
}

// asnAfter handles "AS 13335" and "asn 13335" written with a space.
func (r *run) asnAfter(s, e int) int {
	t := r.text
	i := e + 1
	j := numberAfter(t, e, 10)
	if j < 0 {
		return 0
	}
	if v, ok := asnValue(t[i:j]); ok {
		r.found = append(r.found, r.found1(kASN, v, t[s:j]))
		return j
	}
	return 0
}

// urlAhead is the cheap test for a URL written with spaces in it, at the
// span t[s:e] followed by a space: the span ends in a scheme separator
// ("http://", "http[:]//"), is a scheme before a separator ("http ://"),
// or a name goes on with a dot after the space ("example .com/test").
func urlAhead(t string, s, e int) bool {
	n := e + 1
	for n < len(t) && n-e < 3 && t[n] == ' ' {
		n++
	}
	if n+1 >= len(t) {
		return false
	}
	switch t[n] {
	case ':':
		return e-s <= 6 && (knownScheme(t[s:e]) || schemeDefangLen(t[s:e]) == e-s)
	case '.':
		return isLetter(t[n+1]) && isAlnum(t[e-1])
	}
	return e-s >= 3 && (t[e-1] == '/' && (t[e-2] == '/' || t[e-2] == ']') || underscoreSep(t[s:e]))
}

// underscoreSep reports a span that is a scheme and its "__" separator and
// nothing more ("hxxp__", before a space and the host).
func underscoreSep(w string) bool {
	if len(w) < 5 || len(w) > 8 || w[len(w)-1] != '_' || w[len(w)-2] != '_' {
		return false
	}
	k := len(w) - 2
	if w[k-1] == ':' {
		k--
	}
	return knownScheme(w[:k]) || schemeDefangLen(w[:k]) == k
}

func schemeDefangLen(w string) int {
	_, l := schemeDefang(w)
	return l
}

// spacedURL joins the span t[s:e] with the words after it into one URL
// written with spaces in it: after its scheme separator ("http://
// example[.]com"), before it ("http ://example.com"), inside the host
// ("http://example .com/test", "example .com/test") and before the path
// (Cisco's "http:// example .com /path"). The join stands only when it
// reads as a URL; the spaces are dropped.
func (r *run) spacedURL(s, e int) (int, bool) {
	t := r.text
	end := e
	sep := strings.Contains(t[s:e], "//") || strings.Contains(t[s:e], "[:") || underscoreSep(t[s:e])
	for words := 0; words < 4 && end < len(t) && t[end] == ' '; words++ {
		n := end
		for n < len(t) && n-end < 2 && t[n] == ' ' {
			n++
		}
		if n >= len(t) || cls[t[n]]&cBreak != 0 {
			break
		}
		w := n
		for w < len(t) && cls[t[w]]&cBreak == 0 {
			w++
		}
		c := t[n]
		afterSep := end-s >= 2 && t[end-1] == '/' && (t[end-2] == '/' || t[end-2] == ']') ||
			words == 0 && underscoreSep(t[s:end])
		// a label may end in the opener of a split bracketed dot, "example( .com"
		last := end - 1
		if sep && last > s && (t[last] == '(' || t[last] == '[') {
			last--
		}
		switch {
		case c == ':' && words == 0 && !sep:
			sep = true
		case c == '.' && w > n+1 && isLetter(t[n+1]) && isAlnum(t[last]) && (sep || strings.IndexByte(t[n:w], '/') > 0 && !stopLabel(t[s:end])):
		case c == '/' && sep && isAlnum(t[end-1]):
		case afterSep && isAlnum(c) && sep:
		default:
			return r.joinedURL(s, end)
		}
		end = w
	}
	return r.joinedURL(s, end)
}

// joinedURL parses t[s:end], spaces dropped, and keeps what it finds when
// that holds a URL.
func (r *run) joinedURL(s, end int) (int, bool) {
	return r.joinedAs(s, end, kURL)
}

// joinedAs parses t[s:end], spaces dropped, and keeps what it finds when
// that holds a value of kind k. A URL host found in it must end in a
// listed TLD (r.joined).
func (r *run) joinedAs(s, end int, k kind) (int, bool) {
	if end == s || strings.IndexByte(r.text[s:end], ' ') < 0 {
		return 0, false
	}
	a, b := r.trim(s, end)
	mark := len(r.found)
	r.squeeze = true
	r.normalize(a, b)
	r.squeeze = false
	r.joined = true
	r.parse()
	r.joined = false
	for _, f := range r.found[mark:] {
		if f.k == k {
			return end, true
		}
	}
	r.found = r.found[:mark]
	return 0, false
}

// emailAhead is the cheap test for an e-mail address written with a space
// beside its '@': the span t[s:e], followed by a space, ends in an '@'
// (bracketed or not: "me@}", "me[@") or the next word starts with one
// ("me @example").
func emailAhead(t string, s, e int) bool {
	if t[e+1] == '@' {
		return isAlnum(t[e-1]) && e+2 < len(t) && isAlnum(t[e+2])
	}
	k := e - 1
	for k > s && cls[t[k]]&(cOpen|cClose) != 0 {
		k--
	}
	return t[k] == '@' && k > s
}

// spacedEmail joins the span t[s:e] with the words after it into one
// e-mail address written with spaces beside its '@' and defanged dots
// (iocextract's "me@} example[.com" and "me @example [.)com"). The join
// stands only when it reads as an address and its dots are defanged, so
// a handle after a word ("thanks @example") stays apart.
func (r *run) spacedEmail(s, e int) (int, bool) {
	t := r.text
	end := e
	for words := 0; words < 3 && end+1 < len(t) && t[end] == ' '; words++ {
		n := end + 1
		w := n
		for w < len(t) && cls[t[w]]&cBreak == 0 {
			w++
		}
		c := t[n]
		switch {
		case words == 0 && (c == '@' || isAlnum(c)):
		case words > 0 && cls[c]&(cOpen|cDot) != 0 && w > n+1:
		default:
			return r.joinedEmail(s, end)
		}
		end = w
	}
	return r.joinedEmail(s, end)
}

// joinedEmail parses t[s:end], spaces dropped, and keeps what it finds when
// that holds an e-mail address whose domain was written defanged.
func (r *run) joinedEmail(s, end int) (int, bool) {
	if !strings.ContainsAny(r.text[s:end], "[({\\") {
		return 0, false
	}
	return r.joinedAs(s, end, kEmail)
}

// spanNext marks the first bytes of a next word that may concern a plain
// word before it: a spaced separator (joinNext), or the rest of a URL
// written with spaces ("http ://", "example .com/test").
var spanNext = func() (t [256]bool) {
	for c := range joinNext {
		t[c] = joinNext[c] != 0
	}
	t[':'], t['.'], t['@'] = true, true, true
	return t
}()

// wordAhead marks the first bytes of the short words whose number follows
// after a space, "AS 13335", "asn 13335", "CVE 2014-1001", "cwe 89", with a
// bit for each length such a word has.
var wordAhead = func() (t [256]uint8) {
	t['A'] = 1<<2 | 1<<3
	t['a'], t['C'], t['c'] = 1<<3, 1<<3, 1<<3
	return t
}()

// wordAhead2 marks the second bytes of those words, so that the common
// "and", "are" and "can" pass by.
var wordAhead2 = func() (t [256]bool) {
	for _, c := range "sSvVwW" {
		t[c] = true
	}
	return t
}()

// numberAfter reads the number of at most max digits that follows the
// word ending at t[e] after one space, and returns its end, or -1 when
// no number stands there on its own ("CWE 89", not "CWE 2021-44228" or
// "AS 64a").
func numberAfter(t string, e, max int) int {
	if e >= len(t) || t[e] != ' ' {
		return -1
	}
	i := e + 1
	j := i
	for j < len(t) && isDigit(t[j]) {
		j++
	}
	if j == i || j-i > max || (j < len(t) && cls[t[j]]&(cBreak|cDot|cOther|cClose|cColon) == 0) {
		return -1
	}
	if j+1 < len(t) && (t[j] == '-' || t[j] == '.' || t[j] == '_') && isAlnum(t[j+1]) {
		return -1 // "CWE 2021-44228", "AS 1.2": the number goes on
	}
	return j
}

// cweAfter handles "CWE 89" and "cwe 89" written with a space.
func (r *run) cweAfter(s, e int) int {
	t := r.text
	j := numberAfter(t, e, 5)
	if j < 0 || t[e+1] == '0' {
		return 0
	}
	r.found = append(r.found, r.found1(kCWE, "CWE-"+t[e+1:j], t[s:j]))
	return j
}

// cveAfter handles "CVE 2014-1001" written with a space.
func (r *run) cveAfter(s, e int) int {
	t := r.text
	if e+10 > len(t) || t[e] != ' ' {
		return 0
	}
	p := []byte(t[e+1 : min(len(t), e+20)])
	end, ok := cveEnd(p, 0)
	if !ok {
		return 0
	}
	r.found = append(r.found, r.found1(kCVE, "CVE-"+string(p[:end]), t[s:e+1+end]))
	return e + 1 + end
}

// sepWord is a defang separator written between spaces: "example dot com",
// "user at example[.]com", "example [.] com", "192.0.2 . 1".
func sepWord(w string) byte {
	switch w {
	case ".", "dot", "DOT", "Dot", "[dot]", "(dot)", "{dot}", "[DOT]", "(DOT)", "{DOT}", "[.]", "(.)", "{.}":
		return '.'
	case "at", "AT", "[at]", "(at)", "{at}", "[AT]", "(AT)", "{AT}", "[@]", "(@)", "{@}":
		return '@'
	}
	return 0
}

// stopLabel lists words that precede " dot " in prose ("the dot com
// bubble"), which must not be read as a defanged domain.
func stopLabel(w string) bool {
	switch w {
	case "the", "The", "a", "A", "an", "An", "this", "This", "that", "its", "our", "your", "their", "his", "her", "of", "in", "on", "to", "and", "or":
		return true
	}
	return false
}

// joinAhead is the cheap test for a spaced separator after text[:e]: an
// alphanumeric, a space, then the start of a separator word (joinNext).
// tryJoined joins nothing unless the word after one or two spaces is a
// separator (sepWord), so "dot" and "at" are checked to their second
// letter, and a text ending two bytes after e never joins.
func (r *run) joinAhead(e int) bool {
	t := r.text
	if e+2 >= len(t) || t[e] != ' ' || !isAlnum(t[e-1]) {
		return false
	}
	want := joinNext[t[e+1]]
	return want == 1 || want > 1 && lower(t[e+2]) == want
}

// joinNext maps the first byte of a separator word to 1, or, for "dot" and
// "at", to their second letter in lower case; other bytes map to 0.
var joinNext = func() (t [256]byte) {
	for _, c := range "[({ ." {
		t[c] = 1
	}
	t['d'], t['D'] = 'o', 'o'
	t['a'], t['A'] = 't', 't'
	return t
}()

// tryJoined extends span [s,e) over spaced separators (" dot ", " at ",
// " [.] ") and keeps the join only if every separator sits inside a valid
// domain or e-mail address.
func (r *run) tryJoined(s, e int) (int, bool) {
	t := r.text
	end := e
	joined := false
	var ends [4]int // the ends of the first joins, to fall back on
	nj := 0
	for end < len(t) && t[end] == ' ' && isAlnum(t[end-1]) {
		i := end
		for i < len(t) && t[i] == ' ' && i-end < 2 {
			i++
		}
		w := i
		for w < len(t) && cls[t[w]]&cBreak == 0 {
			w++
		}
		sep := sepWord(t[i:w])
		if sep == 0 || w >= len(t) || t[w] != ' ' {
			break
		}
		if t[i:w] == "." && (!isDigit(t[end-1]) || w+1 >= len(t) || !isDigit(t[w+1])) {
			break // a spaced "." joins the numbers of an address only
		}
		if sep == '.' && !joined {
			// the label before the first " dot " must not be a stop word
			ls := end - 1
			for ls > s && isAlnum(t[ls-1]) {
				ls--
			}
			if stopLabel(t[ls:end]) {
				break
			}
		}
		j := w
		for j < len(t) && t[j] == ' ' && j-w < 2 {
			j++
		}
		if j >= len(t) || !isAlnum(t[j]) {
			break
		}
		k := j
		for k < len(t) && cls[t[k]]&cBreak == 0 {
			k++
		}
		if nj < len(ends) {
			ends[nj] = k
			nj++
		}
		end = k
		joined = true
	}
	if !joined {
		return 0, false
	}
	// The longest join whose separators all sit inside a name stands:
	// "192.0.2 . 1 at the perimeter" keeps "192.0.2 . 1".
	for k := nj - 1; k >= 0; k-- {
		if k < nj-1 {
			end = ends[k]
		}
		s2, e2 := r.trim(s, end)
		r.normalize(s2, e2)
		if r.joinsValid() {
			r.parse()
			return end, true
		}
	}
	return 0, false
}

// joinsValid checks that every spaced separator in norm lies inside a valid
// domain (for dots) or an e-mail address with a defanged domain (for "at").
func (r *run) joinsValid() bool {
	n := r.norm
	for _, p := range r.joins {
		a, b := p, p+1
		for a > 0 && pieceByte(n[a-1]) {
			a--
		}
		for b < len(n) && pieceByte(n[b]) {
			b++
		}
		for a < b && (n[a] == '.' || n[a] == '-') {
			a++
		}
		for b > a && (n[b-1] == '.' || n[b-1] == '-') {
			b--
		}
		w := n[a:b]
		if n[p] == '@' {
			at := p - a
			if at <= 0 || !validLocal(w[:at]) || !r.suffixes.isDomain(w[at+1:]) || !r.spacedAt(p, b) {
				return false
			}
			continue
		}
		if at := lastIndexByte(w, '@'); at >= 0 {
			w = w[at+1:]
		}
		if _, end, ok := parseIPv4(w); ok && end == len(w) {
			continue // "192.0.2 . 1"
		}
		if !r.suffixes.isDomain(w) {
			return false
		}
	}
	return true
}

// spacedAt reports whether the spaced "at" joined at norm[p] makes an
// e-mail address of the name up to norm[b]: when it is bracketed ("user
// [at] example.com"), or when the domain's dots are spaced words too ("user
// at example dot com"). Prose puts a plain "at" before defanged hosts all
// the time ("staged the payload at evil[.]example"), which is no address.
func (r *run) spacedAt(p, b int) bool {
	if r.identity {
		return false
	}
	for i := r.oStart[p]; i < r.oEnd[p]; i++ {
		if c := r.text[i]; c == '[' || c == '(' || c == '{' {
			return true
		}
	}
	for _, q := range r.joins {
		if q > p && q < b && r.norm[q] == '.' {
			return true
		}
	}
	return false
}

func lastIndexByte(b []byte, c byte) int {
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] == c {
			return i
		}
	}
	return -1
}

// rewriteFlags are the classes of the bytes normalize may rewrite: brackets,
// '%' and '\\'; a defanged scheme is rewritten only before one of them or
// ':'.
const rewriteFlags = cOpen | cClose | cPercent | cBackslash

// candidate normalises [s,e), part of a span with class flags fl, and
// parses indicators out of it. Most spans need no refanging, and most hold
// no URL, which their flags tell without a pass over their bytes.
func (r *run) candidate(s, e int, fl uint16) {
	if fl&(cTrigger&^(cDot|cOpen)) == 0 && inert(r.text, s, e) {
		return
	}
	switch {
	case fl&rewriteFlags != 0:
		r.normalize(s, e)
	case normByte[r.text[s]] == 2 && underscoreScheme(r.text[s:e]) > 0:
		r.normalize(s, e) // "http__example.com"
		r.parse()
		return

	case fl&cColon == 0 || !schemeBeforeColon(r.text, s, e):
		r.copySpan(s, e)
		r.plainText = true
	default:
		r.normalize(s, e)
	}
	if fl&(cColon|cPercent|rewriteFlags) == 0 {
		// findURL needs a ':' or '%' in norm, and norm is the text.
		r.pieces(0, len(r.norm))
		return
	}
	r.parse()
}

// inert reports whether text[s:e], a span part with no trigger byte but
// dots and brackets, holds none of these either, nor a '-': then it holds
// no indicator, as every kind needs a digit, ':', '@', '%', '\\' or '/',
// or a dot, or brackets that refang to one, except a MAC address written
// with hyphens. Most such spans are words before a full stop, which trim
// left out.
func inert(t string, s, e int) bool {
	for k := s; k < e; k++ {
		if inertStop[t[k]] {
			return false
		}
	}
	return true
}

// inertStop marks the bytes inert looks for.
var inertStop = func() (t [256]bool) {
	for _, c := range ".-[({])}" {
		t[c] = true
	}
	return t
}()

// schemeBeforeColon reports whether text[s:e], which holds no byte of
// rewriteFlags, has a defanged scheme that normalize would rewrite. Such a
// scheme ends three to five bytes after its start, at a ':' (the only
// separator defangedScheme accepts without brackets or '%'), so only the
// bytes three to five before each colon can start one: this is plainSpan's
// test, visiting the colons only.
func schemeBeforeColon(t string, s, e int) bool {
	for c := s; c < e; c++ {
		k := strings.IndexByte(t[c:e], ':')
		if k < 0 {
			return false
		}
		c += k
		for i := max(c-5, s); i <= c-3; i++ {
			if normByte[t[i]] == 2 && (i == s || !isLetter(t[i-1])) {
				if _, l := defangedScheme(t[i:e]); l > 0 {
					return true
				}
			}
		}
	}
	return false
}

// emitText records a value that is the same whether refanged or not.
func (r *run) emitText(k kind, v string) {
	r.found = append(r.found, finding{k: k, v: v, w: v})
}

// emitDecoded records a value that has no written form in the text (the
// host of a base64- or percent-encoded URL): reported only when refanging,
// and with no written form beside it.
func (r *run) emitDecoded(k kind, v string) {
	if r.refang {
		r.found = append(r.found, finding{k: k, v: v})
	}
}

// found1 is the finding of a value with canonical form canon written as w:
// the value is canon when refanging, else w, and w is kept beside it when
// the run records both (pairs).
func (r *run) found1(k kind, canon, w string) finding {
	switch {
	case r.pairs:
		return finding{k: k, v: canon, w: w}
	case r.refang:
		return finding{k: k, v: canon}
	}
	return finding{k: k, v: w}
}

// emit records a value found at norm[a:b]: canon when refanging, else the
// original text that produced it.
func (r *run) emit(k kind, a, b int, canon string) {
	if r.wantWhole && r.whole == "" && a == 0 && b == len(r.norm) {
		r.whole = canon
	}
	switch {
	case r.pairs:
		r.found = append(r.found, finding{k: k, v: canon, w: r.written(a, b)})
	case r.refang:
		r.found = append(r.found, finding{k: k, v: canon})
	default:
		r.found = append(r.found, finding{k: k, v: r.written(a, b)})
	}
}

// emitBytes is emit for a canonical value held in scratch memory, copied
// only when it is reported and differs from the text. Most values are
// written in canonical form, so refanged values are then substrings of the
// text as values written as such are.
func (r *run) emitBytes(k kind, a, b int, canon []byte) {
	if r.wantWhole && r.whole == "" && a == 0 && b == len(r.norm) {
		r.whole = string(canon)
	}
	switch {
	case r.pairs:
		r.found = append(r.found, finding{k: k, v: r.canonString(a, b, canon), w: r.written(a, b)})
	case r.refang:
		r.found = append(r.found, finding{k: k, v: r.canonString(a, b, canon)})
	default:
		r.found = append(r.found, finding{k: k, v: r.written(a, b)})
	}
}

// written is the text that produced norm[a:b].
func (r *run) written(a, b int) string {
	if r.identity {
		return r.text[r.base+a : r.base+b]
	}
	return r.text[r.oStart[a]:r.oEnd[b-1]]
}

// canonString returns canon as a string: the text that produced norm[a:b]
// when norm is the text there and canon reads the same, else a copy.
func (r *run) canonString(a, b int, canon []byte) string {
	if r.identity {
		if w := r.text[r.base+a : r.base+b]; w == string(canon) {
			return w
		}
	}
	return string(canon)
}
