package ingest

import "testing"

// TestEscapedStrings: strings unescaped while scanned decode as
// encoding/json decodes them, at every escape, across surrogate pairs,
// lone halves, invalid escapes and invalid UTF-8 around escapes, and
// several escaped strings sharing one arena.
func TestEscapedStrings(t *testing.T) {
	for _, in := range []string{
		`{"a":"\n","b":"x\ty","c":"\"quoted\" \\ \/ \b\f\r"}`,
		`{"a":"\ud83d\ude00","b":"\ud83d","c":"\ud83d\u00e9","d":"\ude00\ud83d","e":"\ud83d\"}`,
		`{"a":"\ud83d","b":"\ude00"}`,
		`{"a":"\u00e9\u0000\u001f","b":"\u12","c":"z"}`,
		`{"a":"\x"}`, `{"a":"\`, `{"a":"\"`, `{"a":"\u00"}`, `{"a":"é\né"}`,
		"{\"a\":\"\\n\xff\"}", "{\"a\":\"\xff\\n\"}", "{\"a\":\"\\n\x01\"}", "{\"a\":\"\\\x01\"}",
		`{"a":"` + "\u2028" + `\n` + "\u00e9" + `","b":"plain","c":"\\","d":"\\\\\\"}`,
		`{"long":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\naaaaaaaaaaaaaaaaaaaaaaaa\"aaaaaaaaaaaaaaaaaa\\"}`,
	} {
		checkDecodeObject(t, []byte(in))
		checkDefaultPaths(t, []byte(`{"text":`+in+`,"details":"`+in[1:len(in)-1]+`"}`))
	}
}
