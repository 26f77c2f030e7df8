package ingest

import (
	"bufio"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// checkOSVPaths decodes one record both ways: when the one-walk path takes
// it, the field-by-field path must give the same document and no error.
func checkOSVPaths(t *testing.T, data []byte) (fast bool) {
	t.Helper()
	got, ok := osvFast(data)
	if !ok {
		return false
	}
	want, err := decodeOSVRaw(data)
	if err != nil {
		t.Fatalf("%s: one walk took it, field by field failed: %v", data, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s:\none walk     %#v\nfield by field %#v", data, got, want)
	}
	return true
}

// TestOSVOneWalkMatchesFieldByField: the flattened advisory lines take the
// one-walk path and decode as before; OSV-schema records and odd field
// types are left to the field-by-field decoder.
func TestOSVOneWalkMatchesFieldByField(t *testing.T) {
	tests := []struct {
		in   string
		fast bool
	}{
		{`{"id":" CVE-2024-1 ","summary":"s","details":"d","aliases":[],"cwes":["79","CWE-79",null],"severity":"Moderate","published":"yesterday","x":{"y":[1]}}`, true},
		{`{"id":"GHSA-1","details":"d","severity":null,"references":["https://a"],"packages":null}`, true},
		{`{"id":"GHSA-1","details":"d","severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N"}]}`, true},
		{`{"id":"GHSA-1","details":"d","severity":"extreme","source":"s","vendors":["v"],"ecosystem":"npm"}`, true},
		{`{"id":"GHSA-1","details":"d","affected":[{"package":{"ecosystem":"npm","name":"p"}}]}`, false},
		{`{"id":"GHSA-1","details":"d","database_specific":{"cwe_ids":["CWE-1"]}}`, false},
		{`{"id":"GHSA-1","details":"d","references":[{"type":"WEB","url":"https://a"}]}`, false},
		{`{"id":7,"details":"d"}`, false},
		{`{"id":"GHSA-1","aliases":"CVE-1"}`, false},
		{`{"modified":"2024-01-01"}`, false},
	}
	for _, tt := range tests {
		if fast := checkOSVPaths(t, []byte(tt.in)); fast != tt.fast {
			t.Errorf("%s: one walk = %v, want %v", tt.in, fast, tt.fast)
		}
	}
	f, err := os.Open(filepath.Join("testdata", "advisories.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if !checkOSVPaths(t, sc.Bytes()) {
			t.Errorf("training-style line left the one-walk path: %s", sc.Bytes())
		}
	}
}

func FuzzOSVOneWalk(f *testing.F) {
	f.Add([]byte(`{"id":"CVE-2024-1","summary":"s","details":"d","aliases":["GHSA-x"],"cwes":["79"],"severity":"high","cvss_score":9.8,"packages":[],"references":["u"]}`))
	f.Add([]byte(`{"id":"GHSA-1","severity":null,"published":"2024-01-02","ecosystem":null,"vendors":[null]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkOSVPaths(t, data)
	})
}
