package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func ingestTestdata(name string) string {
	return filepath.Join("..", "..", "core", "ingest", "testdata", name)
}

func TestIngestCommand(t *testing.T) {
	ws := t.TempDir()
	paths := []string{ingestTestdata("feed.jsonl"), ingestTestdata("osv"), ingestTestdata("report.md")}

	r := runCLI(t, ws, "", append([]string{"ingest"}, paths...)...)
	if r.Code != 0 || !strings.Contains(r.Err, "\n6 new, 0 updated, 0 unchanged, 0 failed, 1 skipped (") || r.Out != "" {
		t.Fatalf("first ingest: exit %d, stdout %q, stderr %q", r.Code, r.Out, r.Err)
	}
	r = runCLI(t, ws, "", append([]string{"ingest"}, paths...)...)
	if r.Code != 0 || !strings.Contains(r.Err, "\n0 new, 0 updated, 6 unchanged, 0 failed, 1 skipped (") {
		t.Fatalf("second ingest: exit %d, stderr %q", r.Code, r.Err)
	}
	if r := runCLI(t, ws, "", "docs", "show", "GHSA-dddd-eeee-ffff"); r.Code != 0 || !strings.Contains(r.Out, "example-static") {
		t.Fatalf("ingested advisory not shown: exit %d %q %q", r.Code, r.Out, r.Err)
	}
}

func TestIngestCommandReportsFailures(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "mixed.jsonl")
	if err := os.WriteFile(bad, []byte("{\"id\":\"a\",\"text\":\"one\"}\n{\"id\":\n{\"id\":\"b\",\"text\":\"two\"}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, t.TempDir(), "", "ingest", bad, ingestTestdata("kev.json"), "--json")
	if r.Code != 1 {
		t.Fatalf("exit %d, want 1 (stderr %q)", r.Code, r.Err)
	}
	for _, want := range []string{
		"error: " + bad + ":2: invalid JSON",
		"error: " + ingestTestdata("kev.json") + ":20#/vulnerabilities/1: ",
		bad + ": 2 new, 0 updated, 0 unchanged, 1 failed",
		ingestTestdata("kev.json") + ": 2 new, 0 updated, 0 unchanged, 1 failed",
		"4 new, 0 updated, 0 unchanged, 2 failed",
	} {
		if !strings.Contains(r.Err, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.Err)
		}
	}
	var sum struct {
		New, Unchanged, Failed int
		Paths                  []struct {
			Path        string
			New, Failed int
		}
		Failures []struct {
			File, Pointer, Error string
			Line                 int
		}
	}
	if err := json.Unmarshal([]byte(r.Out), &sum); err != nil {
		t.Fatalf("--json output: %v\n%s", err, r.Out)
	}
	if sum.New != 4 || sum.Failed != 2 || len(sum.Failures) != 2 || sum.Failures[0].Line != 2 || len(sum.Paths) != 2 ||
		sum.Paths[0].Path != bad || sum.Paths[0].New != 2 || sum.Paths[1].Failed != 1 ||
		sum.Failures[1].Pointer != "/vulnerabilities/1" || sum.Failures[1].Error == "" {
		t.Fatalf("JSON summary = %+v", sum)
	}
}

func TestIngestCommandStdinWithFieldRenames(t *testing.T) {
	ws := t.TempDir()
	in := `{"cve_id":"CVE-2024-99992","description":"Stored XSS in Example CMS via hxxp://198.51.100[.]7/x"}` + "\n"
	r := runCLI(t, ws, in, "ingest", "-", "--format", "jsonl", "--field", "id=cve_id", "--field", "text=description", "--source", "piped")
	if r.Code != 0 || !strings.HasPrefix(r.Err, "1 new, 0 updated, 0 unchanged, 0 failed") {
		t.Fatalf("exit %d, stderr %q", r.Code, r.Err)
	}
	show := runCLI(t, ws, "", "docs", "show", "CVE-2024-99992", "--json")
	if show.Code != 0 {
		t.Fatalf("docs show: exit %d %q", show.Code, show.Err)
	}
	var d struct {
		Source   string
		Entities map[string][]string
	}
	if err := json.Unmarshal([]byte(show.Out), &d); err != nil {
		t.Fatalf("docs show --json: %v\n%s", err, show.Out)
	}
	if d.Source != "piped" || len(d.Entities["ipv4"]) != 1 || d.Entities["ipv4"][0] != "198.51.100.7" {
		t.Fatalf("stored document = %+v", d)
	}
}

func TestIngestCommandUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"no paths", []string{"ingest"}},
		{"unknown format", []string{"ingest", "x.json", "--format", "csv"}},
		{"field without =", []string{"ingest", "-", "--field", "text"}},
		{"unknown field role", []string{"ingest", "-", "--field", "body=text"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if r := runCLI(t, t.TempDir(), "", tt.args...); r.Code != 2 {
				t.Fatalf("exit %d, want 2 (stderr %q)", r.Code, r.Err)
			}
		})
	}
}

// A directory's file of no format ingest reads is counted as skipped and
// named, on stderr and in --json.
func TestIngestCommandNamesSkippedFiles(t *testing.T) {
	dir := t.TempDir()
	for name, data := range map[string]string{"a.jsonl": "{\"id\":\"a\",\"text\":\"one\"}\n", "junk.bin": "\x00\x01\x02"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r := runCLI(t, t.TempDir(), "", "ingest", dir, "--json")
	if r.Code != 0 {
		t.Fatalf("exit %d, want 0 (stderr %q)", r.Code, r.Err)
	}
	junk := filepath.Join(dir, "junk.bin")
	if !strings.Contains(r.Err, "skipped "+junk+": ") || !strings.Contains(r.Err, "1 new, 0 updated, 0 unchanged, 0 failed, 1 skipped") {
		t.Errorf("stderr does not name the skipped file:\n%s", r.Err)
	}
	var sum struct {
		Skipped      int
		SkippedFiles []string `json:"skipped_files"`
	}
	if err := json.Unmarshal([]byte(r.Out), &sum); err != nil {
		t.Fatalf("--json output: %v\n%s", err, r.Out)
	}
	if sum.Skipped != 1 || len(sum.SkippedFiles) != 1 || sum.SkippedFiles[0] != junk {
		t.Errorf("JSON summary = %+v", sum)
	}
}
