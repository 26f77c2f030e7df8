package explain

import (
	"compress/gzip"
	"encoding/json"
	"math"
	"os"
	"strings"
	"testing"
)

func TestSentence(t *testing.T) {
	for _, c := range []struct {
		feature string
		value   float64
		want    string
	}{
		{"text:authentication bypass", 0.3, "mentions 'authentication bypass'"},
		{"text:cross-site", 0, "does not mention 'cross-site'"},
		{"cwe:CWE-287", 1, "is CWE-287 Improper Authentication"},
		{"cwe:CWE-79", 0, "is not CWE-79 Cross-site Scripting"},
		{"cwe:CWE-99999", 1, "is CWE-99999"},
		{"ecosystem:npm", 1, "is in the npm ecosystem"},
		{"vendor:apache software foundation", 0, "does not name vendor apache software foundation"},
		{"package:left-pad", 1, "names package left-pad"},
		{"assigner:GitHub_M", 1, "was assigned by GitHub_M"},
		{"source:azu/github-advisory-database-rss", 0, "does not come from the GitHub Advisory Database"},
		{"source:reputation", 44.84, "comes from a source that rates 45 % of its advisories critical or high"},
		{"refdomain:github.com", 1, "references github.com"},
		{"kev:listed", 1, "is in CISA's Known Exploited Vulnerabilities catalog"},
		{"kev:listed", 0, "is not in CISA's Known Exploited Vulnerabilities catalog"},
		{"graph:known_actors", 2, "names 2 threat actors the graph knows"},
		{"graph:kev_vulnerabilities", 0, "names no CVEs the graph marks as known exploited"},
		{"kev_history:vendor_listings", 12, "names a vendor with 12 listings in CISA's Known Exploited Vulnerabilities catalog"},
		{"kev_history:product_listings", 0, "names no product listed in CISA's Known Exploited Vulnerabilities catalog"},
		{"kev_history:vendor_listings_last_year", 1, "names a vendor with 1 KEV listing in the year before it"},
		{"kev_history:product_listings_last_year", 0, "names no product with a KEV listing in the year before it"},
		{"kev_history:quiet_vendor", 1, "is from a vendor none of whose advisories the model learnt from was listed in CISA's Known Exploited Vulnerabilities catalog"},
		{"refs:exploit_count", 2, "references 2 exploit write-ups or proofs of concept"},
		{"stated:exploited_in_the_wild", 1, "says it is exploited in the wild"},
		{"stated:silent_claimant", 1, "does not say it is exploited in the wild, as its vendor's advisories do when they are"},
		{"cvss:stated_score", 9.8, "states CVSS 9.8"},
		{"cvss:attack_vector", 4, "states CVSS attack vector network"},
		{"cvss:privileges_required", 3, "states CVSS privileges required none"},
		{"cvss:user_interaction", 0, "states no CVSS vector"},
		{"cvss:scope", 7, "cvss:scope = 7"},
		{"doc:package_count", 0, "lists no packages"},
		{"doc:package_count", 1, "lists 1 package"},
		{"doc:reference_count", 7, "lists 7 references"},
		{"doc:text_tokens_log", math.Log1p(120), "has a text of 120 words"},
		{"doc:no_text", 1, "has no text (title and structured fields only)"},
		{"doc:cwe_count", 0, "names no CWEs"},
		{"time:hour", 2, "was published at 01:00–01:59 UTC"},
		{"time:weekday", 1, "was published on a Sunday"},
		{"time:year", 2025, "was published in 2025"},
		{"entities:url_count", 3, "mentions 3 URLs"},
		{"entities:cve_count", 0, "mentions no CVE ids"},
		{"entities:widget_count", 1, "mentions 1 widget"},
		{"stated:cvss_score", 9.8, "states CVSS 9.8"},
		{"stated:cvss_score", 0, "states no CVSS score"},
		{"stated:severity", 5, "states severity critical"},
		{"stated:severity", 0, "states no severity"},
		{"stated:attack_vector", 4, "states attack vector network"},
		{"stated:attack_vector", 0, "states no attack vector"},
		{"novel:thing", 1.5, "novel:thing = 1.50"},
	} {
		if got := Sentence([]Contribution{{Feature: c.feature, Value: c.value}}); got != c.want {
			t.Errorf("Sentence(%s = %v) = %q, want %q", c.feature, c.value, got, c.want)
		}
	}
}

