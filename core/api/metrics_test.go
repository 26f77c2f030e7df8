package api_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestMetrics: after a good, a bad and a refused request, /metrics (scraped
// over HTTP) counts them by route and status, times them, counts the
// documents by class and the failed ones, and names the model, the build
// and the Go and process metrics.
func TestMetrics(t *testing.T) {
	ts := server(t)
	for _, r := range []struct{ ct, body string }{
		{"application/x-ndjson", goodDoc + "\n{\"id\":\"b\",\"text\":\n"},
		{"application/json", "[1]"},
		{"text/xml", "<a/>"},
	} {
		resp, err := http.Post(ts.URL+"/v1/score", r.ct, strings.NewReader(r.body))
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	resp, err := http.Get(ts.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	text, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		`cyberstreams_http_requests_total{code="200",route="/v1/score"} 1`,
		`cyberstreams_http_requests_total{code="400",route="/v1/score"} 1`,
		`cyberstreams_http_requests_total{code="415",route="/v1/score"} 1`,
		`cyberstreams_http_request_duration_seconds_count{route="/v1/score"} 3`,
		`cyberstreams_documents_scored_total{severity="`,
		`cyberstreams_documents_failed_total 1`,
		`cyberstreams_model_info{version="model-a"} 1`,
		`cyberstreams_build_info{`,
		`go_goroutines `,
		`go_memstats_heap_alloc_bytes `,
		`process_start_time_seconds `,
	} {
		if !strings.Contains(string(text), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("/metrics:\n%s", text)
	}
}
