package gbdt

import (
	"math"
	"math/bits"
)

// histogram holds, per slot (feature bin), the sums of gradients and
// hessians and the row count of one leaf's non-zero entries, as three
// consecutive float64s so that one entry touches one cache line. Zero bins
// are never filled: split finding derives them from the leaf totals.
//
// filled has bit s set exactly when slot s has rows. It keeps every
// histogram operation proportional to the leaf's non-zero entries rather
// than to the number of bins: split finding walks only filled bins, and
// clearing visits only filled bins. A slot without rows holds exact zeros.
type histogram struct {
	stats  []float64
	filled []uint64
}

func newHistogram(d *binnedData) *histogram {
	return &histogram{
		stats:  make([]float64, 3*d.numSlots),
		filled: make([]uint64, (d.numSlots+63)/64),
	}
}

// build adds the entries of rows, restricted to partition pt, with
// per-row gradients g and hessians h.
func (hg *histogram) build(pt *partition, rows []int32, g, h []float64) {
	stats, filled := hg.stats, hg.filled
	rowStart, slot := pt.rowStart, pt.slot
	for _, r := range rows {
		gr, hr := g[r], h[r]
		for _, s := range slot[rowStart[r]:rowStart[r+1]] {
			b := stats[3*int(s) : 3*int(s)+3 : 3*int(s)+3]
			b[0] += gr
			b[1] += hr
			b[2]++
			filled[s>>6] |= 1 << (uint(s) & 63)
		}
	}
}

// buildColumns is build for a leaf that holds every row with inLeaf[r]
// (every row when inLeaf is nil), walking partition pt column by column:
// one feature's bins stay in L1 cache while its entries stream by, which
// is much faster than build's row-wise scatter when the leaf is most of
// the data. Entries reach each bin in ascending row order either way, so
// both give bit-identical sums.
func (hg *histogram) buildColumns(d *binnedData, pt *partition, inLeaf []bool, g, h []float64) {
	stats, filled := hg.stats, hg.filled
	for u := pt.lo; u < pt.hi; u++ {
		off := d.features[u].offset
		rows := d.colRows[d.colStart[u]:d.colStart[u+1]]
		bins := d.colBins[d.colStart[u]:d.colStart[u+1]]
		bins = bins[:len(rows)]
		for j, r := range rows {
			if inLeaf != nil && !inLeaf[r] {
				continue
			}
			s := off + int(bins[j])
			b := stats[3*s : 3*s+3 : 3*s+3]
			b[0] += g[r]
			b[1] += h[r]
			b[2]++
			filled[s>>6] |= 1 << (uint(s) & 63)
		}
	}
}

// remove takes the entries of rows (a child leaf's) out of hg (the
// parent's histogram), over partition pt, leaving the other child's
// histogram: LightGBM's histogram subtraction trick, done entry by entry
// so that its cost is the smaller child's entries, not the bin count. Bins
// left without rows are reset to exact zeros so that rounding residue never
// reaches split finding.
func (hg *histogram) remove(pt *partition, rows []int32, g, h []float64) {
	stats, filled := hg.stats, hg.filled
	rowStart, slot := pt.rowStart, pt.slot
	for _, r := range rows {
		gr, hr := g[r], h[r]
		for _, s := range slot[rowStart[r]:rowStart[r+1]] {
			b := stats[3*int(s) : 3*int(s)+3 : 3*int(s)+3]
			b[2]--
			if b[2] == 0 {
				b[0], b[1] = 0, 0
				filled[s>>6] &^= 1 << (uint(s) & 63)
				continue
			}
			b[0] -= gr
			b[1] -= hr
		}
	}
}

// clear zeroes partition pt's part of the histogram.
func (hg *histogram) clear(pt *partition) {
	for w := pt.slotLo >> 6; w < (pt.slotHi+63)>>6; w++ {
		for word := hg.filled[w]; word != 0; word &= word - 1 {
			s := w<<6 + bits.TrailingZeros64(word)
			hg.stats[3*s], hg.stats[3*s+1], hg.stats[3*s+2] = 0, 0, 0
		}
		hg.filled[w] = 0
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

// bestSplit scans the filled bins of partition pt's sampled features for
// the split of a leaf with totals tot that maximises the gain. The zero
// bin's statistics are the leaf totals minus the feature's non-zero bins.
// A threshold is only placed after a bin with rows, so it is the upper
// bound of the last non-empty bin on the left.
func (hg *histogram) bestSplit(d *binnedData, pt *partition, sampled []bool, tot leafTotals, sr *splitRule) candidate {
	best := noSplit
	n := float64(tot.n)
	shift := sr.leafGain(tot.g, tot.h) + sr.minGainSplit
	stats, filled := hg.stats, hg.filled
	for u := pt.lo; u < pt.hi; u++ {
		if !sampled[u] {
			continue
		}
		fb := &d.features[u]
		off, last := fb.offset, len(fb.upper)-1

		// Zero bin = leaf totals - non-zero bins.
		var zg, zh, zn float64
		for w := off >> 6; w <= (off+last)>>6; w++ {
			word := filled[w]
			for word != 0 {
				s := w<<6 + bits.TrailingZeros64(word)
				word &= word - 1
				if s < off {
					continue
				}
				if s > off+last {
					break
				}
				zg += stats[3*s]
				zh += stats[3*s+1]
				zn += stats[3*s+2]
			}
		}
		// One side of any split holds only non-zero rows.
		if zn < sr.minData {
			continue
		}
		zg, zh, zn = tot.g-zg, tot.h-zh, n-zn
		zeroPending := zn > 0 && fb.zero < last
		if !zeroPending {
			zg, zh, zn = 0, 0, 0
		}

		// Ascending walk over the filled bins below the last one, with the
		// zero bin slotted in at its place.
		end := off + last
		w := off >> 6
		word := filled[w] & (^uint64(0) << (uint(off) & 63))
		var lg, lh, ln float64
		for {
			for word == 0 && (w+1)<<6 < end {
				w++
				word = filled[w]
			}
			s := end
			if word != 0 {
				s = min(w<<6+bits.TrailingZeros64(word), end)
			}
			var bg, bh, bn float64
			var at int
			switch {
			case zeroPending && fb.zero < s-off:
				bg, bh, bn, at = zg, zh, zn, fb.zero
				zeroPending = false
			case s < end:
				bg, bh, bn, at = stats[3*s], stats[3*s+1], stats[3*s+2], s-off
				word &= word - 1
			}
			if bn == 0 {
				break // no bins left below the last
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
				best = candidate{feature: u, bin: at, gain: gain}
			}
		}
	}
	return best
}
