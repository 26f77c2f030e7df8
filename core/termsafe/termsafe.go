// Package termsafe makes untrusted text safe to print in a terminal.
// Documents come from outside: a hostile one must not move the cursor,
// rewrite the window title, or hide text with escape sequences.
package termsafe

import (
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// Strip removes ANSI/VT escape sequences (CSI, OSC, DCS, …) and control
// characters except newline and tab, and replaces invalid UTF-8.
func Strip(s string) string {
	if isPlain(s) {
		return s
	}
	s = ansi.Strip(strings.ToValidUTF8(s, "\uFFFD"))
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if isControl(r) {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// isPlain is the fast path: printable ASCII or valid UTF-8 with no controls.
func isPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 && c != '\n' && c != '\t' || c == 0x7f || c >= 0x80 {
			if c >= 0x80 {
				return utf8.ValidString(s) && !strings.ContainsFunc(s, isControl)
			}
			return false
		}
	}
	return true
}

func isControl(r rune) bool {
	if r == '\n' || r == '\t' {
		return false
	}
	return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0)
}

// Line folds text to one line of at most n runes (n ≥ 2), for table cells.
func Line(s string, n int) string {
	s = strings.Join(strings.Fields(Strip(s)), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
