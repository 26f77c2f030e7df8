package extract

import (
	"math/bits"
	"net/netip"
	"strconv"
	"strings"

	"golang.org/x/net/publicsuffix"
)

// parse finds indicators in r.norm: URLs first (they own everything up to
// their end), then the pieces between them.
func (r *run) parse() {
	n := r.norm
	pos := 0
	for pos < len(n) {
		us, sep, sepLen, enc := findURL(n, pos, len(n))
		if us < 0 {
			r.pieces(pos, len(n))
			return
		}
		end, ok := r.url(us, sep, sepLen, enc, len(n))
		if !ok {
			r.pieces(pos, sep)
			pos = sep + sepLen
			continue
		}
		r.pieces(pos, us)
		pos = end
	}
}

// pieceByte reports bytes that can be part of a host, address, hash or id.
func pieceByte(c byte) bool {
	return cls[c]&(cLower|cUpper|cDigit|cDot|cColon|cAt) != 0 || c == '-' || c == '_'
}

// pieces splits norm[a:b] at bytes that no host, address, hash or id
// contains and classifies each piece. A base64 or hex run that starts
// like an encoded URL is decoded first.
func (r *run) pieces(a, b int) {
	n := r.norm
	i := a
	for i < b {
		for i < b && !pieceByte(n[i]) {
			i++
		}
		if i >= b {
			return
		}
		if n[i] == 'a' && i+5 <= b && string(n[i:i+5]) == "aHR0c" {
			if end := r.base64URL(i, b); end > i {
				i = end
				continue
			}
		}
		if (n[i] == '6') && hexURLStart(n[i:b]) {
			if end := r.hexURL(i, b); end > i {
				i = end
				continue
			}
		}
		j := i
		for j < b && pieceByte(n[j]) {
			j++
		}
		for j+1 < b && n[j] == '+' && j > i {
			// "user+tag@example.com": a '+' joins the parts of an
			// e-mail address's local part, and nothing else
			k := j + 1
			for k < b && (pieceByte(n[k]) || n[k] == '+') && n[k] != '@' {
				k++
			}
			if k >= b || n[k] != '@' || k == j+1 || indexByte(n[i:j], '@') >= 0 {
				break
			}
			for k < b && pieceByte(n[k]) {
				k++
			}
			j = k
		}
		if j+1 < b && n[j] == '/' && (i == 0 || !pathLead(n[i-1])) {
			if end := r.schemelessURL(i, j, b); end > 0 {
				i = end
				continue
			}
		}
		if j < b && n[j] == '[' && n[j-1] == '@' {
			if end := r.ipLiteralEmail(i, j, b); end > 0 {
				i = end
				continue
			}
		}
		r.piece(i, j)
		if !r.identity && (j >= b || n[j] != '/') && (i == 0 || !pathLead(n[i-1])) {
			r.bracketHost(i, j)
		}
		i = j
	}
}

// bracketHost reports a domain written with bracketed or escaped dots,
// standing alone at norm[i:j] ("example[.]com", "evil(.)example\.net"), as
// a URL too, as iocextract does: a name defanged that way was a link, and
// is refanged to "http://" and the name (and its port, "example[.]com:8080").
// Addresses, e-mail domains and names defanged only by words ("example dot
// com") or braces are not.
func (r *run) bracketHost(i, j int) {
	n := r.norm
	i, j = trimPiece(n, i, j, false)
	if j-i < 4 || j-i > 253 {
		return
	}
	h := hostPort(n[i:j])
	if h < 0 {
		return
	}
	if !r.linkDefanged(i, i+h) {
		return
	}
	var buf [len("http://") + 253]byte
	canon := append(buf[:0], "http://"...)
	canon = canon[:len("http://")+j-i]
	toLower(canon[len("http://"):], n[i:j])
	if !r.suffixes.isDomain(canon[len("http://") : len("http://")+h]) {
		return
	}
	r.emitBytes(kURL, i, j, canon)
}

// linkDefanged reports whether the name at norm[i:j] is written with its
// dots bracketed or escaped ("example[.]com", "evil(.)example\.net",
// "1[.]2[.]3[.]4"), as links are defanged; words and braces ("example[dot]com",
// "example{.}com") are not.
func (r *run) linkDefanged(i, j int) bool {
	if r.identity {
		return false
	}
	w := r.written(i, j)
	return strings.Contains(w, "[.]") || strings.Contains(w, "(.)") || strings.Contains(w, "[.)") ||
		strings.Contains(w, "(.]") || strings.Contains(w, "\\.")
}

// pathLead are the bytes that, before a name, make it part of a path or
// of an encoded text rather than the start of a URL.
func pathLead(c byte) bool {
	return c == '/' || c == '\\' || c == '%' || c == '~' || c == '.'
}

