package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/cyberstreams/cyberstreams/core/api"
	"github.com/cyberstreams/cyberstreams/core/demo"
	"github.com/cyberstreams/cyberstreams/core/model"
	"github.com/cyberstreams/cyberstreams/core/scoring"
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

// BenchmarkLoopback is a single-document request end to end over loopback
// HTTP with the embedded default model, clients and server in one process
// (as bench/serve_load runs them on one machine): the cost per request that
// bounds closed-loop throughput on two cores. The bodies are the demo
// documents, in turn.
func BenchmarkLoopback(b *testing.B) {
	bundle, err := model.Embedded()
	if err != nil {
		b.Fatal(err)
	}
	sc, err := scoring.PlainKnowledge().Scorer(bundle)
	if err != nil {
		b.Fatal(err)
	}
	docs, err := demo.Documents()
	if err != nil {
		b.Fatal(err)
	}
	bodies := make([][]byte, len(docs))
	for i, d := range docs {
		if bodies[i], err = json.Marshal(map[string]any{"id": d.ID, "title": d.Title, "text": d.Body, "source": d.Source}); err != nil {
			b.Fatal(err)
		}
	}
	srv := httptest.NewServer(api.New(sc))
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	var next atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			body := bodies[int(next.Add(1))%len(bodies)]
			resp, err := client.Post(srv.URL+"/v1/score", "application/json", bytes.NewReader(body))
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
}
