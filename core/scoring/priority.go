package scoring

import (
	"cmp"
	"slices"
)

// SortByPriority orders results for a patch meeting: the highest patch
// priority (expected harm, exploitation.Priority) first, then the higher
// exploitation probability, then the id. Results without an exploitation
// likelihood go last, in the order they came.
func SortByPriority(rs []Result) {
	slices.SortStableFunc(rs, func(a, b Result) int {
		ea, eb := a.Exploitation, b.Exploitation
		switch {
		case ea == nil && eb == nil:
			return 0
		case ea == nil:
			return 1
		case eb == nil:
			return -1
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
