// Package api serves scoring over HTTP for scripts and services that cannot
// shell out: POST one document or a batch, get scored records back (the
// same records as `cyberstreams score --output jsonl`), with the limits,
// status codes, health and readiness probes, OpenAPI description and
// Prometheus metrics a service is expected to have.
package api

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cyberstreams/cyberstreams/core/scoring"
	"github.com/cyberstreams/cyberstreams/core/techniques"
)

// Config bounds what one request may ask of the server. A zero field takes
// its default (Defaults).
type Config struct {
	// MaxRequestBytes bounds one request body.
	MaxRequestBytes int64
	// MaxDocumentBytes bounds one document: the body of a single-document
	// request, and each line of an NDJSON batch.
	MaxDocumentBytes int64
	// MaxInFlight is how many scoring requests run at once; one more is
	// answered 503 with Retry-After.
	MaxInFlight int
	// RequestTimeout bounds the scoring of one request (reading its body
	// and scoring it).
	RequestTimeout time.Duration
	// ReadHeaderTimeout, ReadTimeout and IdleTimeout are the HTTP server's
	// (see net/http.Server).
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	IdleTimeout       time.Duration
	// Token, when set, is the bearer token every request but the probes
	// must carry (Authorization: Bearer TOKEN); others get 401.
	Token string
	// Techniques, when set, gives the ATT&CK technique model that
	// ?techniques=true tags documents with (as `score --techniques`). It is
	// called once, on the first such request; nil refuses the parameter.
	Techniques func() (*techniques.Model, error)
	// Build names the binary in the build-info metric (version, revision).
	Build BuildInfo
}

// BuildInfo is what the binary says of itself.
type BuildInfo struct {
	Version, Revision, GoVersion string
}

// Defaults are the limits of a Config left zero: a single document up to
// 1 MiB (advisories are a few KiB, a long report's text a few hundred),
// a request up to 16 MiB (thousands of advisories), four scoring requests
// per core at once, and a minute to score one request.
var Defaults = Config{
	MaxRequestBytes:   16 << 20,
	MaxDocumentBytes:  1 << 20,
	MaxInFlight:       0, // 64 × GOMAXPROCS, see withDefaults
	RequestTimeout:    time.Minute,
	ReadHeaderTimeout: 10 * time.Second,
	ReadTimeout:       time.Minute,
	IdleTimeout:       2 * time.Minute,
}

func (c Config) withDefaults() Config {
	d := Defaults
	if c.MaxRequestBytes <= 0 {
		c.MaxRequestBytes = d.MaxRequestBytes
	}
	if c.MaxDocumentBytes <= 0 {
		c.MaxDocumentBytes = d.MaxDocumentBytes
	}
	if c.MaxInFlight <= 0 {
		// Requests are short (a document scores in tens of microseconds),
		// so many can wait on two cores; the cap bounds memory, not CPU.
		c.MaxInFlight = 64 * runtime.GOMAXPROCS(0)
	}
	if c.RequestTimeout <= 0 {
		c.RequestTimeout = d.RequestTimeout
	}
	if c.ReadHeaderTimeout <= 0 {
		c.ReadHeaderTimeout = d.ReadHeaderTimeout
	}
	if c.ReadTimeout <= 0 {
		c.ReadTimeout = d.ReadTimeout
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = d.IdleTimeout
	}
	return c
}

// Server is the HTTP scoring service.
type Server struct {
	cfg      Config
	scorer   atomic.Pointer[scoring.Scorer]
	draining atomic.Bool
	slots    chan struct{}
	metrics  *metrics
	routes   []route
	// techniques loads Config.Techniques once; nil when there is none.
	techniques func() (*techniques.Model, error)
}

// New builds the service around a scorer with the default limits.
func New(s *scoring.Scorer) *Server { return NewServer(s, Config{}) }

// NewServer builds the service around a scorer with the given limits.
func NewServer(s *scoring.Scorer, cfg Config) *Server {
	cfg = cfg.withDefaults()
	srv := &Server{cfg: cfg, slots: make(chan struct{}, cfg.MaxInFlight)}
	srv.scorer.Store(s)
	if cfg.Techniques != nil {
		srv.techniques = sync.OnceValues(cfg.Techniques)
	}
	srv.metrics = newMetrics(srv, cfg.Build)
	srv.routes = srv.table()
	return srv
}

// Config is the server's configuration with its defaults filled in.
func (s *Server) Config() Config { return s.cfg }

// Scorer is the scorer new requests are scored with.
func (s *Server) Scorer() *scoring.Scorer { return s.scorer.Load() }

// Swap makes next the scorer of every request that starts from now on;
// requests already running finish with the scorer they started with.
func (s *Server) Swap(next *scoring.Scorer) {
	prev := s.scorer.Swap(next)
	if prev == nil || prev.Version() != next.Version() {
		s.metrics.modelChanged(prev, next)
	}
}

// Drain marks the server as stopping: /readyz answers 503 so that a load
// balancer sends no new work, while running requests finish.
func (s *Server) Drain() { s.draining.Store(true) }

