package features

import (
	"math"
	"strings"
	"testing"
)

func TestParseStated(t *testing.T) {
	// m builds Metrics from av, ac, pr, ui, s, c, i, a codes.
	m := func(codes ...int8) (out [len(statedMetricNames)]int8) {
		copy(out[:], codes)
		return out
	}
	for _, c := range []struct {
		name, text string
		score      float64
		severity   int8
		metrics    [len(statedMetricNames)]int8
	}{
		{"nothing", "A heap overflow in the parser allows remote code execution.", 0, 0, m()},
		{"v3.1 vector computes its score", "CVSS Vector: (CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H).", 9.8, 0, m(4, 3, 3, 3, 1, 3, 3, 3)},
		{"scope changed", "CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1, 0, m(4, 3, 3, 1, 2, 2, 2, 1)},
		{"low impact", "cvss:3.1/av:l/ac:h/pr:h/ui:r/s:u/c:l/i:n/a:n", 1.8, 0, m(2, 1, 1, 1, 1, 2, 1, 1)},
		{"no impact scores 0", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0, 0, m(4, 3, 3, 3, 1, 1, 1, 1)},
		{"v2 vector", "(AV:N/AC:L/Au:N/C:P/I:P/A:P)", 7.5, 0, m(4, 3, 3, 0, 0, 2, 2, 2)},
		{"v2 complete", "AV:N/AC:L/Au:N/C:C/I:C/A:C", 10, 0, m(4, 3, 3, 0, 0, 3, 3, 3)},
		{"v4 metrics, no score", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 0, 0, m(4, 3, 3, 3, 0, 3, 3, 3)},
		{"v3 preferred over v2", "AV:N/AC:L/Au:N/C:P/I:P/A:P and CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 7.8, 0, m(2, 3, 2, 3, 1, 3, 3, 3)},
		{"stated score wins over the vector's", "CVSS 3.0 Base Score 7.4 (Confidentiality and Integrity impacts). CVSS Vector: (CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:N).", 7.4, 0, m(4, 1, 3, 3, 1, 3, 3, 1)},
		{"cvss score", "CVSS 7.5", 7.5, 0, m()},
		{"version is no score", "CVSS 3.1", 0, 0, m()},
		{"v3 base score with word", "CVSS v3 Base Score: 9.8 (Critical)", 9.8, 5, m()},
		{"cvss_v3 dash", "CVSS_V3: 9.8 - CRITICAL - CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8, 5, m(4, 3, 3, 3, 1, 3, 3, 3)},
		{"base score colon", "base score: 5.3", 5.3, 0, m()},
		{"score of", "given a CVSS3 score of \"6.5 Medium\" and \"8.8 High\" by RedHat", 6.5, 3, m()},
		{"score 10", "score 10", 10, 0, m()},
		{"score out of ten", "CVSS score 7.5/10", 7.5, 0, m()},
		{"score needs a decimal", "a risk score 3 of our own", 0, 0, m()},
		{"not a version number", "score 1.2.3", 0, 0, m()},
		{"out of range", "score 12.5", 0, 0, m()},
		{"severity before", "Critical severity vulnerability that affects event-stream", 0, 5, m()},
		{"moderate is medium", "Moderate severity vulnerability that affects rails", 0, 3, m()},
		{"hyphenated", "a high-severity issue", 0, 4, m()},
		{"severity after", "(Chromium security severity: High)", 0, 4, m()},
		{"markdown heading", "### Severity\nLow\n", 0, 2, m()},
		{"rating of", "severity rating of critical", 0, 5, m()},
		{"rated as", "buffer overflow problems rated as low to moderate", 0, 2, m()},
		{"impact of", "Red Hat Product Security has rated this update as having a security impact of Important.", 0, 4, m()},
		{"generated is not rated", "generated critical files", 0, 0, m()},
		{"highest of several", "marked as high severity in Chromium; our assessment is that this is low severity", 0, 4, m()},
		{"a cvss score without number", "including the impact, a CVSS score, acknowledgments", 0, 0, m()},
		{"too few pairs", "note: a:b c:d", 0, 0, m()},
		{"a trigger joined to its word", "a critical-severity issue", 0, 5, m()},
		{"no trigger token, no words read", "the 9cvss 7.5 thing is important", 0, 0, m()},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := ParseStated(c.text)
			if math.Abs(s.Score-c.score) > 1e-9 || s.Severity != c.severity || s.Metrics != c.metrics {
				t.Errorf("ParseStated(%q) = score %v severity %d metrics %v, want %v %d %v", c.text, s.Score, s.Severity, s.Metrics, c.score, c.severity, c.metrics)
			}
		})
	}
}

func TestTokenizeLeavesOutVectors(t *testing.T) {
	var got []string
	Tokenize("impact (cvss:3.1/av:n/ac:l/pr:n/ui:n/s:c/c:h/i:h/a:h). also av:n/ac:l/au:n/c:p/i:p/a:p here", func(tok string) { got = append(got, tok) })
	if want := "impact here"; strings.Join(got, " ") != want {
		t.Errorf("tokens %q, want %q", got, want)
	}
}

func TestStatedValue(t *testing.T) {
	for _, c := range []struct {
		feature string
		v       float64
		want    string
	}{
		{StatedScore, 9.8, "CVSS 9.8"},
		{StatedScore, 10, "CVSS 10.0"},
		{StatedSeverity, 5, "severity critical"},
		{StatedSeverity, 3, "severity medium"},
		{"stated:attack_vector", 4, "attack vector network"},
		{"stated:privileges_required", 3, "privileges required none"},
		{"stated:user_interaction", 1, "user interaction required"},
		{"stated:scope", 2, "scope changed"},
		{"stated:confidentiality", 3, "confidentiality high"},
		{"stated:attack_vector", 9, ""},
		{"stated:attack_vector", 1.5, ""},
		{StatedSeverity, 0, ""},
		{"doc:package_count", 0, ""},
	} {
		got, ok := StatedValue(c.feature, c.v)
		if got != c.want || ok != (c.want != "") {
			t.Errorf("StatedValue(%q, %v) = %q %v, want %q", c.feature, c.v, got, ok, c.want)
		}
	}
	for _, n := range StatedNames() {
		if !strings.HasPrefix(n, "stated:") || strings.Contains(n, " ") {
			t.Errorf("stated feature name %q", n)
		}
	}
}

// FuzzParseStated: any text parses without panicking into a score in
// 0–10, a severity code and metric codes each metric can name, and every
// vector span it blanks lies within the text; blanking is idempotent.
func FuzzParseStated(f *testing.F) {
	for _, s := range []string{
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "AV:N/AC:L/Au:N/C:P/I:P/A:P", "cvss 9.8", "score of 10.0",
		"critical severity", "severity: high", "rated as important", "cvss:", "cvss:4.0/", "a:b/c:d/e:f/", "score 9.", "severity",
		"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", "cvss 3.1 base score 7.5 (high)", "İ cvss 9.8 ü",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		s := ParseStated(text)
		if !(s.Score >= 0 && s.Score <= 10) || s.Severity < 0 || s.Severity > 5 {
			t.Fatalf("ParseStated(%q): score %v severity %d", text, s.Score, s.Severity)
		}
		for i, code := range s.Metrics {
			if code != 0 {
				if _, ok := StatedValue(StatedNames()[2+i], float64(code)); !ok {
					t.Fatalf("ParseStated(%q): metric %s code %d has no name", text, statedMetricNames[i], code)
				}
			}
		}
		lower := strings.ToLower(text)
		var st Stated
		var spans []span
		st.scanVectors(lower, &spans)
		for k, sp := range spans {
			if sp.start < 0 || sp.end > len(lower) || sp.start >= sp.end || k > 0 && spans[k-1].end > sp.start {
				t.Fatalf("ParseStated(%q): span %v of %d bytes", text, sp, len(lower))
			}
		}
		once := blankUnread(lower)
		if twice := blankUnread(once); twice != once || len(once) != len(lower) {
			t.Fatalf("blankUnread(%q) = %q, again %q", lower, once, twice)
		}
	})
}
