package ingest

import (
	"reflect"
	"testing"

	"github.com/cyberstreams/cyberstreams/core/document"
)

// checkSkipMeta decodes one record with and without Meta on both one-walk
// decoders: skipping Meta's fields must take the same records and give
// the same documents but for Meta.
func checkSkipMeta(t *testing.T, data []byte) {
	t.Helper()
	for _, c := range []struct {
		name string
		walk func([]byte, bool) (document.Document, bool)
	}{
		{"jsonl", decodeRoles},
		{"osv", osvWalk},
	} {
		full, fok := c.walk(data, true)
		skipped, sok := c.walk(data, false)
		if fok != sok {
			t.Fatalf("%s %s: with Meta ok = %v, without %v", c.name, data, fok, sok)
		}
		if skipped.Meta != nil {
			t.Fatalf("%s %s: Meta %v kept", c.name, data, skipped.Meta)
		}
		full.Meta = nil
		if fok && !reflect.DeepEqual(full, skipped) {
			t.Fatalf("%s %s:\nwith Meta    %#v\nwithout Meta %#v", c.name, data, full, skipped)
		}
	}
}

// TestSkipMetaMatches: the record fields skipped for Options.SkipMeta are
// the ones Meta would have had, and skipping them reads the same records
// alike, well-formed or not.
func TestSkipMetaMatches(t *testing.T) {
	for _, in := range []string{
		`{"id":"CVE-1","details":"d","x":[1,{"a":[true,false,null,"s\n"]}],"y":-1.5e3,"z":{}}`,
		`{"id":"CVE-1","details":"d","x":1e400}`,
		`{"id":"CVE-1","details":"d","x":[1,]}`,
		`{"id":"CVE-1","details":"d","x":"\q"}`,
		`{"id":"CVE-1","details":"d","x":{"a" 1}}`,
		`{"id":"CVE-1","details":"d","x":tru}`,
		`{"id":"CVE-1","details":"d","x":01}`,
		`{"id":"CVE-1","details":"d","x":"` + "\x01" + `"}`,
		`{"id":"CVE-1","details":"d","x":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}`,
		`{"id":"CVE-1","details":"d","severity":[{"type":"CVSS_V3"}]}`,
		`{"title":"t","published":"yesterday","severity":"extreme"}`,
	} {
		checkSkipMeta(t, []byte(in))
	}
	eachTestLine(t, func(line []byte) { checkSkipMeta(t, line) })
	limit := -1
	if testing.Short() {
		limit = 2000
	}
	eachAdvisoryLine(t, limit, func(line []byte) { checkSkipMeta(t, line) })
}

// TestReadSkipMeta: every reader gives the same documents with
// Options.SkipMeta, but for their Meta.
func TestReadSkipMeta(t *testing.T) {
	paths := []string{td("")}
	want := collect(t, paths, Options{})
	got := collect(t, paths, Options{SkipMeta: true})
	if len(want.docs) < 10 {
		t.Fatalf("only %d documents in the test data", len(want.docs))
	}
	if len(got.docs) != len(want.docs) || got.skipped != want.skipped || len(got.failures) != len(want.failures) {
		t.Fatalf("SkipMeta: %d docs, %d skipped, %d failures; without %d, %d, %d",
			len(got.docs), got.skipped, len(got.failures), len(want.docs), want.skipped, len(want.failures))
	}
	for i := range want.docs {
		want.docs[i].Meta = nil
		if !reflect.DeepEqual(got.docs[i], want.docs[i]) {
			t.Errorf("SkipMeta:\n got %#v\nwant %#v", got.docs[i], want.docs[i])
		}
	}
}

func FuzzSkipMeta(f *testing.F) {
	f.Add([]byte(`{"id":"CVE-2024-1","summary":"s","details":"d \"q\" \u00e9","severity":"high","cvss_score":9.8,"packages":[],"references":["u"],"x":{"y":[1e5]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkSkipMeta(t, data)
	})
}
