package api_test

import (
	"bufio"
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cyberstreams/cyberstreams/core/api"
	"github.com/cyberstreams/cyberstreams/core/exploitation"
	"github.com/cyberstreams/cyberstreams/core/ingest"
	"github.com/cyberstreams/cyberstreams/core/scoring"
	"github.com/cyberstreams/cyberstreams/core/training/trainingtest"
)

// post sends body to /v1/score?explain=5 and returns the answer's lines.
func post(t testing.TB, h http.Handler, body []byte) []string {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/v1/score?explain=5", bytes.NewReader(body)))
	var lines []string
	sc := bufio.NewScanner(rec.Body)
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	return lines
}

// streamed scores a file as `cyberstreams score --output jsonl` does.
func streamed(t testing.TB, s *scoring.Scorer, path string) []string {
	t.Helper()
	var lines []string
	err := s.Stream(context.Background(), []string{path}, ingest.Options{KeepTextless: true}, scoring.Options{Explain: 5, Exploitation: exploitation.DefaultHorizon}, func(sc scoring.Scored) error {
		if sc.Failure != nil {
			lines = append(lines, "failure: "+sc.Failure.Err.Error())
			return nil
		}
		b, err := sc.Result.AppendJSONL(nil)
		lines = append(lines, strings.TrimSuffix(string(b), "\n"))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return lines
}

// TestRequestBodyReadAsAFile: every ingest format posted as a request
// body is decoded and scored as the same bytes in a file are — the same
// fields, dates, structured entities and records.
func TestRequestBodyReadAsAFile(t *testing.T) {
	s, err := scoring.PlainKnowledge().Scorer(trainingtest.Bundle(t, 300, 1))
	if err != nil {
		t.Fatal(err)
	}
	h := api.New(s)
	files, _ := filepath.Glob("../ingest/testdata/*.*")
	osv, _ := filepath.Glob("../ingest/testdata/osv/*.json")
	generic := filepath.Join(t.TempDir(), "generic.jsonl")
	os.WriteFile(generic, []byte(`{"id":"GHSA-aaaa-bbbb-cccc","title":"Path traversal in upload","text":"Arbitrary file write.",`+
		`"published":"June 3, 2024","aliases":["CVE-2024-12345"],"cwes":["22"],"packages":["uploader"],"ecosystem":"npm",`+
		`"vendors":["acme"],"references":["https://github.com/acme/uploader/issues/1"],"assigner":"GitHub_M"}`+"\n"), 0o644)
	for _, path := range append(append(files, osv...), generic) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			body, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			want := streamed(t, s, path)
			got := post(t, h, body)
			if len(got) != len(want) {
				t.Fatalf("API gave %d lines, the file %d", len(got), len(want))
			}
			for i := range want {
				if strings.HasPrefix(want[i], "failure: ") {
					if !strings.Contains(got[i], `"error":`) {
						t.Errorf("line %d: the file fails (%s), the API gave %s", i, want[i], got[i])
					}
					continue
				}
				if got[i] != want[i] {
					t.Errorf("record %d:\n API %s\nfile %s", i, got[i], want[i])
				}
			}
		})
	}
	got := post(t, h, []byte(`{"id":"GHSA-aaaa-bbbb-cccc","title":"Path traversal","published":"June 3, 2024","aliases":["CVE-2024-12345"],"cwes":["22"]}`))
	if len(got) != 1 || !strings.Contains(got[0], `"cve":["CVE-2024-12345"]`) || !strings.Contains(got[0], `"cwe":["CWE-22"]`) ||
		!strings.Contains(got[0], `"published":"2024-06-03T00:00:00Z"`) {
		t.Errorf("structured entities and date layouts as ingest has them: %v", got)
	}
}

// FuzzScoreRequest: whatever the body, every answer line is a scored
// record or an error record, and no error names a Go type.
func FuzzScoreRequest(f *testing.F) {
	for _, seed := range []string{
		`{"id":"a","title":"rce","text":"C2 at 198.51.100.7","published":"2024-05-01"}`,
		`{"id":"b","text":`,
		`{"id":"c","summary":"s","details":"d","aliases":"CVE-2024-1","cwes":[79],"affected":{"x":1}}`,
		`{"type":"bundle","id":"bundle--1","objects":[{"type":"report","id":"report--1","spec_version":"2.1","name":"r","description":7}]}`,
		`{"catalogVersion":"1","vulnerabilities":[{"cveID":3}]}`,
		`{"dataType":"CVE_RECORD","cveMetadata":{"cveId":"CVE-2024-1"},"containers":[]}`,
		"plain text report naming CVE-2024-3094\n",
		"[{\"id\":1}]",
	} {
		f.Add([]byte(seed))
	}
	s, err := scoring.PlainKnowledge().Scorer(trainingtest.Bundle(f, 300, 1))
	if err != nil {
		f.Fatal(err)
	}
	h := api.New(s)
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, line := range post(t, h, body) {
			if !strings.HasPrefix(line, `{"id":`) && !strings.HasPrefix(line, `{"error":`) {
				t.Fatalf("answer line is neither a record nor an error: %q", line)
			}
			if strings.HasPrefix(line, `{"error":`) {
				for _, leak := range []string{"Go value", "[]string", "map[string]", "interface {}", "json: cannot unmarshal", "<stdin>"} {
					if strings.Contains(line, leak) {
						t.Fatalf("error names Go internals (%q): %s", leak, line)
					}
				}
			}
		}
	})
}
