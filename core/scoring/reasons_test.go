package scoring_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cyberstreams/cyberstreams/core/demo"
	"github.com/cyberstreams/cyberstreams/core/ingest"
	"github.com/cyberstreams/cyberstreams/core/scoring"
)

// vectorFragment matches what the tokenizer used to make of CVSS vectors
// ("c/h h/i", "n/ac l/pr", "av:n"): a metric's value, a slash and the next
// metric's name, or a metric and its value. "n/a" on its own is the
// advisories' "not applicable" ("from n/a through 2.3"), a word of the
// text, and reads as written.
var vectorFragment = regexp.MustCompile(`(^|\s)([nlhpru]/(av|ac|at|pr|ui|vc|vi|va|sc|si|sa|[scie])|(av|ac|at|pr|ui|vc|vi|va|sc|si|sa|[scia]):[nlhpru])(\s|$)`)

// urlWord matches a word that is a piece of a URL: a scheme's "https" or
// "www", anything with "://", or a host followed by a path
// ("github.com/o/r", "access.redhat.com/errata/rhsa-2018").
var urlWord = regexp.MustCompile(`^(https|www|www\..*|.*://.*|[a-z0-9-]+(\.[a-z0-9-]+)+/.*)$`)

// urlPieces are words that are, beside one another, what is left of URLs
// ("http github", "com https"), though each of them can be a word of
// prose ("an http request", "github commit").
var urlPieces = map[string]bool{"http": true, "https": true, "www": true, "com": true, "org": true, "net": true,
	"io": true, "github": true, "html": true, "htm": true, "php": true, "ftp": true}

// idWord matches a word that identifies rather than says: a hex hash of
// seven or more digits holding a digit and a letter, or a word with a
// run of five or more digits that is no CVE id.
var idWord = regexp.MustCompile(`^([0-9a-f]*[0-9][0-9a-f]*[a-f][0-9a-f]*|[0-9a-f]*[a-f][0-9a-f]*[0-9][0-9a-f]*)$|[0-9]{5}`)

// runOnWords are words that start a sentence, and that a dotted word
// holds when a full stop has no space after it ("(xss).this issue").
var runOnWords = map[string]bool{"this": true, "the": true, "it": true, "an": true, "these": true, "in": true}

// unreadable says why a reason's feature would not read as a reason, or "".
func unreadable(feature string) string {
	text, isText := strings.CutPrefix(feature, "text:")
	switch {
	case strings.HasPrefix(feature, "time:"):
		return "a time-of-publication feature"
	case isText && vectorFragment.MatchString(text):
		return "a CVSS vector fragment"
	}
	if !isText {
		return ""
	}
	words := strings.Fields(text)
	pieces := 0
	for _, w := range words {
		switch {
		case urlWord.MatchString(w):
			return "a piece of a URL"
		case len(w) >= 7 && idWord.MatchString(w) && !strings.HasPrefix(w, "cve-"):
			return "a hash or build number"
		case strings.Contains(w, ".") && slices.ContainsFunc(strings.Split(w, "."), func(p string) bool { return runOnWords[p] }):
			return "two sentences run together"
		case urlPieces[w]:
			pieces++
		}
	}
	if pieces == len(words) && len(words) > 1 {
		return "pieces of URLs"
	}
	return ""
}

func TestUnreadable(t *testing.T) {
	for _, c := range []struct {
		feature string
		bad     bool
	}{
		{"time:hour", true},
		{"time:year", true},
		{"text:c/h h/i", true},
		{"text:n/ac l/pr", true},
		{"text:av:n", true},
		{"text:h/a", false}, // "h/a" alone can't be told from prose; its bigram with "c/h" can
		{"text:n/a through", false},
		{"text:n/a", false},
		{"text:remote code execution", false},
		{"text:cross-site", false},
		{"stated:cvss base score", false},
		{"cwe:CWE-79", false},
		{"text:https https", true},
		{"text:https", true},
		{"text:www", true},
		{"text:vector https", true},
		{"text:http github", true},
		{"text:com", false}, // one word of prose can't be told from a URL's
		{"text:www.openwall.com/lists/oss-security/2019/04/12/2", true},
		{"text:access.redhat.com/errata/rhsa-2018 0445", true},
		{"text:http request", false},
		{"text:unencrypted http", false},
		{"text:github commit", false},
		{"text:etc/passwd", false},
		{"text:http/1.1 host", false},
		{"text:index.php", false},
		{"text:commit 530dbfa3", true},
		{"text:v1.0_20221108", true},
		{"text:commerce 4.12.56860", true},
		{"text:cve-2021-44228", false},
		{"text:deadbeef", false},
		{"text:2.14.1", false},
		{"text:port 8080", false},
		{"text:allows reflected xss.this", true},
		{"text:injection.this issue", true},
		{"text:org.apache.commons", false},
		{"text:node.js", false},
	} {
		if got := unreadable(c.feature) != ""; got != c.bad {
			t.Errorf("unreadable(%q) = %v, want %v", c.feature, got, c.bad)
		}
	}
}

// TestDefaultReasonsReadAsReasons is issue 12's rule for the shipped
// model: no top-5 reason of a demo document, or of the newest shared
// advisories, is a CVSS vector fragment, a time-of-publication feature,
// a piece of a URL, a hash or build number, or two sentences run together.
func TestDefaultReasonsReadAsReasons(t *testing.T) {
	s := defaultScorer(t)
	check := func(r scoring.Result) {
		t.Helper()
		if r.Explanation == nil {
			t.Fatalf("%s: no explanation", r.ID)
		}
		for _, reason := range r.Explanation.Reasons {
			for _, f := range reason.Features {
				if why := unreadable(f); why != "" {
					t.Errorf("%s: top-5 reason %q rests on %s: %s", r.ID, reason.Text, why, f)
				}
			}
		}
	}
	docs, err := demo.Documents()
	if err != nil {
		t.Fatal(err)
	}
	for i := range docs {
		check(s.Score(&docs[i], scoring.Options{Explain: 5}))
	}
	path := filepath.Join("..", "..", "..", "shared", "data", "advisories_train.jsonl.gz")
	if _, err := os.Stat(path); err != nil {
		t.Skipf("shared advisories absent (%v): checked the %d demo documents only", err, len(docs))
	}
	if testing.Short() {
		t.Skip("-short: checked the demo documents only")
	}
	// Only the newest advisories are explained (explaining all 38k takes
	// a minute): the validation slice, published from 2024-05-03.
	since := time.Date(2024, 5, 3, 0, 0, 0, 0, time.UTC)
	n := 0
	err = ingest.Map(context.Background(), []string{path}, ingest.Options{}, func(rec *ingest.Record) *scoring.Result {
		if rec.Err != nil || rec.Doc.Published.Before(since) {
			return nil
		}
		r := s.Score(&rec.Doc, scoring.Options{Explain: 5})
		return &r
	}, func(r *scoring.Result) error {
		if r != nil {
			check(*r)
			n++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 5000 {
		t.Fatalf("only %d advisories from %s on were checked", n, since.Format(time.DateOnly))
	}
}
