package api_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	stdlog "log"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cyberstreams/cyberstreams/core/api"
	"github.com/cyberstreams/cyberstreams/core/scoring"
	"github.com/cyberstreams/cyberstreams/core/techniques"
	"github.com/cyberstreams/cyberstreams/core/training/trainingtest"
)

// scorer trains a small model; i picks one of two versions, for the swap
// tests.
func scorer(t testing.TB, i int) *scoring.Scorer {
	t.Helper()
	b := trainingtest.Bundle(t, 300, int64(i+1))
	b.Card.Version = []string{"model-a", "model-b"}[i]
	s, err := scoring.PlainKnowledge().Scorer(b)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func server(t *testing.T) *httptest.Server {
	t.Helper()
	ts := httptest.NewServer(api.New(scorer(t, 0)))
	t.Cleanup(ts.Close)
	return ts
}

// do sends one request straight to the handler.
func do(h http.Handler, method, target, contentType string, body io.Reader) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, body)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// unsized hides a body's length, as a chunked upload does.
type unsized struct{ io.Reader }

func lines(n int, line string) []byte {
	var b bytes.Buffer
	for i := 0; i < n; i++ {
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

const goodDoc = `{"id":"a","title":"unauthenticated remote code execution","text":"C2 at 198.51.100.7"}`

// leaks are what an error must never show: Go types and internals.
var leaks = []string{"Go value", "Go struct", "api.in", "scoring.", "[]string", "map[string]", "interface {}", "json: cannot unmarshal", "<stdin>", "bufio.Scanner", "http: "}

// TestStatuses: every bad request the issue lists (and the good ones
// beside them) gets its status, and every error is a JSON object in
// words, without Go types or internal errors.
func TestStatuses(t *testing.T) {
	h := api.New(scorer(t, 0))
	big := bytes.Repeat([]byte("a"), 20<<20)
	twentyMBDoc := append(append([]byte(`{"id":"big","title":"x","text":"`), big...), `"}`...)
	kev, err := os.ReadFile("../ingest/testdata/kev.json")
	if err != nil {
		t.Fatal(err)
	}
	manyLines := lines(22_709, `{"id":"x","title":"remote code execution in a router","text":"`+strings.Repeat("b", 880)+`"}`)
	longLine := append(append([]byte(`{"id":"long","text":"`), bytes.Repeat([]byte("c"), 2<<20)...), "\"}\n"...)
	mixed := append(append([]byte(goodDoc+"\n"), longLine...), goodDoc+"\n"...)
	cases := []struct {
		name, method, target, contentType string
		body                              io.Reader
		status                            int
		wantInBody                        string
		header                            [2]string
	}{
		{"one document", "POST", "/v1/score", "application/json", strings.NewReader(goodDoc), 200, `"id":"a"`, [2]string{"Content-Type", "application/json"}},
		{"one document, charset", "POST", "/v1/score?explain=2", "application/json; charset=utf-8", strings.NewReader(goodDoc), 200, `"explanation"`, [2]string{}},
		{"a batch", "POST", "/v1/score", "application/x-ndjson", bytes.NewReader(lines(3, goodDoc)), 200, `"id":"a"`, [2]string{"Content-Type", "application/x-ndjson"}},
		{"a report's text", "POST", "/v1/score", "text/plain", strings.NewReader("APT28 exploited CVE-2024-3094 for remote code execution."), 200, `"cve":["CVE-2024-3094"]`, [2]string{}},
		{"a file, no Content-Type", "POST", "/v1/score", "", bytes.NewReader(kev), 200, `"id":"KEV-`, [2]string{}},
		{"a file, octet-stream", "POST", "/v1/score", "application/octet-stream", bytes.NewReader(kev), 200, `"id":"KEV-`, [2]string{}},
		{"malformed JSON", "POST", "/v1/score", "application/json", strings.NewReader(`{"id":"b","text":`), 400, "malformed JSON", [2]string{}},
		{"malformed NDJSON first line", "POST", "/v1/score", "application/x-ndjson", strings.NewReader("{\"id\":\"b\",\"text\":}\n{bad\n"), 400, `"line":1`, [2]string{}},
		{"malformed NDJSON line before a good one", "POST", "/v1/score", "application/x-ndjson", strings.NewReader("{\"id\":\"b\",\"text\":}\n" + goodDoc + "\n"), 200, `"line":1`, [2]string{}},
		{"not JSON as NDJSON", "POST", "/v1/score", "application/x-ndjson", strings.NewReader("hello\nworld\n"), 400, `"line":1`, [2]string{}},
		{"empty body", "POST", "/v1/score", "application/json", strings.NewReader(""), 400, "empty body", [2]string{}},
		{"empty batch", "POST", "/v1/score", "application/x-ndjson", strings.NewReader("\n\n"), 400, "empty body", [2]string{}},
		{"empty file", "POST", "/v1/score", "", strings.NewReader(""), 400, "empty body", [2]string{}},
		{"empty text", "POST", "/v1/score", "text/plain", strings.NewReader(" \n"), 400, "empty body", [2]string{}},
		{"text/xml", "POST", "/v1/score", "text/xml", strings.NewReader("<a/>"), 415, "application/x-ndjson", [2]string{}},
		{"image/png", "POST", "/v1/score", "image/png", bytes.NewReader([]byte("\x89PNG\r\n")), 415, "Content-Type", [2]string{}},
		{"form (curl's default)", "POST", "/v1/score", "application/x-www-form-urlencoded", strings.NewReader(goodDoc), 415, "Content-Type", [2]string{}},
		{"bad Content-Type", "POST", "/v1/score", "application/", strings.NewReader(goodDoc), 415, "Content-Type", [2]string{}},
		{"JSON array", "POST", "/v1/score", "application/json", strings.NewReader(`[{"id":"a","title":"t"}]`), 400, "JSON array", [2]string{}},
		{"JSON array as NDJSON", "POST", "/v1/score", "application/x-ndjson", strings.NewReader(`[{"id":"a","title":"t"}]`), 400, "JSON array", [2]string{}},
		{"bare JSON value", "POST", "/v1/score", "application/json", strings.NewReader(`"text"`), 400, "JSON object", [2]string{}},
		{"two documents as one", "POST", "/v1/score", "application/json", strings.NewReader(goodDoc + goodDoc), 400, "malformed JSON", [2]string{}},
		{"a KEV catalog as one document", "POST", "/v1/score", "application/json", bytes.NewReader(kev), 400, "documents", [2]string{}},
		{"no document in the object", "POST", "/v1/score", "application/json", strings.NewReader(`{}`), 400, "error", [2]string{}},
		{"20 MB single document", "POST", "/v1/score", "application/json", bytes.NewReader(twentyMBDoc), 413, "per document", [2]string{}},
		{"20 MB single document, chunked", "POST", "/v1/score", "application/json", unsized{bytes.NewReader(twentyMBDoc)}, 413, "per document", [2]string{}},
		{"20 MB single document as NDJSON, chunked", "POST", "/v1/score", "application/x-ndjson", unsized{bytes.NewReader(twentyMBDoc)}, 413, "per request", [2]string{}},
		{"2 MiB line as NDJSON", "POST", "/v1/score", "application/x-ndjson", bytes.NewReader(longLine), 413, `"line":1`, [2]string{}},
		{"2 MiB line as NDJSON, chunked", "POST", "/v1/score", "application/x-ndjson", unsized{bytes.NewReader(longLine)}, 413, "per document", [2]string{}},
		{"64 MB body", "POST", "/v1/score", "application/x-ndjson", bytes.NewReader(make([]byte, 64<<20)), 413, "per request", [2]string{}},
		{"64 MB file", "POST", "/v1/score", "", bytes.NewReader(make([]byte, 64<<20)), 413, "per request", [2]string{}},
		{"20 MB over many lines", "POST", "/v1/score", "application/x-ndjson", bytes.NewReader(manyLines), 413, "per request", [2]string{}},
		{"one line too long among good ones", "POST", "/v1/score", "application/x-ndjson", bytes.NewReader(mixed), 200, `"line":2,"status":413`, [2]string{}},
		{"explain not a number", "POST", "/v1/score?explain=x", "application/json", strings.NewReader(goodDoc), 400, "explain", [2]string{}},
		{"explain negative", "POST", "/v1/score?explain=-2", "application/json", strings.NewReader(goodDoc), 400, "explain", [2]string{}},
		{"GET /v1/score", "GET", "/v1/score", "", nil, 405, "POST", [2]string{"Allow", "POST"}},
		{"PUT /v1/score", "PUT", "/v1/score", "application/json", strings.NewReader(goodDoc), 405, "POST", [2]string{"Allow", "POST"}},
		{"POST /healthz", "POST", "/healthz", "", nil, 405, "GET", [2]string{"Allow", "GET, HEAD"}},
		{"DELETE /metrics", "DELETE", "/metrics", "", nil, 405, "GET", [2]string{"Allow", "GET, HEAD"}},
		{"unknown route", "GET", "/v2/score", "", nil, 404, "/openapi.json", [2]string{}},
		{"root", "GET", "/", "", nil, 404, "no such route", [2]string{}},
		{"healthz", "GET", "/healthz", "", nil, 200, `"ok"`, [2]string{}},
		{"HEAD healthz", "HEAD", "/healthz", "", nil, 200, "", [2]string{}},
		{"readyz", "GET", "/readyz", "", nil, 200, `"model":"model-a"`, [2]string{}},
		{"openapi", "GET", "/openapi.json", "", nil, 200, `"openapi": "3.1`, [2]string{"Content-Type", "application/json"}},
		{"metrics", "GET", "/metrics", "", nil, 200, "cyberstreams_http_requests_total", [2]string{}},
	}
	var spec struct {
		Paths map[string]map[string]struct {
			Responses map[string]any
		}
	}
	if err := json.Unmarshal(api.OpenAPI(), &spec); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := do(h, c.method, c.target, c.contentType, c.body)
			// What the handler answered is what /openapi.json declares.
			path, _, _ := strings.Cut(c.target, "?")
			if op, ok := spec.Paths[path]; ok && c.method != "HEAD" && rec.Code != http.StatusMethodNotAllowed {
				if _, ok := op[strings.ToLower(c.method)].Responses[strconv.Itoa(rec.Code)]; !ok {
					t.Errorf("%s %s answered %d, which /openapi.json does not declare", c.method, path, rec.Code)
				}
			}
			body := rec.Body.String()
			if rec.Code != c.status {
				t.Fatalf("status %d, want %d: %.300s", rec.Code, c.status, body)
			}
			if !strings.Contains(body, c.wantInBody) {
				t.Errorf("answer lacks %q: %.300s", c.wantInBody, body)
			}
			if c.header[0] != "" && !strings.HasPrefix(rec.Header().Get(c.header[0]), c.header[1]) {
				t.Errorf("%s: %q, want %q", c.header[0], rec.Header().Get(c.header[0]), c.header[1])
			}
			if rec.Code >= 400 {
				var p map[string]any
				if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || p["error"] == nil {
					t.Fatalf("error answer is not a JSON object with an error: %q (%v)", body, err)
				}
				if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
					t.Errorf("error Content-Type %q", ct)
				}
			}
			if rec.Code >= 400 || strings.Contains(body, `"error"`) {
				for _, leak := range leaks {
					if strings.Contains(body, leak) {
						t.Errorf("answer shows internals (%q): %.300s", leak, body)
					}
				}
			}
		})
	}
}

