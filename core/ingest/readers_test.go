package ingest

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/cyberstreams/cyberstreams/core/document"
)

// collected is everything one read produced.
type collected struct {
	docs     []document.Document
	failures []Failure
	skipped  int
}

func (c collected) doc(t *testing.T, id string) document.Document {
	t.Helper()
	for _, d := range c.docs {
		if d.ID == id {
			return d
		}
	}
	t.Fatalf("no document %q among %v", id, c.ids())
	return document.Document{}
}

func (c collected) ids() []string {
	var ids []string
	for _, d := range c.docs {
		ids = append(ids, d.ID)
	}
	return ids
}

func collect(t testing.TB, paths []string, opts Options) collected {
	t.Helper()
	var c collected
	if opts.Extract == nil {
		opts.Extract = fakeExtract
	}
	err := stream(context.Background(), paths, opts, func(it item) error {
		switch {
		case it.skipped:
			c.skipped++
		case it.Err != nil:
			c.failures = append(c.failures, Failure{it.File, it.Line, it.Pointer, it.Err})
		default:
			c.docs = append(c.docs, it.Doc)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("read %v: %v", paths, err)
	}
	return c
}

// fakeExtract stands in for core/extract so that reader tests test the
// readers: a few refanging regular expressions for the indicator types the
// test data uses.
func fakeExtract(text string) map[string][]string {
	text = strings.NewReplacer("[.]", ".", "hxxp", "http").Replace(text)
	out := map[string][]string{}
	for typ, re := range fakePatterns {
		for _, m := range re.FindAllString(text, -1) {
			m = strings.TrimRight(m, ".;,")
			if typ == "domain" || typ == "email" {
				m = strings.ToLower(m)
			}
			out[typ] = append(out[typ], m)
		}
	}
	return out
}

var fakePatterns = map[string]*regexp.Regexp{
	"ipv4":             regexp.MustCompile(`\b\d{1,3}(\.\d{1,3}){3}\b`),
	"email":            regexp.MustCompile(`\b[a-z]+@example\.com\b`),
	"domain":           regexp.MustCompile(`\b[a-z0-9.]*\bexample\.com\b`),
	"url":              regexp.MustCompile(`https?://[^\s;]+`),
	"cve":              regexp.MustCompile(`CVE-\d{4}-\d{4,}`),
	"attack_technique": regexp.MustCompile(`\bT\d{4}(\.\d{3})?\b`),
}

func td(name string) string { return filepath.Join("testdata", name) }

func day(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

func hasEntity(d document.Document, typ, value string) bool {
	return slices.Contains(d.Entities[typ], value)
}

func TestReaders(t *testing.T) {
	tests := []struct {
		name     string
		path     string
		opts     Options
		docs     int
		skipped  int
		failures []string // Location() of every failure
		check    func(t *testing.T, c collected)
	}{
		{
			name: "generic jsonl", path: "feed.jsonl", docs: 3,
			check: func(t *testing.T, c collected) {
				d := c.doc(t, "feed-1")
				if d.Title != "Phishing wave delivers loader" || d.Source != "vendor-blog" || !d.Published.Equal(time.Date(2024, 5, 2, 10, 0, 0, 0, time.UTC)) {
					t.Errorf("feed-1 mapped wrong: %+v", d)
				}
				if !hasEntity(d, "ipv4", "198.51.100.7") || !hasEntity(d, "email", "billing@example.com") {
					t.Errorf("feed-1 entities = %v", d.Entities)
				}
				if tags, _ := d.Meta["tags"].([]any); len(tags) != 1 {
					t.Errorf("unmapped field not kept in meta: %v", d.Meta)
				}
				if d := c.doc(t, "feed-2"); !hasEntity(d, "cve", "CVE-2024-99991") || !d.Published.Equal(day("2024-05-03")) {
					t.Errorf("feed-2 = %+v", d)
				}
				third := c.docs[2]
				if !strings.HasPrefix(third.ID, "doc-") || third.Severity != "low" || third.ContentHash == "" {
					t.Errorf("record without id: %+v", third)
				}
			},
		},
		{
			name: "jsonl with field renames", path: "custom.jsonl", docs: 2,
			opts: Options{Fields: map[string]string{"id": "cve_id", "text": "description", "published": "when", "source": "meta.vendor"}},
			check: func(t *testing.T, c collected) {
				d := c.doc(t, "CVE-2024-99992")
				if !strings.HasPrefix(d.Body, "Stored XSS") || d.Source != "Example" || !d.Published.Equal(day("2024-06-01")) {
					t.Errorf("renamed fields mapped wrong: %+v", d)
				}
				if !hasEntity(d, "cve", "CVE-2024-99992") {
					t.Errorf("id's CVE not an entity: %v", d.Entities)
				}
			},
		},
		{
			name: "markdown with Date line", path: "report.md", docs: 1,
			check: func(t *testing.T, c collected) {
				d := c.docs[0]
				if d.Title != "Operation Paper Lantern: a loader campaign" || !d.Published.Equal(day("2024-04-18")) {
					t.Errorf("title/date = %q %v", d.Title, d.Published)
				}
				if strings.Contains(d.Body, "Date:") || !strings.HasPrefix(d.Body, "The actor") {
					t.Errorf("body = %q", d.Body)
				}
				if !hasEntity(d, "domain", "update.example.com") || !hasEntity(d, "attack_technique", "T1566.001") {
					t.Errorf("entities = %v", d.Entities)
				}
			},
		},
		{
			name: "markdown front matter", path: "frontmatter.markdown", docs: 1,
			check: func(t *testing.T, c collected) {
				d := c.docs[0]
				if d.Title != "Weekly threat digest" || d.Source != "team-digest" || d.Severity != "informational" || !d.Published.Equal(day("2024-03-01")) {
					t.Errorf("front matter mapped wrong: %+v", d)
				}
				if !strings.HasPrefix(d.Body, "Nothing critical") {
					t.Errorf("body = %q", d.Body)
				}
			},
		},
		{
			name: "plain text", path: "note.txt", docs: 1,
			check: func(t *testing.T, c collected) {
				d := c.docs[0]
				if d.Title != "Quarterly review of edge devices" || !d.Published.IsZero() || d.Format != "text" {
					t.Errorf("text mapped wrong: %+v", d)
				}
			},
		},
		{
			name: "advisory lines", path: "advisories.jsonl", docs: 3,
			check: func(t *testing.T, c collected) {
				d := c.doc(t, "GHSA-aaaa-bbbb-cccc")
				if d.Title != "Prototype pollution in example-merge" || d.Severity != "high" || d.Ecosystem != "npm" ||
					!slices.Equal(d.Packages, []string{"example-merge"}) || !slices.Equal(d.CWEs, []string{"CWE-1321"}) ||
					d.Source != "github/advisory-database" || d.Format != "osv" {
					t.Errorf("advisory mapped wrong: %+v", d)
				}
				if d.Meta["cvss_vector"] == nil || d.Meta["severity_source"] == nil || d.Meta["label_leak_hint"] != false {
					t.Errorf("label inputs missing from meta: %v", d.Meta)
				}
				if !hasEntity(d, "cve", "CVE-2024-99995") || !hasEntity(d, "cwe", "CWE-1321") {
					t.Errorf("structured entities = %v", d.Entities)
				}
				v := c.doc(t, "CVE-2024-99996")
				if v.Assigner != "example-cna" || v.Title != "" || v.Severity != "critical" || !v.Published.Equal(time.Date(2024, 3, 9, 4, 0, 0, 0, time.UTC)) {
					t.Errorf("vulnrichment line mapped wrong: %+v", v)
				}
				if a := c.doc(t, "ALBA-2024:0001"); a.Severity != "informational" || a.Meta["date_precision"] != "day" {
					t.Errorf("erratum mapped wrong: %+v", a)
				}
			},
		},
		{
			name: "osv directory tree", path: "osv", docs: 2, skipped: 1,
			check: func(t *testing.T, c collected) {
				if got := c.ids(); !slices.Equal(got, []string{"GHSA-dddd-eeee-ffff", "RUSTSEC-2099-0001"}) {
					t.Fatalf("ids = %v (hidden files must be skipped, order lexical)", got)
				}
				d := c.docs[0]
				if d.Severity != "medium" || d.Ecosystem != "PyPI" || !slices.Equal(d.Packages, []string{"example-static"}) ||
					!slices.Equal(d.CWEs, []string{"CWE-22"}) || d.Source != "ghsa" ||
					!slices.Equal(d.References, []string{"https://example.com/security/example-static"}) {
					t.Errorf("OSV mapped wrong: %+v", d)
				}
				if _, ok := d.Meta["severity"]; !ok {
					t.Errorf("OSV CVSS list must stay in meta: %v", d.Meta)
				}
				if r := c.docs[1]; r.Severity != "" || r.Ecosystem != "crates.io" || r.Source != "rustsec" {
					t.Errorf("RUSTSEC mapped wrong: %+v", r)
				}
			},
		},
		{
			name: "cve5 record", path: "cve5.json", docs: 1,
			check: func(t *testing.T, c collected) {
				d := c.doc(t, "CVE-2024-99998")
				if d.Title != "Example Gateway authentication bypass" || !strings.HasPrefix(d.Body, "An authentication bypass") ||
					d.Assigner != "example-cna" || d.Severity != "critical" || d.Source != "cve" ||
					!slices.Equal(d.CWEs, []string{"CWE-288", "CWE-306"}) || !slices.Equal(d.Vendors, []string{"Example Corp"}) ||
					!slices.Equal(d.Packages, []string{"Example Gateway"}) || !d.Published.Equal(time.Date(2024, 5, 20, 14, 0, 0, 0, time.UTC)) {
					t.Errorf("CVE 5 mapped wrong: %+v", d)
				}
				if d.Meta["cvss_vector"] != "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H" || d.Meta["severity_source"] != "cna:cvssV3_1" {
					t.Errorf("CVSS must be in meta: %v", d.Meta)
				}
				if !hasEntity(d, "url", "https://gw.example.com/api") {
					t.Errorf("entities = %v", d.Entities)
				}
			},
		},
		{
			name: "cve5 label from ADP", path: "cve5-adp.json", docs: 1,
			check: func(t *testing.T, c collected) {
				d := c.docs[0]
				if d.Severity != "medium" || d.Meta["severity_source"] != "cisa-adp:cvssV3_1" || d.Title != "" {
					t.Errorf("ADP label: %+v", d)
				}
			},
		},
		{name: "cve5 rejected is skipped", path: "cve5-rejected.json", skipped: 1},
		{
			name: "kev catalog with a bad entry", path: "kev.json", docs: 2,
			failures: []string{"testdata/kev.json:20#/vulnerabilities/1"},
			check: func(t *testing.T, c collected) {
				d := c.doc(t, "KEV-CVE-2024-99998")
				if d.Source != "cisa-kev" || d.Meta["kev"] != true || d.Meta["ransomware"] != true ||
					d.Meta["catalog_version"] != "2099.01.01" || !d.Published.Equal(day("2024-05-22")) ||
					!slices.Equal(d.Aliases, []string{"CVE-2024-99998"}) || len(d.References) != 2 {
					t.Errorf("KEV mapped wrong: %+v", d)
				}
				if !hasEntity(d, "cve", "CVE-2024-99998") || !hasEntity(d, "cwe", "CWE-288") {
					t.Errorf("entities = %v", d.Entities)
				}
				if msg := c.failures[0].Err.Error(); msg != `field "cwes": want a list, found a string` {
					t.Errorf("failure message = %q", msg)
				}
				if d := c.doc(t, "KEV-CVE-2024-99994"); d.Meta["ransomware"] != false {
					t.Errorf("ransomware flag = %v", d.Meta["ransomware"])
				}
			},
		},
		{
			name: "stix bundle", path: "bundle.json", docs: 7, skipped: 4,
			failures: []string{"testdata/bundle.json:15#/objects/10"},
			check: func(t *testing.T, c collected) {
				want := []string{"report--", "indicator--", "attack-pattern--", "intrusion-set--", "malware--", "campaign--", "vulnerability--"}
				for i, d := range c.docs {
					if !strings.HasPrefix(d.ID, want[i]) {
						t.Errorf("doc %d = %s, want %s…", i, d.ID, want[i])
					}
				}
				ind := c.docs[1]
				if !hasEntity(ind, "ipv4", "198.51.100.7") || !hasEntity(ind, "domain", "update.example.com") ||
					!hasEntity(ind, "sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855") {
					t.Errorf("indicator entities = %v", ind.Entities)
				}
				if len(ind.Entities["url"]) != 0 {
					t.Errorf("LIKE comparison became an entity: %v", ind.Entities["url"])
				}
				ap := c.docs[2]
				if !hasEntity(ap, "attack_technique", "T1566.001") || ap.Source != "mitre-attack" || ap.Meta["attack_id"] != "T1566.001" {
					t.Errorf("attack-pattern = %+v", ap)
				}
				if is := c.docs[3]; len(is.Entities["attack_technique"]) != 0 || is.Meta["attack_id"] != "G9999" {
					t.Errorf("group id must not be a technique: %+v", is)
				}
				if v := c.docs[6]; !hasEntity(v, "cve", "CVE-2024-99998") {
					t.Errorf("vulnerability entities = %v", v.Entities)
				}
				if r := c.docs[0]; !r.Published.Equal(time.Date(2024, 4, 21, 9, 0, 0, 0, time.UTC)) {
					t.Errorf("report published = %v", r.Published)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := collect(t, []string{td(tt.path)}, tt.opts)
			var fails []string
			for _, f := range c.failures {
				fails = append(fails, f.Location())
			}
			if len(c.docs) != tt.docs || c.skipped != tt.skipped || !slices.Equal(fails, tt.failures) {
				t.Fatalf("docs %d skipped %d failures %v; want %d, %d, %v\n%v", len(c.docs), c.skipped, c.failures,
					tt.docs, tt.skipped, tt.failures, c.ids())
			}
			for _, d := range c.docs {
				if d.ContentHash == "" || d.ID == "" || d.Format == "" {
					t.Errorf("document not finished: %+v", d)
				}
			}
			if tt.check != nil {
				tt.check(t, c)
			}
		})
	}
}

// TestReadFollowsInputOrder: documents arrive in the order of the paths and
// of the records inside them, however many workers decode them.
func TestReadFollowsInputOrder(t *testing.T) {
	var lines bytes.Buffer
	for i := range 3000 {
		lines.WriteString(`{"id":"r` + itoa(i) + `","text":"record ` + itoa(i) + `"}` + "\n")
	}
	var got []string
	err := Read(context.Background(), []string{"-", td("note.txt")}, Options{Stdin: &lines, Workers: 4, Extract: fakeExtract},
		func(r Record) error {
			if r.Err != nil {
				t.Fatalf("unexpected failure: %v", r.Err)
			}
			got = append(got, r.Doc.ID)
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3001 {
		t.Fatalf("got %d records, want 3001", len(got))
	}
	for i := range 3000 {
		if got[i] != "r"+itoa(i) {
			t.Fatalf("record %d is %s: order lost", i, got[i])
		}
	}
	if !strings.HasPrefix(got[3000], "doc-") {
		t.Fatalf("the text file must come last, got %s", got[3000])
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// TestBrokenInputs: every kind of damage is a failure naming the file (and
// line where there is one); nothing panics and good records still load.
func TestBrokenInputs(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(`{"id":"gz-1","text":"compressed line one"}` + "\n" + `{"id":"gz-2","text":"compressed line two"}` + "\n"))
	zw.Close()
	utf16le := []byte{0xff, 0xfe}
	for _, r := range utf16.Encode([]rune("Rapport UTF-16\nLe serveur 192.0.2.9 est compromis.")) {
		utf16le = binary.LittleEndian.AppendUint16(utf16le, r)
	}
	var utf16be []byte
	for _, r := range utf16.Encode([]rune(`{"id":"be-1","text":"big-endian export without a byte-order mark"}` + "\n")) {
		utf16be = binary.BigEndian.AppendUint16(utf16be, r)
	}
	tests := []struct {
		name, file string
		data       []byte
		docs       int
		failures   []string
	}{
		{"utf-16 without bom", "export.jsonl", utf16be, 1, nil},
		{"truncated json", "trunc.json", []byte("{\n  \"id\": \"GHSA-1\",\n  \"summary\": \"cut"), 0, []string{"trunc.json:3"}},
		{"binary garbage", "garbage.json", []byte{0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0, 0xff, 0xfe}, 0, []string{"garbage.json"}},
		{"invalid utf-8 line", "latin1.jsonl", []byte("{\"id\":\"ok-1\",\"text\":\"fine\"}\n{\"id\":\"bad\",\"text\":\"caf\xe9\"}\n{\"id\":\"ok-2\",\"text\":\"also fine\"}\n"), 2, []string{"latin1.jsonl:2"}},
		{"invalid utf-8 text", "latin1.txt", []byte("Title\nline two\ncaf\xe9 au lait\n"), 0, []string{"latin1.txt:3"}},
		{"empty file", "empty.jsonl", nil, 0, []string{"empty.jsonl"}},
		{"blank file", "blank.md", []byte("\n \n\t\n"), 0, []string{"blank.md"}},
		{"bad jsonl line", "mixed.jsonl", []byte("{\"id\":\"a\",\"text\":\"one\"}\n{\"id\":\n[1,2]\n{\"id\":\"b\",\"title\":\"two\"}\n{\"id\":\"c\"}\n"), 2,
			[]string{"mixed.jsonl:2", "mixed.jsonl:3", "mixed.jsonl:5"}},
		{"gzip without .gz name", "feed.jsonl", gz.Bytes(), 2, nil},
		{"truncated gzip keeps the lines before the cut", "cut.jsonl.gz", gz.Bytes()[:gz.Len()-12], 2, []string{"cut.jsonl.gz:3"}},
		{"utf-16 with bom", "utf16.txt", utf16le, 1, nil},
		{"json array with a bad element", "arr.json", []byte("[\n{\"id\":\"x1\",\"summary\":\"s\",\"details\":\"d\"},\n{\"id\":\"x2\",\"summary\":7},\n{\"id\":\"x3\",\"summary\":\"s3\",\"details\":\"d3\"}\n]"), 2,
			[]string{"arr.json:3#/1"}},
		{"stix bundle cut inside an object", "cut-bundle.json", []byte("{\"type\":\"bundle\",\"id\":\"bundle--1\",\"objects\":[\n{\"type\":\"malware\",\"id\":\"malware--1\",\"name\":\"A\",\"description\":\"first\"},\n{\"type\":\"malware\",\"id\":\"malware--2\",\"na"), 1,
			[]string{"cut-bundle.json:3#/objects/1"}},
		{"kev syntax error", "kev-bad.json", []byte("{\"catalogVersion\":\"1\",\"vulnerabilities\":[\n{\"cveID\":\"CVE-2024-0001\",\"vulnerabilityName\":\"A\"},\n{\"cveID\": x}\n]}"), 1,
			[]string{"kev-bad.json:3#/vulnerabilities/1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := write(tt.file, tt.data)
			c := collect(t, []string{p}, Options{})
			var fails []string
			for _, f := range c.failures {
				fails = append(fails, strings.TrimPrefix(f.Location(), dir+string(filepath.Separator)))
			}
			if len(c.docs) != tt.docs || !slices.Equal(fails, tt.failures) {
				t.Fatalf("docs %d failures %v; want %d %v", len(c.docs), c.failures, tt.docs, tt.failures)
			}
		})
	}
	t.Run("utf-16 decoded", func(t *testing.T) {
		c := collect(t, []string{filepath.Join(dir, "utf16.txt")}, Options{})
		if d := c.docs[0]; d.Title != "Rapport UTF-16" || !hasEntity(d, "ipv4", "192.0.2.9") {
			t.Fatalf("UTF-16 doc = %+v", d)
		}
	})
	t.Run("missing path", func(t *testing.T) {
		c := collect(t, []string{filepath.Join(dir, "nope.jsonl")}, Options{})
		if len(c.failures) != 1 || !strings.Contains(c.failures[0].Error(), "no such file") {
			t.Fatalf("failures = %v", c.failures)
		}
	})
}

func TestDetect(t *testing.T) {
	read := func(name string) string {
		data, err := os.ReadFile(td(name))
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	tests := []struct {
		name, file, head string
		want             Format
	}{
		{"stix bundle", "x.json", `{"type": "bundle", "id": "bundle--1", "objects": [`, FormatSTIX},
		{"stix bundle, objects first", "x", `{"id": "bundle--1", "objects": [{"type": "indicator"`, FormatSTIX},
		{"stix object", "x.json", `{"type": "indicator", "spec_version": "2.1", "id": "indicator--1"}`, FormatSTIX},
		{"cve5", "CVE-2024-1.json", `{"dataType": "CVE_RECORD", "dataVersion": "5.1"}`, FormatCVE5},
		{"cve5 metadata first", "x.json", `{"cveMetadata": {"cveId": "CVE-2024-1"}}`, FormatCVE5},
		{"kev", "known_exploited_vulnerabilities.json", `{"title": "t", "catalogVersion": "1", "vulnerabilities": [`, FormatKEV},
		{"osv", "GHSA.json", `{"schema_version": "1.6.0", "id": "GHSA-1"}`, FormatOSV},
		{"osv lines", "a.jsonl", `{"id": "CVE-1", "summary": "", "details": "d"}` + "\n" + `{"id": "CVE-2"}`, FormatOSV},
		{"generic lines", "feed.jsonl", `{"id": "1", "text": "t"}` + "\n", FormatJSONL},
		{"array of osv", "all.json", `[{"id": "GHSA-1", "summary": "s"}]`, FormatOSV},
		{"array of generic", "all.json", `[{"title": "t"}]`, FormatJSONL},
		{"markdown", "r.md", `{"looks": "like json"}`, FormatText},
		{"gzipped markdown name", "r.md.gz", `# Title`, FormatText},
		{"text by content", "README", "Hello\nworld", FormatText},
		{"damaged json", "x.json", "\x00\x01garbage", FormatJSONL},
		{"empty", "x", "", FormatText},
		// A JSON Lines feed whose first line is broken: its format is read
		// from the first good line; containers are left as they were.
		{"broken first generic line", "f.jsonl", `{"id":"a","te` + "\n" + `{"id":"b","text":"t"}` + "\n", FormatJSONL},
		{"broken first osv line", "f.jsonl", `{"title":"x",` + "\n" + `{"id":"GHSA-2","summary":"s"}` + "\n", FormatOSV},
		{"junk first line, osv after", "-", "junk\n" + `{"id":"GHSA-2","summary":"s"}` + "\n" + `{"id":"GHSA-3","details":"d"}` + "\n", FormatOSV},
		{"junk first line, one json line, no extension", "-", "Subject: x\n" + `{"id":"GHSA-2","summary":"s"}` + "\n", FormatText},
		{"broken first stix line", "s.jsonl", `{"type":"bundle",` + "\n" + `{"type":"indicator","spec_version":"2.1","id":"indicator--1"}` + "\n", FormatSTIX},
		{"kev catalog", "known_exploited_vulnerabilities.json", read("kev.json"), FormatKEV},
		{"stix bundle", "bundle.json", read("bundle.json"), FormatSTIX},
		{"cve5 record", "cve5.json", read("cve5.json"), FormatCVE5},
		{"pretty osv", "GHSA.json", read("osv/GHSA-dddd-eeee-ffff.json"), FormatOSV},
		{"pretty generic object", "p.json", "{\n  \"title\": \"t\",\n  \"x\":\n    {\"k\": 1}\n}\n", FormatJSONL},
		{"markdown stays text", "r.md", "junk\n{\"id\":\"GHSA-2\",\"summary\":\"s\"}\n{\"id\":\"GHSA-3\",\"summary\":\"s\"}\n", FormatText},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Detect(tt.file, []byte(tt.head)); got != tt.want {
				t.Fatalf("Detect(%q) = %s, want %s", tt.file, got, tt.want)
			}
		})
	}
}

func TestPatternEntities(t *testing.T) {
	tests := []struct {
		pattern string
		want    map[string][]string
	}{
		{`[ipv4-addr:value = '198.51.100.7']`, map[string][]string{"ipv4": {"198.51.100.7"}}},
		{`[ipv4-addr:value = '198.51.100.0/24']`, map[string][]string{}},
		{`[ipv6-addr:value = '2001:db8::1'] AND [email-addr:value = 'Ops@Example.com']`,
			map[string][]string{"ipv6": {"2001:db8::1"}, "email": {"ops@example.com"}}},
		{`[file:hashes.MD5 = 'D41D8CD98F00B204E9800998ECF8427E' OR file:hashes.'SHA-1' = 'da39a3ee5e6b4b0d3255bfef95601890afd80709']`,
			map[string][]string{"md5": {"d41d8cd98f00b204e9800998ecf8427e"}, "sha1": {"da39a3ee5e6b4b0d3255bfef95601890afd80709"}}},
		{`[url:value = 'http://example.com/a\'b']`, map[string][]string{"url": {"http://example.com/a'b"}}},
		{`[domain-name:value MATCHES '^.*\\.example\\.com$']`, map[string][]string{}},
		{`[windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\Software\\Run']`, map[string][]string{"registry_key": {`HKEY_LOCAL_MACHINE\Software\Run`}}},
		{`[process:name = 'x.exe']`, map[string][]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.pattern, func(t *testing.T) {
			got := PatternEntities(tt.pattern)
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for k, v := range tt.want {
				if !slices.Equal(got[k], v) {
					t.Fatalf("got %v, want %v", got, tt.want)
				}
			}
		})
	}
}

func TestParseFormatAndFields(t *testing.T) {
	for _, f := range Formats {
		if got, err := ParseFormat(string(f)); err != nil || got != f {
			t.Errorf("ParseFormat(%s) = %s, %v", f, got, err)
		}
	}
	if _, err := ParseFormat("csv"); err == nil {
		t.Error("ParseFormat(csv) accepted")
	}
	if err := CheckFields(map[string]string{"text": "description"}); err != nil {
		t.Error(err)
	}
	if err := CheckFields(map[string]string{"body": "description"}); err == nil {
		t.Error("unknown role accepted")
	}
}

func TestParseTime(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"2024-06-30T12:00:00.123Z", time.Date(2024, 6, 30, 12, 0, 0, 123e6, time.UTC), true},
		{"1999-09-29T04:00:00", time.Date(1999, 9, 29, 4, 0, 0, 0, time.UTC), true},
		{"2024-06-30", day("2024-06-30"), true},
		{"2024-06-30T12:00:00+02:00", time.Date(2024, 6, 30, 10, 0, 0, 0, time.UTC), true},
		{"Mon, 03 Jun 2024 10:00:00 +0000", time.Date(2024, 6, 3, 10, 0, 0, 0, time.UTC), true},
		{"1717000000", time.Unix(1717000000, 0).UTC(), true},
		{"last tuesday", time.Time{}, false},
	}
	for _, tt := range tests {
		got, ok := parseTime(tt.in)
		if ok != tt.ok || !got.Equal(tt.want) {
			t.Errorf("parseTime(%q) = %v %v, want %v %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

// TestWalkFollowsFileLinks: a directory walk reads links to files but not
// links to directories (which could loop).
func TestWalkFollowsFileLinks(t *testing.T) {
	dir := t.TempDir()
	abs, err := filepath.Abs(td("feed.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(abs, filepath.Join(dir, "linked.jsonl")); err != nil {
		t.Skipf("no symlinks here: %v", err)
	}
	if err := os.Symlink(dir, filepath.Join(dir, "loop")); err != nil {
		t.Fatal(err)
	}
	c := collect(t, []string{dir}, Options{})
	if len(c.docs) != 3 || len(c.failures) != 0 {
		t.Fatalf("docs %v failures %v", c.ids(), c.failures)
	}
}

// TestReadStreamsSlowStdin: a feed piped in line by line is read as it
// arrives; detection does not wait for a full head of input.
func TestReadStreamsSlowStdin(t *testing.T) {
	pr, pw := io.Pipe()
	gotFirst := make(chan struct{})
	writerErr := make(chan error, 1)
	go func() {
		defer pw.Close()
		if _, err := pw.Write([]byte(`{"id":"s-1","text":"first item"}` + "\n")); err != nil {
			writerErr <- err
			return
		}
		select {
		case <-gotFirst:
		case <-time.After(10 * time.Second):
			writerErr <- errors.New("first record not delivered while the stream stayed open")
			return
		}
		_, err := pw.Write([]byte(`{"id":"s-2","text":"second item"}` + "\n"))
		writerErr <- err
	}()
	var ids []string
	err := Read(context.Background(), []string{"-"}, Options{Stdin: pr, Extract: fakeExtract}, func(r Record) error {
		if r.Err != nil {
			return r.Err
		}
		ids = append(ids, r.Doc.ID)
		if len(ids) == 1 {
			close(gotFirst)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := <-writerErr; err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ids, []string{"s-1", "s-2"}) {
		t.Fatalf("ids = %v", ids)
	}
}

// TestKeepTextless checks which text-less records a scorer keeps: an
// identified record becomes a document of its structured fields, in every
// layout; one without an id is still a failure; without the option every
// text-less record fails as before.
func TestKeepTextless(t *testing.T) {
	tests := []struct {
		name, line string
		keep       bool
		wantDoc    bool
		wantErr    string
	}{
		{"jsonl with id", `{"id":"m1","source":"feed","severity":"high"}`, true, true, ""},
		{"jsonl without id", `{"source":"feed"}`, true, false, "no id to score it by"},
		{"osv with id", `{"id":"GHSA-xxxx-1","summary":"","details":"","affected":[{"package":{"ecosystem":"npm","name":"x"}}]}`, true, true, ""},
		{"jsonl with id, option off", `{"id":"m1","source":"feed"}`, false, false, "record has no text"},
		{"osv with id, option off", `{"id":"GHSA-xxxx-1","summary":"","affected":[{"package":{"ecosystem":"npm","name":"x"}}]}`, false, false, "record has no text"},
		{"text present, option on", `{"id":"t1","title":"Heap overflow in parser"}`, true, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var docs []document.Document
			var errs []string
			err := Read(context.Background(), []string{"-"}, Options{Stdin: strings.NewReader(tt.line + "\n"), KeepTextless: tt.keep, Extract: fakeExtract},
				func(r Record) error {
					if r.Err != nil {
						errs = append(errs, r.Failure().Error())
					} else {
						docs = append(docs, r.Doc)
					}
					return nil
				})
			if err != nil {
				t.Fatal(err)
			}
			if got := len(docs) == 1; got != tt.wantDoc {
				t.Fatalf("kept %d documents (failures %q), want document %v", len(docs), errs, tt.wantDoc)
			}
			if tt.wantErr != "" && (len(errs) != 1 || !strings.Contains(errs[0], tt.wantErr) || !strings.Contains(errs[0], "<stdin>:1")) {
				t.Fatalf("failures %q, want one naming <stdin>:1 with %q", errs, tt.wantErr)
			}
			if tt.wantDoc && (docs[0].ID == "" || docs[0].ContentHash == "") {
				t.Fatalf("kept document %+v lacks its id or hash", docs[0])
			}
		})
	}
}
