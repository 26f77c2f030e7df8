package ingest

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/workspace"
	"github.com/cyberstreams/cyberstreams/core/workspace/workspacetest"
)

// TestMixedDirectoryStoresEveryDistinctDocument: a directory of good and
// broken inputs in every format. Records with different ids are different
// documents even when their text is the same (the KEV catalog has 71 such
// entries); only id-less copies of one text merge. Every broken record is
// named with its file and line, and every good record beside it is stored.
func TestMixedDirectoryStoresEveryDistinctDocument(t *testing.T) {
	files := []struct {
		name, data string
		ids        []string // the documents the file holds ("doc-" for an id-less one)
		failures   []string // "file:line[#pointer]"
	}{
		{"feed.jsonl", `{"id":"J-1","title":"Same text","text":"shared body"}
{"id":"J-2","title":"Same text","text":"shared body"}
{"id":"J-3","text":
{"title":"no id","text":"id-less"}
{"title":"no id","text":"id-less"}
{"id":"J-4"}
[1,2]
{"id":"J-5","text":"after the bad ones"}
`, []string{"J-1", "J-2", "doc-", "J-5"}, []string{"feed.jsonl:3", "feed.jsonl:6", "feed.jsonl:7"}},
		{"nul.jsonl", "{\"id\":\"N-1\",\"text\":\"before\"}\n{\"id\":\"N-2\",\"text\":\"raw \x00 byte\"}\n{\"id\":\"N-3\",\"text\":\"after\"}\n",
			[]string{"N-1", "N-3"}, []string{"nul.jsonl:2"}},
		{"half-nul.jsonl", "{\"id\":\"H-1\",\"text\":\"first\"}\n{\"id\":\"H-2\",\"text\":\"\x00\"}\n\x00\x00\x00\n{\"id\":\"H-4\",\"text\":\"last\"}\n",
			[]string{"H-1", "H-4"}, []string{"half-nul.jsonl:2", "half-nul.jsonl:3"}},
		{"one.md", "# Report one\n\nBody of report one.\n", []string{"doc-"}, nil},
		{"copy-of-one.md", "# Report one\n\nBody of report one.\n", nil, nil}, // the same id-less text
		{"latin.txt", "Le caf\xe9\n", nil, []string{"latin.txt:1"}},
		{"empty.md", "", nil, []string{"empty.md"}},
		{"ghsa-a.json", `{"schema_version":"1.6.0","id":"GHSA-aaaa-aaaa-aaaa","aliases":["CVE-2024-1111"],"summary":"Shared summary","details":"Shared details"}`,
			[]string{"GHSA-aaaa-aaaa-aaaa"}, nil},
		{"ghsa-b.json", `{"schema_version":"1.6.0","id":"GHSA-bbbb-bbbb-bbbb","aliases":["CVE-2024-2222"],"summary":"Shared summary","details":"Shared details"}`,
			[]string{"GHSA-bbbb-bbbb-bbbb"}, nil},
		{"ghsa-broken.json", "{\"schema_version\":\"1.6.0\",\"id\":\"GHSA-cccc-cccc-cccc\",\n\"summary\": \"cut", nil, []string{"ghsa-broken.json:2"}},
		{"cve-a.json", cve5JSON("CVE-2024-3333", "Same CVE text"), []string{"CVE-2024-3333"}, nil},
		{"cve-b.json", cve5JSON("CVE-2024-4444", "Same CVE text"), []string{"CVE-2024-4444"}, nil},
		{"cve-truncated.json", "{\"dataType\":\"CVE_RECORD\",\n\"cveMetadata\":{\"cveId\":\"CVE-2024-5555\",", nil, []string{"cve-truncated.json:2"}},
		{"kev.json", `{"title":"KEV","catalogVersion":"2024.01.01","vulnerabilities":[
{"cveID":"CVE-2024-6001","vulnerabilityName":"Same name","shortDescription":"Same description"},
{"cveID":"CVE-2024-6002","vulnerabilityName":"Same name","shortDescription":"Same description"},
{"cveID":"","vulnerabilityName":"No id"},
{"cveID":"CVE-2024-6003","vulnerabilityName":"Broken","cwes":"x"},
{"cveID":"CVE-2024-6004","vulnerabilityName":"Last","shortDescription":"Last one"}
]}`, []string{"KEV-CVE-2024-6001", "KEV-CVE-2024-6002", "KEV-CVE-2024-6004"},
			[]string{"kev.json:4#/vulnerabilities/2", "kev.json:5#/vulnerabilities/3"}},
		{"kev-truncated.json", "{\"catalogVersion\":\"1\",\"vulnerabilities\":[\n{\"cveID\":\"CVE-2024-7001\",\"vulnerabilityName\":\"Kept\"},\n{\"cveID\":\"CVE-2024-7002\",\"vulnerabilityName\":\"cut",
			[]string{"KEV-CVE-2024-7001"}, []string{"kev-truncated.json:3#/vulnerabilities/1"}},
		{"bundle.json", `{"type":"bundle","id":"bundle--1","objects":[
{"type":"report","spec_version":"2.1","id":"report--1","name":"Same report","description":"Same report text","object_refs":[]},
{"type":"report","spec_version":"2.1","id":"report--2","name":"Same report","description":"Same report text","object_refs":[]},
{"type":"report","id":"report--3","name":`, []string{"report--1", "report--2"}, []string{"bundle.json:4#/objects/2"}},
	}
	dir := t.TempDir()
	var wantIDs, wantFailures []string
	idless := 0
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(dir, f.name), []byte(f.data), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, id := range f.ids {
			if id == "doc-" {
				idless++
			} else {
				wantIDs = append(wantIDs, id)
			}
		}
		wantFailures = append(wantFailures, f.failures...)
	}
	slices.Sort(wantIDs)
	slices.Sort(wantFailures)
	// A file of no format ingest reads is skipped, and named.
	if err := os.WriteFile(filepath.Join(dir, "image.png"), []byte("\x89PNG\r\n\x1a\n\x00\x00"), 0o644); err != nil {
		t.Fatal(err)
	}
	wantSkipped := []string{filepath.Join(dir, "image.png")}

	ctx := context.Background()
	ws := workspacetest.Open(t)
	sum, err := Run(ctx, ws, []string{dir}, Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var failures []string
	for _, f := range sum.Failures {
		failures = append(failures, strings.TrimPrefix(f.Location(), dir+string(filepath.Separator)))
	}
	slices.Sort(failures)
	if !slices.Equal(failures, wantFailures) {
		t.Errorf("failures\n%v\nwant\n%v", failures, wantFailures)
	}
	var ids []string
	gotIDless := 0
	if err := ws.EachDocument(ctx, workspace.ListOptions{}, func(d document.Document) error {
		if strings.HasPrefix(d.ID, "doc-") {
			gotIDless++
		} else {
			ids = append(ids, d.ID)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	slices.Sort(ids)
	if !slices.Equal(ids, wantIDs) || gotIDless != idless {
		t.Errorf("stored %v and %d id-less\nwant   %v and %d", ids, gotIDless, wantIDs, idless)
	}
	// The two id-less copies merge: one new, one unchanged.
	want := Counts{New: len(wantIDs) + idless, Unchanged: 2, Failed: len(wantFailures), Skipped: len(wantSkipped)}
	if sum.Counts != want {
		t.Errorf("summary %+v, want %+v", sum.Counts, want)
	}
	if !slices.Equal(sum.SkippedFiles, wantSkipped) {
		t.Errorf("skipped files %v, want %v", sum.SkippedFiles, wantSkipped)
	}
	again, err := Run(ctx, ws, []string{dir}, Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := (Counts{Unchanged: want.New + 2, Failed: len(wantFailures), Skipped: len(wantSkipped)}); again.Counts != want {
		t.Errorf("second run %+v, want %+v", again.Counts, want)
	}
}

func cve5JSON(id, text string) string {
	return `{"dataType":"CVE_RECORD","dataVersion":"5.1","cveMetadata":{"cveId":"` + id +
		`","state":"PUBLISHED","datePublished":"2024-05-20T14:00:00.000Z"},"containers":{"cna":{"descriptions":[{"lang":"en","value":"` +
		text + `"}]}}}`
}

// TestKEVCatalogEveryEntryFindable ingests the shared KEV catalog: every
// one of its 1,126 entries is a document, found by its CVE.
func TestKEVCatalogEveryEntryFindable(t *testing.T) {
	path := filepath.Join(sharedData(t), "kev.json")
	if _, err := os.Stat(path); err != nil {
		t.Skipf("needs ../shared/data/kev.json beside the repository (%v)", err)
	}
	ctx := context.Background()
	ws := workspacetest.Open(t)
	sum, err := Run(ctx, ws, []string{path}, Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := (Counts{New: 1126}); sum.Counts != want {
		t.Fatalf("summary %+v, want %+v", sum.Counts, want)
	}
	var cves []string
	if err := ws.EachDocument(ctx, workspace.ListOptions{}, func(d document.Document) error {
		cves = append(cves, strings.TrimPrefix(d.ID, "KEV-"))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, cve := range cves {
		if d, err := ws.Document(ctx, cve); err != nil || d.ID != "KEV-"+cve {
			t.Fatalf("%s: found %q, %v", cve, d.ID, err)
		}
	}
}

func TestLooksBinary(t *testing.T) {
	good := strings.Repeat(`{"id":"x","text":"fine"}`+"\n", 20)
	tests := []struct {
		name string
		head string
		want bool
	}{
		{"text", "# Title\n\nBody.\n", false},
		{"NUL in the first line", "\x89PNG\x00\x00\n\x01\x02", true},
		{"one corrupted line in a feed", good + "{\"id\":\"y\",\"text\":\"\x00\"}\n" + good, false},
		{"one corrupted line in a short feed", "{\"a\":1}\n{\"b\":\x00}\n{\"c\":3}\n", false},
		{"NULs on most lines", "ok\n" + strings.Repeat("\x00\x01\n", 10), true},
		{"JSON lines with NULs on half the lines", "{\"a\":1}\n{\"b\":\"\x00\"}\n{\"c\":\"\x00\"}\n{\"d\":4}\n", false},
		{"a cut JSON first line, then NULs", "{\"a\":\n\x00\x01\n\x00\x02\n", true},
	}
	for _, tt := range tests {
		if got := looksBinary([]byte(tt.head)); got != tt.want {
			t.Errorf("%s: looksBinary = %v, want %v", tt.name, got, tt.want)
		}
	}
}
