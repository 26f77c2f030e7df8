package ingest

import (
	"reflect"
	"testing"

	"github.com/cyberstreams/cyberstreams/core/document"
)

// TestAddStructuredMatchesMerge: adding the structured entities to the
// workbench extractor's result in place gives what merging the two maps
// gives, on the corpus and on records whose ids and aliases repeat or
// precede the text's.
func TestAddStructuredMatchesMerge(t *testing.T) {
	ex := defaultExtractor()
	check := func(d *document.Document) {
		t.Helper()
		want := mergeEntities(ex(d.Text()), d.Entities, structuredEntities(d))
		if got := addStructured(ex(d.Text()), d); !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: added %v, merged %v", d.ID, got, want)
		}
	}
	for _, d := range []document.Document{
		{ID: "cve-2024-0001", Body: "See CVE-2024-0001 and CVE-2023-9999, CWE-79."},
		{ID: "GHSA-1", Aliases: []string{"CVE-2024-2", "CVE-2024-1", "cve-2024-2"}, CWEs: []string{"CWE-1", "cwe-79", "NVD-CWE-Other"}, Body: "x"},
		{ID: "x", Body: "nothing here"},
		{ID: "CVE-2020-1234", Body: "nothing here"},
	} {
		check(&d)
	}
	limit := -1
	if testing.Short() {
		limit = 2000
	}
	eachAdvisoryLine(t, limit, func(line []byte) {
		d, err := decodeOSV(line)
		if err != nil {
			t.Fatal(err)
		}
		check(&d)
	})
}