// TestBatchStreamsEveryLine: one answer line per input line, in order,
// a bad line's error in its place, and a chunked body past the request
// limit ends with a line saying so (its status is already sent).
func TestBatchStreamsEveryLine(t *testing.T) {
	ts := server(t)
	body := `{"id":"a","title":"unauthenticated remote code execution","text":"C2 at 198.51.100.7"}
{"id":"b","text":
{"id":"c","title":"open redirect after login","published":"2024-05-01"}
`
	resp, err := http.Post(ts.URL+"/v1/score?explain=3", "application/x-ndjson", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	recs := readLines(t, resp)
	if len(recs) != 3 {
		t.Fatalf("got %d records, want 3 (one per input line)", len(recs))
	}
	if recs[0]["id"] != "a" || recs[2]["id"] != "c" || recs[1]["line"] != float64(2) || recs[1]["error"] == nil {
		t.Fatalf("records out of order or bad line not reported: %v", recs)
	}
	ex := recs[0]["explanation"].(map[string]any)
	if n, m := len(ex["reasons"].([]any)), len(ex["contributions"].([]any)); n == 0 || n > 3 || m < n {
		t.Fatalf("explain=3 gave %d reasons of %d contributions", n, m)
	}
	if ents := recs[0]["entities"].(map[string]any); ents["ipv4"] == nil {
		t.Fatalf("entities not extracted: %v", ents)
	}

	h := api.NewServer(scorer(t, 0), api.Config{MaxRequestBytes: 64 << 10})
	rec := do(h, "POST", "/v1/score", "application/x-ndjson", unsized{bytes.NewReader(lines(1000, goodDoc))})
	out := strings.Split(strings.TrimSpace(rec.Body.String()), "\n")
	last := out[len(out)-1]
	if rec.Code != 200 || !strings.Contains(last, `"status":413`) || !strings.Contains(last, "per request") || len(out) >= 1000 {
		t.Fatalf("chunked batch past the limit: status %d, %d lines, last %s", rec.Code, len(out), last)
	}
}

func readLines(t *testing.T, resp *http.Response) []map[string]any {
	t.Helper()
	defer resp.Body.Close()
	var recs []map[string]any
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("response line %q: %v", sc.Text(), err)
		}
		recs = append(recs, m)
	}
	return recs
}

