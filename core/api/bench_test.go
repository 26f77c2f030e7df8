package api_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cyberstreams/cyberstreams/core/api"
)

// BenchmarkSingleDocument is the server's own cost of one single-document
// request (no network): routing, reading, scoring, writing the record.
func BenchmarkSingleDocument(b *testing.B) {
	h := api.New(scorer(b, 0))
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest("POST", "/v1/score", strings.NewReader(goodDoc))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatal(rec.Code)
		}
	}
}