// schemelessURL reads a URL written without its scheme, a domain and a
// path ("github.com/owner/repo/blob/main/x.py", "evil[.]example/gate.php"),
// the domain at norm[i:j] and the path from norm[j], a '/', up to at most
// norm[b]. The host must pass the strict domain test (so "setup.py/x" is
// no URL) or be an IPv4 address before a path that does not begin with a
// digit (so "10.0.0.0/8" is a CIDR range), and the path must hold more
// than the slash.
// A host defanged as links are (linkDefanged: "evil[.]example/gate.php")
// is refanged with "http://", as a bare host defanged so is and as
// iocextract documents it; any other URL is reported as it was written,
// with no scheme ("github.com/owner/repo": none was written, as ioc-finder
// reports it). It returns the URL's end, or 0.
func (r *run) schemelessURL(i, j, b int) int {
	n := r.norm
	switch c := n[j+1]; {
	case isAlnum(c), c == '_', c == '-', c == '~', c == '?', c == '#', c == '%':
	default:
		return 0
	}
	h := hostPort(n[i:j])
	if h < 0 {
		return 0
	}
	if _, end, ok := parseIPv4(n[i : i+h]); ok && end == h {
		// "192.0.2.1/gate.php", "1[.]2[.]3[.]4/x": an address before a
		// path; before a number it is a CIDR range ("10.0.0.0/8")
		if isDigit(n[j+1]) || r.afterVersionWord(i) {
			return 0
		}
	} else if !r.suffixes.isDomain(n[i : i+h]) {
		return 0
	}
	var buf [253]byte
	end := j
	for end < b && schemelessPathByte(n[end]) {
		end++
	}
	end = urlTrail(n, i, end)
	if end <= j+1 {
		return 0
	}
	seg := j + 1
	for seg < end && n[seg] != '/' {
		seg++
	}
	if r.suffixes.isDomain(toLower(buf[:], n[j+1:seg])) {
		return 0 // "example.com/example.org": two names, no path
	}
	u, ok := r.parseRemainder("http", n[i:end], "", false)
	if !ok {
		return 0
	}
	canon := u.canon
	if !r.linkDefanged(i, i+h) {
		canon = canon[len("http://"):]
	}
	if r.refang && r.depth == 0 {
		if canon, ok = r.stableURL(canon); !ok {
			return 0
		}
	}
	r.emit(kURL, i, end, canon)
	r.emitHost(u, i+u.hostA, i+u.hostB)
	r.pathHashes(u.host, i+u.hostB, end)
	return end
}

// hostPort returns the length of the host in p, a name with an optional
// port ("example.com:8080"), or -1 when p holds an '@', another colon or
// a port that is no number up to 65535.
func hostPort(p []byte) int {
	h := -1
	for k, c := range p {
		if c == '@' || c == ':' && h >= 0 {
			return -1
		}
		if c == ':' {
			h = k
		}
	}
	if h < 0 {
		return len(p)
	}
	port := 0
	for _, c := range p[h+1:] {
		if !isDigit(c) {
			return -1
		}
		port = port*10 + int(c-'0')
		if port > 65535 {
			return -1
		}
	}
	if h+1 == len(p) || port == 0 {
		return -1
	}
	return h
}

// schemelessPathByte are the bytes a schemeless URL's path may hold: those
// a decoded URL keeps (urlSafe) and '%', less '*'. Brackets, quotes and
// '*' end a name in prose ("see example.com/x(1)", markdown's
// "[example.com/x](…)", "*example.com/x*").
func schemelessPathByte(c byte) bool {
	return c == '%' || c != '*' && urlSafe(c)
}

// ipLiteralEmail reads an e-mail address whose domain is an address
// literal (RFC 5321 §4.1.3), "user@[192.0.2.1]" or "user@[IPv6:2001:db8::1]", the local part at norm[i:at-1] and
// the literal at norm[at:], and reports it and the address. It returns the
// address's end, or 0.
func (r *run) ipLiteralEmail(i, at, b int) int {
	n := r.norm
	l, _ := trimPiece(n, i, at-1, false)
	if last := lastIndexByte(n[l:at-1], '@'); last >= 0 {
		l += last + 1
	}
	if !validLocal(n[l : at-1]) {
		return 0
	}
	if hasPrefixFoldBytes(n[at+1:b], "ipv6:") {
		// "user@[IPv6:2001:db8::1]", the address refanged to RFC 5952 form
		a := at + 1 + len("ipv6:")
		end := a
		for end < b && n[end] != ']' {
			end++
		}
		ip, ok := ipv6Address(n[a:end])
		if !ok || end >= b {
			return 0
		}
		canon := string(toLower(make([]byte, at-l), n[l:at])) + "[IPv6:" + ip + "]"
		r.emit(kEmail, l, end+1, canon)
		r.emitIPv6(a, end, ip)
		return end + 1
	}
	ip, end, ok := parseIPv4(n[at+1 : b])
	end += at + 1
	if !ok || end >= b || n[end] != ']' {
		return 0
	}
	var buf [64 + 2 + 15 + 1]byte // validLocal and parseIPv4 bound the parts
	canon := append(toLower(buf[:], n[l:at]), '[')
	canon = append(append(canon, ip...), ']')
	r.emitBytes(kEmail, l, end+1, canon)
	r.emit(kIPv4, at+1, end, ip)
	return end + 1
}

