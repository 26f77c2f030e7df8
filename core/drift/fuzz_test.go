package drift

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/cyberstreams/cyberstreams/core/features"
	"github.com/cyberstreams/cyberstreams/core/learner/learnertest"
)

// FuzzParseReference reads any reference.json: it is refused with an
// error, or it compares with a window of documents without panicking into
// a report that encodes as JSON.
func FuzzParseReference(f *testing.F) {
	spec := &features.Spec{Version: features.SpecVersion,
		Numeric: []string{"doc:cwe_count", "doc:reference_count", "time:hour", "source:reputation"}}
	fz := features.New(spec)
	window := Window{Docs: learnertest.Corpus{N: 40, Seed: 1}.Docs(), Predicted: map[string]int{"high": 30, "low": 10}}
	valid, err := json.Marshal(Summarize(fz, learnertest.Corpus{N: 60, Seed: 2}.Docs(), map[string]int{"high": 40, "medium": 20}, 1))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(valid)
	f.Add([]byte(`{"docs":2,"numeric":{"doc:cwe_count":[0,1]},"categorical":{"source":{"ghsa":2}}}`))
	f.Add([]byte(`{"docs":5000,"numeric":{"time:hour":[],"x":[1e308,-1e308]},"categorical":{"source":{"a":-3,"":0}},"predicted":{"high":-1,"none":5}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ref, err := ParseReference(data)
		if err != nil {
			if !strings.Contains(err.Error(), "drift reference") {
				t.Fatalf("error %q does not say what was read", err)
			}
			return
		}
		for _, small := range []int{0, 1 << 30} { // Evidently's tests by size, and KS/chi² always
			rep := Compare(ref, fz, window, Options{SmallWindow: small})
			if _, err := json.Marshal(rep); err != nil {
				t.Fatalf("report does not encode: %v", err)
			}
		}
	})
}