// TestBusy: past MaxInFlight scoring requests, one more is answered 503
// with Retry-After at once; the probes still answer.
func TestBusy(t *testing.T) {
	h := api.NewServer(scorer(t, 0), api.Config{MaxInFlight: 1})
	pr, pw := io.Pipe()
	done := make(chan *httptest.ResponseRecorder)
	go func() { done <- do(h, "POST", "/v1/score", "application/x-ndjson", pr) }()
	// The first request holds its slot while it reads: once a write
	// returns, its handler is reading.
	if _, err := pw.Write([]byte(goodDoc[:10])); err != nil {
		t.Fatal(err)
	}
	rec := do(h, "POST", "/v1/score", "application/json", strings.NewReader(goodDoc))
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
		t.Fatalf("second request: %d, Retry-After %q, want 503 with Retry-After", rec.Code, rec.Header().Get("Retry-After"))
	}
	if rec := do(h, "GET", "/readyz", "", nil); rec.Code != 200 {
		t.Fatalf("readyz while busy: %d", rec.Code)
	}
	pw.Write([]byte(goodDoc[10:] + "\n"))
	pw.Close()
	if first := <-done; first.Code != 200 {
		t.Fatalf("first request: %d %s", first.Code, first.Body)
	}
	if rec := do(h, "POST", "/v1/score", "application/json", strings.NewReader(goodDoc)); rec.Code != 200 {
		t.Fatalf("after the slot was freed: %d", rec.Code)
	}
}

