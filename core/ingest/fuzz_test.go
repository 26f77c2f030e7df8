package ingest

import (
	"bytes"
	"context"
	"os"
	"testing"
)

// readBytes runs one input through its reader and the record processing
// synchronously, and checks what every reader promises whatever the input:
// documents are finished, failures name the file and a line inside it.
func readBytes(t *testing.T, name string, data []byte, format Format) {
	p, err := newProcessor(Options{Extract: fakeExtract})
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.Count(data, []byte{'\n'}) + 1
	err = readInput(context.Background(), name, bytes.NewReader(data), format, Options{}, func(r rawRecord) error {
		it := p.process(&r)
		switch {
		case it.skipped:
		case it.Err != nil:
			if it.File != name {
				t.Fatalf("failure names %q, want %q", it.File, name)
			}
			// Decoded (gzip, UTF-16) inputs have other line counts.
			if it.Line < 0 || (data[0] == '{' || data[0] == '[') && it.Line > lines {
				t.Fatalf("failure line %d outside the input's %d lines: %v", it.Line, lines, it.Err)
			}
		default:
			if it.Doc.ID == "" || it.Doc.ContentHash == "" || (it.Doc.Title == "" && it.Doc.Body == "") {
				t.Fatalf("unfinished document %+v", it.Doc)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("reader returned %v; bad input must be a failure record", err)
	}
}

func addSeeds(f *testing.F, files ...string) {
	for _, name := range files {
		data, err := os.ReadFile(td(name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
		if len(data) > 40 {
			f.Add(data[:len(data)/2]) // truncated
		}
	}
}

func FuzzReadJSONL(f *testing.F) {
	addSeeds(f, "feed.jsonl", "custom.jsonl")
	f.Add([]byte("{\"id\":1}\n{\"text\":[\"a\",\"b\"]}\n{\"text\":{}}\n\xff\n"))
	f.Add([]byte("[{\"text\":\"a\"},{\"text\":\"b\"}]"))
	f.Add([]byte("[junk\n{\"text\":\"a\"}\n{\"text\":\"b\"}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		readBytes(t, "fuzz.jsonl", data, FormatJSONL)
	})
}

func FuzzReadOSV(f *testing.F) {
	addSeeds(f, "advisories.jsonl", "osv/GHSA-dddd-eeee-ffff.json", "osv/nested/RUSTSEC-2099-0001.json")
	f.Add([]byte(`{"id":"X","summary":"s","references":[{"url":5}],"affected":{}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		readBytes(t, "fuzz.json", data, FormatOSV)
	})
}

func FuzzReadSTIX(f *testing.F) {
	addSeeds(f, "bundle.json")
	f.Add([]byte(`{"type":"indicator","spec_version":"2.1","id":"indicator--1","pattern":"[url:value = '\\']"}`))
	f.Add([]byte(`{"type":"bundle","objects":{}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		readBytes(t, "fuzz.json", data, FormatSTIX)
	})
}

func FuzzReadCVE5(f *testing.F) {
	addSeeds(f, "cve5.json", "cve5-adp.json", "cve5-rejected.json")
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		readBytes(t, "fuzz.json", data, FormatCVE5)
	})
}

func FuzzReadKEV(f *testing.F) {
	addSeeds(f, "kev.json")
	f.Add([]byte(`{"vulnerabilities":[{"cveID":"CVE-1"},7,{"cveID":""}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		readBytes(t, "fuzz.json", data, FormatKEV)
	})
}

// FuzzDetect: detection never panics and always names a format, and reading
// in the detected format never panics either.
func FuzzDetect(f *testing.F) {
	addSeeds(f, "feed.jsonl", "bundle.json", "kev.json", "cve5.json", "report.md", "advisories.jsonl")
	f.Add([]byte{0x1f, 0x8b, 0x08, 0x00})
	f.Add([]byte{0xff, 0xfe, '{', 0})
	f.Add([]byte("{\"id\":\"a\",\"te\n{\"id\":\"b\",\"text\":\"t\"}\n{\"id\":\"c\",\"text\":\"u\"}\n"))
	f.Add([]byte("junk\n{\"id\":\"GHSA-1\",\"summary\":\"s\"}\n{\"id\":\"GHSA-2\",\"details\":\"d\"}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		got := Detect("fuzz", data)
		if _, err := ParseFormat(string(got)); err != nil || got == FormatAuto {
			t.Fatalf("Detect = %q", got)
		}
		if len(data) > 0 {
			readBytes(t, "fuzz", data, FormatAuto)
		}
	})
}
