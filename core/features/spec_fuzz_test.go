package features

import (
	"bytes"
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/cyberstreams/cyberstreams/core/document"
)

// fuzzDocs exercise every part of a featurizer: text, every one-hot group,
// KEV ids, entity counts, dates and their absence.
var fuzzDocs = []document.Document{
	{},
	{Title: "Remote code execution", Body: "unauthenticated remote code execution in the web server CVE-2024-0001",
		Source: "vendor-a", CWEs: []string{"CWE-94", "cwe-79"}, Ecosystem: "npm", Packages: []string{"left-pad"},
		Vendors: []string{"Acme"}, Assigner: "mitre", References: []string{"https://www.Example.com/a", "not a url"},
		Aliases: []string{"CVE-2024-0001"}, Published: time.Date(2024, 1, 1, 3, 0, 0, 0, time.UTC),
		Entities: map[string][]string{"cve": {"CVE-2024-0001"}, "url": {"https://x"}, "": {""}}},
	{Title: strings.Repeat("a ", 300), Body: "\x00\xff é ΣΣ the the the", Published: time.Date(-5, 1, 1, 0, 0, 0, 0, time.UTC)},
}

// FuzzReadSpec reads any features.json: it is refused with an error naming
// the file, or every document featurises without panicking into a row of
// sorted, in-range indices and finite values.
func FuzzReadSpec(f *testing.F) {
	spec, err := Fit(context.Background(), trainingDocs(), FitOptions{MaxTerms: 6, EntityTypes: []string{"cve", "url"},
		KEV: map[string]string{"CVE-2024-0001": "2024-01-02"}})
	if err != nil {
		f.Fatal(err)
	}
	spec.ClassBias = []float64{0, -0.2, 0.1, 0.6, 0}
	var valid bytes.Buffer
	if err := spec.Write(&valid); err != nil {
		f.Fatal(err)
	}
	f.Add(valid.Bytes())
	f.Add([]byte(`{"version":1,"terms":["a b c","a","a"," b","b "],"idf":[1,2,3,4,5],"numeric":["time:hour","time:hour","entities:_count"],` +
		`"groups":[{"name":"cwe","values":["cwe-94","cwe-94"]},{"name":"cwe","values":[""]}],"kev":{"x":"y","CVE-2024-0001":""},"default_year":-1}`))
	f.Add([]byte(`{"version":1,"terms":[],"idf":[],"groups":null,"numeric":null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		spec, err := ReadSpec(bytes.NewReader(data), "features.json")
		if err != nil {
			if !strings.Contains(err.Error(), "features.json") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		fz := New(spec)
		if got, want := len(spec.Names()), fz.Width(); got != want {
			t.Fatalf("%d names for a width of %d", got, want)
		}
		for i := range fuzzDocs {
			d := fuzzDocs[i]
			row := fz.Transform(&d)
			if len(row.Idx) != len(row.Val) {
				t.Fatalf("%d indices, %d values", len(row.Idx), len(row.Val))
			}
			for k, j := range row.Idx {
				if j < 0 || int(j) >= fz.Width() || (k > 0 && j <= row.Idx[k-1]) {
					t.Fatalf("document %d: index %d at %d of %v (width %d)", i, j, k, row.Idx, fz.Width())
				}
				if v := row.Val[k]; math.IsNaN(v) || math.IsInf(v, 0) {
					t.Fatalf("document %d: feature %s is %v", i, spec.Names()[j], v)
				}
			}
			dense := make([]float64, fz.Width())
			fz.Dense(row, dense)
		}
	})
}
