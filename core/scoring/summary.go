package scoring

import (
	"fmt"
	"strings"
	"time"

	"github.com/cyberstreams/cyberstreams/core/document"
)

// Summary counts what a scoring run did, for the line `cyberstreams score`
// ends with on stderr.
type Summary struct {
	Model    string
	Scored   int
	Failed   int
	MetaOnly int
	ByClass  [len(document.Severities)]int
	Elapsed  time.Duration
}

// Add counts one outcome of Stream.
func (s *Summary) Add(sc Scored) {
	if sc.Failure != nil {
		s.Failed++
		return
	}
	s.Scored++
	if sc.Result.MetaOnly {
		s.MetaOnly++
	}
	if c := document.SeverityIndex(sc.Result.Severity); c >= 0 {
		s.ByClass[c]++
	}
}

// String is the summary in one line: "scored 120 documents (2 failed) in
// 0.4 s with model default-2026.11: critical 3, high 40, medium 60, low
// 15, informational 2".
func (s Summary) String() string {
	var b strings.Builder
	noun := "documents"
	if s.Scored == 1 {
		noun = "document"
	}
	fmt.Fprintf(&b, "scored %d %s (%d failed) in %.2f s with model %s", s.Scored, noun, s.Failed, s.Elapsed.Seconds(), s.Model)
	for c, n := range s.ByClass {
		sep := ", "
		if c == 0 {
			sep = ": "
		}
		fmt.Fprintf(&b, "%s%s %d", sep, document.Severities[c], n)
	}
	return b.String()
}