// TestDrainAndToken: a draining server is not ready; a token guards every
// route but the probes.
func TestDrainAndToken(t *testing.T) {
	h := api.NewServer(scorer(t, 0), api.Config{Token: "s3cret"})
	for _, c := range []struct {
		target, auth string
		status       int
	}{
		{"/v1/score", "", 401},
		{"/v1/score", "Bearer wrong", 401},
		{"/v1/score", "s3cret", 401},
		{"/v1/score", "Bearer s3cret", 200},
		{"/metrics", "", 401},
		{"/openapi.json", "", 401},
		{"/healthz", "", 200},
		{"/readyz", "", 200},
	} {
		method := "GET"
		if c.target == "/v1/score" {
			method = "POST"
		}
		req := httptest.NewRequest(method, c.target, strings.NewReader(goodDoc))
		req.Header.Set("Content-Type", "application/json")
		if c.auth != "" {
			req.Header.Set("Authorization", c.auth)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != c.status {
			t.Errorf("%s with %q: %d, want %d", c.target, c.auth, rec.Code, c.status)
		}
		if strings.Contains(rec.Body.String(), "s3cret") {
			t.Errorf("%s: the answer shows the token", c.target)
		}
	}
	h.Drain()
	if rec := do(h, "GET", "/readyz", "", nil); rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("readyz while draining: %d", rec.Code)
	}
	if rec := do(h, "GET", "/healthz", "", nil); rec.Code != 200 {
		t.Fatalf("healthz while draining: %d", rec.Code)
	}
}

