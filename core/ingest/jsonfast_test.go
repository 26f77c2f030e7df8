package ingest

import (
	"reflect"
	"testing"
)

// TestDecodeObjectMatchesEncodingJSON: the single-walk decoder gives what
// json.Unmarshal gives, takes the common records itself, and leaves
// malformed ones to encoding/json's error.
func TestDecodeObjectMatchesEncodingJSON(t *testing.T) {
	tests := []struct {
		in   string
		fast bool // the walk decodes it without giving up
	}{
		{`{}`, true},
		{` {"id":"a","n":12,"f":-1.5e3,"t":true,"x":false,"z":null} `, true},
		{`{"text":"caf\u00e9 \"quoted\"\nline","raw":"naïve"}`, true},
		{`{"nested":{"a":[1,"two",{"three":3}]},"list":["a","b"],"after":1}`, true},
		{`{"dup":1,"dup":"second"}`, true},
		{`{"odd":"brackets ] } in a string","n":{"s":"}"}}`, true},
		{`{"big":1e400}`, false},
		{`{"a":01}`, false},
		{`{"a":1.}`, false},
		{`{"a":tru}`, false},
		{`{"a":"ctrl` + "\x01" + `"}`, false},
		{`{"a":1,}`, false},
		{`{"a":1} trailing`, false},
		{`{"a":{"b":1]}`, false},
		{`{"a":"unterminated}`, false},
		{`["not","an","object"]`, false},
		{``, false},
	}
	for _, tt := range tests {
		_, fast := fastObject([]byte(tt.in))
		if fast != tt.fast {
			t.Errorf("fastObject(%s) ok = %v, want %v", tt.in, fast, tt.fast)
		}
		checkDecodeObject(t, []byte(tt.in))
	}
}

func checkDecodeObject(t *testing.T, data []byte) {
	t.Helper()
	var want map[string]any
	wantErr := unmarshalObject(data, &want)
	got, err := decodeObject(data)
	if (err == nil) != (wantErr == nil) || err != nil && err.Error() != wantErr.Error() {
		t.Fatalf("decodeObject(%q) error %v, encoding/json %v", data, err, wantErr)
	}
	if err == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("decodeObject(%q) = %#v, encoding/json %#v", data, got, want)
	}
}

func FuzzDecodeObject(f *testing.F) {
	f.Add([]byte(`{"id":"a","n":-0.5e-3,"l":[1,{"x":null}],"s":"\u00e9\\\"","t":true}`))
	f.Add([]byte(`{"a":"\xff\xfe","b":{"c":"]"}}`))
	f.Add([]byte(` {"k" : 1 , "k":2 } `))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkDecodeObject(t, data)
	})
}

// TestDecodeObjectDeepNesting: nesting past maxDepth is left to
// encoding/json and still decodes alike.
func TestDecodeObjectDeepNesting(t *testing.T) {
	deep := `{"a":`
	for range maxDepth + 5 {
		deep += `[`
	}
	for range maxDepth + 5 {
		deep += `]`
	}
	deep += `}`
	if _, ok := fastObject([]byte(deep)); ok {
		t.Errorf("walk followed nesting past maxDepth")
	}
	checkDecodeObject(t, []byte(deep))
}
