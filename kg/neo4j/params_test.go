package neo4j

import (
	"encoding/json"
	"math"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func TestParseParams(t *testing.T) {
	tests := []struct {
		name  string
		flags []string
		want  map[string]any
		err   string
	}{
		{"none", nil, map[string]any{}, ""},
		{"typed values", []string{"k=G0007", "n=3", "z=-0", "x=-2.5", "big=1e3", "ok=true", "no=false"},
			map[string]any{"k": "G0007", "n": int64(3), "z": int64(0), "x": -2.5, "big": 1000.0, "ok": true, "no": false}, ""},
		{"ids keep their text", []string{"a=007", "b=+1", "c=0x1f", "d=NaN", "e=Inf", "f=1_000", "g=1.", "h=.5", "i=True"},
			map[string]any{"a": "007", "b": "+1", "c": "0x1f", "d": "NaN", "e": "Inf", "f": "1_000", "g": "1.", "h": ".5", "i": "True"}, ""},
		{"an integer beyond 64 bits is a float", []string{"n=99999999999999999999"}, map[string]any{"n": 1e20}, ""},
		{"beyond a float stays text", []string{"n=1e999"}, map[string]any{"n": "1e999"}, ""},
		{"the first = splits", []string{"q=a=b", "empty="}, map[string]any{"q": "a=b", "empty": ""}, ""},
		{"quoted is a string", []string{`n="42"`, `s="say \"hi\""`}, map[string]any{"n": "42", "s": `say "hi"`}, ""},
		{"bad quoted string", []string{`n="a\q"`}, nil, "not a JSON string"},
		{"no value", []string{"k"}, nil, "want key=value"},
		{"no key", []string{"=v"}, nil, "not a parameter name"},
		{"dollar in the key", []string{"$k=v"}, nil, "not a parameter name"},
		{"key starting with a digit", []string{"1k=v"}, nil, "not a parameter name"},
		{"twice", []string{"k=1", "k=2"}, nil, "given twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseParams(tt.flags)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %#v, %v; want %#v", got, err, tt.want)
			}
		})
	}
}

// FuzzParseParams: a valid key always parses, and its value is typed only
// when the text reads back as that value.
func FuzzParseParams(f *testing.F) {
	for _, s := range [][2]string{{"k", "G0007"}, {"n", "-12"}, {"x", "1.5e-3"}, {"b", "true"}, {"q", `"x"`}, {"z", "007"}, {"$k", "1"}, {"", ""}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, k, v string) {
		got, err := ParseParams([]string{k + "=" + v})
		if err != nil {
			if paramName(k) && !strings.HasPrefix(v, `"`) {
				t.Fatalf("%q=%q refused: %v", k, v, err)
			}
			return
		}
		if strings.Contains(k, "=") {
			return // the key ends at the first =
		}
		switch x := got[k].(type) {
		case bool:
			if strconv.FormatBool(x) != v {
				t.Fatalf("%q typed as %v", v, x)
			}
		case int64:
			var back int64
			if json.Unmarshal([]byte(v), &back) != nil || back != x || strings.ContainsAny(v, ".eE") {
				t.Fatalf("%q typed as the integer %d", v, x)
			}
		case float64:
			var back float64
			if math.IsInf(x, 0) || math.IsNaN(x) || json.Unmarshal([]byte(v), &back) != nil || back != x {
				t.Fatalf("%q typed as the float %v", v, x)
			}
		case string:
			var s string
			if x != v && (json.Unmarshal([]byte(v), &s) != nil || s != x) {
				t.Fatalf("%q became the string %q", v, x)
			}
		default:
			t.Fatalf("%q typed as %T", v, x)
		}
	})
}
