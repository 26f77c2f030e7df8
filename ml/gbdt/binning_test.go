package gbdt

import (
	"encoding/binary"
	"math"
	"slices"
	"testing"
)

// checkBins asserts the invariants split thresholds rely on: ascending
// upper bounds ending in +Inf, zero in the zero bin and every non-zero value
// outside it, and "v <= upper[b]" agreeing with the bin of v.
func checkBins(t *testing.T, values []float64, numRows, maxBin int) {
	t.Helper()
	upper, zero, info, dataBins := binFeature(slices.Clone(values), numRows, maxBin)
	if !math.IsInf(upper[len(upper)-1], 1) {
		t.Fatalf("last upper bound %v, want +Inf", upper[len(upper)-1])
	}
	for i := 1; i < len(upper); i++ {
		if !(upper[i] > upper[i-1]) {
			t.Fatalf("upper bounds not ascending: %v", upper)
		}
	}
	if len(upper) > max(maxBin, 3) {
		t.Fatalf("%d bins for max_bin %d", len(upper), maxBin)
	}
	fb := featureBins{upper: upper, zero: zero}
	if fb.bin(0) != zero {
		t.Fatalf("0 falls in bin %d, zero bin is %d (upper %v)", fb.bin(0), zero, upper)
	}
	for _, v := range values {
		b := fb.bin(v)
		if isZero(v) != (b == zero) {
			t.Fatalf("value %v in bin %d, zero bin %d", v, b, zero)
		}
		if v > upper[b] || (b > 0 && v <= upper[b-1]) {
			t.Fatalf("value %v not within bin %d bounds %v", v, b, upper)
		}
	}
	if dataBins < 2 && info != "none" {
		t.Fatalf("one populated bin but feature_infos %q", info)
	}
}

func TestBinFeature(t *testing.T) {
	cases := []struct {
		name     string
		values   []float64
		rows     int
		maxBin   int
		wantInfo string
		wantBins int
	}{
		{"positive tf-idf with zeros", []float64{0.1, 0.2, 0.2, 0.3, 0.3, 0.3, 0.9, 0.9, 0.9}, 20, 255, "[0:0.9]", 4},
		{"signed, no zeros", []float64{-2, -2, -2, -1, -1, -1, 1, 1, 1, 2, 2, 2}, 12, 255, "[-2:2]", 5},
		{"all zero", nil, 10, 255, "none", 1},
		{"one value everywhere", []float64{3, 3, 3}, 3, 255, "none", 2},
		{"rare values merge", []float64{0.5, 0.7}, 100, 255, "[0:0.7]", 2},
		{"few bins allowed", []float64{1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 5}, 30, 3, "[0:5]", 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			checkBins(t, tc.values, tc.rows, tc.maxBin)
			upper, _, info, _ := binFeature(slices.Clone(tc.values), tc.rows, tc.maxBin)
			if info != tc.wantInfo || len(upper) != tc.wantBins {
				t.Errorf("info %q with %d bins %v, want %q with %d", info, len(upper), upper, tc.wantInfo, tc.wantBins)
			}
		})
	}
}

func FuzzBinFeature(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, uint8(4), uint8(255))
	f.Fuzz(func(t *testing.T, raw []byte, extraZeros uint8, maxBin uint8) {
		var values []float64
		for len(raw) >= 8 {
			v := math.Float64frombits(binary.LittleEndian.Uint64(raw))
			raw = raw[8:]
			if math.IsNaN(v) || math.IsInf(v, 0) {
				continue
			}
			values = append(values, v)
		}
		checkBins(t, values, len(values)+int(extraZeros), max(int(maxBin), 2))
	})
}
