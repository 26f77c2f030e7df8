package features

import (
	"net/url"
	"strings"
)

// ReferenceURL is a reference's host (url.URL.Hostname) and path
// (url.URL.Path), ok false when url.Parse refuses it. It is url.Parse
// with a fast path for the plain http(s) links that nearly every
// reference is (url.Parse was a tenth of featurising an advisory):
// lower-case scheme, a host of letters, digits and "-._~" with no port,
// no escapes, user info, brackets, backslashes, spaces or control bytes.
// Anything else goes to url.Parse itself.
func ReferenceURL(ref string) (host, path string, ok bool) {
	ref = strings.TrimSpace(ref)
	rest, isHTTP := strings.CutPrefix(ref, "https://")
	if !isHTTP {
		rest, isHTTP = strings.CutPrefix(ref, "http://")
	}
	if isHTTP && plainURL(rest) {
		end := strings.IndexAny(rest, "/?#")
		if end < 0 {
			return rest, "", true
		}
		host, rest = rest[:end], rest[end:]
		if rest[0] == '/' {
			path = rest
			if q := strings.IndexAny(rest, "?#"); q >= 0 {
				path = rest[:q]
			}
		}
		return host, path, true
	}
	u, err := url.Parse(ref)
	if err != nil {
		return "", "", false
	}
	return u.Hostname(), u.Path, true
}

// plainURL says whether what follows a URL's "scheme://" is plain: a host
// of host characters (no port, user info or brackets) and a path, query
// and fragment with no escapes, backslashes, spaces, control or non-ASCII
// bytes.
func plainURL(s string) bool {
	inHost := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c <= ' ' || c >= 0x7f || c == '%' || c == '\\':
			return false
		case c == '/' || c == '?' || c == '#':
			inHost = false
		case inHost && !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'):
			return false
		}
	}
	return true
}
