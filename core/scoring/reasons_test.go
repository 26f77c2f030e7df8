package scoring_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
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

// unreadable says why a reason's feature would not read as a reason, or "".
func unreadable(feature string) string {
	switch {
	case strings.HasPrefix(feature, "time:"):
		return "a time-of-publication feature"
	case strings.HasPrefix(feature, "text:") && vectorFragment.MatchString(strings.TrimPrefix(feature, "text:")):
		return "a CVSS vector fragment"
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
	} {
		if got := unreadable(c.feature) != ""; got != c.bad {
			t.Errorf("unreadable(%q) = %v, want %v", c.feature, got, c.bad)
		}
	}
}

// TestDefaultReasonsReadAsReasons is issue 12's rule for the shipped
// model: no top-5 reason of a demo document, or of the newest shared
// advisories, is a CVSS vector fragment or a time-of-publication feature.
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
