// Package api serves scoring over HTTP for scripts and services that cannot
// shell out: POST documents, get scored records back (the same records as
// `cyberstreams score --output jsonl`), plus health and Prometheus metrics.
package api

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"

	"math"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/scoring"
)

// MaxBody bounds one request body (documents are streamed, this only caps
// abuse).
const MaxBody = 64 << 20

// Server is the HTTP scoring service.
type Server struct {
	scorer  *scoring.Scorer
	metrics *metrics
	mux     *http.ServeMux
}

// New builds the handler set around a scorer.
func New(s *scoring.Scorer) *Server {
	srv := &Server{scorer: s, metrics: newMetrics(), mux: http.NewServeMux()}
	srv.mux.HandleFunc("POST /v1/score", srv.score)
	srv.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, "{\"status\":\"ok\",\"model\":%q}\n", s.Version())
	})
	srv.mux.HandleFunc("GET /metrics", srv.metrics.serve)
	return srv
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// inDoc is the request shape of one document (the generic JSONL fields).
type inDoc struct {
	ID         string   `json:"id"`
	Title      string   `json:"title"`
	Text       string   `json:"text"`
	Source     string   `json:"source"`
	Published  string   `json:"published"`
	CWEs       []string `json:"cwes"`
	Ecosystem  string   `json:"ecosystem"`
	Packages   []string `json:"packages"`
	Vendors    []string `json:"vendors"`
	References []string `json:"references"`
	Assigner   string   `json:"assigner"`
	Aliases    []string `json:"aliases"`
}

func (d inDoc) document() (document.Document, error) {
	doc := document.Document{ID: d.ID, Title: d.Title, Body: d.Text, Source: d.Source, CWEs: d.CWEs,
		Ecosystem: d.Ecosystem, Packages: d.Packages, Vendors: d.Vendors, References: d.References,
		Assigner: d.Assigner, Aliases: d.Aliases, Format: "api"}
	if d.Published != "" {
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
			if t, err := time.Parse(layout, d.Published); err == nil {
				doc.Published = t
				break
			}
		}
		if doc.Published.IsZero() {
			return doc, fmt.Errorf("published %q: want RFC 3339 or YYYY-MM-DD", d.Published)
		}
	}
	doc.Finish()
	return doc, nil
}

// score reads one JSON object or JSON lines (one document per line) and
// answers with one scored record per line, in order. ?explain=K adds the top
// K reasons. A bad line gets an {"error": …, "line": N} record in its place.
func (s *Server) score(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	explain := -1
	if v := r.URL.Query().Get("explain"); v != "" {
		k, err := strconv.Atoi(v)
		if err != nil || k < 0 {
			http.Error(w, "explain: want a whole number ≥ 0", http.StatusBadRequest)
			return
		}
		explain = k
	}
	w.Header().Set("Content-Type", "application/x-ndjson")
	sc := bufio.NewScanner(http.MaxBytesReader(w, r.Body, MaxBody))
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	line, n := 0, 0
	for sc.Scan() {
		line++
		b := sc.Bytes()
		if len(b) == 0 {
			continue
		}
		var in inDoc
		err := json.Unmarshal(b, &in)
		var doc document.Document
		if err == nil {
			doc, err = in.document()
		}
		if err != nil {
			s.metrics.failed()
			enc.Encode(map[string]any{"error": err.Error(), "line": line})
			continue
		}
		res := s.scorer.Score(&doc, scoring.Options{Explain: explain})
		s.metrics.scored(res.Severity)
		n++
		if err := enc.Encode(res); err != nil {
			return // client went away
		}
	}
	if err := sc.Err(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			enc.Encode(map[string]any{"error": "request body too large", "line": line + 1})
		} else {
			enc.Encode(map[string]any{"error": err.Error(), "line": line + 1})
		}
	}
	s.metrics.request(time.Since(start), n)
}

// metrics keeps the counters /metrics exposes in Prometheus text format.
type metrics struct {
	mu       sync.Mutex
	bySev    map[string]float64
	failures float64
	requests float64
	buckets  []float64 // upper bounds, seconds
	counts   []float64
	sum      float64
}

func newMetrics() *metrics {
	b := []float64{0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5}
	return &metrics{bySev: map[string]float64{}, buckets: b, counts: make([]float64, len(b))}
}

func (m *metrics) scored(sev string) { m.mu.Lock(); m.bySev[sev]++; m.mu.Unlock() }
func (m *metrics) failed()           { m.mu.Lock(); m.failures++; m.mu.Unlock() }

func (m *metrics) request(d time.Duration, _ int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests++
	s := d.Seconds()
	m.sum += s
	for i, ub := range m.buckets {
		if s <= ub {
			m.counts[i]++
		}
	}
}

func (m *metrics) serve(w http.ResponseWriter, _ *http.Request) {
	m.mu.Lock()
	defer m.mu.Unlock()
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
	fmt.Fprintln(w, "# HELP cyberstreams_documents_scored_total Documents scored, by predicted severity.")
	fmt.Fprintln(w, "# TYPE cyberstreams_documents_scored_total counter")
	sevs := make([]string, 0, len(m.bySev))
	for s := range m.bySev {
		sevs = append(sevs, s)
	}
	sort.Strings(sevs)
	for _, s := range sevs {
		fmt.Fprintf(w, "cyberstreams_documents_scored_total{severity=%q} %g\n", s, m.bySev[s])
	}
	fmt.Fprintln(w, "# HELP cyberstreams_documents_failed_total Documents that could not be read.")
	fmt.Fprintln(w, "# TYPE cyberstreams_documents_failed_total counter")
	fmt.Fprintf(w, "cyberstreams_documents_failed_total %g\n", m.failures)
	fmt.Fprintln(w, "# HELP cyberstreams_score_request_seconds Time to answer a scoring request.")
	fmt.Fprintln(w, "# TYPE cyberstreams_score_request_seconds histogram")
	for i, ub := range m.buckets {
		fmt.Fprintf(w, "cyberstreams_score_request_seconds_bucket{le=\"%g\"} %g\n", ub, m.counts[i])
	}
	fmt.Fprintf(w, "cyberstreams_score_request_seconds_bucket{le=\"+Inf\"} %g\n", m.requests)
	fmt.Fprintf(w, "cyberstreams_score_request_seconds_sum %g\n", round(m.sum))
	fmt.Fprintf(w, "cyberstreams_score_request_seconds_count %g\n", m.requests)
}

func round(v float64) float64 { return math.Round(v*1e6) / 1e6 }
