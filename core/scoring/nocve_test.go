package scoring_test

import (
	"strings"
	"testing"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/exploitation"
	"github.com/cyberstreams/cyberstreams/core/scoring"
)

// KEV lists only CVEs: a document that names none gets no likelihood (a
// stranger found one with a small one), at every horizon and in its JSON
// record, while a report that names a CVE in its text keeps one.
func TestNoCVENoLikelihood(t *testing.T) {
	s := defaultScorer(t)
	for _, c := range []struct {
		doc   document.Document
		noCVE bool
	}{
		{document.Document{ID: "report-1", Title: "Phishing wave against banks", Body: "The actors sent lures with macro documents."}, true},
		{document.Document{ID: "GHSA-xxxx-yyyy-zzzz", Title: "Prototype pollution in foo", Body: "foo before 1.2 lets input set Object.prototype."}, true},
		{document.Document{ID: "report-2", Title: "Ransomware wave", Body: "Affiliates exploited CVE-2024-3400 in forty intrusions."}, false},
		{document.Document{ID: "GHSA-aaaa-bbbb-cccc", Aliases: []string{"CVE-2024-0001"}, Title: "SQL injection in bar"}, false},
	} {
		for _, h := range exploitation.Horizons {
			d := c.doc
			r := s.Score(&d, scoring.Options{Explain: 3, Exploitation: h})
			e := r.Exploitation
			if e == nil {
				t.Fatalf("%s: no exploitation record at %d days", d.ID, h)
			}
			if e.NoCVE != c.noCVE {
				t.Fatalf("%s, %d days: no_cve %v, want %v", d.ID, h, e.NoCVE, c.noCVE)
			}
			line, err := r.AppendJSONL(nil)
			if err != nil {
				t.Fatal(err)
			}
			rec := string(line)
			if c.noCVE {
				if e.Probability != 0 || e.Priority != 0 || len(e.Reasons) != 0 || e.HorizonDays != h || e.Summary != exploitation.NoCVESummary {
					t.Errorf("%s, %d days: %+v", d.ID, h, *e)
				}
				if strings.Contains(rec, `"probability"`) || strings.Contains(rec, `"priority"`) || !strings.Contains(rec, `"no_cve":true`) {
					t.Errorf("%s: record %s", d.ID, rec)
				}
			} else if e.Probability <= 0 || strings.Contains(rec, "no_cve") || !strings.Contains(rec, `"probability"`) {
				t.Errorf("%s, %d days: %+v, record %s", d.ID, h, *e, rec)
			}
		}
	}
}
