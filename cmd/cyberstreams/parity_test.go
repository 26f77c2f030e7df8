package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/cyberstreams/cyberstreams/core/api"
	"github.com/cyberstreams/cyberstreams/core/demo"
	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/triage"
	"github.com/cyberstreams/cyberstreams/internal/shareddata"
	"github.com/cyberstreams/cyberstreams/kg/kgtest"
)

// One document, one score, whatever the door (issue 11). The same
// advisories, written in every input shape, go through `score`, the HTTP
// API, the triage session (before and after it switches to the champion,
// as after a background promotion) and `explain`, in a workspace whose
// graph knows actor names; for each shape every door must give the same
// class, probabilities, entities and explanation, and `eval` must measure
// the decisions `score` shows.

// parityExplain is the number of reasons compared: the triage detail's.
const parityExplain = triage.ExplainTop

// advisory is one document in the neutral form the shapes are written from.
type advisory struct {
	ID         string   `json:"id"`
	Summary    string   `json:"summary"`
	Details    string   `json:"details"`
	Published  string   `json:"published"`
	Severity   string   `json:"severity"`
	Source     string   `json:"source"`
	Assigner   string   `json:"assigner"`
	Ecosystem  string   `json:"ecosystem"`
	Aliases    []string `json:"aliases"`
	CWEs       []string `json:"cwes"`
	Packages   []string `json:"packages"`
	Vendors    []string `json:"vendors"`
	References []string `json:"references"`
}

// cve is the advisory's CVE id: its own, or its first CVE alias.
func (a advisory) cve() string {
	for _, id := range append([]string{a.ID}, a.Aliases...) {
		if strings.HasPrefix(id, "CVE-") {
			return id
		}
	}
	return ""
}

func (a advisory) title() string {
	if a.Summary != "" {
		return a.Summary
	}
	return a.ID
}

// rfc3339 writes the advisory's date as RFC 3339, which every shape takes.
func (a advisory) rfc3339() string {
	if len(a.Published) == len("2006-01-02T15:04:05") {
		return a.Published + "Z"
	}
	return a.Published
}

// writeShapes writes the advisories in every shape under dir and returns
// shape → path (a file, or a directory of text files).
func writeShapes(t *testing.T, advs []advisory, dir string) map[string]string {
	t.Helper()
	lines := func(name string, recs []any) string {
		var b bytes.Buffer
		for _, r := range recs {
			line, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			b.Write(append(line, '\n'))
		}
		return writeFile(t, filepath.Join(dir, name), b.Bytes())
	}
	whole := func(name string, v any) string {
		data, err := json.MarshalIndent(v, "", " ")
		if err != nil {
			t.Fatal(err)
		}
		return writeFile(t, filepath.Join(dir, name), data)
	}
	var layout, generic, osv, cve5, kev, stix []any
	text := filepath.Join(dir, "text")
	if err := os.MkdirAll(text, 0o755); err != nil {
		t.Fatal(err)
	}
	for i, a := range advs {
		layout = append(layout, a)
		generic = append(generic, map[string]any{"id": a.ID, "title": a.Summary, "text": a.Details, "source": a.Source,
			"published": a.Published, "severity": a.Severity, "cwes": a.CWEs, "aliases": a.Aliases, "packages": a.Packages,
			"vendors": a.Vendors, "references": a.References, "assigner": a.Assigner, "ecosystem": a.Ecosystem})
		o := map[string]any{"schema_version": "1.6.0", "id": a.ID, "summary": a.Summary, "details": a.Details,
			"aliases": a.Aliases, "published": a.rfc3339(), "database_specific": map[string]any{"cwe_ids": a.CWEs}}
		var affected, refs []any
		for _, p := range a.Packages {
			affected = append(affected, map[string]any{"package": map[string]any{"ecosystem": a.Ecosystem, "name": p}})
		}
		for _, u := range a.References {
			refs = append(refs, map[string]any{"type": "WEB", "url": u})
		}
		if affected != nil {
			o["affected"] = affected
		}
		if refs != nil {
			o["references"] = refs
		}
		osv = append(osv, o)
		name := fmt.Sprintf("%04d.md", i)
		writeFile(t, filepath.Join(text, name), []byte("# "+a.title()+"\n\n"+a.Details+"\n"))
		stix = append(stix, map[string]any{"type": "vulnerability", "spec_version": "2.1", "id": "vulnerability--" + uuidOf(a.ID),
			"created": a.rfc3339(), "modified": a.rfc3339(), "name": a.title(), "description": a.Details,
			"external_references": []any{map[string]any{"source_name": "cve", "external_id": a.cve()}}})
		id := a.cve()
		if id == "" {
			continue
		}
		var vendor, product string
		if len(a.Vendors) > 0 {
			vendor = a.Vendors[0]
		}
		if len(a.Packages) > 0 {
			product = a.Packages[0]
		}
		var problems, cveRefs, cveAffected []any
		for _, c := range a.CWEs {
			problems = append(problems, map[string]any{"descriptions": []any{map[string]any{"lang": "en", "type": "CWE", "cweId": c, "description": c}}})
		}
		for _, u := range a.References {
			cveRefs = append(cveRefs, map[string]any{"url": u})
		}
		if vendor != "" || product != "" {
			cveAffected = append(cveAffected, map[string]any{"vendor": vendor, "product": product})
		}
		cve5 = append(cve5, map[string]any{"dataType": "CVE_RECORD", "dataVersion": "5.1",
			"cveMetadata": map[string]any{"cveId": id, "state": "PUBLISHED", "datePublished": a.rfc3339(), "assignerShortName": a.Assigner},
			"containers": map[string]any{"cna": map[string]any{"title": a.Summary, "problemTypes": problems, "references": cveRefs,
				"affected": cveAffected, "descriptions": []any{map[string]any{"lang": "en", "value": a.Details}}}}})
		kev = append(kev, map[string]any{"cveID": id, "vendorProject": vendor, "product": product, "vulnerabilityName": a.title(),
			"dateAdded": a.Published[:min(len(a.Published), 10)], "shortDescription": a.Details, "requiredAction": "Apply the vendor's update.",
			"dueDate": "2099-01-01", "knownRansomwareCampaignUse": "Unknown", "notes": "", "cwes": a.CWEs})
	}
	return map[string]string{
		"advisory layout": lines("advisories.jsonl", layout),
		"generic":         lines("generic.jsonl", generic),
		"osv":             lines("osv.jsonl", osv),
		"cve5":            whole("cve5.json", cve5),
		"kev":             whole("kev.json", map[string]any{"title": "parity", "catalogVersion": "2099.01.01", "dateReleased": "2099-01-01T00:00:00Z", "count": len(kev), "vulnerabilities": kev}),
		"stix":            whole("stix.json", map[string]any{"type": "bundle", "id": "bundle--" + uuidOf("parity"), "objects": stix}),
		"text":            text,
	}
}

