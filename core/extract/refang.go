package extract

import "strings"

// normalize writes the refanged form of text[s:e] into r.norm, recording for
// each output byte the text range that produced it. It undoes the defanging
// styles seen in reports and tool output:
//
//	hxxp hXXps hxtp fxp        → http https http ftp   (scheme position only)
//	[.] (.) {.} [dot] (dot)    → .
//	[:] [://] [/] (:)          → the bracketed characters
//	[@] (@) [at] (at)          → @
//	" dot " " at " " [.] "     → . @ .   (spans joined by tryJoined)
//	example[.com  example.]com → example.com   (stray bracket beside . or @;
//	example[.)com  1\.)1          ')' '}' too, inside a name: "any combination")
//	%2E %40                    → . @
//	\.  \/                     → . /   (regex and JSON escaping)
//
// Most spans hold no defanging at all (plainSpan); their norm is a copy of
// the text and the offsets are implied (r.identity).
func (r *run) normalize(s, e int) {
	t := r.text
	r.plainText = false
	if plainSpan(t, s, e) {
		r.copySpan(s, e)
		return
	}
	r.joins = r.joins[:0]
	r.identity = false
	r.norm = r.norm[:0]
	r.oStart = r.oStart[:0]
	r.oEnd = r.oEnd[:0]
	for i := s; i < e; {
		c := t[i]
		switch c {
		case '[', '(', '{':
			if rep, l := bracketToken(t[i:e]); l > 0 {
				r.put(rep, i, i+l)
				i += l
				continue
			}
			if c == '[' && i+1 < e && (t[i+1] == '.' || t[i+1] == '@') {
				// a stray opener: "example[.com", "1[.)1"
				i++
				continue
			}
			if r.squeeze && c == '(' && i+2 < e && t[i+1] == ' ' && t[i+2] == '.' {
				// "hxxp__ example( .com[/]path": an opener split
				// from its dot in a URL written with spaces
				i++
				continue
			}
		case ']':
			if i > s && (t[i-1] == '.' || t[i-1] == '@') {
				i++
				continue
			}
		case ')', '}':
			next := i + 1
			if r.squeeze && next < e && t[next] == ' ' {
				next++ // "me@} example[.com", spaces dropped
			}
			if i > s && (t[i-1] == '.' || t[i-1] == '@') && next < e && isAlnum(t[next]) {
				// "1\.)1", "me@}example", inside a name only:
				// "prereleases.)" and "(@user)" stay
				i++
				continue
			}
		case ' ':
			if rep, l := spacedToken(t[i:e]); l > 0 && (!spacedDot(t[i:i+l]) || i > s && isDigit(t[i-1])) {
				r.joins = append(r.joins, len(r.norm))
				r.put(rep, i, i+l)
				i += l
				continue
			}
			if r.squeeze {
				i++
				continue
			}
		case 'h', 'H', 'f', 'F':
			if i == s || !isLetter(t[i-1]) {
				l := underscoreScheme(t[i:e])
				if l == 0 && r.squeeze {
					// "hxxp__ example.com": the host after a space
					if sp := strings.IndexByte(t[i:e], ' '); sp > 0 && underscoreSep(t[i:i+sp]) {
						l = sp
					}
				}
				if l > 0 {
					// "http__example.com": the scheme (refanged), then "://"
					k := l - 2
					if t[i+k-1] == ':' {
						k--
					}
					if rep, sl := schemeDefang(t[i : i+k]); sl == k {
						r.put(rep, i, i+k)
					} else {
						r.put(t[i:i+k], i, i+k)
					}
					r.put("://", i+k, i+l)
					i += l
					continue
				}
				if rep, l := defangedScheme(t[i:e]); l > 0 {
					r.put(rep, i, i+l)
					i += l
					continue
				}
				if r.squeeze {
					// "hxxp :// example .com": the separator after a space
					if rep, l := schemeDefang(t[i:e]); l > 0 && i+l < e && t[i+l] == ' ' {
						r.put(rep, i, i+l)
						i += l
						continue
					}
				}
			}
		case '%':
			if i+2 < e && t[i+1] == '2' && (t[i+2] == 'E' || t[i+2] == 'e') {
				r.put(".", i, i+3)
				i += 3
				continue
			}
			if i+2 < e && t[i+1] == '4' && t[i+2] == '0' {
				r.put("@", i, i+3)
				i += 3
				continue
			}
		case '\\':
			if i > s && t[i-1] == ':' && i+2 < e && t[i+1] == '\\' && isAlnum(t[i+2]) {
				// "http:\\example.com": a scheme separator written with
				// backslashes
				r.put("//", i, i+2)
				i += 2
				continue
			}
			if i+1 < e && (t[i+1] == '.' || t[i+1] == '/') {
				r.put(t[i+1:i+2], i, i+2)
				i += 2
				continue
			}
		}
		r.norm = append(r.norm, c)
		r.oStart = append(r.oStart, int32(i))
		r.oEnd = append(r.oEnd, int32(i+1))
		i++
	}
}