// trimPiece drops separators at the ends of a piece. Colons are kept when
// keepColons is set, for IPv6 forms like "::ffff:192.0.2.1" and
// "2001:db8::"; a leading '_' is kept for service labels ("_dmarc").
func trimPiece(n []byte, i, j int, keepColons bool) (int, int) {
	for i < j {
		switch n[i] {
		case '.', '@', '-':
			i++
			continue
		case ':':
			if !keepColons {
				i++
				continue
			}
		}
		break
	}
	for j > i {
		switch n[j-1] {
		case '.', '@', '-', '_':
			j--
			continue
		case ':':
			if !keepColons {
				j--
				continue
			}
		}
		break
	}
	return i, j
}

// piece classifies norm[i:j]; colons either belong to an IPv6 or MAC
// address or separate sub-pieces ("192.0.2.1:443", "sha256:…").
func (r *run) piece(i, j int) {
	n := r.norm
	i, j = trimPiece(n, i, j, true)
	if i >= j {
		return
	}
	colon := false
	for k := i; k < j; k++ {
		if n[k] == ':' {
			colon = true
			break
		}
	}
	if !colon {
		r.simple(i, j)
		return
	}
	if a, b := trimPiece(n, i, j, false); a > i || b < j {
		// A leading or trailing colon belongs to an IPv6 address or to
		// nothing ("Note:", "::").
		if v, ok := ipv6Address(n[i:j]); ok {
			r.emitIPv6(i, j, v)
			return
		}
		i, j = a, b
	}
	if v, ok := macAddress(n[i:j]); ok {
		r.emit(kMAC, i, j, v)
		return
	}
	if v, ok := ipv6Address(n[i:j]); ok {
		r.emitIPv6(i, j, v)
		return
	}
	k := i
	for k < j {
		m := k
		for m < j && n[m] != ':' {
			m++
		}
		a, b := trimPiece(n, k, m, false)
		if a < b {
			r.simple(a, b)
		}
		k = m + 1
	}
}

// emitIPv6 reports the IPv6 address at norm[i:j], canonical form v, and
// the IPv4 address an IPv4-mapped or -embedded one ends in
// ("::ffff:192.0.2.1").
func (r *run) emitIPv6(i, j int, v string) {
	r.emit(kIPv6, i, j, v)
	n := r.norm
	if indexByte(n[i:j], '.') < 0 {
		return
	}
	c := lastIndexByte(n[i:j], ':') + i + 1
	if ip, end, ok := parseIPv4(n[c:j]); ok && c+end == j {
		r.emit(kIPv4, c, j, ip)
	}
}

// simple classifies a piece with no colon.
func (r *run) simple(i, j int) {
	n := r.norm
	p := n[i:j]
	if at := lastIndexByte(p, '@'); at >= 0 {
		l := lastIndexByte(p[:at], '@') + 1
		local, dom := p[l:at], p[at+1:]
		var buf [253]byte
		if validLocal(local) && r.suffixes.isDomain(toLower(buf[:], dom)) {
			var ebuf [64 + 1 + 253]byte // validLocal and isDomain bound the parts
			email := toLower(ebuf[:], p[l:])
			r.emitBytes(kEmail, i+l, j, email)
			r.emitBytes(kDomain, i+at+1, j, email[at+1-l:])
			return
		}
		if a, b := trimPiece(n, i+at+1, j, false); a < b {
			r.simple(a, b)
		}
		if a, b := trimPiece(n, i, i+at, false); a < b {
			r.simple(a, b)
		}
		return
	}
	hasDot := false
	for _, c := range p {
		if c == '.' {
			hasDot = true
			break
		}
	}
	r.ids(i, j)
	r.hashes(i, j)
	if len(p) >= 26 && (p[0] == '1' || p[0] == '3') && isBase58Address(p) {
		r.emit(kBitcoin, i, j, string(p))
		return
	}
	if len(p) >= 14 && (p[0] == 'b' || p[0] == 'B') && isBech32Address(p) {
		r.emit(kBitcoin, i, j, strings.ToLower(string(p)))
		return
	}
	if v, ok := macAddress(p); ok {
		r.emit(kMAC, i, j, v)
		return
	}
	if !hasDot {
		return
	}
	if r.suffixes.isDomain(p) {
		var buf [253]byte // isDomain accepts at most 253 bytes
		r.emitBytes(kDomain, i, j, toLower(buf[:], p))
		return
	}
	r.ipv4s(i, j)
}

