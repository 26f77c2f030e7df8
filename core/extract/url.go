package extract

import (
	"encoding/base64"
	"encoding/hex"
	"strings"
)

// schemes are the URL schemes reported as url values.
var schemes = []string{"https", "http", "ftps", "ftp", "sftp", "wss", "ws", "smb", "tcp", "udp", "ssh",
	"ldap", "ldaps", "rmi", "dns", "irc", "telnet", "rtsp"}

// separatorAt matches a scheme separator at n[j]: "://" or a percent-encoded
// form (":%2F%2F", "%3A%2F%2F", "%3A//"). enc reports the encoded forms,
// whose remainder is percent-decoded as well.
func separatorAt(n []byte, j int) (l int, enc bool) {
	s := n[j:]
	switch {
	case len(s) >= 3 && s[0] == ':' && s[1] == '/' && s[2] == '/':
		return 3, false
	case hasPrefixFoldBytes(s, ":%2f%2f"):
		return 7, true
	case hasPrefixFoldBytes(s, "%3a%2f%2f"):
		return 9, true
	case hasPrefixFoldBytes(s, "%3a//"):
		return 5, true
	}
	return 0, false
}

func hasPrefixFoldBytes(s []byte, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		if lower(s[i]) != prefix[i] {
			return false
		}
	}
	return true
}

// schemeBefore returns the start of a known scheme ending at n[j], or -1.
// The scheme must not continue a longer word ("xhttp://").
func schemeBefore(n []byte, from, j int) int {
	k := j
	for k > from && isLetter(n[k-1]) && j-k < 6 {
		k--
	}
	if k == j || (k > 0 && isAlnum(n[k-1])) {
		return -1
	}
	for _, s := range schemes {
		if len(s) == j-k && hasPrefixFoldBytes(n[k:j], s) {
			return k
		}
	}
	return -1
}

// schemeName returns the lower-case scheme written as b, without
// allocating for the known schemes.
func schemeName(b []byte) string {
	for _, s := range schemes {
		if len(s) == len(b) && hasPrefixFoldBytes(b, s) {
			return s
		}
	}
	return strings.ToLower(string(b))
}

// findURL returns the next URL start in n[from:to] with its separator.
func findURL(n []byte, from, to int) (start, sep, sepLen int, enc bool) {
	for j := from; j < to; j++ {
		if n[j] != ':' && n[j] != '%' {
			continue
		}
		l, e := separatorAt(n[:to], j)
		if l == 0 {
			continue
		}
		if k := schemeBefore(n, from, j); k >= 0 {
			return k, j, l, e
		}
	}
	return -1, 0, 0, false
}

// urlTrail trims what prose adds after a URL: sentence punctuation and
// closing brackets that do not close anything inside the URL.
func urlTrail(n []byte, a, b int) int {
	for b > a {
		c := n[b-1]
		switch c {
		case '.', ',', ';', ':', '!', '?', '*', '\'':
			b--
			continue
		case ')', ']', '}':
			if unbalanced(string(n[a:b]), c) {
				b--
				continue
			}
		}
		break
	}
	return b
}

// urlSafe are the bytes a percent-decoded or base64-decoded URL may keep
// literally; anything else would change how the URL reads back (brackets
// would refang, '%' would decode again, spaces would split it).
func urlSafe(c byte) bool {
	if isAlnum(c) {
		return true
	}
	switch c {
	case '-', '.', '_', '~', ':', '/', '?', '#', '@', '&', '=', '+', ',', ';', '!', '$', '*':
		return true
	}
	return false
}

func unhex(c byte) int {
	switch {
	case isDigit(c):
		return int(c - '0')
	case lower(c) >= 'a' && lower(c) <= 'f':
		return int(lower(c)-'a') + 10
	}
	return -1
}

// percentDecode decodes %XX escapes whose byte is urlSafe and keeps the
// rest as written.
func percentDecode(s []byte) []byte {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			h, l := unhex(s[i+1]), unhex(s[i+2])
			if h >= 0 && l >= 0 && urlSafe(byte(h<<4|l)) {
				out = append(out, byte(h<<4|l))
				i += 2
				continue
			}
		}
		out = append(out, s[i])
	}
	return out
}

// parsedURL is a URL split for canonicalisation.
type parsedURL struct {
	canon      string
	hostA      int // host offsets within the remainder after the separator
	hostB      int
	host       string // canonical host
	hostKind   kind   // kIPv4, kIPv6 or kDomain
	hostDomain bool   // host passes the strict domain test
}

