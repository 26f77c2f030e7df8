package features

import (
	"net/url"
	"strings"
	"testing"
)

// referenceURLOf is ReferenceURL as url.Parse alone gives it.
func referenceURLOf(ref string) (string, string, bool) {
	u, err := url.Parse(strings.TrimSpace(ref))
	if err != nil {
		return "", "", false
	}
	return u.Hostname(), u.Path, true
}

var referenceCases = []string{
	"https://nvd.nist.gov/vuln/detail/CVE-2024-1", " http://Example.COM/a/b?c=d#e ", "https://github.com/o/r/commit/abc#L1",
	"https://host?x=/y", "https://host#frag/x", "https://", "http:///path", "https://a_b~c.example/", "https://h:8080/p",
	"https://user@h/p", "https://[::1]/p", "https://h/%41b", "https://h/a b", "https://h/a\\b", "HTTPS://H/P", "ftp://h/p",
	"https://h\x7f/p", "https://ünï.example/p", "https://h/ü", "not a url", "%zz", "https://h{/p", "https://h/p?q#f?g",
	"mailto:a@example.com", "//h/p", "https://h/p;x=1", "https://h/\"<>",
}

func TestReferenceURLIsURLParse(t *testing.T) {
	for _, ref := range referenceCases {
		h, p, ok := ReferenceURL(ref)
		wh, wp, wok := referenceURLOf(ref)
		if h != wh || p != wp || ok != wok {
			t.Errorf("ReferenceURL(%q) = %q, %q, %v; url.Parse gives %q, %q, %v", ref, h, p, ok, wh, wp, wok)
		}
	}
}

func FuzzReferenceURL(f *testing.F) {
	for _, ref := range referenceCases {
		f.Add(ref)
	}
	f.Fuzz(func(t *testing.T, ref string) {
		h, p, ok := ReferenceURL(ref)
		wh, wp, wok := referenceURLOf(ref)
		if h != wh || p != wp || ok != wok {
			t.Fatalf("ReferenceURL(%q) = %q, %q, %v; url.Parse gives %q, %q, %v", ref, h, p, ok, wh, wp, wok)
		}
	})
}
