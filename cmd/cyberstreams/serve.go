package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"runtime/debug"
	"time"

	"github.com/spf13/cobra"

	"github.com/cyberstreams/cyberstreams/core/api"
	"github.com/cyberstreams/cyberstreams/core/buildinfo"
	"github.com/cyberstreams/cyberstreams/core/registry"
	"github.com/cyberstreams/cyberstreams/core/scoring"
	"github.com/cyberstreams/cyberstreams/core/techniques"
)

// tokenEnv names the variable the bearer token is read from: a token is a
// secret, so never a flag (flags show in ps and shell history).
const tokenEnv = "CYBERSTREAMS_TOKEN"

// ServeOptions are serve's flags.
type ServeOptions struct {
	Addr   string
	Model  string
	Limits api.Config
	Follow time.Duration
	Drain  time.Duration
}

func newServeCmd(app *App) *cobra.Command {
	opts := ServeOptions{}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve scoring over HTTP, with OpenAPI, probes and Prometheus metrics",
		Long: `Serve the scoring API on loopback (change --addr to expose it deliberately;
any address but loopback needs a bearer token in $` + tokenEnv + `, which every
request but the probes must then send as "Authorization: Bearer TOKEN").

  POST /v1/score[?explain=K][&horizon=D][&techniques=true]
                               score documents, read exactly as 'score' reads
                               a file (techniques=true: with their ATT&CK
                               techniques, as 'score --techniques'; each record
                               has 'score's exploitation likelihood over D =
                               30 (default), 90 or 365 days, none with 0);
                               the Content-Type says what the body is:
        application/json         one document (generic, advisory, OSV, CVE 5
                                 or STIX object) → its record as one JSON object
        application/x-ndjson     one document per line → one record per line,
                                 streamed in order; a bad line gets
                                 {"error": …, "line": N} in its place
        text/plain               one report's text → its record
        application/octet-stream a file in any format 'score' reads (JSON
        (or no Content-Type)     lines, OSV, CVE 5, KEV, STIX, text) → one
                                 record per document, streamed as for NDJSON
  GET  /healthz                the process is alive
  GET  /readyz                 a model is loaded and the server is not draining
  GET  /metrics                Prometheus text format
  GET  /openapi.json           the OpenAPI 3.1 description of all of this

Errors are JSON objects {"error": …}: 400 for a body that is not what the
Content-Type says (with "line" for NDJSON), 413 past --max-request-bytes or
--max-document-bytes, 415 for another Content-Type, 405 (with Allow) for
another method, 503 with Retry-After past --max-in-flight.

With no --model (or --model champion) the server follows the workspace's
champion: when retrain, triage --session or models promote/rollback (in any
process) changes it, new requests are scored by the new model and requests
already running finish on the old one. Ctrl-C or SIGTERM stops accepting
connections, lets running requests finish (up to --drain-timeout) and exits 0.`,
		Example: `  cyberstreams serve --addr 127.0.0.1:8080
  curl -s -H 'Content-Type: application/json' --data-binary '{"id":"a","title":"remote code execution"}' http://127.0.0.1:8080/v1/score
  zcat ../shared/data/advisories_train.jsonl.gz | head -100 | curl -s -H 'Content-Type: application/x-ndjson' --data-binary @- 'http://127.0.0.1:8080/v1/score?explain=5'
  curl -s -H 'Content-Type: application/octet-stream' --data-binary @../shared/data/kev.json http://127.0.0.1:8080/v1/score`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return serveRun(cmd.Context(), app, opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Addr, "addr", "127.0.0.1:8080", "listen address (loopback by default; others need $"+tokenEnv+")")
	f.StringVar(&opts.Model, "model", "", "model: champion (followed; the default), default, a version, or a bundle directory")
	f.Int64Var(&opts.Limits.MaxRequestBytes, "max-request-bytes", api.Defaults.MaxRequestBytes, "largest request body (413 past it)")
	f.Int64Var(&opts.Limits.MaxDocumentBytes, "max-document-bytes", api.Defaults.MaxDocumentBytes, "largest document: a single-document body, or one NDJSON line (413 past it)")
	f.IntVar(&opts.Limits.MaxInFlight, "max-in-flight", 0, "scoring requests at once, 503 with Retry-After past it (0: 64 per core)")
	f.DurationVar(&opts.Limits.RequestTimeout, "request-timeout", api.Defaults.RequestTimeout, "longest time to read and score one request")
	f.DurationVar(&opts.Limits.ReadTimeout, "read-timeout", api.Defaults.ReadTimeout, "longest time to read a request, body included")
	f.DurationVar(&opts.Limits.ReadHeaderTimeout, "read-header-timeout", api.Defaults.ReadHeaderTimeout, "longest time to read a request's headers")
	f.DurationVar(&opts.Limits.IdleTimeout, "idle-timeout", api.Defaults.IdleTimeout, "longest time a keep-alive connection waits for its next request")
	f.DurationVar(&opts.Follow, "follow-interval", 2*time.Second, "how often to check for a new champion")
	f.DurationVar(&opts.Drain, "drain-timeout", 30*time.Second, "on SIGTERM, how long running requests may take to finish")
	return cmd
}

func serveRun(ctx context.Context, app *App, opts ServeOptions) error {
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	defer ln.Close()
	cfg := opts.Limits
	cfg.Token = os.Getenv(tokenEnv)
	if !api.Loopback(ln.Addr()) && cfg.Token == "" {
		return fmt.Errorf("serve: %s is not a loopback address: set a bearer token in $%s to expose the API", ln.Addr(), tokenEnv)
	}
	info := buildinfo.Read(version)
	cfg.Build = api.BuildInfo{Version: info.Version, Revision: info.Revision, GoVersion: info.Go}
	// ?techniques=true tags with the model `score --techniques` uses,
	// loaded on the first request that asks.
	cfg.Techniques = func() (*techniques.Model, error) { return loadTechniqueModel(app, "") }

	follow := (opts.Model == "" || opts.Model == registry.Champion) && app.workspaceExists()
	var (
		s        *scoring.Scorer
		champion api.Champion
		serving  string
	)
	if follow {
		ws, err := app.Workspace(ctx)
		if err != nil {
			return err
		}
		champion = api.WorkspaceChampion(ws)
		if serving, err = champion.Version(ctx); err != nil {
			return fmt.Errorf("serve: %w", err)
		}
		if s, err = champion.Scorer(ctx, serving); err != nil {
			return fmt.Errorf("serve: model %s: %w", serving, err)
		}
	} else if s, err = app.loadScorer(ctx, opts.Model); err != nil {
		return err
	}

	if os.Getenv("GOGC") == "" {
		// Each request's reading buffers are garbage at its end: collect
		// at the live heap's 4×, as `score` does (scoring.StreamGCPercent).
		debug.SetGCPercent(scoring.StreamGCPercent)
	}
	srv := api.NewServer(s, cfg)
	if follow {
		followCtx, stopFollow := context.WithCancel(ctx)
		defer stopFollow()
		go srv.Follow(followCtx, champion, serving, opts.Follow, app.Logf)
	}
	app.Logf("serving model %s on http://%s (OpenAPI at /openapi.json)\n", s.Version(), ln.Addr())
	if err := srv.Run(ctx, ln, opts.Drain); err != nil {
		return err
	}
	app.Logf("stopped (every running request finished)\n")
	return nil
}