func writeFile(t *testing.T, path string, data []byte) string {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// uuidOf is a stable UUID-shaped id for s.
func uuidOf(s string) string {
	h := sha256.Sum256([]byte(s))
	x := hex.EncodeToString(h[:16])
	return x[:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}

// parityWorkspace makes a workspace whose graph knows actor names (the
// ATT&CK bundle when given, else the synthetic one) and returns a function
// that copies it, so that each shape is ingested into a graph of its own.
func parityWorkspace(t *testing.T, attack string) func() string {
	t.Helper()
	if attack == "" {
		attack = writeFile(t, filepath.Join(t.TempDir(), "attack.json"), kgtest.SyntheticBundle())
	}
	base := t.TempDir()
	if r := runCLI(t, base, "", "graph", "import-attack", attack); r.Code != 0 {
		t.Fatalf("import-attack: exit %d: %s", r.Code, r.Err)
	}
	return func() string {
		dst := t.TempDir()
		entries, err := os.ReadDir(base)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if e.IsDir() {
				continue
			}
			data, err := os.ReadFile(filepath.Join(base, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			writeFile(t, filepath.Join(dst, e.Name()), data)
		}
		return dst
	}
}

// record is what the doors must agree on.
type record struct {
	ID            string              `json:"id"`
	Title         string              `json:"title"`
	Severity      string              `json:"severity"`
	Probabilities map[string]float64  `json:"probabilities"`
	Confidence    float64             `json:"confidence"`
	Margin        float64             `json:"margin"`
	Novelty       float64             `json:"novelty"`
	Entities      map[string][]string `json:"entities"`
	Explanation   json.RawMessage     `json:"explanation"`
	Model         string              `json:"model"`
	// Exploitation is compared between the doors that carry it
	// (exploitationDoors).
	Exploitation json.RawMessage `json:"exploitation"`
}

// exploitationDoors are the doors whose records carry the exploitation
// likelihood `score` adds by default; the triage session's stored scores
// do not.
var exploitationDoors = []string{"score", "api", "explain"}

// records parses JSON lines of scored records, by id; a line that is not
// a record fails the test.
func records(t *testing.T, door string, out []byte) map[string]record {
	t.Helper()
	byID := map[string]record{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		var r record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil || r.ID == "" {
			t.Fatalf("%s: not a scored record: %q (%v)", door, sc.Text(), err)
		}
		byID[r.ID] = r
	}
	return byID
}

// shapeDoors scores one shape's file through every door and returns each
// door's records by id.
func shapeDoors(t *testing.T, ws, path string) map[string]map[string]record {
	t.Helper()
	ctx := context.Background()
	doors := map[string]map[string]record{}
	explain := fmt.Sprint(parityExplain)

	r := runCLI(t, ws, "", "score", "--output", "jsonl", "--explain", explain, path)
	if r.Code != 0 {
		t.Fatalf("score: exit %d: %s", r.Code, r.Err)
	}
	doors["score"] = records(t, "score", []byte(r.Out))

	r = runCLI(t, ws, "", "explain", "--json", "--top", explain, path)
	if r.Code != 0 {
		t.Fatalf("explain: exit %d: %s", r.Code, r.Err)
	}
	doors["explain"] = records(t, "explain", []byte(r.Out))

	// serve's scorer, as `serve` builds it.
	app := &App{IO: &IOStreams{In: strings.NewReader(""), Out: io.Discard, ErrOut: io.Discard}, WorkspaceFlag: ws}
	defer app.close()
	s, err := app.loadScorer(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	h := api.New(s)
	var answer bytes.Buffer
	bodies := []string{path}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		bodies, _ = filepath.Glob(filepath.Join(path, "*"))
	}
	for _, p := range bodies {
		body, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/v1/score?explain="+explain, bytes.NewReader(body)))
		answer.Write(rec.Body.Bytes())
	}
	doors["api"] = records(t, "api", answer.Bytes())

	// The triage session over the ingested documents, as `triage` opens it,
	// then switched to the champion as after a background promotion.
	if r := runCLI(t, ws, "", "ingest", path); r.Code != 0 {
		t.Fatalf("ingest: exit %d: %s", r.Code, r.Err)
	}
	w, err := app.Workspace(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := triageScorer(ctx, app, w, &triageOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sess, err := triage.New(w, sc, "parity")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sess.ScoreMissing(ctx, nil); err != nil {
		t.Fatal(err)
	}
	detail := func(name string) {
		var b bytes.Buffer
		for id := range doors["score"] {
			d, err := sess.Detail(ctx, id)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			line, err := json.Marshal(d.Score)
			if err != nil {
				t.Fatal(err)
			}
			b.Write(append(line, '\n'))
		}
		doors[name] = records(t, name, b.Bytes())
	}
	detail("triage")
	if err := sess.UseChampion(ctx); err != nil {
		t.Fatal(err)
	}
	detail("triage after promotion")
	return doors
}

// checkParity runs every shape through every door and compares them with
// `score`. It returns how many documents each shape had.
func checkParity(t *testing.T, advs []advisory, attack string, wantActor string) {
	shapes := writeShapes(t, advs, t.TempDir())
	workspace := parityWorkspace(t, attack)
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for k := range shapes {
			if !yield(k) {
				return
			}
		}
	}) {
		t.Run(name, func(t *testing.T) {
			ws := workspace()
			doors := shapeDoors(t, ws, shapes[name])
			want := doors["score"]
			if len(want) == 0 {
				t.Fatal("score gave no records")
			}
			actors := 0
			for _, r := range want {
				if slices.Contains(r.Entities["actor"], wantActor) {
					actors++
				}
			}
			if actors == 0 {
				t.Errorf("no document got actor %s: the graph's names did not reach score", wantActor)
			}
			for door, got := range doors {
				if len(got) != len(want) {
					t.Errorf("%s: %d records, score %d", door, len(got), len(want))
				}
				diffs := 0
				for id, w := range want {
					g, ok := got[id]
					if !ok {
						t.Errorf("%s: no record for %s", door, id)
						continue
					}
					if len(w.Exploitation) == 0 {
						t.Errorf("score: no exploitation likelihood on %s", id)
					}
					if !slices.Contains(exploitationDoors, door) {
						g.Exploitation, w.Exploitation = nil, nil
					}
					if !reflect.DeepEqual(canonical(g), canonical(w)) {
						if diffs++; diffs <= 3 {
							t.Errorf("%s differs from score on %s:\n%s: %+v\nscore: %+v", door, id, door, canonical(g), canonical(w))
						}
					}
				}
				if diffs > 0 {
					t.Errorf("%s: %d of %d documents differ from score", door, diffs, len(want))
				}
			}
		})
	}
	// eval measures the decisions score shows.
	t.Run("eval", func(t *testing.T) {
		ws := workspace()
		path := shapes["advisory layout"]
		r := runCLI(t, ws, "", "score", "--output", "jsonl", path)
		if r.Code != 0 {
			t.Fatalf("score: exit %d: %s", r.Code, r.Err)
		}
		scored := records(t, "score", []byte(r.Out))
		right, n := 0, 0
		for _, a := range advs {
			if document.SeverityIndex(a.Severity) < 0 {
				continue
			}
			n++
			if scored[a.ID].Severity == a.Severity {
				right++
			}
		}
		r = runCLI(t, ws, "", "eval", "--data", path, "--json")
		var ev struct {
			Report struct {
				Accuracy float64 `json:"accuracy"`
				N        int     `json:"n"`
			} `json:"report"`
		}
		if r.Code != 0 || json.Unmarshal([]byte(r.Out), &ev) != nil {
			t.Fatalf("eval: exit %d: %s %s", r.Code, r.Out, r.Err)
		}
		if ev.Report.N != n || math.Abs(ev.Report.Accuracy-float64(right)/float64(n)) > 1e-12 {
			t.Errorf("eval: accuracy %v on %d, score's decisions give %d/%d", ev.Report.Accuracy, ev.Report.N, right, n)
		}
	})
}

// canonical is a record with its explanation parsed, so that two encoders
// of the same values compare equal.
func canonical(r record) any {
	var ex any
	if len(r.Explanation) > 0 {
		json.Unmarshal(r.Explanation, &ex)
	}
	var exploit any
	if len(r.Exploitation) > 0 {
		json.Unmarshal(r.Exploitation, &exploit)
	}
	r.Explanation, r.Exploitation = nil, nil
	return struct {
		R       record
		Ex      any
		Exploit any
	}{r, ex, exploit}
}

// TestParityOfEveryDoorOnDemoDocuments: the embedded demo documents, plus
// one that names an actor by an alias the synthetic graph knows, in every
// shape, through every door. Runs without the shared data.
func TestParityOfEveryDoorOnDemoDocuments(t *testing.T) {
	docs, err := demo.Documents()
	if err != nil {
		t.Fatal(err)
	}
	var advs []advisory
	for _, d := range docs {
		a := advisory{ID: d.ID, Summary: d.Title, Details: d.Body, Severity: d.Severity, Source: d.Source, Assigner: d.Assigner,
			Ecosystem: d.Ecosystem, Aliases: d.Aliases, CWEs: d.CWEs, Packages: d.Packages, Vendors: d.Vendors, References: d.References}
		if !d.Published.IsZero() {
			a.Published = d.Published.UTC().Format("2006-01-02T15:04:05")
		}
		advs = append(advs, a)
	}
	advs = append(advs, advisory{ID: "CVE-2099-0001", Summary: "Fancy Test exploits the Example VPN login",
		Details:   "Operators tracked as Fancy Test exploit a stack overflow (CWE-121) in the Example VPN login page from 198.51.100.9.",
		Published: "2099-01-02T03:04:05", Severity: "critical", Source: "parity", Aliases: []string{"GHSA-aaaa-bbbb-cccc"},
		CWEs: []string{"CWE-121"}, Vendors: []string{"example"}, Packages: []string{"example-vpn"}, Ecosystem: "npm",
		References: []string{"https://example.com/advisory"}, Assigner: "mitre"})
	checkParity(t, advs, "", "Alpha Group")
}

// TestParityOfEveryDoorOnSharedAdvisories: 1,000+ shared advisories (every
// 38th line), plus one naming APT28 by its alias, in every shape, through
// every door, in a workspace with ATT&CK imported.
func TestParityOfEveryDoorOnSharedAdvisories(t *testing.T) {
	if testing.Short() {
		t.Skip("scores 1,000+ advisories in seven shapes through five doors")
	}
	corpus := shareddata.File(t, "advisories_train.jsonl.gz")
	attack := shareddata.File(t, "attack-enterprise.json.gz")
	f, err := os.Open(corpus)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var advs []advisory
	sc := bufio.NewScanner(gz)
	sc.Buffer(nil, 16<<20)
	for i := 0; sc.Scan(); i++ {
		if i%38 != 0 {
			continue
		}
		var a advisory
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			t.Fatalf("%s:%d: %v", corpus, i+1, err)
		}
		advs = append(advs, a)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	advs = append(advs, advisory{ID: "CVE-2099-0002", Summary: "Fancy Bear exploits the Example mail server",
		Details:   "The actor known as Fancy Bear exploits a path traversal (CWE-22) in the Example mail server.",
		Published: "2099-01-02T03:04:05", Severity: "high", Source: "parity", CWEs: []string{"CWE-22"}})
	if len(advs) < 1000 {
		t.Fatalf("%d advisories, want at least 1,000", len(advs))
	}
	checkParity(t, advs, attack, "APT28")
}
