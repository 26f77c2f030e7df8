package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
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

func TestExtractFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want ExtractOptions
		code int
	}{
		{"defaults", []string{}, ExtractOptions{Paths: []string{"-"}, Output: "json"}, 0},
		{"types with groups", []string{"--types", "ip, url", "--output", "table", "a.txt"},
			ExtractOptions{Paths: []string{"a.txt"}, Types: []string{"ipv4", "ipv6", "url"}, Output: "table"}, 0},
		{"lines jsonl", []string{"--lines", "-o", "jsonl"}, ExtractOptions{Paths: []string{"-"}, Output: "jsonl", Lines: true}, 0},
		{"unknown type", []string{"--types", "ipv5"}, ExtractOptions{}, exitUsage},
		{"empty types", []string{"--types", ","}, ExtractOptions{}, exitUsage},
		{"unknown output", []string{"--output", "xml"}, ExtractOptions{}, exitUsage},
		{"lines need rows", []string{"--lines"}, ExtractOptions{}, exitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got *ExtractOptions
			cmd := newExtractCmd(nil, func(o *ExtractOptions) error { got = o; return nil })
			cmd.SetArgs(tt.args)
			cmd.SetOut(io.Discard)
			cmd.SetErr(io.Discard)
			err := cmd.Execute()
			if code := exitCodeFor(err); code != tt.code {
				t.Fatalf("exit %d (%v), want %d", code, err, tt.code)
			}
			if tt.code == 0 && !reflect.DeepEqual(*got, tt.want) {
				t.Fatalf("options %+v, want %+v", *got, tt.want)
			}
		})
	}
}

func TestExtractRows(t *testing.T) {
	text := "C2 hxxps://cdn[.]example[.]com/x and 2001:DB8:0:0::1\nmail ops[@]example.org, cve-2014-1001\n"
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"jsonl types", []string{"extract", "--types", "url,ipv6", "-o", "jsonl"},
			`{"source":"<stdin>","type":"ipv6","written":"2001:DB8:0:0::1","refanged":"2001:db8::1"}` + "\n" +
				`{"source":"<stdin>","type":"url","written":"hxxps://cdn[.]example[.]com/x","refanged":"https://cdn.example.com/x"}` + "\n"},
		{"csv lines", []string{"extract", "--types", "email", "--lines", "-o", "csv"},
			"source,line,type,written,refanged\n<stdin>,2,email,ops[@]example.org,ops@example.org\n"},
		{"table", []string{"extract", "--types", "domain", "-o", "table"},
			"SOURCE   TYPE    WRITTEN              REFANGED\n" +
				"<stdin>  domain  cdn[.]example[.]com  cdn.example.com\n" +
				"<stdin>  domain  example.org          example.org\n"},
		{"json refanged types", []string{"extract", "--refang", "--types", "cve"}, "{\n  \"cve\": [\n    \"CVE-2014-1001\"\n  ]\n}\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, t.TempDir(), text, tt.args...)
			if r.Code != 0 {
				t.Fatalf("exit %d: %s", r.Code, r.Err)
			}
			if r.Out != tt.want {
				t.Fatalf("got\n%s\nwant\n%s", r.Out, tt.want)
			}
		})
	}
}

func TestExtractGoesOnAfterAnUnreadableFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.txt")
	if err := os.WriteFile(good, []byte("beacon 203.0.113.9"), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "nope.txt")
	r := runCLI(t, dir, "", "extract", "-o", "jsonl", missing, good)
	if r.Code != 1 || !strings.Contains(r.Err, missing) || !strings.Contains(r.Out, `"refanged":"203.0.113.9"`) {
		t.Fatalf("exit %d out %q err %q: want exit 1, the missing file named, the good one read", r.Code, r.Out, r.Err)
	}
}

// TestEmptyFileIsAFailedInput: extract, tag and score treat an empty file
// (nothing but white space) alike: named on stderr as "NAME: empty file",
// the other inputs still read, exit 1.
func TestEmptyFileIsAFailedInput(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.txt")
	if err := os.WriteFile(good, []byte("The loader fetched its payload from 203.0.113.9 and decoded it with certutil."), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, content := range []string{"", " \n\t\n"} {
		empty := filepath.Join(dir, "empty.txt")
		if err := os.WriteFile(empty, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			args []string
			want string // in the output of the good file
		}{
			{[]string{"extract"}, "203.0.113.9"},
			{[]string{"extract", "-o", "jsonl"}, "203.0.113.9"},
			{[]string{"extract", "--lines", "-o", "csv"}, "203.0.113.9"},
			{[]string{"tag", "-o", "jsonl"}, `"technique":"T1140"`},
			{[]string{"score", "-o", "jsonl"}, `"ipv4":["203.0.113.9"]`},
		} {
			r := runCLI(t, dir, "", append(tc.args, empty, good)...)
			if r.Code != exitError || !strings.Contains(r.Err, empty+": empty file") || !strings.Contains(r.Out, tc.want) {
				t.Errorf("%v on %q: exit %d, stderr %q, out %q; want exit %d, %q named as empty, the good file read",
					tc.args, content, r.Code, r.Err, r.Out, exitError, empty)
			}
			r = runCLI(t, dir, content, tc.args[0], "-")
			if r.Code != exitError || !strings.Contains(r.Err, "<stdin>: empty file") {
				t.Errorf("%s - on %q: exit %d, stderr %q", tc.args[0], content, r.Code, r.Err)
			}
		}
	}
}
