package features

import (
	"reflect"
	"testing"
)

func TestTokenize(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"remote code execution in the parser", []string{"remote", "code", "execution", "parser"}},
		{"fixed in 1.2.3.", []string{"fixed", "1.2.3"}},
		{"see cve-2024-3094 and cwe-79,", []string{"see", "cve-2024-3094", "cwe-79"}},
		{"reads /etc/passwd via ../x", []string{"reads", "etc/passwd"}},
		{"calls foo_bar() and net::http::get", []string{"calls", "foo_bar", "net::http::get"}},
		{"org.apache.commons: text", []string{"org.apache.commons", "text"}},
		{"use-after-free - heap", []string{"use-after-free", "heap"}},
		{"a: b", nil},
		{"größe überlauf", []string{"größe", "überlauf"}},
	}
	for _, tt := range tests {
		var got []string
		Tokenize(tt.in, func(s string) { got = append(got, s) })
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Tokenize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzTokenize(f *testing.F) {
	f.Add("cve-2024-1234 in foo::bar 1.2.3")
	f.Add("::a:b..c//d--")
	f.Fuzz(func(t *testing.T, s string) {
		Tokenize(s, func(tok string) {
			if len(tok) < 2 || len(tok) > 64 {
				t.Fatalf("token %q out of length bounds", tok)
			}
		})
	})
}
