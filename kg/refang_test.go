package kg

import (
	"strings"
	"testing"
)

// refangReference is Refang without its fast path: the replacer on every
// input.
func refangReference(s string) string {
	s = strings.TrimSpace(s)
	s = strings.NewReplacer(
		"[.]", ".", "(.)", ".", "{.}", ".", "[dot]", ".", "(dot)", ".",
		"[@]", "@", "[at]", "@", "(at)", "@", "[:]", ":", "[://]", "://",
	).Replace(s)
	low := strings.ToLower(s)
	for _, p := range []struct{ from, to string }{{"hxxps", "https"}, {"hxxp", "http"}, {"fxp", "ftp"}} {
		if strings.HasPrefix(low, p.from+"://") {
			return p.to + s[len(p.from):]
		}
	}
	return s
}

func TestRefang(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"192.0.2.1", "192.0.2.1"},
		{" 192[.]0[.]2[.]1 ", "192.0.2.1"},
		{"evil(dot)example{.}com", "evil.example.com"},
		{"hxxps[://]example[.]com/a", "https://example.com/a"},
		{"HXXP://example.com", "http://example.com"},
		{"fxp://198.51.100.7", "ftp://198.51.100.7"},
		{"user[at]example.com", "user@example.com"},
		{"user(at)example.com", "user@example.com"},
		{"a[:]b", "a:b"},
		{"[not defanged]", "[not defanged]"},
		{"", ""},
	} {
		if got := Refang(tt.in); got != tt.want {
			t.Errorf("Refang(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzRefang(f *testing.F) {
	for _, s := range []string{"hxxp[://]a[.]b", "x(dot)y", "{.}", "plain.example.com", " [@] "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := Refang(s), refangReference(s); got != want {
			t.Fatalf("Refang(%q) = %q, reference %q", s, got, want)
		}
	})
}
