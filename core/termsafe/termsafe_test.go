package termsafe

import (
	"strings"
	"testing"
)

func TestStrip(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "hello world", "hello world"},
		{"newline and tab kept", "a\n\tb", "a\n\tb"},
		{"csi colour", "\x1b[31mred\x1b[0m", "red"},
		{"cursor move", "a\x1b[2J\x1b[Hb", "ab"},
		{"osc title bel", "x\x1b]0;pwned\x07y", "xy"},
		{"osc hyperlink st", "\x1b]8;;http://198.51.100.7/\x1b\\click\x1b]8;;\x1b\\", "click"},
		{"c1 csi introducer dropped", "a\u009b2Jb", "a2Jb"},
		{"bell and backspace", "a\x07\x08b", "ab"},
		{"carriage return", "safe\rEVIL", "safeEVIL"},
		{"invalid utf8", "a\xffb", "a\uFFFDb"},
		{"unicode kept", "größe – CVE", "größe – CVE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Strip(tt.in); got != tt.want {
				t.Fatalf("Strip(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestLine(t *testing.T) {
	if got := Line("a\n b\x1b[1m   c", 10); got != "a b c" {
		t.Fatalf("got %q", got)
	}
	if got := Line(strings.Repeat("x", 20), 5); got != "xxxx…" {
		t.Fatalf("got %q", got)
	}
}

func FuzzStrip(f *testing.F) {
	f.Add("\x1b[31mred\x1b[0m")
	f.Add("\x1b]0;t\x07")
	f.Fuzz(func(t *testing.T, s string) {
		out := Strip(s)
		for _, r := range out {
			if r == 0x1b || r == 0x9b || (r < 0x20 && r != '\n' && r != '\t') {
				t.Fatalf("control %U survived in %q", r, out)
			}
		}
	})
}