// HTTPServer is an http.Server for this service with its timeouts. There
// is no write timeout: a batch's answer streams for as long as its
// scoring runs, which RequestTimeout bounds.
func (s *Server) HTTPServer() *http.Server {
	return &http.Server{
		Handler:           s,
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
		ReadTimeout:       s.cfg.ReadTimeout,
		IdleTimeout:       s.cfg.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
	}
}

// route is one path of the service: the methods it answers, the request
// media types it takes, and every status its handler can answer (the
// OpenAPI description is checked against these).
type route struct {
	path     string
	method   string
	accepts  []string // request media types; nil for no body
	statuses []int
	public   bool // answered without the bearer token (probes)
	handler  http.HandlerFunc
}

// The request media types of POST /v1/score.
const (
	mediaJSON   = "application/json"
	mediaNDJSON = "application/x-ndjson"
	mediaText   = "text/plain"
	mediaFile   = "application/octet-stream"
)

// ndjsonAliases are the other names NDJSON goes by.
var ndjsonAliases = []string{"application/ndjson", "application/jsonl", "application/x-jsonlines", "application/jsonlines"}

func (s *Server) table() []route {
	return []route{
		{path: "/v1/score", method: http.MethodPost, accepts: []string{mediaJSON, mediaNDJSON, mediaText, mediaFile},
			statuses: []int{200, 400, 401, 405, 413, 415, 500, 503}, handler: s.score},
		{path: "/healthz", method: http.MethodGet, statuses: []int{200, 405}, public: true, handler: s.healthz},
		{path: "/readyz", method: http.MethodGet, statuses: []int{200, 405, 503}, public: true, handler: s.readyz},
		{path: "/metrics", method: http.MethodGet, statuses: []int{200, 401, 405}, handler: s.metrics.serve},
		{path: "/openapi.json", method: http.MethodGet, statuses: []int{200, 401, 405}, handler: serveOpenAPI},
	}
}

// ServeHTTP routes a request: an unknown path is 404, another method 405
// with Allow, a missing or wrong token 401; every error is a JSON object.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &recorder{ResponseWriter: w}
	rt := s.find(r.URL.Path)
	name := "other"
	if rt != nil {
		name = rt.path
	}
	defer func() { s.metrics.request(name, rec.status(), time.Since(start)) }()
	switch {
	case rt == nil:
		writeError(rec, http.StatusNotFound, problem{Error: "no such route: " + r.URL.Path + " (GET /openapi.json lists them)"})
	case r.Method != rt.method && !(rt.method == http.MethodGet && r.Method == http.MethodHead):
		allow := rt.method
		if rt.method == http.MethodGet {
			allow += ", HEAD"
		}
		rec.Header().Set("Allow", allow)
		writeError(rec, http.StatusMethodNotAllowed, problem{Error: r.Method + " is not allowed on " + rt.path + " (allowed: " + allow + ")"})
	case !rt.public && !s.authorized(r):
		rec.Header().Set("WWW-Authenticate", `Bearer realm="cyberstreams"`)
		writeError(rec, http.StatusUnauthorized, problem{Error: "missing or wrong bearer token (Authorization: Bearer …)"})
	default:
		rt.handler(rec, r)
	}
}

func (s *Server) find(path string) *route {
	i := slices.IndexFunc(s.routes, func(rt route) bool { return rt.path == path })
	if i < 0 {
		return nil
	}
	return &s.routes[i]
}

func (s *Server) authorized(r *http.Request) bool {
	if s.cfg.Token == "" {
		return true
	}
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && subtle.ConstantTimeCompare([]byte(got), []byte(s.cfg.Token)) == 1
}

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz is ready while a model is loaded and the server is not draining.
func (s *Server) readyz(w http.ResponseWriter, _ *http.Request) {
	sc := s.scorer.Load()
	switch {
	case s.draining.Load():
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "draining"})
	case sc == nil:
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "no model loaded"})
	default:
		writeJSON(w, http.StatusOK, map[string]string{"status": "ready", "model": sc.Version()})
	}
}

// recorder remembers the status a handler answered, for the metrics.
type recorder struct {
	http.ResponseWriter
	code int
}

func (r *recorder) WriteHeader(code int) {
	if r.code == 0 {
		r.code = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.code == 0 {
		r.code = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

func (r *recorder) status() int {
	if r.code == 0 {
		return http.StatusOK
	}
	return r.code
}

// Unwrap lets http.ResponseController reach the connection (flushing).
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// Loopback reports whether a listener's address is reachable from this
// machine only; any other address needs a bearer token (Config.Token).
func Loopback(addr net.Addr) bool {
	tcp, ok := addr.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}

// Run serves on ln until ctx ends, then drains: /readyz turns 503, the
// listener closes, and running requests finish (for up to drain) before
// Run returns. A drain that runs out of time is an error; a clean stop is
// nil, so that SIGTERM exits 0.
func (s *Server) Run(ctx context.Context, ln net.Listener, drain time.Duration) error {
	hs := s.HTTPServer()
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ln) }()
	select {
	case err := <-done:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	s.Drain()
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), drain)
	defer cancel()
	if err := hs.Shutdown(dctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: requests still running after %s: %w", drain, err)
	}
	return nil
}