// TestGroupAll: a word's unigram and the bigrams it is part of are one
// reason when all are present (or all absent); present and absent terms
// never mix; other features stay alone; reasons sum their members.
func TestGroupAll(t *testing.T) {
	cs := []Contribution{
		{"text:remote code", 0.2, 0.5},
		{"cwe:CWE-94", 1, 0.4},
		{"text:code execution", 0.2, 0.3},
		{"text:code", 0.1, 0.1},
		{"text:cross-site", 0, -0.2},
		{"text:cross-site scripting", 0, -0.15},
		{"text:scripting", 0.1, 0.05}, // present: not with the absent ones
		{"doc:package_count", 0, -0.01},
	}
	rs := Reasons(cs)
	got := make([]string, len(rs))
	for i, r := range rs {
		got[i] = r.Text
	}
	want := []string{
		"mentions 'remote code execution'",
		"is CWE-94 Code Injection",
		"does not mention 'cross-site scripting'",
		"mentions 'scripting'",
		"lists no packages",
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("reasons\n %q\nwant\n %q", got, want)
	}
	if math.Abs(rs[0].SHAP-0.9) > 1e-12 || len(rs[0].Features) != 3 {
		t.Errorf("first reason %+v: want the three code terms summed to 0.9", rs[0])
	}
	var sum, sumR float64
	for _, c := range cs {
		sum += c.SHAP
	}
	for _, r := range rs {
		sumR += r.SHAP
	}
	if math.Abs(sum-sumR) > 1e-12 {
		t.Errorf("reasons sum %v, contributions %v", sumR, sum)
	}
}

func TestPhrases(t *testing.T) {
	for _, c := range []struct {
		terms []string
		want  string
	}{
		{[]string{"sql"}, "sql"},
		{[]string{"sql injection", "sql", "injection"}, "sql injection"},
		{[]string{"code execution", "remote code", "arbitrary"}, "remote code execution|arbitrary"},
		{[]string{"arbitrary code", "code execution", "code injection"}, "arbitrary code|code execution|code injection"},
		{[]string{"a b", "b a"}, "a b|b a"},
	} {
		if got := strings.Join(phrases(c.terms), "|"); got != c.want {
			t.Errorf("phrases(%q) = %q, want %q", c.terms, got, c.want)
		}
	}
}

func TestHeader(t *testing.T) {
	rs := []Reason{
		{Text: "mentions 'remote code execution'", SHAP: 0.9},
		{Text: "does not mention 'authentication'", SHAP: -0.3},
		{Text: "states CVSS 9.8", SHAP: 0.5},
		{Text: "lists no packages", SHAP: 0.1},
		{Text: "is CWE-79 Cross-site Scripting", SHAP: 0.05},
	}
	want := "critical (72 %) — mainly because it mentions 'remote code execution', states CVSS 9.8 and lists no packages; against: it does not mention 'authentication'"
	if got := Header("critical", 0.7234, rs); got != want {
		t.Errorf("Header = %q\nwant     %q", got, want)
	}
	merged := []Reason{{Text: "mentions 'remote'", SHAP: 1}, {Text: "is CWE-94 Code Injection", SHAP: 0.5}, {Text: "mentions 'unauthenticated'", SHAP: 0.4},
		{Text: "does not mention 'data'", SHAP: -0.1}, {Text: "does not mention 'exploitation'", SHAP: -0.1}}
	if got, want := Header("critical", 0.52, merged), "critical (52 %) — mainly because it mentions 'remote' and 'unauthenticated' and is CWE-94 Code Injection; against: it does not mention 'data' or 'exploitation'"; got != want {
		t.Errorf("Header = %q\nwant     %q", got, want)
	}
	if got := Header("low", 0.4, rs[1:2]); !strings.HasPrefix(got, "low (40 %) — no reason pushes toward it") {
		t.Errorf("Header with only a reason against = %q", got)
	}
	if got := Header("medium", 0.5, nil); got != "medium (50 %)" {
		t.Errorf("Header without reasons = %q", got)
	}
}

func TestInlineKeepsPresence(t *testing.T) {
	got := Inline([]Reason{{Text: "mentions 'sql injection'", SHAP: 0.421}, {Text: "does not mention 'cross-site'", SHAP: -0.09}})
	if want := "mentions 'sql injection' (+0.4210); does not mention 'cross-site' (-0.0900)"; got != want {
		t.Errorf("Inline = %q, want %q", got, want)
	}
}

// TestEveryDefaultCWEHasAName: the CWEs the shipped model knows all read
// with their names.
func TestEveryDefaultCWEHasAName(t *testing.T) {
	f, err := os.Open("../model/default/features.json.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var spec struct {
		Groups []struct {
			Name   string
			Values []string
		}
	}
	if err := json.NewDecoder(z).Decode(&spec); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, g := range spec.Groups {
		if g.Name != "cwe" {
			continue
		}
		for _, v := range g.Values {
			n++
			if CWEName(v) == "" {
				t.Errorf("%s has no name", v)
			}
		}
	}
	if n == 0 {
		t.Fatal("the default spec names no CWE")
	}
}

