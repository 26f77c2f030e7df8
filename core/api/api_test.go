package api_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cyberstreams/cyberstreams/core/api"
	"github.com/cyberstreams/cyberstreams/core/scoring"
	"github.com/cyberstreams/cyberstreams/core/training/trainingtest"
)

func server(t *testing.T) *httptest.Server {
	t.Helper()
	s, err := scoring.PlainKnowledge().Scorer(trainingtest.Bundle(t, 300, 1))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(api.New(s))
	t.Cleanup(ts.Close)
	return ts
}

func TestScoreEndpoint(t *testing.T) {
	ts := server(t)
	body := `{"id":"a","title":"unauthenticated remote code execution","text":"C2 at 198.51.100.7"}
{"id":"b","text":
{"id":"c","title":"open redirect after login","published":"2024-05-01"}
`
	resp, err := http.Post(ts.URL+"/v1/score?explain=3", "application/x-ndjson", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var recs []map[string]any
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("response line %q: %v", sc.Text(), err)
		}
		recs = append(recs, m)
	}
	if len(recs) != 3 {
		t.Fatalf("got %d records, want 3 (one per input line)", len(recs))
	}
	if recs[0]["id"] != "a" || recs[2]["id"] != "c" || recs[1]["line"] != float64(2) || recs[1]["error"] == nil {
		t.Fatalf("records out of order or bad line not reported: %v", recs)
	}
	ex := recs[0]["explanation"].(map[string]any)
	if n := len(ex["contributions"].([]any)); n == 0 || n > 3 {
		t.Fatalf("explain=3 gave %d contributions", n)
	}
	if ents := recs[0]["entities"].(map[string]any); ents["ipv4"] == nil {
		t.Fatalf("entities not extracted: %v", ents)
	}

	m, err := http.Get(ts.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	text, _ := io.ReadAll(m.Body)
	m.Body.Close()
	for _, want := range []string{"cyberstreams_documents_failed_total 1", "cyberstreams_score_request_seconds_count 1", "cyberstreams_documents_scored_total{severity="} {
		if !strings.Contains(string(text), want) {
			t.Errorf("/metrics lacks %q:\n%s", want, text)
		}
	}
}

func TestBadRequests(t *testing.T) {
	ts := server(t)
	resp, err := http.Post(ts.URL+"/v1/score?explain=-2", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("explain=-2: status %d, want 400", resp.StatusCode)
	}
	resp, err = http.Get(ts.URL + "/v1/score")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("GET /v1/score: status %d, want 405", resp.StatusCode)
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
