package novelty

import (
	"math"
	"testing"
)

func TestCountDriverWords(t *testing.T) {
	for _, c := range []struct {
		input        string
		count, usual float64
		want         string
	}{
		{"doc:cwe_count", 1, 0.4, "1 CWE weakness (usually 0.4)"},
		{"doc:cwe_count", 0, 0.4, "0 CWE weaknesses (usually 0.4)"},
		{"doc:cwe_count", 3, 1, "3 CWE weaknesses (usually 1)"},
		{"doc:reference_count", 40, 6.02, "40 references (usually 6)"},
		{"doc:alias_count", 1, 12.4, "1 alias (usually 12)"},
	} {
		d := Driver{Input: c.input, Value: math.Log1p(c.count), Usual: math.Log1p(c.usual)}
		if got := d.Words(); got != c.want {
			t.Errorf("%s %v (usually %v): %q, want %q", c.input, c.count, c.usual, got, c.want)
		}
	}
}
