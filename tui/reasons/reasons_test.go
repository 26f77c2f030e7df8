package reasons

import (
	"strings"
	"testing"

	"github.com/cyberstreams/cyberstreams/core/scoring"
)

func TestLabelSaysWhatTheDocumentHas(t *testing.T) {
	tests := []struct {
		feature string
		value   float64
		want    string
	}{
		{"text:remote code execution", 0.31, "text:remote code execution"},
		{"text:cross-site", 0, "text:cross-site · absent"},
		{"cwe:CWE-79", 1, "cwe:CWE-79"},
		{"cwe:CWE-79", 0, "cwe:CWE-79 · absent"},
		{"source:rustsec/advisory-db", 0, "source:rustsec/advisory-db · absent"},
		{"source:reputation", 73.25, "source:reputation = 73.25"},
		{"time:year", 2024, "time:year = 2024"},
		{"entities:cve_count", 0, "entities:cve_count = 0"},
		{"doc:text_tokens_log", 4.1389, "doc:text_tokens_log = 4.14"},
		{"kev:listed", 1, "kev:listed = 1"},
		{"graph:known_actors", 2, "graph:known_actors = 2"},
	}
	for _, tt := range tests {
		if got := label(scoring.Contribution{Feature: tt.feature, Value: tt.value}); got != tt.want {
			t.Errorf("label(%s = %v) = %q, want %q", tt.feature, tt.value, got, tt.want)
		}
	}
}

func TestBarsSignAndScale(t *testing.T) {
	ex := &scoring.Explanation{Class: "high", Base: -1, Margin: 0.5, Omitted: 0.1, Contributions: []scoring.Contribution{
		{Feature: "text:unauthenticated", Value: 0.4, SHAP: 1.0},
		{Feature: "text:xss", Value: 0, SHAP: -0.5},
	}}
	out := Bars(ex, 80, Style{})
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) != 4 || !strings.Contains(lines[0], "why high") || !strings.Contains(lines[3], "+0.100") {
		t.Fatalf("want a heading, two bars and the omitted rest:\n%s", out)
	}
	up, down := lines[1], lines[2]
	// A positive reason's bar is right of the axis, a negative one's left,
	// and half the value draws half the bar.
	if i, j := strings.Index(up, "│"), strings.Index(up, "█"); j < i || !strings.Contains(up, "+1.000") {
		t.Fatalf("positive reason should draw right of the axis: %q", up)
	}
	if i, j := strings.Index(down, "│"), strings.Index(down, "█"); j > i || !strings.Contains(down, "text:xss · absent") {
		t.Fatalf("negative reason should draw left of the axis and say the term is absent: %q", down)
	}
	if n, m := strings.Count(up, "█"), strings.Count(down, "█"); n != 2*m {
		t.Fatalf("bars %d and %d blocks: want the first twice the second", n, m)
	}
	if got := Bars(nil, 80, Style{}); !strings.Contains(got, "no reasons") {
		t.Fatalf("no explanation: %q", got)
	}
}
