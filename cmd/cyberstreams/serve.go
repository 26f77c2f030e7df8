package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/cyberstreams/cyberstreams/core/api"
)

func newServeCmd(app *App) *cobra.Command {
	var addr, ref string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve scoring over HTTP, with Prometheus metrics",
		Long: `Serve the scoring API on loopback (change --addr to expose it deliberately):

  POST /v1/score[?explain=K]  a body in any format 'score' reads (JSON lines of
                              the generic or advisory shape, OSV, CVE 5, KEV,
                              STIX, plain text; detected from the body), read
                              and scored exactly as 'score' reads a file;
                              answers one scored record per document, in
                              order — the same records as 'score --output
                              jsonl'; a bad record gets {"error": …, "line": N}
                              in its place
  GET  /healthz               {"status":"ok","model":…}
  GET  /metrics               Prometheus text format

The server stops cleanly on Ctrl-C or SIGTERM.`,
		Example: `  cyberstreams serve --addr 127.0.0.1:8080
  curl -s --data-binary @feed.jsonl 'http://127.0.0.1:8080/v1/score?explain=5'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := app.loadScorer(cmd.Context(), ref)
			if err != nil {
				return err
			}
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return fmt.Errorf("serve: %w", err)
			}
			srv := &http.Server{Handler: api.New(s), ReadHeaderTimeout: 10 * time.Second}
			app.Logf("serving model %s on http://%s\n", s.Version(), ln.Addr())
			done := make(chan error, 1)
			go func() { done <- srv.Serve(ln) }()
			select {
			case err := <-done:
				return fmt.Errorf("serve: %w", err)
			case <-cmd.Context().Done():
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				if err := srv.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
					return fmt.Errorf("serve: shutdown: %w", err)
				}
				app.Logf("stopped\n")
				return nil
			}
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8080", "listen address (loopback by default)")
	cmd.Flags().StringVar(&ref, "model", "", "model: default, a version, or a bundle directory")
	return cmd
}
