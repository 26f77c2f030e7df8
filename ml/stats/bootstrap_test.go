package stats

import (
	"math"
	"testing"
)

// accuracyGap is B's accuracy minus A's on the resampled items.
func accuracyGap(aRight, bRight []bool) func(idx []int) float64 {
	return func(idx []int) float64 {
		var d int
		for _, i := range idx {
			if bRight[i] {
				d++
			}
			if aRight[i] {
				d--
			}
		}
		return float64(d) / float64(len(idx))
	}
}

func TestPairedBootstrap(t *testing.T) {
	const n = 400
	same := make([]bool, n)
	allRight, allWrong := make([]bool, n), make([]bool, n)
	// a is right on 70 %, b on the same items plus 10 % more.
	a, b := make([]bool, n), make([]bool, n)
	for i := range n {
		same[i] = i%2 == 0
		allRight[i] = true
		a[i] = i%10 < 7
		b[i] = i%10 < 8
	}
	tests := []struct {
		name             string
		a, b             []bool
		estimate         float64
		lowAbove         float64 // the interval's low end is above this
		highBelow        float64 // and its high end below this
		pBelow, pAtLeast float64
	}{
		{"identical systems", same, same, 0, -1e-12, 1e-12, 1.01, 1},
		{"b right where a is wrong", allWrong, allRight, 1, 1 - 1e-12, 1 + 1e-12, 0.0011, 0},
		{"b worse everywhere", allRight, allWrong, -1, -1 - 1e-12, -1 + 1e-12, 1.01, 1},
		// Paired: b is never wrong where a is right, so the gap's spread
		// comes from the 10 % alone: sd ≈ sqrt(0.1·0.9/400) = 0.015.
		{"b better on 10 % of the items", a, b, 0.1, 0.06, 0.14, 0.0011, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := PairedBootstrap(n, accuracyGap(tt.a, tt.b), 999, 0.95, 7)
			if math.Abs(got.Estimate-tt.estimate) > 1e-12 {
				t.Fatalf("estimate %v, want %v", got.Estimate, tt.estimate)
			}
			if !(got.Low > tt.lowAbove && got.High < tt.highBelow && got.Low <= got.Estimate && got.Estimate <= got.High) {
				t.Fatalf("interval [%v, %v] around %v, want within (%v, %v)", got.Low, got.High, got.Estimate, tt.lowAbove, tt.highBelow)
			}
			if !(got.P < tt.pBelow && got.P >= tt.pAtLeast) {
				t.Fatalf("p %v, want in [%v, %v)", got.P, tt.pAtLeast, tt.pBelow)
			}
			if got.Resamples != 999 || got.Confidence != 0.95 || got.Seed != 7 {
				t.Fatalf("settings not reported: %+v", got)
			}
		})
	}
}

func TestPairedBootstrapSeeded(t *testing.T) {
	a, b := make([]bool, 50), make([]bool, 50)
	for i := range a {
		a[i], b[i] = i%3 == 0, i%2 == 0
	}
	one := PairedBootstrap(50, accuracyGap(a, b), 500, 0.9, 1)
	if again := PairedBootstrap(50, accuracyGap(a, b), 500, 0.9, 1); again != one {
		t.Fatalf("same seed, different interval: %+v vs %+v", one, again)
	}
	if other := PairedBootstrap(50, accuracyGap(a, b), 500, 0.9, 2); other == one {
		t.Fatalf("another seed gave the very same interval %+v", one)
	}
}
