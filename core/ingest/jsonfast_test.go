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
		{`{"esc":"\/\b\f\n\r\t\\\"","pair":"\ud83d\ude00","lone":"\ud83d x","lone2":"\ude00\ud83d","bad2":"\ud83d\u00e9"}`, true},
		{`{"hex":"\u00E9\u00e9\uFFFF","nul":"\u0000","k\u00e9y":["\t",{"\n":"\""}]}`, true},
		{`{"many":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20],"m":{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":10,"k":11,"l":12,"m":13,"n":14,"o":15,"p":16,"q":17,"r":18}}`, true},
		{`{"a":"\'"}`, false},
		{`{"a":"\x"}`, false},
		{`{"a":"\u12G4"}`, false},
		{`{"a":"\ud83d\u12G4"}`, false},
		{`{"a":"\u12"}`, false},
		{`{"a":"\` + "\x01" + `"}`, false},
		{`{"a":`, false},
		{`{"a" `, false},
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
	f.Add([]byte(`{"s":"\ud83d\ude00\ud83d\u00e9\/\b","l":["\u00e9",null,[]],"o":{}}`))
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
