package ingest

import (
	"bytes"
	"encoding/json"
	"maps"
	"testing"
	"unicode/utf8"
)

// sniffObjectTokens is the json.Decoder reading of sniffObject's contract:
// the oracle the fast walker is held to.
func sniffObjectTokens(data []byte) objectKeys {
	keys := objectKeys{}
	dec := json.NewDecoder(bytes.NewReader(data))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return keys
	}
	for {
		t, err := dec.Token()
		if err != nil {
			return keys
		}
		key, ok := t.(string)
		if !ok { // the closing brace
			return keys
		}
		v, err := dec.Token()
		if err != nil {
			keys[key] = ""
			return keys
		}
		switch v := v.(type) {
		case string:
			if len(v) > 200 {
				v = v[:200]
			}
			keys[key] = v
		case json.Delim: // skip the nested value
			keys[key] = ""
			for depth := 1; depth > 0; {
				t, err := dec.Token()
				if err != nil {
					return keys
				}
				if d, ok := t.(json.Delim); ok {
					if d == '{' || d == '[' {
						depth++
					} else {
						depth--
					}
				}
			}
		default:
			keys[key] = ""
		}
	}
}

func TestSniffObject(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want objectKeys
	}{
		{"empty", ``, objectKeys{}},
		{"not an object", `[{"a":"b"}]`, objectKeys{}},
		{"flat", `{"type":"bundle","id":"bundle--1","n":3}`, objectKeys{"type": "bundle", "id": "bundle--1", "n": ""}},
		{"nested skipped", `{"a":{"b":[1,{"c":"d"}]},"e":"f"}`, objectKeys{"a": "", "e": "f"}},
		{"cut in a nested value", `{"id":"x","affected":[{"package":`, objectKeys{"id": "x", "affected": ""}},
		{"cut after a key", `{"id":"x","summary"`, objectKeys{"id": "x", "summary": ""}},
		{"cut in a string", `{"id":"x","summary":"abc`, objectKeys{"id": "x", "summary": ""}},
		{"escapes", `{"ty\u0070e":"a\"b"}`, objectKeys{"type": `a"b`}},
		{"leading space", " \n{\"a\":\"b\"}", objectKeys{"a": "b"}},
		{"syntax error stops", `{"a":"b" "c":"d"}`, objectKeys{"a": "b"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := sniffObject([]byte(tc.in)); !maps.Equal(got, tc.want) {
				t.Errorf("sniffObject(%q) = %v, want %v", tc.in, got, tc.want)
			}
			if got := sniffObjectTokens([]byte(tc.in)); !maps.Equal(got, tc.want) {
				t.Errorf("oracle(%q) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

// FuzzSniffObject holds the walker to the json.Decoder reading on valid
// UTF-8 input (the decoder replaces invalid bytes in strings, which only
// changes values no format test looks at).
func FuzzSniffObject(f *testing.F) {
	for _, s := range []string{
		`{"type":"bundle","objects":[]}`,
		`{"dataType":"CVE_RECORD","cveMetadata":{"cveId":"CVE-2024-1"}}`,
		`{"vulnerabilities":[],"catalogVersion":"1"}`,
		`{"id":"GHSA-1","summary":"s","affected":[{"x":1}]`,
		`{"a":1.5e3,"b":true,"c":null,"d":[1,[2,{"e":"f"}]]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if !utf8.Valid(data) {
			return
		}
		got, want := sniffObject(data), sniffObjectTokens(data)
		if !maps.Equal(got, want) {
			t.Fatalf("sniffObject(%q) = %v, json.Decoder reads %v", data, got, want)
		}
	})
}