// copySpan is normalize for a span that holds no defanging: norm is a copy
// of text[s:e] and the offsets are implied.
func (r *run) copySpan(s, e int) {
	r.joins = r.joins[:0]
	r.norm = append(r.norm[:0], r.text[s:e]...)
	r.identity, r.base = true, s
}

// normByte marks the bytes at which normalize may do more than copy: 1 for
// the starts of bracket, spaced, percent and backslash forms, 2 for the
// first letter of a defanged scheme.
var normByte = func() (t [256]uint8) {
	for _, c := range "[({] %\\" {
		t[c] = 1
	}
	for _, c := range "hHfF" {
		t[c] = 2
	}
	return t
}()

// plainSpan reports whether normalize(s, e) would copy text[s:e] byte for
// byte: it holds none of the bytes normalize rewrites, and no defanged
// scheme (the same test normalize makes).
func plainSpan(t string, s, e int) bool {
	for i := s; i < e; i++ {
		switch normByte[t[i]] {
		case 1:
			return false
		case 2:
			if i == s || !isLetter(t[i-1]) {
				if _, l := defangedScheme(t[i:e]); l > 0 || underscoreScheme(t[i:e]) > 0 {
					return false
				}
			}
		}
	}
	return true
}

// put appends rep to norm as the replacement of text[a:b].
func (r *run) put(rep string, a, b int) {
	for k := 0; k < len(rep); k++ {
		r.norm = append(r.norm, rep[k])
		r.oStart = append(r.oStart, int32(a))
		r.oEnd = append(r.oEnd, int32(b))
	}
}

// bracketToken recognises a bracketed defang token at the start of b and
// returns its replacement and length.
func bracketToken(b string) (string, int) {
	closer := byte(']')
	switch b[0] {
	case '(':
		closer = ')'
	case '{':
		closer = '}'
	}
	k := 1
	for k < len(b) && k <= 5 && b[k] != closer {
		k++
	}
	if k >= len(b) || b[k] != closer || k == 1 {
		return "", 0
	}
	in := b[1:k]
	switch in {
	case ".", "dot", "DOT", "Dot":
		return ".", k + 1
	case "@", "at", "AT":
		return "@", k + 1
	}
	for i := 0; i < len(in); i++ {
		if in[i] != ':' && in[i] != '/' {
			return "", 0
		}
	}
	return in, k + 1
}

// spacedToken recognises " dot ", " at ", " [.] " and the like at the start of
// b (which begins with a space) and returns its replacement and length.
func spacedToken(b string) (string, int) {
	i := 0
	for i < len(b) && b[i] == ' ' {
		i++
	}
	w := i
	for w < len(b) && b[w] != ' ' {
		w++
	}
	sep := sepWord(b[i:w])
	if sep == 0 {
		return "", 0
	}
	j := w
	for j < len(b) && b[j] == ' ' {
		j++
	}
	if j == w || j >= len(b) || b[i:w] == "." && !isDigit(b[j]) {
		return "", 0
	}
	if sep == '.' {
		return ".", j
	}
	return "@", j
}

