// Package api serves scoring over HTTP for scripts and services that cannot
// shell out: POST documents, get scored records back (the same records as
// `cyberstreams score --output jsonl`), plus health and Prometheus metrics.
package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/cyberstreams/cyberstreams/core/ingest"
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

// score reads the request body as `cyberstreams score` reads a file: the
// format is detected from the body (JSON lines of the generic or advisory
// shape, one JSON document, OSV, CVE 5, the KEV catalog, a STIX bundle, or
// plain text), through the same ingest decoding (fields, date layouts,
// structured CVE/CWE entities) and the scorer's own extractor, so a record
// gets the score it gets from the CLI. The answer is one scored record per
// document, in order (the bytes of `score --output jsonl`); ?explain=K
// adds the top K reasons. A record that cannot be read gets
// {"error": …, "line": N} (and "pointer" inside a JSON container) in its
// place.
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
	// Records are answered while the body is still being read. Without
	// full duplex an HTTP/1 server discards the unread rest of the body
	// once the answer starts, and a long body would lose its tail. (HTTP/2
	// is full duplex already; the error then says so and is of no matter.)
	_ = http.NewResponseController(w).EnableFullDuplex()
	w.Header().Set("Content-Type", "application/x-ndjson")
	body := http.MaxBytesReader(w, r.Body, MaxBody)
	n, lastLine := 0, 0
	var line []byte
	in := ingest.Options{Stdin: body, KeepTextless: true}
	err := s.scorer.Stream(r.Context(), []string{"-"}, in, scoring.Options{Explain: explain}, func(sc scoring.Scored) error {
		if f := sc.Failure; f != nil {
			s.metrics.failed()
			lastLine = max(lastLine, f.Line)
			line = appendFailure(line[:0], *f)
		} else {
			s.metrics.scored(sc.Result.Severity)
			n++
			var err error
			if line, err = sc.Result.AppendJSONL(line[:0]); err != nil {
				s.metrics.failed()
				line = appendError(line[:0], "cannot write the scored record: "+err.Error(), 0, "")
			}
		}
		_, err := w.Write(line)
		return err // the client went away
	})
	if err != nil && r.Context().Err() == nil {
		msg := err.Error()
		if tooBig := (*http.MaxBytesError)(nil); errors.As(err, &tooBig) {
			msg = "request body too large"
		}
		w.Write(appendError(nil, msg, lastLine+1, ""))
	}
	s.metrics.request(time.Since(start), n)
}

// appendFailure writes a record's read failure as an error line: the
// reason, and where in the body it is.
func appendFailure(dst []byte, f ingest.Failure) []byte {
	msg := "unknown error"
	if f.Err != nil {
		msg = f.Err.Error()
	}
	return appendError(dst, msg, f.Line, f.Pointer)
}

// appendError writes {"error": msg, "line": N, "pointer": P} and a newline;
// line 0 and an empty pointer are left out.
func appendError(dst []byte, msg string, line int, pointer string) []byte {
	rec := struct {
		Error   string `json:"error"`
		Line    int    `json:"line,omitempty"`
		Pointer string `json:"pointer,omitempty"`
	}{msg, line, pointer}
	b, _ := json.Marshal(rec) // strings and an int always encode
	return append(append(dst, b...), '\n')
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