// ids finds CVE, CWE, ATT&CK technique and AS numbers in norm[i:j].
func (r *run) ids(i, j int) {
	n := r.norm
	p := n[i:j]
	switch {
	case (p[0] == 'T' || p[0] == 't') && len(p) >= 5:
		// "T1059", "T1059.001"; written in lower case too ("t1059").
		if (p[1] == '0' || p[1] == '1') && isDigit(p[2]) && isDigit(p[3]) && isDigit(p[4]) &&
			(len(p) == 5 || len(p) == 9 && p[5] == '.' && isDigit(p[6]) && isDigit(p[7]) && isDigit(p[8])) {
			var buf [9]byte
			canon := append(buf[:0], p...)
			canon[0] = 'T'
			r.emitBytes(kTechnique, i, j, canon)
		}
		return
	case p[0] == 'A' && len(p) >= 3 && p[1] == 'S' || p[0] == 'a' && len(p) >= 5 && p[1] == 's':
		// "AS13335", "ASN13335", "asn13335", "as13335" (not "as1",
		// a word, nor "asn1", the notation: "as" in lower case takes
		// four digits at least)
		d := p[2:]
		if d[0] == 'N' || d[0] == 'n' {
			d = d[1:]
		} else if p[0] == 'a' && len(d) < 4 {
			return
		}
		if v, ok := asnValue(string(d)); ok {
			r.emit(kASN, i, j, v)
		}
		return
	}
	// CVE and CWE ids may sit inside a piece ("exploit-CVE-2021-44228").
	for k := 0; k+4 < len(p); k++ {
		c := p[k]
		if c != 'C' && c != 'c' || (k > 0 && isAlnum(p[k-1])) {
			continue
		}
		if lower(p[k+1]) == 'v' && lower(p[k+2]) == 'e' && p[k+3] == '-' {
			if end, ok := cveEnd(p, k+4); ok {
				var buf [16]byte // "CVE-", four digits, '-', at most seven digits
				r.emitBytes(kCVE, i+k, i+end, append(append(buf[:0], "CVE-"...), p[k+4:end]...))
				k = end - 1
			}
		} else if lower(p[k+1]) == 'w' && lower(p[k+2]) == 'e' && p[k+3] == '-' {
			end := k + 4
			for end < len(p) && isDigit(p[end]) && end-k-4 < 5 {
				end++
			}
			if end > k+4 && (end == len(p) || !isAlnum(p[end])) && p[k+4] != '0' {
				var buf [9]byte // "CWE-" and at most five digits
				r.emitBytes(kCWE, i+k, i+end, append(append(buf[:0], "CWE-"...), p[k+4:end]...))
				k = end - 1
			}
		}
	}
}

// cveEnd checks YYYY-NNNN+ at p[k:] and returns its end.
func cveEnd(p []byte, k int) (int, bool) {
	if k+9 > len(p) {
		return 0, false
	}
	for x := k; x < k+4; x++ {
		if !isDigit(p[x]) {
			return 0, false
		}
	}
	year := (int(p[k])-'0')*1000 + (int(p[k+1])-'0')*100 + (int(p[k+2])-'0')*10 + int(p[k+3]) - '0'
	if year < 1999 || year > 2099 || p[k+4] != '-' {
		return 0, false
	}
	end := k + 5
	for end < len(p) && isDigit(p[end]) {
		end++
	}
	if d := end - k - 5; d < 4 || d > 7 || (end < len(p) && isAlnum(p[end])) {
		return 0, false
	}
	return end, true
}

// asnValue validates the digits of an AS number and returns "AS<n>".
func asnValue(d string) (string, bool) {
	if len(d) == 0 || len(d) > 10 || d[0] == '0' {
		return "", false
	}
	for i := 0; i < len(d); i++ {
		if !isDigit(d[i]) {
			return "", false
		}
	}
	v, err := strconv.ParseUint(d, 10, 32)
	if err != nil || v == 0 {
		return "", false
	}
	return "AS" + d, true
}

