package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestExtractCommand(t *testing.T) {
	text := "C2 hxxps://cdn[.]example[.]com/x from 198.51.100[.]7; see CVE-2024-3094 and setup.py"
	tests := []struct {
		name string
		args []string
		want map[string][]string
	}{
		{"as written", []string{"extract"}, map[string][]string{
			"cve": {"CVE-2024-3094"}, "domain": {"cdn[.]example[.]com"}, "ipv4": {"198.51.100[.]7"}, "url": {"hxxps://cdn[.]example[.]com/x"}}},
		{"refanged", []string{"extract", "--refang"}, map[string][]string{
			"cve": {"CVE-2024-3094"}, "domain": {"cdn.example.com"}, "ipv4": {"198.51.100.7"}, "url": {"https://cdn.example.com/x"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, t.TempDir(), text, tt.args...)
			if r.Code != 0 {
				t.Fatalf("exit %d: %s", r.Code, r.Err)
			}
			var got map[string][]string
			if err := json.Unmarshal([]byte(r.Out), &got); err != nil {
				t.Fatalf("output is not one JSON object: %v\n%s", err, r.Out)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %v\nwant %v", got, tt.want)
			}
		})
	}
}

func TestExtractReadsGzipAndNamesMissingFile(t *testing.T) {
	dir := t.TempDir()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte("beacon 203.0.113.9"))
	zw.Close()
	p := filepath.Join(dir, "feed.txt.gz")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, dir, "", "extract", p)
	if r.Code != 0 || !bytes.Contains([]byte(r.Out), []byte("203.0.113.9")) {
		t.Fatalf("gzip input: exit %d out %q err %q", r.Code, r.Out, r.Err)
	}
	missing := filepath.Join(dir, "nope.txt")
	r = runCLI(t, dir, "", "extract", missing)
	if r.Code != 1 || !bytes.Contains([]byte(r.Err), []byte(missing)) {
		t.Fatalf("missing file: exit %d, stderr %q should name %s", r.Code, r.Err, missing)
	}
}