// parseRemainder validates what follows "scheme://": [userinfo@]host[:port]
// then path, query and fragment kept as they are. The canonical URL is
// built in r.canon and is written, the text the URL was read from, when
// the two read the same ("" when the URL is not written as such). A host
// name must end in an ICANN TLD unless anyTLD is set, for a scheme written
// in the text.
func (r *run) parseRemainder(scheme string, rest []byte, written string, anyTLD bool) (parsedURL, bool) {
	var u parsedURL
	authEnd := len(rest)
	for k, c := range rest {
		if c == '/' || c == '?' || c == '#' || c == '\\' {
			authEnd = k
			break
		}
	}
	auth := rest[:authEnd]
	hostA := 0
	if at := lastIndexByte(auth, '@'); at >= 0 {
		for _, c := range auth[:at] {
			if !urlSafe(c) && c != '%' {
				return u, false
			}
		}
		hostA = at + 1
	}
	hostB := authEnd
	port := []byte(nil)
	if hostA < authEnd && auth[hostA] == '[' {
		end := hostA
		for end < authEnd && auth[end] != ']' {
			end++
		}
		if end == authEnd {
			return u, false
		}
		v, ok := ipv6Address(auth[hostA+1 : end])
		if !ok {
			return u, false
		}
		u.host, u.hostKind = v, kIPv6
		u.hostA, u.hostB = hostA+1, end
		if end+1 < authEnd {
			if auth[end+1] != ':' {
				return u, false
			}
			port = auth[end+2:]
		}
		hostB = end + 1
	} else {
		if c := lastIndexByte(auth[hostA:], ':'); c >= 0 {
			hostB = hostA + c
			port = auth[hostB+1:]
			if len(port) == 0 {
				return u, false
			}
		}
		h := auth[hostA:hostB]
		u.hostA, u.hostB = hostA, hostB
		if v, end, ok := parseIPv4(h); ok && end == len(h) {
			u.host, u.hostKind = v, kIPv4
		} else if host, domain := r.hostTests(h); host {
			// u.host is set below, as the lower-cased host within canon.
			u.hostKind = kDomain
			u.hostDomain = domain
		} else if _, ok := hostSyntax(h); ok && anyTLD {
			// "http://a.example/", "http://intranet.corp/": the
			// written scheme says it is a network name, even under a
			// TLD no registry lists; the name alone is no domain.
			u.hostKind = kDomain
		} else {
			return u, false
		}
	}
	if port != nil {
		if len(port) == 0 || len(port) > 5 {
			return u, false
		}
		v := 0
		for _, c := range port {
			if !isDigit(c) {
				return u, false
			}
			v = v*10 + int(c-'0')
		}
		if v > 65535 {
			return u, false
		}
	}
	b := append(r.canon[:0], scheme...)
	b = append(b, "://"...)
	b = append(b, rest[:hostA]...)
	hostAt := len(b)
	switch u.hostKind {
	case kIPv6:
		b = append(b, '[')
		b = append(b, u.host...)
		b = append(b, ']')
	case kDomain:
		// The host is ASCII (hostLabels), so this is strings.ToLower.
		for _, c := range rest[hostA:hostB] {
			b = append(b, lower(c))
		}
	default:
		b = append(b, u.host...)
	}
	b = append(b, rest[hostB:]...)
	r.canon = b
	if string(b) == written {
		u.canon = written
	} else {
		u.canon = string(b)
	}
	if u.hostKind == kDomain {
		u.host = u.canon[hostAt : hostAt+hostB-hostA]
	}
	return u, true
}

// hostTests tests a URL's host name h: hostLabels, and isDomain of h in
// lower case. The answers for recent hosts are remembered.
func (r *run) hostTests(h []byte) (host, domain bool) {
	if r.hosts != nil {
		if e := r.hosts.find(h); e != nil {
			return e.host, e.domain
		}
	}
	if tld, ok := r.suffixes.hostLabels(h); ok {
		// hostLabels ignores case, so the lower-cased host has the same
		// TLD and isDomain needs only its remaining tests.
		var buf [253]byte
		host, domain = true, r.suffixes.domainLabels(toLower(buf[:], h), len(tld))
	}
	if r.hosts != nil {
		r.hosts.add(h, host, domain)
	}
	return host, domain
}

