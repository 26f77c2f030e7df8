package triage

import (
	"cmp"
	"encoding/json"
	"hash/fnv"
	"math"
	"testing"

	"github.com/cyberstreams/cyberstreams/core/scoring"
)

func TestParseProbabilitiesMatchesJSON(t *testing.T) {
	for _, p := range []scoring.Probabilities{{1, 0, 0, 0, 0}, {0.2, 0.2, 0.2, 0.2, 0.2}, {1e-9, 0.5, 0.25, 0.125, 0.125}} {
		b, _ := json.Marshal(p)
		got, err := parseProbabilities(string(b))
		if err != nil {
			t.Fatal(err)
		}
		var want scoring.Probabilities
		json.Unmarshal(b, &want)
		if got != [5]float64(want) {
			t.Errorf("%s: %v, want %v", b, got, want)
		}
	}
	// Other key orders and spacing fall back to encoding/json.
	got, err := parseProbabilities(`{ "low": 0.5, "critical": 0.5 }`)
	if err != nil || got != [5]float64{0.5, 0, 0, 0.5, 0} {
		t.Fatalf("%v %v", got, err)
	}
	if _, err := parseProbabilities(`{"critical":`); err == nil {
		t.Fatal("truncated object accepted")
	}
}

func FuzzParseProbabilities(f *testing.F) {
	f.Add(`{"critical":0.1,"high":0.2,"medium":0.3,"low":0.2,"informational":0.2}`)
	f.Add(`{"critical":1e-7}`)
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parseProbabilities(s)
		var want scoring.Probabilities
		jerr := json.Unmarshal([]byte(s), &want)
		if err == nil && jerr == nil && got != [5]float64(want) {
			t.Fatalf("%q: fast %v, json %v", s, got, want)
		}
	})
}

func TestUnitHashIsFNV1a(t *testing.T) {
	for _, tc := range []struct {
		seed uint64
		id   string
	}{{0, ""}, {1, "demo-001"}, {7, "doc-000123"}, {1 << 63, "ünïcode"}} {
		h := fnv.New64a()
		var b [8]byte
		for i := range b {
			b[i] = byte(tc.seed >> (8 * i))
		}
		h.Write(b[:])
		h.Write([]byte(tc.id))
		if want := float64(h.Sum64()>>11) / (1 << 53); unitHash(tc.seed, tc.id) != want {
			t.Errorf("unitHash(%d, %q) = %v, want %v", tc.seed, tc.id, unitHash(tc.seed, tc.id), want)
		}
	}
}

func TestFloatKeyOrdersAsCompare(t *testing.T) {
	vals := []float64{math.NaN(), math.Inf(-1), -math.MaxFloat64, -1, -math.SmallestNonzeroFloat64, math.Copysign(0, -1), 0,
		math.SmallestNonzeroFloat64, 0.05, 1, math.MaxFloat64, math.Inf(1), -math.NaN()}
	for _, x := range vals {
		for _, y := range vals {
			if got, want := cmp.Compare(floatKey(x), floatKey(y)), cmp.Compare(x, y); got != want {
				t.Errorf("%v vs %v: keys compare %d, floats %d", x, y, got, want)
			}
		}
	}
}