// hashes reports maximal hex runs of hash lengths. A run is bounded by
// non-alphanumerics, so the first 32 characters of a SHA-256 are never an
// MD5 and a hex tail of a longer token is never a hash.
func (r *run) hashes(i, j int) {
	if j-i < 32 {
		return // shorter than the shortest hash
	}
	n := r.norm
	for k := i; k < j; {
		from := k // where the hash is written, its "0x" included
		if n[k] == '0' && k+2 < j && lower(n[k+1]) == 'x' && isHex(n[k+2]) && (k == i || !isAlnum(n[k-1])) {
			k += 2 // "0x…": the hash is the hex digits after the prefix
		} else if !isHex(n[k]) || (k > i && isAlnum(n[k-1])) {
			k++
			continue
		}
		m := k
		letters, digits := false, false
		for m < j && isHex(n[m]) {
			if isDigit(n[m]) {
				digits = true
			} else {
				letters = true
			}
			m++
		}
		if (m == j || !isAlnum(n[m])) && letters && digits {
			var hk kind
			switch m - k {
			case 32:
				hk = kMD5
			case 40:
				hk = kSHA1
			case 64:
				hk = kSHA256
			case 128:
				hk = kSHA512
			}
			if hk != 0 {
				var buf [128]byte // the longest hash
				r.emitBytes(hk, from, m, toLower(buf[:], n[k:m]))
			}
		}
		k = m + 1
	}
}

// ipv4s finds dotted-quad addresses in a piece that is not a domain. An
// address must not continue into more dotted numbers ("1.3.6.1.4.1" is an
// OID) and must not follow a version word ("version 1.2.3.4").
func (r *run) ipv4s(i, j int) {
	n := r.norm
	for k := i; k < j; k++ {
		if !isDigit(n[k]) || (k > i && (isAlnum(n[k-1]) || n[k-1] == '.')) {
			continue
		}
		v, end, ok := parseIPv4(n[k:j])
		if !ok {
			continue
		}
		end += k
		if end < j && (isAlnum(n[end]) || (n[end] == '.' && end+1 < j && isDigit(n[end+1]))) {
			continue
		}
		if r.afterVersionWord(k) {
			continue
		}
		r.emit(kIPv4, k, end, v)
		k = end
	}
}

// parseIPv4 reads a dotted quad at the start of b (octets of one to three
// digits, each at most 255; leading zeros are read as decimal and dropped in
// the canonical form).
func parseIPv4(b []byte) (string, int, bool) {
	var oct [4]int
	k := 0
	for part := 0; part < 4; part++ {
		if part > 0 {
			if k >= len(b) || b[k] != '.' {
				return "", 0, false
			}
			k++
		}
		s := k
		v := 0
		for k < len(b) && isDigit(b[k]) && k-s < 4 {
			v = v*10 + int(b[k]-'0')
			k++
		}
		if k == s || k-s > 3 || v > 255 {
			return "", 0, false
		}
		oct[part] = v
	}
	var buf [15]byte
	out := strconv.AppendInt(buf[:0], int64(oct[0]), 10)
	for _, o := range oct[1:] {
		out = append(out, '.')
		out = strconv.AppendInt(out, int64(o), 10)
	}
	return string(out), k, true
}

var versionWords = []string{"version", "versions", "ver", "v", "build", "release", "firmware", "vers"}

// versionListWords may stand between a version word and the numbers it
// introduces: "Supported versions that are affected are 11.2.0.4,
// 12.1.0.2 and 19c".
var versionListWords = []string{"that", "are", "is", "affected", "affects", "affecting", "and", "or", "the", "prior",
	"to", "before", "through", "up", "from", "including", "earlier", "later", "all", "supported", "following",
	"between", "fixed", "vulnerable"}

// afterVersionWord reports whether the number at norm[k] follows a version
// word: inside the span ("version=1.2.3.4"), as the previous word, or
// earlier in the sentence with only list words and other version numbers
// between ("versions that are affected are 11.2.0.4, 12.1.0.2"). Oracle's
// advisories list four-part versions this way, which would otherwise read
// as IPv4 addresses.
func (r *run) afterVersionWord(k int) bool {
	n := r.norm
	var w string
	if k > 0 {
		e := k
		if n[e-1] == '=' || n[e-1] == ':' || n[e-1] == '-' || n[e-1] == '_' {
			e--
		}
		s := e
		for s > 0 && isLetter(n[s-1]) {
			s--
		}
		if s == e {
			for p := 0; p < k; p++ {
				if isAlnum(n[p]) {
					return false
				}
			}
			return r.versionListBefore()
		}
		w = string(n[s:e])
	} else {
		if r.prevStart < 0 {
			return false
		}
		s, e := r.prevStart, r.prevEnd
		t := r.text
		for s < e && !isLetter(t[s]) {
			s++
		}
		for e > s && !isLetter(t[e-1]) {
			e--
		}
		w = t[s:e]
	}
	if isVersionWord(w) {
		return true
	}
	return r.versionListBefore()
}

func isVersionWord(w string) bool {
	for _, v := range versionWords {
		if equalFoldASCII(w, v) {
			return true
		}
	}
	return false
}

