package reasons

import (
	"strings"
	"testing"

	"github.com/cyberstreams/cyberstreams/core/scoring"
)

func TestBarsSignAndScale(t *testing.T) {
	ex := &scoring.Explanation{Class: "high", Base: -1, Margin: 0.5, Omitted: 0.1, Coverage: 0.8, Contributions: []scoring.Contribution{
		{Feature: "text:unauthenticated", Value: 0.4, SHAP: 1.0},
		{Feature: "text:xss", Value: 0, SHAP: -0.5},
	}}
	out := Bars(ex, 0.72, View{Width: 162})
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "high (72 %) — mainly because it mentions 'unauthenticated'; against: it does not mention 'xss'") ||
		!strings.Contains(lines[3], "carry 80 % of the evidence") || !strings.Contains(lines[3], "+0.100") {
		t.Fatalf("want a header, two bars and the coverage with the omitted rest:\n%s", out)
	}
	up, down := lines[1], lines[2]
	// A positive reason's bar is right of the axis, a negative one's left,
	// and half the value draws half the bar.
	if i, j := strings.Index(up, "│"), strings.Index(up, "█"); j < i || !strings.Contains(up, "+1.000") || !strings.Contains(up, "mentions 'unauthenticated'") {
		t.Fatalf("positive reason should draw right of the axis: %q", up)
	}
	if i, j := strings.Index(down, "│"), strings.Index(down, "█"); j > i || !strings.Contains(down, "does not mention 'xss'") {
		t.Fatalf("negative reason should draw left of the axis and say the term is absent: %q", down)
	}
	if n, m := strings.Count(up, "█"), strings.Count(down, "█"); n != 2*m {
		t.Fatalf("bars %d and %d blocks: want the first twice the second", n, m)
	}
	if strings.Contains(out, "margin") || strings.Contains(out, "base") {
		t.Fatalf("the log-odds are shown only on request:\n%s", out)
	}
	withMargin := Bars(ex, 0.72, View{Width: 80, Margin: true})
	if !strings.Contains(withMargin, "base -1.000 + reasons +1.400 + others +0.100 = margin +0.500") {
		t.Fatalf("--margin should add up the log-odds:\n%s", withMargin)
	}
	if got := Bars(nil, 0, View{Width: 80}); !strings.Contains(got, "no reasons") {
		t.Fatalf("no explanation: %q", got)
	}
}

func TestWrap(t *testing.T) {
	for _, c := range []struct {
		text  string
		width int
		want  string
	}{
		{"a bb ccc dddd", 6, "a bb|ccc|dddd"},
		{"abcdefghij", 4, "abcd|efgh|ij"},
		{"", 4, ""},
	} {
		if got := strings.Join(Wrap(c.text, c.width), "|"); got != c.want {
			t.Errorf("Wrap(%q, %d) = %q, want %q", c.text, c.width, got, c.want)
		}
	}
}
