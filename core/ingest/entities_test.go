package ingest

import (
	"regexp"
	"testing"
)

// The patterns isCVEID and isCWEID implement by hand.
var (
	cvePattern = regexp.MustCompile(`^(?i)CVE-\d{4}-\d{4,}$`)
	cwePattern = regexp.MustCompile(`^(?i)CWE-\d+$`)
)

func checkIDMatchers(t *testing.T, s string) {
	t.Helper()
	if got, want := isCVEID(s), cvePattern.MatchString(s); got != want {
		t.Fatalf("isCVEID(%q) = %v, regexp %v", s, got, want)
	}
	if got, want := isCWEID(s), cwePattern.MatchString(s); got != want {
		t.Fatalf("isCWEID(%q) = %v, regexp %v", s, got, want)
	}
}

// TestIDMatchersAreThePatterns: the hand-written matchers agree with the
// regular expressions, for every character in every position of a valid
// id (which covers case folding beyond ASCII, digits of other scripts and
// stray separators).
func TestIDMatchersAreThePatterns(t *testing.T) {
	for _, s := range []string{"", "CVE-2024-1234", "cve-2024-12345", "CvE-2024-123", "CVE-24-1234", "CVE-2024-1234 ",
		"CWE-79", "cwe-7", "CWE-", "CWE-79a", "NVD-CWE-Other", "GHSA-xxxx", "CVE-2024-1234\n"} {
		checkIDMatchers(t, s)
	}
	for _, base := range []string{"CVE-2024-1234", "CWE-79"} {
		for pos := range len(base) {
			for r := rune(0); r < 0x3000; r++ {
				checkIDMatchers(t, base[:pos]+string(r)+base[pos+1:])
			}
			for _, r := range []rune{0x212A, 0x017F, 0x212B, 0xFF10, 0x10400} {
				checkIDMatchers(t, base[:pos]+string(r)+base[pos+1:])
			}
		}
	}
}

func FuzzIDMatchers(f *testing.F) {
	f.Add("CVE-2024-1234")
	f.Add("cwe-79")
	f.Fuzz(func(t *testing.T, s string) { checkIDMatchers(t, s) })
}