// hostMemo remembers the host tests of the last few URL hosts, most recent
// first: a document's URLs, and one document's and the next's, mostly
// share a few hosts (two in three URLs of the advisories have the host of
// one of the four before), and comparing a few short names is cheaper than
// the tests' public suffix lookups.
type hostMemo [4]hostEntry

type hostEntry struct {
	n            uint8 // len(name); 0 for an empty entry
	name         [maxMemoHost]byte
	host, domain bool
}

// maxMemoHost is the longest host name remembered.
const maxMemoHost = 48

// find returns the entry for h, moved to the front, or nil.
func (m *hostMemo) find(h []byte) *hostEntry {
	if len(h) == 0 || len(h) > maxMemoHost {
		return nil
	}
	for i := range m {
		if int(m[i].n) == len(h) && string(m[i].name[:len(h)]) == string(h) {
			if i > 0 {
				e := m[i]
				copy(m[1:i+1], m[:i])
				m[0] = e
			}
			return &m[0]
		}
	}
	return nil
}

// add remembers the answers for h in front, forgetting the oldest entry.
func (m *hostMemo) add(h []byte, host, domain bool) {
	if len(h) == 0 || len(h) > maxMemoHost {
		return
	}
	copy(m[1:], m[:len(m)-1])
	m[0].n = uint8(len(h))
	copy(m[0].name[:], h)
	m[0].host, m[0].domain = host, domain
}

// url validates the URL whose scheme starts at norm[us] and whose separator
// is at norm[sep:sep+sepLen], ending at most at limit. It emits the URL and
// its host and returns the URL's end.
func (r *run) url(us, sep, sepLen int, enc bool, limit int) (int, bool) {
	n := r.norm
	q := limit
	// A list "http://a.example,http://b.example" ends each URL at the comma
	// that introduces the next; a nested "…?u=http://…" does not. The same
	// pass notes the first byte plainURL refuses and the last that may
	// begin a nested URL's separator.
	unplain, lastSep := -1, -1
	for p := sep + sepLen; p+1 < q; p++ {
		c := urlByte[n[p]]
		if c == 0 {
			continue
		}
		if c&urlUnplain != 0 && unplain < 0 {
			unplain = p
		}
		if c&urlSep != 0 {
			lastSep = p
		}
		switch {
		case c&urlList != 0:
			if s, _, _, _ := findURL(n, p+1, q); s == p+1 {
				q = p
			}
		case c&urlAmp != 0:
			if enc {
				q = p
			}
		}
	}
	q = urlTrail(n, us, q)
	restStart := sep + sepLen
	if q <= restStart {
		return 0, false
	}
	rest := n[restStart:q]
	if enc {
		rest = percentDecode(rest)
	}
	written := ""
	if r.identity && !enc {
		written = r.text[r.base+us : r.base+q]
	}
	u, ok := r.parseRemainder(schemeName(n[us:sep]), rest, written, !r.joined)
	if !ok {
		return 0, false
	}
	canon := u.canon
	// A URL read from plain text (r.plainText) as its own canonical form,
	// with no byte plainURL refuses, passes plainURL: the span's flags and
	// candidate's and span's tests ruled out the rest.
	known := r.plainText && canon == written && (unplain < 0 || unplain >= q)
	if r.refang && r.depth == 0 && !known {
		if canon, ok = r.stableURL(canon); !ok {
			return 0, false
		}
	}
	if !r.inner {
		r.emit(kURL, us, q, canon)
	}
	switch {
	case enc:
		// The host is not written as such in the text.
		r.emitHost(u, -1, -1)
	default:
		r.emitHost(u, restStart+u.hostA, restStart+u.hostB)
	}
	if !enc {
		r.pathHashes(u.host, restStart+u.hostB, q)
	}
	if !enc && lastSep >= restStart+u.hostB {
		// URLs nested in the query ("…?u=http%3A%2F%2F…"), which
		// need a ':' or '%' before the URL's last byte.
		r.nested(restStart+u.hostB, q)
	}
	return q, true
}

// Classes of urlByte.
const (
	urlList    = 1 << iota // ',' ';' '|': may introduce the next URL of a list
	urlAmp                 // '&': ends a percent-encoded URL
	urlUnplain             // ',' ';': refused by plainURL
	urlSep                 // ':' '%': may begin a scheme separator
)