// spacedDot reports whether a spaced separator is a bare " . ", which joins
// the numbers of an IPv4 address only ("192.0.2 . 1").
func spacedDot(tok string) bool {
	for i := 0; i < len(tok); i++ {
		if tok[i] != ' ' && tok[i] != '.' {
			return false
		}
	}
	return true
}

// defangedScheme recognises hxxp, hXXps, hxtp, h**p, fxp, ftx and similar at the
// start of b, when followed by a scheme separator, and returns the real
// scheme. A plain "http" is not a defang and returns 0.
func defangedScheme(b string) (string, int) {
	rep, l := schemeDefang(b)
	if l == 0 || l >= len(b) {
		return "", 0
	}
	switch b[l] {
	case ':', '[', '(', '{', '%':
		return rep, l
	}
	return "", 0
}

// schemeDefang reads a defanged scheme (hxxp, hXXps, fxp, ftx …) at the
// start of b, whatever follows it, and returns the real scheme and the
// length read.
func schemeDefang(b string) (string, int) {
	if len(b) < 3 {
		return "", 0
	}
	mid := func(c byte) bool {
		switch c {
		case 'x', 'X', 't', 'T', '*', '_':
			return true
		}
		return false
	}
	var rep string
	var l int
	switch {
	case (b[0] == 'h' || b[0] == 'H') && len(b) >= 4 && mid(b[1]) && mid(b[2]) && (b[3] == 'p' || b[3] == 'P'):
		if lower(b[1]) == 't' && lower(b[2]) == 't' {
			return "", 0
		}
		rep, l = "http", 4
	case (b[0] == 'f' || b[0] == 'F') && (lower(b[1]) == 'x' && lower(b[2]) == 'p' || lower(b[1]) == 't' && lower(b[2]) == 'x'):
		// fxp, ftx
		rep, l = "ftp", 3
	default:
		return "", 0
	}
	if l < len(b) && (b[l] == 's' || b[l] == 'S') {
		l++
		if rep == "http" {
			return "https", l
		}
		return "ftps", l
	}
	return rep, l
}

// underscoreScheme recognises a scheme whose "://" is written "__" or
// ":__" ("http__example.com", "hxxps:__example.com") at the start of b,
// before a host, and returns the length up to the host (the last two bytes
// are the underscores); 0 otherwise.
func underscoreScheme(b string) int {
	k := 0
	for k < len(b) && k < 6 && isLetter(b[k]) {
		k++
	}
	if k < 3 || k+3 > len(b) || (b[k] != '_' && b[k] != ':') {
		return 0
	}
	if !knownScheme(b[:k]) {
		if _, l := schemeDefang(b[:k]); l != k {
			return 0
		}
	}
	if b[k] == ':' {
		k++
	}
	if k+2 >= len(b) || b[k] != '_' || b[k+1] != '_' || !isAlnum(b[k+2]) {
		return 0
	}
	return k + 2
}

// knownScheme reports whether w is one of schemes, in any case.
func knownScheme(w string) bool {
	for _, s := range schemes {
		if equalFoldASCII(w, s) {
			return true
		}
	}
	return false
}

// Refang normalises one defanged indicator: "hxxps://evil[.]example[.]com/a"
// becomes "https://evil.example.com/a", "user[@]Example.COM" becomes
// "user@example.com", "2001:DB8:0::1" becomes "2001:db8::1". A string that
// is not a single indicator is returned with only the defanging undone.
func Refang(s string) string {
	r := run{refang: true, text: s}
	a, b := r.trim(0, len(s))
	for a < b && s[a] == ' ' {
		a++
	}
	for b > a && s[b-1] == ' ' {
		b--
	}
	if a >= b {
		return ""
	}
	r.normalize(a, b)
	r.wantWhole = true
	r.parse()
	if r.whole != "" {
		return r.whole
	}
	// Forms that span words ("CVE 2014-1001", "http:// example .com
	// /path") are read by the scan: the indicator written as all of s.
	w := run{refang: true, pairs: true, text: s[a:b]}
	w.scan()
	for _, f := range w.found {
		if f.w == s[a:b] {
			return f.v
		}
	}
	return string(r.norm)
}

func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if lower(a[i]) != lower(b[i]) {
			return false
		}
	}
	return true
}