// versionListBefore walks back from the current span over at most twelve
// words: true at a version word, false at the first word that is neither a
// list word nor a version number (which also ends the walk at the previous
// sentence's last word).
func (r *run) versionListBefore() bool {
	t := r.text
	e := r.spanStart
	for range 12 {
		for e > 0 && (t[e-1] == ' ' || t[e-1] == '\t' || t[e-1] == '\n' || t[e-1] == '\r') {
			e--
		}
		s := e
		for s > 0 && t[s-1] != ' ' && t[s-1] != '\t' && t[s-1] != '\n' && t[s-1] != '\r' {
			s--
		}
		if s == e {
			return false
		}
		word := strings.Trim(t[s:e], ",;:()[]")
		switch {
		case word == "":
		case isVersionWord(word):
			return true
		case versionNumber(word) || isVersionListWord(word):
		default:
			return false
		}
		e = s
	}
	return false
}

func isVersionListWord(w string) bool {
	for _, v := range versionListWords {
		if equalFoldASCII(w, v) {
			return true
		}
	}
	return false
}

// versionNumber reports whether w looks like a version: it starts with a
// digit and holds only digits, dots and letters ("11.2.0.4", "19c", "2.x").
func versionNumber(w string) bool {
	if w == "" || len(w) > 20 || !isDigit(w[0]) {
		return false
	}
	for i := 0; i < len(w); i++ {
		if !isAlnum(w[i]) && w[i] != '.' {
			return false
		}
	}
	return true
}

// macAddress accepts 00:1a:2b:3c:4d:5e, 00-1A-2B-3C-4D-5E and 001a.2b3c.4d5e
// and returns the colon form in lower case.
func macAddress(p []byte) (string, bool) {
	var out [17]byte
	switch len(p) {
	case 17:
		sep := p[2]
		if sep != ':' && sep != '-' {
			return "", false
		}
		for g := 0; g < 6; g++ {
			a, b := p[g*3], p[g*3+1]
			if !isHex(a) || !isHex(b) || (g < 5 && p[g*3+2] != sep) {
				return "", false
			}
			out[g*3], out[g*3+1] = lower(a), lower(b)
			if g < 5 {
				out[g*3+2] = ':'
			}
		}
	case 14:
		if p[4] != '.' || p[9] != '.' {
			return "", false
		}
		o := 0
		for g := 0; g < 3; g++ {
			for x := 0; x < 4; x++ {
				c := p[g*5+x]
				if !isHex(c) {
					return "", false
				}
				out[o] = lower(c)
				o++
				if o%3 == 2 && o < 17 {
					out[o] = ':'
					o++
				}
			}
		}
	default:
		return "", false
	}
	return string(out[:]), true
}

// ipv6Address accepts a textual IPv6 address and returns its RFC 5952 form.
// Short forms that also read as code ("a::b", "Cafe::Add") are refused (see
// ipv6Shape), in the text and in the canonical form, so that the canonical
// form reads back as an address; so is the unspecified address "::". The
// loopback "::1" is an address as written.
func ipv6Address(p []byte) (string, bool) {
	if string(p) == "::1" {
		return "::1", true // the loopback address, short as it is
	}
	if len(p) < 3 || len(p) > 45 || !ipv6Shape(p) {
		return "", false
	}
	a, err := netip.ParseAddr(string(p))
	if err != nil || !a.Is6() || a.Zone() != "" || a.IsUnspecified() {
		return "", false
	}
	c := a.String()
	if c != "::1" && !ipv6Shape([]byte(c)) { // "0:0:0:0:0:0:0:1" is the loopback
		return "", false
	}
	return c, true
}

// ipv6Shape requires two colons, one letter case, and three groups, or two
// with a first group of three or more characters.
func ipv6Shape(p []byte) bool {
	groups, first, colons := 0, -1, 0
	hasLower, hasUpper := false, false
	run := 0
	for _, c := range p {
		switch {
		case c == ':':
			colons++
			if run > 0 {
				if first < 0 {
					first = run
				}
				groups++
			}
			run = 0
		case c == '.' || isDigit(c):
			run++
		case c >= 'a' && c <= 'f':
			hasLower = true
			run++
		case c >= 'A' && c <= 'F':
			hasUpper = true
			run++
		default:
			return false
		}
	}
	if run > 0 {
		if first < 0 {
			first = run
		}
		groups++
	}
	return colons >= 2 && !(hasLower && hasUpper) && groups >= 2 && (groups > 2 || first >= 3)
}