// urlByte classifies bytes for url's pass over a URL's remainder.
var urlByte = func() (t [256]uint8) {
	t[','] = urlList | urlUnplain
	t[';'] = urlList | urlUnplain
	t['|'] = urlList
	t['&'] = urlAmp
	t[':'] = urlSep
	t['%'] = urlSep
	return t
}()

// emitHost reports a URL's host under its type; a < 0 means it has no
// written form in the text.
func (r *run) emitHost(u parsedURL, a, b int) {
	if u.hostKind == kDomain && !u.hostDomain {
		return
	}
	if a < 0 {
		r.emitDecoded(u.hostKind, u.host)
		return
	}
	r.emit(u.hostKind, a, b, u.host)
}

// nested finds URLs inside norm[a:b] that start after a '=' or '/'. One in
// the query ("…?u=http%3A%2F%2Fevil…", a redirect or tracking parameter)
// gives its host (and the file hashes in its path), not a URL of its own:
// the outer URL is the indicator, as all three peers read it, and the host
// the redirect leads to is the pivot. One in the path (an archived copy,
// "web.archive.org/web/2021/http://…", or URLs run together) is a URL.
func (r *run) nested(a, b int) {
	inner := r.inner
	defer func() { r.inner = inner }()
	query := indexByte(r.norm[a:b], '?')
	if query >= 0 {
		query += a
	}
	for a < b {
		us, sep, sepLen, enc := findURL(r.norm, a, b)
		if us < 0 {
			return
		}
		r.inner = inner || query >= 0 && us > query
		end, ok := r.url(us, sep, sepLen, enc, b)
		if !ok {
			a = sep + sepLen
			continue
		}
		a = end
	}
}

// stableURL returns canon if extracting it on its own gives it back, so that
// every refanged value reads back as itself; decoded URLs can otherwise
// contain text that would be refanged again. Most URLs are plainURL and need
// no re-extraction; the others are re-extracted in r.sub, whose buffers
// carry over between calls.
func (r *run) stableURL(canon string) (string, bool) {
	if plainURL(canon) {
		return canon, true
	}
	if r.sub == nil {
		r.sub = new(run)
	}
	sub := r.sub
	defer func() { sub.text = "" }()
	for try := 0; try < 3; try++ {
		*sub = run{refang: true, text: canon, depth: 1, found: sub.found[:0], norm: sub.norm[:0],
			oStart: sub.oStart[:0], oEnd: sub.oEnd[:0], joins: sub.joins[:0], suffixes: r.suffixes, hosts: r.hosts,
			canon: sub.canon[:0]}
		sub.scan()
		next := ""
		for _, f := range sub.found {
			if f.k == kURL {
				if f.v == canon {
					return canon, true
				}
				if next == "" || len(f.v) > len(next) {
					next = f.v
				}
			}
		}
		if next == "" {
			return "", false
		}
		canon = next
	}
	return "", false
}

// plainURL reports whether the canonical URL canon (parseRemainder's output,
// scheme in lower case) certainly extracts on its own as itself, so that
// stableURL may skip the re-extraction. Each condition mirrors a step of
// scan, span and url on canon:
//   - canon is one span (no break byte), and trim leaves it whole: it
//     starts with the scheme and ends in no sentence punctuation;
//   - pathStart finds no path in it: with no backslash, that is
//     unixPathStart, tested at each '/' (unixPathAt);
//   - normalize copies it unchanged: no brackets, '\\', "%2E", "%40" nor
//     defanged scheme;
//   - its first URL separator is its own "://" (the scheme holds no ':'
//     or '%'), and url does not cut it: no ',' or ';', no trailing
//     punctuation.
//
// url then re-parses the remainder, and parseRemainder gives back its own
// canonical form: the host is already lower case or a canonical IPv4 (IPv6
// hosts, in brackets, take the slow path) and the rest is copied as is.
func plainURL(canon string) bool {
	sep := strings.Index(canon, "://")
	if sep <= 0 {
		return false
	}
	switch canon[len(canon)-1] {
	case '.', ',', ';', ':', '!', '?', '*':
		return false
	}
	for i := 0; i < len(canon); i++ {
		switch urlPlainByte[canon[i]] {
		case 0:
			return false
		case 2:
			if i+2 < len(canon) && (canon[i+1] == '2' && (canon[i+2] == 'E' || canon[i+2] == 'e') ||
				canon[i+1] == '4' && canon[i+2] == '0') {
				return false
			}
		case 3:
			if i == 0 || !isLetter(canon[i-1]) {
				if _, l := defangedScheme(canon[i:]); l > 0 {
					return false
				}
			}
		case 4:
			if unixPathAt(canon, i) {
				return false
			}
		}
	}
	return true
}

