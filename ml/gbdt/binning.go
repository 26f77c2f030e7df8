package gbdt

import (
	"math"
	"slices"
	"strconv"
)

// zeroThreshold bounds LightGBM's zero bin (kZeroThreshold): values in
// (-zeroThreshold, zeroThreshold] count as zero. Using it as the split
// threshold between "absent" and "present" keeps every positive TF-IDF
// weight, however small, on the "present" side at prediction time.
const zeroThreshold = 1.0000000180025095e-35 // float32(1e-35) as a double, exactly as LightGBM writes it

// minDataInBin is LightGBM's min_data_in_bin default: a bin boundary is
// only placed once the bin holds at least this many values, so that rare
// values do not get splits of their own.
const minDataInBin = 3

// featureBins is the discretisation of one feature: value v falls in the
// first bin b with v <= upper[b]. The zero bin holds the (implicit) zeros;
// the trainer never stores it, it derives its statistics as the leaf total
// minus the non-zero bins (the "most frequent bin" trick of LightGBM and
// the sparsity-aware split finding of XGBoost, section 3.4).
type featureBins struct {
	column int       // column in the input matrix
	upper  []float64 // ascending bin upper bounds; the last is +Inf
	zero   int       // index of the zero bin
	offset int       // first histogram slot of this feature
}

// bin returns the bin of value v.
func (fb *featureBins) bin(v float64) int {
	b, _ := slices.BinarySearch(fb.upper, v)
	return b
}

// isZero reports whether v belongs to the zero bin of every feature.
func isZero(v float64) bool { return v > -zeroThreshold && v <= zeroThreshold }

// binFeature builds bin boundaries for one feature from its non-zero
// values (sorted in place) and the number of rows, of which the rest are
// zero. It returns the upper bounds, the zero bin, the LightGBM
// feature_infos string ("[min:max]", or "none" for a constant feature) and
// how many bins actually hold data.
func binFeature(values []float64, numRows, maxBin int) (upper []float64, zero int, info string, dataBins int) {
	slices.Sort(values)
	var negVals, posVals []float64
	var negCnts, posCnts []int
	nonZero := 0
	for i := 0; i < len(values); {
		v := values[i]
		j := i + 1
		for j < len(values) && values[j] == v {
			j++
		}
		switch {
		case v <= -zeroThreshold:
			negVals, negCnts = append(negVals, v), append(negCnts, j-i)
			nonZero += j - i
		case v > zeroThreshold:
			posVals, posCnts = append(posVals, v), append(posCnts, j-i)
			nonZero += j - i
		}
		i = j
	}
	zeros := numRows - nonZero

	distinct := len(negVals) + len(posVals)
	lo, hi := math.Inf(1), math.Inf(-1)
	if len(negVals) > 0 {
		lo, hi = negVals[0], negVals[len(negVals)-1]
	}
	if len(posVals) > 0 {
		lo, hi = min(lo, posVals[0]), max(hi, posVals[len(posVals)-1])
	}
	if zeros > 0 {
		distinct++
		lo, hi = min(lo, 0), max(hi, 0)
	}
	if distinct < 2 {
		info = "none"
	} else {
		info = "[" + strconv.FormatFloat(lo, 'g', 15, 64) + ":" + strconv.FormatFloat(hi, 'g', 15, 64) + "]"
	}

	// Share the non-zero bins between the two signs by their counts.
	budget := max(maxBin-1, 1)
	negBudget, posBudget := 0, 0
	switch {
	case len(negVals) > 0 && len(posVals) > 0:
		negCount := nonZero - sum(posCnts)
		negBudget = int(math.Round(float64(budget) * float64(negCount) / float64(nonZero)))
		negBudget = min(max(negBudget, 1), max(budget-1, 1))
		posBudget = max(budget-negBudget, 1)
	case len(negVals) > 0:
		negBudget = budget
	case len(posVals) > 0:
		posBudget = budget
	}

	if len(negVals) > 0 {
		upper = append(upper, greedyCuts(negVals, negCnts, negBudget)...)
		upper = append(upper, -zeroThreshold)
	}
	zero = len(upper)
	if len(posVals) > 0 {
		upper = append(upper, zeroThreshold)
		upper = append(upper, greedyCuts(posVals, posCnts, posBudget)...)
	}
	upper = append(upper, math.Inf(1))
	dataBins = len(upper) - 1
	if zeros > 0 {
		dataBins++
	}
	if dataBins < 2 {
		info = "none" // e.g. two values too rare to get bins of their own
	}
	return upper, zero, info, dataBins
}

func sum(xs []int) int {
	s := 0
	for _, x := range xs {
		s += x
	}
	return s
}

// greedyCuts places at most maxBins-1 cuts between the distinct ascending
// values vals (with counts cnts) so that bins hold about equal counts, in
// the spirit of LightGBM's GreedyFindBin: every distinct value gets its own
// bin when they fit, otherwise each bin is closed once it reaches the
// remaining count divided by the remaining bins. No bin holds fewer than
// minDataInBin values unless the feature has fewer values than that.
// A cut lies between the last value of one bin and the first of the next.
func greedyCuts(vals []float64, cnts []int, maxBins int) []float64 {
	var cuts []float64
	if len(vals) < 2 || maxBins < 2 {
		return nil
	}
	rest, binsLeft, cur := sum(cnts), maxBins, 0
	fits := len(vals) <= maxBins
	for i := 0; i < len(vals)-1 && binsLeft > 1; i++ {
		cur += cnts[i]
		if cur < minDataInBin {
			continue
		}
		if !fits && float64(cur) < float64(rest)/float64(binsLeft) {
			continue
		}
		cuts = append(cuts, between(vals[i], vals[i+1]))
		rest -= cur
		binsLeft--
		cur = 0
	}
	// A last bin that is too small joins its neighbour.
	if len(cuts) > 0 && rest < minDataInBin {
		cuts = cuts[:len(cuts)-1]
	}
	return cuts
}

// between returns a threshold t with a <= t < b for a < b: the midpoint
// when it is representable strictly below b, else a itself.
func between(a, b float64) float64 {
	m := a/2 + b/2
	if m >= a && m < b {
		return m
	}
	return a
}