func FuzzGroupAll(f *testing.F) {
	f.Add("text:a b", "text:b", "text:b c", 0.5, 0.0)
	f.Add("text:", "text: ", "cwe:", 1.0, -1.0)
	f.Fuzz(func(t *testing.T, a, b, c string, x, y float64) {
		cs := []Contribution{{a, x, y}, {b, y, x}, {c, 0, x + y}}
		rs := Reasons(cs)
		n := 0
		for _, r := range rs {
			n += len(r.Features)
			if r.Text == "" {
				t.Fatalf("reason without words: %+v of %+v", r, cs)
			}
		}
		if n != len(cs) {
			t.Fatalf("%d features in reasons, want %d: %+v", n, len(cs), rs)
		}
	})
}

// TestGroupAllLinksPhrases: a bigram that joins two phrases makes them
// one; no phrase repeats a word or grows past maxPhrase words.
func TestGroupAllLinksPhrases(t *testing.T) {
	cs := []Contribution{
		{"text:unauthenticated remote", 0.3, 0.9},
		{"text:code execution", 0.2, 0.5},
		{"text:remote code", 0.2, 0.4},
		{"text:remote", 0.1, 0.1},
		{"text:vulnerability vulnerability", 0, 0.2},
		{"text:vulnerability", 0, 0.1},
		{"text:a b", 0, 0.01}, {"text:b c", 0, 0.01}, {"text:c d", 0, 0.01}, {"text:d e", 0, 0.01},
	}
	var got []string
	for _, r := range Reasons(cs) {
		got = append(got, r.Text)
	}
	want := []string{"mentions 'unauthenticated remote code execution'", "does not mention 'vulnerability vulnerability'",
		"does not mention 'a b c d'", "does not mention 'd e'"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("reasons\n %q\nwant\n %q", got, want)
	}
}

// A phrase of present terms grows only into words the document has:
// "remote code" and "code execution" of a text that says "remote code
// injection ... code execution" are two reasons, not "remote code
// execution". Absent terms chain as before (nothing to check).
func TestGroupAllInChecksPhrasesAgainstTheText(t *testing.T) {
	cs := []Contribution{
		{"text:remote code", 0.2, 0.9},
		{"text:code execution", 0.2, 0.5},
		{"text:a b", 0, 0.01}, {"text:b c", 0, 0.01},
	}
	for _, tc := range []struct {
		name string
		text []string
		want []string
	}{
		{"phrase in the text", []string{"unauthenticated", "remote", "code", "execution"},
			[]string{"mentions 'remote code execution'", "does not mention 'a b c'"}},
		{"bigrams apart", []string{"remote", "code", "injection", "leads", "code", "execution"},
			[]string{"mentions 'remote code'", "mentions 'code execution'", "does not mention 'a b c'"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			contains := func(words []string) bool {
				return strings.Contains(" "+strings.Join(tc.text, " ")+" ", " "+strings.Join(words, " ")+" ")
			}
			var got []string
			for _, g := range GroupAllIn(cs, contains) {
				got = append(got, Words(cs, g).Text)
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("reasons\n %q\nwant\n %q", got, tc.want)
			}
		})
	}
}

func TestExploitationHeader(t *testing.T) {
	cases := []struct {
		name string
		prob float64
		days int
		rs   []Reason
		want string
	}{
		{"no reasons", 0.37, 90, nil, "37 % likely to be listed as exploited within 90 days"},
		{"for and against", 0.021, 30, []Reason{{Text: "references 1 exploit write-up or proof of concept", SHAP: 0.9},
			{Text: "lists no references", SHAP: -0.2}, {Text: "states CVSS 9.8", SHAP: 0.1}},
			"2.1 % likely to be listed as exploited within 30 days — mainly because it references 1 exploit write-up or proof of concept and states CVSS 9.8; against: it lists no references"},
		{"tiny", 0.00002, 365, []Reason{{Text: "names no vendor listed in CISA's Known Exploited Vulnerabilities catalog", SHAP: -0.3}},
			"< 0.01 % likely to be listed as exploited within 365 days; against: it names no vendor listed in CISA's Known Exploited Vulnerabilities catalog"},
		{"small", 0.0024, 30, nil, "0.24 % likely to be listed as exploited within 30 days"},
	}
	for _, c := range cases {
		if got := ExploitationHeader(c.prob, c.days, c.rs); got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
}

func TestShortPercent(t *testing.T) {
	for _, tc := range []struct {
		p    float64
		want string
	}{
		{0.123, "12%"},
		{0.0995, "10%"},
		{0.021, "2.1%"},
		{0.003, "0.3%"},
		{0.0005, "0.1%"},
		{0.00049, "<0.1%"},
		{0, "<0.1%"},
		{1, "100%"},
	} {
		if got := ShortPercent(tc.p); got != tc.want {
			t.Errorf("ShortPercent(%v) = %q, want %q", tc.p, got, tc.want)
		}
	}
}
