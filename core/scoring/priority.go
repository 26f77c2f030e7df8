package scoring

import (
	"cmp"
	"slices"

	"github.com/cyberstreams/cyberstreams/core/exploitation"
)

// SortByPriority orders results for a patch meeting: the highest patch
// priority (expected harm, exploitation.Priority) first, then the higher
// exploitation probability, then the id. Results for documents that name
// no CVE (exploitation.Prediction.NoCVE) follow, by expected severity
// alone (exploitation.ExpectedSeverity), then the id. Results without an
// exploitation likelihood go last, in the order they came.
func SortByPriority(rs []Result) {
	tier := func(e *exploitation.Prediction) int {
		switch {
		case e == nil:
			return 2
		case e.NoCVE:
			return 1
		}
		return 0
	}
	slices.SortStableFunc(rs, func(a, b Result) int {
		ea, eb := a.Exploitation, b.Exploitation
		if c := cmp.Compare(tier(ea), tier(eb)); c != 0 || ea == nil {
			return c
		}
		if ea.NoCVE {
			if c := cmp.Compare(exploitation.ExpectedSeverity(b.Probabilities), exploitation.ExpectedSeverity(a.Probabilities)); c != 0 {
				return c
			}
			return cmp.Compare(a.ID, b.ID)
		}
		if c := cmp.Compare(eb.Priority, ea.Priority); c != 0 {
			return c
		}
		if c := cmp.Compare(eb.Probability, ea.Probability); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
}