// validLocal checks the local part of an e-mail address (the dot-atom subset
// seen in reports: letters, digits, '.', '_', '-', and '+' for tags).
func validLocal(p []byte) bool {
	if len(p) == 0 || len(p) > 64 || !wordByte(p[0]) || !wordByte(p[len(p)-1]) {
		return false
	}
	for k, c := range p {
		if !(isAlnum(c) || c == '.' || c == '_' || c == '-' || c == '+') {
			return false
		}
		if c == '.' && k > 0 && p[k-1] == '.' {
			return false
		}
	}
	return true
}

// ambiguousTLDs are ICANN TLDs that are also common file extensions. A
// two-label name ending in one ("setup.py", "invoice.zip", "README.md") is a
// file name; with three or more labels ("cdn.example.zip") it is a domain
// unless another label is an extension too ("invoice.pdf.zip").
var ambiguousTLDs = map[string]bool{
	"app": true, "sh": true, "py": true, "pl": true, "pm": true, "rs": true, "java": true,
	"md": true, "one": true, "zip": true, "cab": true, "mov": true, "so": true, "ps": true,
	"dot": true, "run": true, "properties": true, "map": true,
}

// fileExtensions are extensions that are not TLDs; seen as an inner label
// they mark a file name ("invoice.pdf.zip").
var fileExtensions = map[string]bool{
	"exe": true, "dll": true, "sys": true, "bat": true, "cmd": true, "ps1": true, "vbs": true,
	"js": true, "jar": true, "apk": true, "dmg": true, "pkg": true, "deb": true, "rpm": true,
	"php": true, "asp": true, "aspx": true, "jsp": true, "html": true, "htm": true, "xml": true,
	"json": true, "yaml": true, "yml": true, "ini": true, "cfg": true, "conf": true, "log": true,
	"txt": true, "csv": true, "doc": true, "docx": true, "docm": true, "xls": true, "xlsx": true,
	"xlsm": true, "ppt": true, "pptx": true, "pdf": true, "rtf": true, "rar": true, "7z": true,
	"gz": true, "tar": true, "iso": true, "img": true, "vhd": true, "lnk": true, "hta": true,
	"scr": true, "msi": true, "jpg": true, "jpeg": true, "png": true, "gif": true, "dat": true,
	"bin": true, "tmp": true, "elf": true, "chm": true, "wsf": true, "vbe": true, "jse": true,
}

// toLower writes p in lower case into buf (on the caller's stack when p
// fits) and returns it.
func toLower(buf, p []byte) []byte {
	out := buf[:0]
	for _, c := range p {
		out = append(out, lower(c))
	}
	return out
}

// suffixMemo remembers publicsuffix.PublicSuffix answers, as the length of
// the suffix and whether it is ICANN's. A lookup allocates (it first tries
// the name as an IP address, and the failure is an error value), and the
// same TLDs and hosts recur from one document to the next, so each pooled
// run keeps one memo. A nil memo looks every name up.
type suffixMemo map[string]suffixAnswer

type suffixAnswer struct {
	psLen int
	icann bool
}

// maxSuffixMemo bounds a memo fed with arbitrary text; a full memo starts
// again empty.
const maxSuffixMemo = 4096

// publicSuffix is publicsuffix.PublicSuffix(string(name)) for a lower-case
// name, with the suffix given by its length.
func (m suffixMemo) publicSuffix(name []byte) (int, bool) {
	if a, ok := m[string(name)]; ok {
		return a.psLen, a.icann
	}
	ps, icann := publicsuffix.PublicSuffix(string(name))
	if m != nil {
		if len(m) >= maxSuffixMemo {
			clear(m)
		}
		m[string(name)] = suffixAnswer{len(ps), icann}
	}
	return len(ps), icann
}

// isDomain is the strict, context-free domain test used for the domain
// type: valid labels, an ICANN-listed TLD (golang.org/x/net/publicsuffix),
// not itself a public suffix, not a file name, and not written like a code
// identifier ("System.Net": a capitalised TLD under mixed case).
func (m suffixMemo) isDomain(p []byte) bool {
	tld, ok := m.hostLabels(p)
	return ok && m.domainLabels(p, len(tld))
}

