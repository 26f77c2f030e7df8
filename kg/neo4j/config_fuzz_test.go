package neo4j

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// FuzzConfig loads any graph.json beside any NEO4J_URI that carries a
// password (before ":" password "@" after): loading never panics, and
// nothing it returns prints the password — not its errors, not the Config
// formatted or marshalled.
func FuzzConfig(f *testing.F) {
	const secret = "Zq7-secret-7qZ"
	seeds := []struct {
		file                string
		uriBefore, uriAfter string // NEO4J_URI is uriBefore:secret@uriAfter ("" both: unset)
	}{
		{`{"uri":"bolt://127.0.0.1:7687","username":"ana"}`, "", ""},
		{`{"uri":"neo4j+s://ana@db.example"}`, "bolt://ana", "127.0.0.1:7687"},
		{"", "neo4j://bob", "db.example:7687/neo4j?x=1"},
		{`{"uri":"bolt://ana:p@db"}`, "bolt://ana", "/#@127.0.0.1:bad"},
		{`{"uri":7}`, "ana", "h://x"},
		{`{"uri":"bolt:opaque"}`, "bolt:ana", "host"},
		{"not json", "bolt://[::1", "]:1"},
	}
	for _, s := range seeds {
		f.Add([]byte(s.file), s.uriBefore, s.uriAfter)
	}
	f.Fuzz(func(t *testing.T, file []byte, before, after string) {
		if strings.Contains(string(file)+before+after, secret) {
			return // only the password is the secret
		}
		env := map[string]string{}
		if before != "" || after != "" {
			env["NEO4J_URI"] = before + ":" + secret + "@" + after
		}
		if len(file) == 0 {
			file = nil
		}
		c, err := configFrom("graph.json", file, func(k string) string { return env[k] })
		j, jerr := json.Marshal(c)
		out := fmt.Sprintf("%v %+v %#v %s %s %v", c, c, c, c, j, jerr)
		if err != nil {
			out += " " + err.Error()
		}
		if strings.Contains(out, secret) {
			t.Fatalf("printed the password: %s", out)
		}
	})
}