// unixPathAt is unixPathStart(canon, 0) for the '/' at canon[p], in a
// canon that starts with its scheme (not "~/"): a path begins there after
// '=', '(' or a ':' that does not start "://", at a Unix root.
func unixPathAt(canon string, p int) bool {
	if p == 0 {
		return unixRootAt(canon, p)
	}
	switch canon[p-1] {
	case '=', '(':
	case ':':
		if p+1 < len(canon) && canon[p+1] == '/' {
			return false
		}
	default:
		return false
	}
	return unixRootAt(canon, p)
}

// urlPlainByte classifies bytes for plainURL: 0 not allowed, 1 allowed, 2
// '%', 3 a letter that may start a defanged scheme, 4 '/'.
var urlPlainByte = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		if isAlnum(byte(c)) {
			t[c] = 1
		}
	}
	for _, c := range ":/-._~?#&=+!$*@" {
		t[c] = 1
	}
	t['%'] = 2
	for _, c := range "hHfF" {
		t[c] = 3
	}
	t['/'] = 4
	return t
}()

// base64URL decodes a base64 run at norm[i:] that starts like "http" in
// base64 ("aHR0c") and reports it as a URL when it decodes to one. It
// returns the run's end, or i when it is not a URL.
func (r *run) base64URL(i, b int) int {
	n := r.norm
	j := i
	urlAlphabet := false
	for j < b {
		c := n[j]
		if isAlnum(c) || c == '+' || c == '/' {
			j++
			continue
		}
		if c == '-' || c == '_' {
			urlAlphabet = true
			j++
			continue
		}
		break
	}
	end := j
	for end < b && end-j < 2 && n[end] == '=' {
		end++
	}
	if j < b && end == j && (isAlnum(n[j]) || n[j] == '.') {
		return i
	}
	data := n[i:j]
	if len(data)%4 == 1 {
		data = data[:len(data)-1]
	}
	enc := base64.RawStdEncoding
	if urlAlphabet {
		enc = base64.RawURLEncoding
	}
	dec := make([]byte, enc.DecodedLen(len(data)))
	m, err := enc.Decode(dec, data)
	if err != nil {
		return i
	}
	if r.decodedURL(i, end, dec[:m]) {
		return end
	}
	return i
}

// hexURL decodes a run of hex digits at norm[i:] that starts like "http"
// or "ftp" in hex ("687474703a2f2f", iocextract's hex-encoded URLs) and
// reports it as a URL when it decodes to one. It returns the run's end, or
// i when it is not a URL.
func (r *run) hexURL(i, b int) int {
	n := r.norm
	j := i
	for j < b && isHex(n[j]) {
		j++
	}
	if j < b && (isAlnum(n[j]) || n[j] == '.') {
		return i
	}
	end := j
	j -= (j - i) % 2
	dec := make([]byte, (j-i)/2)
	if _, err := hex.Decode(dec, n[i:j]); err != nil {
		return i
	}
	if r.decodedURL(i, end, dec) {
		return end
	}
	return i
}

// hexURLStart reports whether p starts like a URL written in hex:
// "http://", "https://" or "ftp://", in either case.
func hexURLStart(p []byte) bool {
	for _, pre := range [...]string{"687474703a2f2f", "68747470733a2f2f", "6674703a2f2f"} {
		if len(p) >= len(pre)+8 && equalFoldASCII(string(p[:len(pre)]), pre) {
			return true
		}
	}
	return false
}

// decodedURL reports the URL that norm[i:end], a base64 or hex run,
// decodes to (dec), cut at its first byte no URL holds; false when dec
// holds no http(s) or ftp URL.
func (r *run) decodedURL(i, end int, dec []byte) bool {
	k := 0
	for k < len(dec) && urlSafe(dec[k]) {
		k++
	}
	dec = dec[:k]
	var scheme string
	switch {
	case strings.HasPrefix(string(dec), "http://"):
		scheme = "http"
	case strings.HasPrefix(string(dec), "https://"):
		scheme = "https"
	case strings.HasPrefix(string(dec), "ftp://"):
		scheme = "ftp"
	default:
		return false
	}
	rest := dec[len(scheme)+3:]
	rest = rest[:urlTrail(rest, 0, len(rest))]
	u, ok := r.parseRemainder(scheme, rest, "", false)
	if !ok {
		return false
	}
	if !r.refang {
		r.emit(kURL, i, end, "")
		return true
	}
	canon := u.canon
	if r.depth == 0 {
		if canon, ok = r.stableURL(canon); !ok {
			return false
		}
	}
	r.emit(kURL, i, end, canon)
	r.emitHost(u, -1, -1)
	return true
}