// domainLabels is isDomain for a name p that passed hostLabels, whose TLD
// is tldLen bytes long.
func (m suffixMemo) domainLabels(p []byte, tldLen int) bool {
	labels := 1
	for _, c := range p {
		if c == '.' {
			labels++
		}
	}
	// Case: a domain is written in lower case, in upper case, or with only
	// its first label capitalised at the start of a sentence
	// ("Example.com"). Anything else reads as code or a detection name:
	// "System.IO", "BehavesLike.Win32.Generic.cz".
	upper, lowerSeen := false, false
	firstDot := -1
	for k, c := range p {
		switch {
		case c == '_' && k > 0 && p[k-1] == '_':
			return false // "__init__.py", "http__host": code or a defanged scheme
		case c == '.' && firstDot < 0:
			firstDot = k
		case c >= 'A' && c <= 'Z':
			if firstDot >= 0 {
				upper = true
			}
		case c >= 'a' && c <= 'z':
			lowerSeen = true
		}
	}
	if upper && lowerSeen {
		return false
	}
	var buf [253]byte // hostLabels accepts at most 253 bytes
	lp := toLower(buf[:], p)
	if ambiguousTLDs[string(lp[len(lp)-tldLen:])] {
		if labels < 3 {
			return false
		}
		inner := lp[:len(lp)-tldLen-1]
		for len(inner) > 0 {
			l := inner
			if d := indexByte(inner, '.'); d >= 0 {
				l, inner = inner[:d], inner[d+1:]
			} else {
				inner = nil
			}
			// "app" is a subdomain more often than an extension
			// ("app.any.run").
			if fileExtensions[string(l)] || ambiguousTLDs[string(l)] && string(l) != "app" {
				return false
			}
		}
	}
	psLen, icann := m.publicSuffix(lp)
	if icann && psLen == len(p) {
		return false
	}
	// Registrars refuse underscores, so only a subdomain's labels may
	// hold one ("cdn_01.example.com"); "item_func.cc" and
	// "new_report.kp" are file names.
	reg := lp
	if psLen < len(lp) {
		reg = lp[:len(lp)-psLen-1]
	}
	if d := lastIndexByte(reg, '.'); d >= 0 {
		reg = reg[d+1:]
	}
	return indexByte(reg, '_') < 0
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

// hostLabels checks label syntax and that the last label is an ICANN TLD,
// and returns that label. It is the looser test for a URL's host name: the
// URL's scheme already says it is a network name, so file-extension TLDs
// and letter case are accepted.
func (m suffixMemo) hostLabels(p []byte) ([]byte, bool) {
	tld, ok := hostSyntax(p)
	if !ok {
		return nil, false
	}
	var buf [63]byte
	for k, c := range tld {
		buf[k] = lower(c)
	}
	if _, icann := m.publicSuffix(buf[:len(tld)]); !icann {
		return nil, false
	}
	return tld, true
}

// hostSyntax checks that p is a dotted host name, two labels or more of
// letters, digits, '-' and '_' whose last one is letters (or an IDNA
// "xn--" label), and returns that last label. It does not ask whether the
// TLD exists: hostLabels does.
func hostSyntax(p []byte) ([]byte, bool) {
	if len(p) < 4 || len(p) > 253 {
		return nil, false
	}
	start := 0
	labels := 0
	for k := 0; k <= len(p); k++ {
		if k < len(p) && p[k] != '.' {
			c := p[k]
			// Underscores are not in host names (RFC 952) but DNS has
			// them, in service labels ("_dmarc") and in names seen in
			// reports ("cdn_01.example.com").
			if !(isAlnum(c) || c == '-' || c == '_') {
				return nil, false
			}
			continue
		}
		l := k - start
		if l == 0 || l > 63 || p[start] == '-' || p[k-1] == '-' || p[k-1] == '_' {
			return nil, false
		}
		labels++
		if k < len(p) {
			start = k + 1
		}
	}
	if labels < 2 {
		return nil, false
	}
	tld := p[start:]
	if len(tld) < 2 {
		return nil, false
	}
	if !(len(tld) > 4 && lower(tld[0]) == 'x' && lower(tld[1]) == 'n' && tld[2] == '-' && tld[3] == '-') {
		for _, c := range tld {
			if !isLetter(c) {
				return nil, false
			}
		}
	}
	return tld, true
}

// ssdeepLen returns the length of the ssdeep (spamsum) hash that makes up
// all of p, or 0: "BLOCKSIZE:HASH1:HASH2", the block size 3·2ⁿ and each
// hash one to 64 base64 characters. So that clock times and ratios
// ("12:30:45", "3:1:2") are not read as hashes, each hash must be at least
// three characters long and one of them hold a letter.
func ssdeepLen(p string) int {
	i := 0
	bs := 0
	for i < len(p) && isDigit(p[i]) && i < 11 {
		bs = bs*10 + int(p[i]-'0')
		i++
	}
	if i == 0 || p[0] == '0' || bs%3 != 0 || bits.OnesCount(uint(bs/3)) != 1 {
		return 0
	}
	letter := false
	for part := 0; part < 2; part++ {
		if i >= len(p) || p[i] != ':' {
			return 0
		}
		i++
		s := i
		for i < len(p) && (isAlnum(p[i]) || p[i] == '+' || p[i] == '/') {
			letter = letter || isLetter(p[i])
			i++
		}
		if i-s < 3 || i-s > 64 {
			return 0
		}
	}
	if i != len(p) || !letter {
		return 0
	}
	return i
}
