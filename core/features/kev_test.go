package features

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadKEV(t *testing.T) {
	tests := []struct {
		name, in string
		want     map[string]string
		err      string
	}{
		{"catalog", `{"vulnerabilities":[{"cveID":"cve-2024-1","dateAdded":"2024-01-02"},{"cveID":" CVE-2024-2 ","dateAdded":"2024-01-03"}]}`,
			map[string]string{"CVE-2024-1": "2024-01-02", "CVE-2024-2": "2024-01-03"}, ""},
		{"entry without an id", `{"vulnerabilities":[{"cveID":"","dateAdded":"2024-01-02"},{"dateAdded":"2024-01-02"}]}`,
			map[string]string{}, ""},
		{"not JSON", `<html>`, nil, "kev catalog cat.json: invalid character"},
		{"truncated", `{"vulnerabilities":[{"cveID":"CVE-2024-1"`, nil, "kev catalog cat.json: unexpected EOF"},
		{"wrong shape", `{"vulnerabilities":{"cveID":"CVE-2024-1"}}`, nil, "kev catalog cat.json: json: cannot unmarshal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadKEV(strings.NewReader(tt.in), "cat.json")
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want one with %q", err, tt.err)
				}
				return
			}
			if err != nil || len(got) != len(tt.want) {
				t.Fatalf("got %v %v, want %v", got, err, tt.want)
			}
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("%s: %q, want %q", k, got[k], v)
				}
			}
		})
	}
}

// FuzzReadKEV: whatever the file holds, the reader returns an error that
// names it or ids that are upper-cased, trimmed and not empty — the form
// isKEVListed looks them up in.
func FuzzReadKEV(f *testing.F) {
	if data, err := os.ReadFile(filepath.Join("..", "ingest", "testdata", "kev.json")); err == nil {
		f.Add(data)
		f.Add(data[:len(data)/2])
	}
	f.Add([]byte(`{"vulnerabilities":[{"cveID":" cve-1 ","dateAdded":"x"},7,{"cveID":""}]}`))
	f.Add([]byte(`{"vulnerabilities":null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := ReadKEV(bytes.NewReader(data), "fuzz.json")
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.json") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		for id := range got {
			if id == "" || id != strings.ToUpper(strings.TrimSpace(id)) {
				t.Fatalf("id %q is not in lookup form", id)
			}
		}
	})
}
