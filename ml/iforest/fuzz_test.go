package iforest

import (
	"encoding/json"
	"math"
	"testing"
)

// FuzzUnmarshal reads any novelty.json: it is refused, or the forest scores
// any vector of its width — plain, compiled, and as path contributions —
// without panicking, into a score in [0, 1] that both layouts agree on.
func FuzzUnmarshal(f *testing.F) {
	x := [][]float64{{0, 1, 2}, {1, 2, 3}, {2, 0, 1}, {5, 5, 5}, {0, 0, 9}}
	valid, err := json.Marshal(Fit(x, Params{Trees: 3, SampleSize: 4, Seed: 1}))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(valid)
	f.Add([]byte(`{"num_features":1,"sample_size":2,"trees":[{"nodes":[{"f":-1,"n":2}]}]}`))
	f.Add([]byte(`{"num_features":2,"sample_size":3,"trees":[{"nodes":[{"f":1,"s":0.5,"l":1,"r":2,"n":3},{"f":-1,"n":1},{"f":-1,"n":2}]}]}`))
	f.Add([]byte(`{"num_features":1,"sample_size":2,"trees":[{"nodes":[{"f":0,"l":0,"r":0,"n":2}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var forest Forest
		if err := json.Unmarshal(data, &forest); err != nil {
			return
		}
		if forest.NumFeatures > 1<<16 {
			return // a wide vector per input would only slow the fuzzer
		}
		compiled := forest.Compile()
		for _, fill := range []float64{0, -1, 1e300, math.NaN(), math.Inf(1)} {
			v := make([]float64, forest.NumFeatures)
			for i := range v {
				v[i] = fill
			}
			s, c := forest.Score(v), compiled.Score(v)
			if !(s >= 0 && s <= 1) || math.Abs(s-c) > 1e-9 {
				t.Fatalf("vector of %v: score %v, compiled %v", fill, s, c)
			}
			sum := 0.0
			for _, p := range forest.PathContributions(v) {
				sum += p
			}
			if sum != 0 && math.Abs(sum-1) > 1e-9 {
				t.Fatalf("vector of %v: path contributions sum to %v", fill, sum)
			}
		}
	})
}
