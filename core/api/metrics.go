package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/cyberstreams/cyberstreams/core/scoring"
)

// metrics is what /metrics exposes, in a registry of the server's own (no
// package-level state): requests by route and status, their latency,
// documents by class, the model being served, the build, and the Go
// runtime and process collectors.
type metrics struct {
	reg       *prometheus.Registry
	requests  *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	documents *prometheus.CounterVec
	failures  prometheus.Counter
	model     *prometheus.GaugeVec
	swaps     prometheus.Counter
	handler   http.Handler
}

func newMetrics(s *Server, build BuildInfo) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cyberstreams_http_requests_total",
			Help: "HTTP requests answered, by route and status code.",
		}, []string{"route", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "cyberstreams_http_request_duration_seconds",
			Help: "Time to answer an HTTP request, by route.",
			// From a single document (~0.1 ms) to a large batch (seconds).
			Buckets: []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30},
		}, []string{"route"}),
		documents: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cyberstreams_documents_scored_total",
			Help: "Documents scored, by decided severity class.",
		}, []string{"severity"}),
		failures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "cyberstreams_documents_failed_total",
			Help: "Documents in request bodies that could not be read.",
		}),
		model: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "cyberstreams_model_info",
			Help: "The model new requests are scored with (1 for its version).",
		}, []string{"version"}),
		swaps: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "cyberstreams_model_swaps_total",
			Help: "Times the served model was replaced (a promotion or rollback).",
		}),
	}
	buildInfo := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "cyberstreams_build_info",
		Help: "The binary: its version, VCS revision and Go version (always 1).",
	}, []string{"version", "revision", "goversion"})
	buildInfo.WithLabelValues(orUnknown(build.Version), orUnknown(build.Revision), orUnknown(build.GoVersion)).Set(1)
	m.reg.MustRegister(m.requests, m.latency, m.documents, m.failures, m.model, m.swaps, buildInfo,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if sc := s.scorer.Load(); sc != nil {
		m.model.WithLabelValues(sc.Version()).Set(1)
	}
	m.handler = promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
	return m
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

func (m *metrics) serve(w http.ResponseWriter, r *http.Request) { m.handler.ServeHTTP(w, r) }

func (m *metrics) request(route string, code int, d time.Duration) {
	m.requests.WithLabelValues(route, strconv.Itoa(code)).Inc()
	m.latency.WithLabelValues(route).Observe(d.Seconds())
}

func (m *metrics) scored(severity string) { m.documents.WithLabelValues(severity).Inc() }
func (m *metrics) failed()                { m.failures.Inc() }

func (m *metrics) modelChanged(prev, next *scoring.Scorer) {
	if prev != nil {
		m.model.DeleteLabelValues(prev.Version())
		m.swaps.Inc()
	}
	m.model.WithLabelValues(next.Version()).Set(1)
}
