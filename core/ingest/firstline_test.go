package ingest

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestBrokenFirstLine: a JSON Lines feed whose first line is broken is read
// as JSON Lines: the broken line fails with its file and line and every
// other record is read. A pretty-printed document is still one container.
func TestBrokenFirstLine(t *testing.T) {
	const b, c = `{"id":"b","text":"rce"}`, `{"id":"c","text":"xss"}`
	tests := []struct {
		name, file, data string
		gzip             bool
		wantIDs          []string
		wantLines        []int // lines of the failures
	}{
		{"truncated first line", "f.jsonl", `{"id":"a","text":"x"` + "\n" + b + "\n" + c + "\n", false, []string{"b", "c"}, []int{1}},
		{"truncated first line, gzip", "f.jsonl.gz", `{"id":"a","text":"x"` + "\n" + b + "\n" + c + "\n", true, []string{"b", "c"}, []int{1}},
		{"truncated first line, no extension", "-", `{"id":"a","te` + "\n" + b + "\n" + c, false, []string{"b", "c"}, []int{1}},
		{"junk first line", "j.jsonl", "garbage here\n" + b + "\n" + c + "\n", false, []string{"b", "c"}, []int{1}},
		{"junk first line, no extension", "stdin", "garbage here\n" + b + "\n" + c + "\n", false, []string{"b", "c"}, []int{1}},
		{"junk first line, one record after", "j.json", "}}junk\n" + b + "\n", false, []string{"b"}, []int{1}},
		{"broken middle line", "m.jsonl", b + "\n" + `{"id":"a","te` + "\n" + c + "\n", false, []string{"b", "c"}, []int{2}},
		{"broken last line", "l.jsonl", b + "\n" + c + "\n" + `{"id":"a","te`, false, []string{"b", "c"}, []int{3}},
		{"empty first lines, broken first record", "e.jsonl", "\n\n  \n" + `{"id":"a",` + "\n\n" + b + "\n" + c + "\n", false, []string{"b", "c"}, []int{4}},
		{"broken first osv line", "osv.jsonl", `{"id":"GHSA-1","summary":"s","det` + "\n" +
			`{"id":"GHSA-2","summary":"heap overflow","details":"d"}` + "\n", false, []string{"GHSA-2"}, []int{1}},
		{"pretty-printed object", "p.json", "{\n  \"id\": \"p\",\n  \"text\": \"one record\"\n}\n", false, []string{"p"}, nil},
		{"pretty-printed object with a nested object line", "p.json", "{\n  \"id\": \"p\",\n  \"meta\":\n    {\"k\": 1},\n  \"text\": \"t\"\n}\n", false, []string{"p"}, nil},
		{"pretty-printed array", "a.json", "[\n  {\"id\": \"x\", \"text\": \"t1\"},\n  {\"id\": \"y\", \"text\": \"t2\"}\n]\n", false, []string{"x", "y"}, nil},
		{"pretty-printed array, one element a line", "a.json", "[\n{\"id\": \"x\", \"text\": \"t1\"}\n]\n", false, []string{"x"}, nil},
		{"text with a json line", "note", "Hello\n" + b + "\nworld\n", false, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := []byte(tt.data)
			if tt.gzip {
				var buf bytes.Buffer
				zw := gzip.NewWriter(&buf)
				zw.Write(data)
				zw.Close()
				data = buf.Bytes()
			}
			path := filepath.Join(t.TempDir(), tt.file)
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			c := collect(t, []string{path}, Options{})
			var ids []string
			for _, d := range c.docs {
				ids = append(ids, d.ID)
			}
			var lines []int
			for _, f := range c.failures {
				if f.File != path {
					t.Errorf("failure names %q, want %q", f.File, path)
				}
				lines = append(lines, f.Line)
			}
			if tt.name == "text with a json line" {
				if len(c.docs) != 1 || c.docs[0].Format != string(FormatText) || len(c.failures) != 0 {
					t.Fatalf("want one text document, got %+v %v", c.docs, c.failures)
				}
				return
			}
			slices.Sort(ids)
			if !slices.Equal(ids, tt.wantIDs) || !slices.Equal(lines, tt.wantLines) {
				t.Fatalf("read %v, failures at lines %v (%v); want %v, failures at %v", ids, lines, c.failures, tt.wantIDs, tt.wantLines)
			}
		})
	}
}

// TestBrokenFirstLineSlowStream: a feed arriving line by line with a junk
// first line is detected once two good lines follow it, without waiting for
// the stream's end.
func TestBrokenFirstLineSlowStream(t *testing.T) {
	tests := []struct {
		buf  string
		want bool
	}{
		{"junk\n", false},
		{"junk\n{\"id\":\"b\",\"text\":\"t\"}\n", false},
		{"junk\n{\"id\":\"b\",\"text\":\"t\"}\n{\"id\":\"c\",\"text\":\"t\"}\n", true},
		{"junk\nmore prose\n", true},
		{"junk\n\n{\"id\":\"b\",\"text\":\"t\"}\nprose\n", true},
		{"{\"id\":\"a\",\n", false},
		{"{\"id\":\"a\"}\n", true},
	}
	for _, tt := range tests {
		t.Run(strings.ReplaceAll(tt.buf, "\n", `\n`), func(t *testing.T) {
			if got := firstLineDecides([]byte(tt.buf)); got != tt.want {
				t.Fatalf("firstLineDecides = %v, want %v", got, tt.want)
			}
		})
	}
}