// TestBodyStillArrivingIsReadToTheEnd: the answer starts while the body
// is still arriving (a client streaming a feed); the records sent after
// the first answers are answered too, over a real HTTP/1 connection.
func TestBodyStillArrivingIsReadToTheEnd(t *testing.T) {
	ts := server(t)
	const half = 3000
	lines := func(from int) string {
		var b strings.Builder
		for i := from; i < from+half; i++ {
			fmt.Fprintf(&b, `{"id":"d%d","title":"Heap overflow %d in the parser","text":"remote attackers can crash it via 198.51.100.%d"}`+"\n", i, i, i%250)
		}
		return b.String()
	}
	pr, pw := io.Pipe()
	answered := make(chan struct{})
	go func() {
		io.WriteString(pw, lines(0))
		select { // the rest only once answers arrive
		case <-answered:
		case <-time.After(30 * time.Second):
		}
		io.WriteString(pw, lines(half))
		pw.Close()
	}()
	resp, err := http.Post(ts.URL+"/v1/score", "application/x-ndjson", pr)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	got := 0
	for sc.Scan() {
		if !strings.HasPrefix(sc.Text(), `{"id":"d`) {
			t.Fatalf("record %d: %s", got, sc.Text())
		}
		if got++; got == 1 {
			close(answered)
		}
	}
	if got != 2*half {
		t.Fatalf("%d records answered, want %d", got, 2*half)
	}
}

