package gbdt

import "math"

// histogram holds, per slot (feature bin), the sums of gradients and
// hessians and the row count of one leaf's non-zero entries, as three
// consecutive float64s so that one entry touches one cache line. Zero bins
// are never filled: split finding derives them from the leaf totals.
//
// nnz counts the leaf's non-zero entries per usable feature. It lets split
// finding skip features that cannot split the leaf, and lets clear and
// subtract touch only features that have entries. Invariant: the slots of
// feature u are all exactly zero whenever nnz[u] == 0.
type histogram struct {
	stats []float64
	nnz   []int32
}

func newHistogram(d *binnedData) *histogram {
	return &histogram{stats: make([]float64, 3*d.numSlots), nnz: make([]int32, len(d.features))}
}

// build adds the entries of rows, restricted to partition pt, with
// per-row gradients g and hessians h.
func (hg *histogram) build(pt *partition, rows []int32, g, h []float64) {
	stats, nnz := hg.stats, hg.nnz
	rowStart, slot, feat := pt.rowStart, pt.slot, pt.feat
	for _, r := range rows {
		gr, hr := g[r], h[r]
		lo, hi := rowStart[r], rowStart[r+1]
		sl, ft := slot[lo:hi], feat[lo:hi]
		for i, s := range sl {
			b := stats[3*int(s) : 3*int(s)+3 : 3*int(s)+3]
			b[0] += gr
			b[1] += hr
			b[2]++
			nnz[ft[i]]++
		}
	}
}

// subtract turns hg (a parent's histogram) into its other child's by
// removing child, over the features of partition pt: LightGBM's histogram
// subtraction trick. Bins left with no rows are reset to exact zeros so
// that rounding residue never reaches split finding.
func (hg *histogram) subtract(d *binnedData, pt *partition, child *histogram) {
	for u := pt.lo; u < pt.hi; u++ {
		if child.nnz[u] == 0 {
			continue
		}
		hg.nnz[u] -= child.nnz[u]
		fb := &d.features[u]
		lo, hi := 3*fb.offset, 3*(fb.offset+len(fb.upper))
		p, c := hg.stats[lo:hi], child.stats[lo:hi:hi]
		for i := 0; i+2 < len(p); i += 3 {
			p[i+2] -= c[i+2]
			if p[i+2] == 0 {
				p[i], p[i+1] = 0, 0
				continue
			}
			p[i] -= c[i]
			p[i+1] -= c[i+1]
		}
	}
}

// clear zeroes the features of partition pt that have entries.
func (hg *histogram) clear(d *binnedData, pt *partition) {
	for u := pt.lo; u < pt.hi; u++ {
		if hg.nnz[u] == 0 {
			continue
		}
		fb := &d.features[u]
		clear(hg.stats[3*fb.offset : 3*(fb.offset+len(fb.upper))])
		hg.nnz[u] = 0
	}
}

// splitRule holds the constraints and regularisation of split finding.
type splitRule struct {
	minData      float64 // min_data_in_leaf (at least 1)
	minHessian   float64 // min_sum_hessian_in_leaf
	l1, l2       float64
	minGainSplit float64
}

// leafGain is the second-order objective reduction of a leaf with gradient
// sum g and hessian sum h: T(g)^2/(h+l2), T the L1 soft threshold
// (XGBoost eq. 7, LightGBM GetLeafGain).
func (sr *splitRule) leafGain(g, h float64) float64 {
	t := softThreshold(g, sr.l1)
	den := h + sr.l2
	if den <= 0 {
		return 0
	}
	return t * t / den
}

// leafOutput is the Newton step -T(g)/(h+l2) (XGBoost eq. 5, LightGBM
// CalculateSplittedLeafOutput), before shrinkage.
func (sr *splitRule) leafOutput(g, h float64) float64 {
	den := h + sr.l2
	if den <= 0 {
		return 0
	}
	return -softThreshold(g, sr.l1) / den
}

func softThreshold(g, l1 float64) float64 {
	if l1 <= 0 {
		return g
	}
	a := math.Abs(g) - l1
	if a <= 0 {
		return 0
	}
	return math.Copysign(a, g)
}

// candidate is the best split found for a leaf: rows whose bin of usable
// feature `feature` is <= bin go left. gain is LightGBM's split_gain: the
// children's gain minus the parent's minus min_gain_to_split; only
// candidates with gain > 0 are kept.
type candidate struct {
	feature int
	bin     int
	gain    float64
}

var noSplit = candidate{feature: -1}

// better orders candidates by gain, then by the smaller feature: the same
// tie-break as LightGBM's SplitInfo, so the winner does not depend on the
// partition that found it.
func (c candidate) better(o candidate) bool {
	if c.feature < 0 {
		return false
	}
	if o.feature < 0 {
		return true
	}
	return c.gain > o.gain || (c.gain == o.gain && c.feature < o.feature)
}

// leafTotals are a leaf's sums over its rows.
type leafTotals struct {
	g, h float64
	n    int
}

// bestSplit scans the bins of partition pt's sampled features for the
// split of a leaf with totals tot that maximises the gain. The zero bin's
// statistics are the leaf totals minus the feature's non-zero bins.
func (hg *histogram) bestSplit(d *binnedData, pt *partition, sampled []bool, tot leafTotals, sr *splitRule) candidate {
	best := noSplit
	n := float64(tot.n)
	shift := sr.leafGain(tot.g, tot.h) + sr.minGainSplit
	for u := pt.lo; u < pt.hi; u++ {
		if !sampled[u] || float64(hg.nnz[u]) < sr.minData {
			continue
		}
		fb := &d.features[u]
		st := hg.stats[3*fb.offset : 3*(fb.offset+len(fb.upper))]
		var zg, zh, zn float64
		for b := 0; b < len(fb.upper); b++ {
			zg += st[3*b]
			zh += st[3*b+1]
			zn += st[3*b+2]
		}
		zg, zh, zn = tot.g-zg, tot.h-zh, n-zn
		if zn <= 0 {
			zg, zh, zn = 0, 0, 0
		}
		var lg, lh, ln float64
		last := len(fb.upper) - 1
		for b := 0; b < last; b++ {
			bg, bh, bn := st[3*b], st[3*b+1], st[3*b+2]
			if b == fb.zero {
				bg, bh, bn = zg, zh, zn
			}
			if bn == 0 {
				continue // same partition as the previous threshold
			}
			lg += bg
			lh += bh
			ln += bn
			if ln < sr.minData || lh < sr.minHessian {
				continue
			}
			rn, rh := n-ln, tot.h-lh
			if rn < sr.minData || rh < sr.minHessian {
				break // the right side only shrinks from here
			}
			var gain float64
			if sr.l1 == 0 {
				// The common case, without the soft threshold's branches.
				dl, dr := lh+sr.l2, rh+sr.l2
				if dl <= 0 || dr <= 0 {
					continue
				}
				rg := tot.g - lg
				gain = lg*lg/dl + rg*rg/dr - shift
			} else {
				gain = sr.leafGain(lg, lh) + sr.leafGain(tot.g-lg, rh) - shift
			}
			if gain > 0 && (best.feature < 0 || gain > best.gain) {
				best = candidate{feature: u, bin: b, gain: gain}
			}
		}
	}
	return best
}