// pathHashes reports the file hashes in a URL's path and query, norm[a:b],
// of a URL whose host is host, where the URL says it is about a file: any
// path segment or query value that is a hex run of hash length on a
// file-reputation or sandbox host ("www.virustotal.com/gui/file/<sha256>",
// "app.any.run/tasks/<sha256>"); elsewhere, a segment after one named
// "file", "sample", "analysis" … ("…/sample/<sha256>/"), a query value
// under such a key ("?md5=<md5>", "?hash=…"), and a sample named by its
// hash ("…/<md5>.exe"). Other hex runs of hash length in URLs are commit,
// tree and gist ids, bug and note ids, request signatures and session
// tokens (120 of them in the advisories' URLs, none a file's hash), and
// are not reported.
func (r *run) pathHashes(host string, a, b int) {
	if b-a < 33 {
		return
	}
	n := r.norm
	ctxA, ctxB := a, a // the previous segment, or the current query key
	for k := a; k < b; {
		e := k
		for e < b && !urlDelim(n[e]) {
			e++
		}
		v, query := k, false
		if eq := indexByte(n[k:e], '='); eq >= 0 {
			ctxA, ctxB, v, query = k, k+eq, k+eq+1, true
		}
		if e-v >= 32 {
			h := v
			for h < e && isHex(n[h]) {
				h++
			}
			if l := h - v; l == 32 || l == 40 || l == 64 || l == 128 {
				switch {
				case h == e && (hashContext(n[ctxA:ctxB]) || reputationHost(host)):
					r.hashes(v, h)
				case !query && h < e && n[h] == '.' && sampleExtension(n[h+1:e]):
					r.hashes(v, h)
				}
			}
		}
		if !query {
			ctxA, ctxB = k, e
		}
		k = e + 1
	}
}

// reputationHost reports the file-reputation and sandbox services whose
// links name a sample by its hash.
func reputationHost(host string) bool {
	host = strings.TrimPrefix(host, "www.")
	switch host {
	case "virustotal.com", "hybrid-analysis.com", "bazaar.abuse.ch", "mb-api.abuse.ch", "urlhaus.abuse.ch",
		"app.any.run", "any.run", "tria.ge", "joesandbox.com", "otx.alienvault.com", "malshare.com",
		"analyze.intezer.com", "polyswarm.network", "metadefender.opswat.com", "filescan.io",
		"virusshare.com", "malwares.com", "capesandbox.com", "threatfox.abuse.ch", "exchange.xforce.ibmcloud.com":
		return true
	}
	return false
}

// sampleExtension reports the extensions of the files a URL serves a
// sample as (executables, scripts, documents, archives, disk images), not
// of web pages.
func sampleExtension(w []byte) bool {
	if len(w) > 4 {
		return false
	}
	var buf [4]byte
	switch string(toLower(buf[:], w)) {
	case "exe", "dll", "sys", "scr", "msi", "bin", "elf", "so", "apk", "jar", "dmg", "bat", "cmd", "ps1",
		"vbs", "vbe", "js", "jse", "hta", "wsf", "lnk", "doc", "docx", "docm", "xls", "xlsx", "xlsm",
		"ppt", "pptx", "pdf", "rtf", "zip", "rar", "7z", "gz", "tar", "iso", "img", "vhd", "chm", "dat":
		return true
	}
	return false
}

// urlDelim are the bytes that end a path segment or query parameter.
func urlDelim(c byte) bool {
	return c == '/' || c == '?' || c == '&' || c == ';' || c == '#'
}

// hashContext reports whether a path segment or query key says that what
// follows is a file or its hash.
func hashContext(w []byte) bool {
	if len(w) > 9 {
		return false
	}
	var buf [9]byte
	switch string(toLower(buf[:], w)) {
	case "file", "sample", "samples", "md5", "sha1", "sha256", "sha512", "hash", "hashes",
		"resource", "query", "q", "search", "ioc", "indicator", "analysis", "report", "reports", "malware":
		return true
	}
	return false
}