// TestTechniques: ?techniques=true adds the ATT&CK techniques (with their
// evidence) that `score --techniques` adds; a server without a technique
// model, or a value that is not a boolean, is a 400 in words.
func TestTechniques(t *testing.T) {
	sc := scorer(t, 0)
	with := api.NewServer(sc, api.Config{Techniques: techniques.Embedded})
	without := api.New(sc)
	doc := `{"id":"r1","text":"The loader decodes its payload with certutil. It persists through a Run key (T1547.001)."}`
	cases := []struct {
		name   string
		h      http.Handler
		target string
		status int
		want   string
		absent string
	}{
		{"asked", with, "/v1/score?techniques=true", 200, `"technique":"T1547.001","name":`, ""},
		{"explicit evidence", with, "/v1/score?techniques=1", 200, `"provenance":"explicit","evidence":{"sentence":"It persists through a Run key (T1547.001)."`, ""},
		{"not asked", with, "/v1/score", 200, `"severity"`, `"techniques"`},
		{"false", with, "/v1/score?techniques=false", 200, `"severity"`, `"techniques"`},
		{"not a boolean", with, "/v1/score?techniques=yes", 400, "techniques: want true or false", ""},
		{"no model", without, "/v1/score?techniques=true", 400, "no technique model", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := do(c.h, "POST", c.target, "application/json", strings.NewReader(doc))
			body := rec.Body.String()
			if rec.Code != c.status || !strings.Contains(body, c.want) {
				t.Fatalf("%d %.600s; want %d with %q", rec.Code, body, c.status, c.want)
			}
			if c.absent != "" && strings.Contains(body, c.absent) {
				t.Errorf("answer has %q: %.300s", c.absent, body)
			}
		})
	}
	// The record is the one the CLI's scorer writes with the same model.
	m, err := techniques.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	rec := do(with, "POST", "/v1/score?techniques=true", "application/x-ndjson", strings.NewReader(doc+"\n"))
	var got struct {
		Techniques []techniques.Tag `json:"techniques"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatalf("%v: %s", err, rec.Body.String())
	}
	want := m.Tag("The loader decodes its payload with certutil. It persists through a Run key (T1547.001).", false).Techniques
	if len(got.Techniques) != len(want) || got.Techniques[0].Technique != want[0].Technique {
		t.Fatalf("batch techniques %+v, want %+v", got.Techniques, want)
	}
}

// TestHorizon: records carry the exploitation likelihood `score` adds, over
// 30 days unless ?horizon= says 90, 365 or 0 (none); other values are a
// 400 in words.
func TestHorizon(t *testing.T) {
	h := api.New(scorer(t, 0))
	doc := `{"id":"CVE-2024-3094","title":"xz backdoor","text":"Remote code execution through a backdoor in liblzma (CWE-506).","published":"2024-03-29T00:00:00Z"}`
	cases := []struct {
		name   string
		target string
		status int
		want   string
		absent string
	}{
		{"default", "/v1/score", 200, `"horizon_days":30`, ""},
		{"90 days", "/v1/score?horizon=90", 200, `"horizon_days":90`, ""},
		{"365 days with reasons", "/v1/score?horizon=365&explain=2", 200, `"horizon_days":365`, ""},
		{"none", "/v1/score?horizon=0", 200, `"severity"`, `"exploitation"`},
		{"no model for 60 days", "/v1/score?horizon=60", 400, "horizon: want one of [30 90 365] days", ""},
		{"negative", "/v1/score?horizon=-30", 400, "horizon", ""},
		{"not a number", "/v1/score?horizon=month", 400, "horizon", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := do(h, "POST", c.target, "application/json", strings.NewReader(doc))
			body := rec.Body.String()
			if rec.Code != c.status || !strings.Contains(body, c.want) {
				t.Fatalf("%d %.600s; want %d with %q", rec.Code, body, c.status, c.want)
			}
			if c.absent != "" && strings.Contains(body, c.absent) {
				t.Errorf("answer has %q: %.300s", c.absent, body)
			}
		})
	}
}

// syncBuffer is a bytes.Buffer safe for the server's error log.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// A body refused at its first record (binary data) is answered 400, and
// the connection carries the next request cleanly. A stranger's 20 KB of
// random bytes, sent by curl to `serve`, made net/http panic ("invalid
// concurrent Body.Read call") on every try, as it read the rest of the
// refused body while reading the next request; the handler now reads the
// rest itself. The race did not show in process here (it did with curl:
// 9 panics in 3 requests before, none in 4 after), so this test guards the
// answer and the log, not the timing.
func TestRefusedBodyLeavesTheConnectionClean(t *testing.T) {
	var log syncBuffer
	srv := api.New(scorer(t, 0))
	ts := httptest.NewUnstartedServer(srv)
	ts.Config = srv.HTTPServer() // the timeouts `serve` runs with
	ts.Config.ErrorLog = stdlog.New(&log, "", 0)
	ts.Start()
	t.Cleanup(ts.Close)
	body := bytes.Repeat([]byte{'x', 0, 0xff, 0x80}, 64<<10/4)
	// curl asks "Expect: 100-continue" before a body of more than 1 KB.
	client := &http.Client{Transport: &http.Transport{ExpectContinueTimeout: time.Second}}
	t.Cleanup(client.CloseIdleConnections)
	for i := range 4 { // one keep-alive connection
		req, err := http.NewRequest(http.MethodPost, ts.URL+"/v1/score", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/octet-stream")
		req.Header.Set("Expect", "100-continue")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(got), "binary") {
			t.Fatalf("request %d: %d %s", i, resp.StatusCode, got)
		}
	}
	ts.Close() // the server's goroutines are done before the log is read
	if strings.Contains(log.String(), "panic") {
		t.Fatalf("the server panicked:\n%s", log.String())
	}
}
