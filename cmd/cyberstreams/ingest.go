package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cyberstreams/cyberstreams/core/ingest"
	"github.com/cyberstreams/cyberstreams/core/termsafe"
)

// ingestOptions is what the ingest command was asked to do.
type ingestOptions struct {
	Paths  []string
	Format ingest.Format
	Fields map[string]string
	Source string
}

func newIngestCmd(app *App) *cobra.Command {
	var format string
	var fields []string
	var opts ingestOptions
	cmd := &cobra.Command{
		Use:   "ingest PATH...",
		Short: "Read documents into the workspace",
		Long: `Read advisories, reports and feed items into the workspace: files,
directories (recursively, in name order, hidden entries left out) and stdin
("-"). Gzip is undone transparently and UTF-16 text with a byte-order mark is
decoded.

Formats (--format, default auto: by extension and first bytes):
  jsonl  one JSON object per line: id, title, text, source, published,
         severity; rename with --field ROLE=NAME (dotted names reach into
         nested objects)
  text   .txt/.md: one document per file, the first line is the title
  osv    OSV/GHSA advisories, one per file or one per line
  cve5   CVE JSON 5 records
  kev    the CISA Known Exploited Vulnerabilities catalog
  stix   STIX 2.1 bundles (reports, indicators, vulnerabilities, ATT&CK objects)

Entities are extracted (indicators refanged). Documents are keyed by id:
records with different ids are different documents, even with the same text,
and only records without an id are merged by their content. A record whose id
is stored already is unchanged when it says the same and an update when not;
the version it replaces is kept (docs show --history). Running the same ingest
twice changes nothing.

A record that cannot be read is printed as "error: FILE:LINE: message" (or
FILE#/json/pointer) and the others still load. The summary "N new, U updated,
C unchanged, K failed" goes to stderr, with a line per path when there are
several; --json prints the summary with every failure and the counts per
path on stdout. Exit 1 when anything failed.`,
		Example: `  cyberstreams ingest ./advisories/
  cyberstreams ingest known_exploited_vulnerabilities.json enterprise-attack.json
  zcat feed.jsonl.gz | cyberstreams ingest - --format jsonl --field id=cve_id --field text=description
  cyberstreams ingest reports/ --json | jq '.failures[].file'`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := ingest.ParseFormat(format)
			if err != nil {
				return usagef("--format: %v", err)
			}
			opts.Format = f
			opts.Paths = args
			opts.Fields = map[string]string{}
			for _, kv := range fields {
				role, name, ok := strings.Cut(kv, "=")
				if !ok {
					return usagef("--field %q: want ROLE=NAME, e.g. text=description", kv)
				}
				opts.Fields[strings.TrimSpace(role)] = strings.TrimSpace(name)
			}
			if err := ingest.CheckFields(opts.Fields); err != nil {
				return usagef("--field: %v", err)
			}
			return ingestRun(cmd.Context(), app, &opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&format, "format", "auto", "input format: auto|jsonl|text|osv|cve5|kev|stix")
	fl.StringArrayVar(&fields, "field", nil, "JSONL field for a role, ROLE=NAME (roles: id, title, text, source, published, severity); repeatable")
	fl.StringVar(&opts.Source, "source", "", "set every document's source to this name")
	return cmd
}

func ingestRun(ctx context.Context, app *App, opts *ingestOptions) error {
	ws, err := app.Workspace(ctx)
	if err != nil {
		return err
	}
	var progress func(ingest.Progress)
	shown := false
	if app.IO.ErrIsTTY && !app.Quiet {
		progress = func(p ingest.Progress) {
			rate := float64(p.Read) / max(p.Elapsed.Seconds(), 1e-3)
			fmt.Fprintf(app.IO.ErrOut, "\r\x1b[Kingesting: %d read, %s (%.0f/s)", p.Read, countsLine(p.Counts), rate)
			shown = true
		}
	}
	start := time.Now()
	ex := app.extractor(ctx) // knows ATT&CK names once the graph has them
	sum, runErr := ingest.Run(ctx, ws, opts.Paths, ingest.Options{
		Format:  opts.Format,
		Fields:  opts.Fields,
		Source:  opts.Source,
		Stdin:   app.IO.In,
		Extract: func(text string) map[string][]string { return ex.Extract(text) },
	}, progress)
	if shown {
		fmt.Fprint(app.IO.ErrOut, "\r\x1b[K")
	}
	// Failure messages quote file names and bits of the input: strip
	// anything a terminal would interpret.
	for _, f := range sum.Failures {
		app.Failuref("%s", f.Error())
	}
	for _, f := range sum.SkippedFiles {
		app.Logf("skipped %s: a directory's files are read when named %s (or .gz of those)\n",
			termsafe.Line(f, 200), strings.Join(ingest.Extensions(), ", "))
	}
	if len(opts.Paths) > 1 || runErr != nil {
		for _, p := range sum.Paths {
			app.Logf("%s: %s\n", termsafe.Line(p.Path, 200), pathLine(p.Counts))
		}
	}
	if runErr != nil {
		// What the summary counts was stored before the run stopped.
		app.Logf("stopped after %s\n", countsLine(sum.Counts))
		return fmt.Errorf("ingest: %w", runErr)
	}
	app.Logf("%s (%s)\n", countsLine(sum.Counts), time.Since(start).Round(time.Millisecond))
	if app.JSON {
		if sum.Failures == nil {
			sum.Failures = []ingest.Failure{}
		}
		if err := writeJSON(app.IO.Out, sum); err != nil {
			return err
		}
	}
	if sum.Failed > 0 {
		return silentExit(exitError)
	}
	return nil
}

// countsLine is "N new, U updated, C unchanged, K failed[, S skipped]".
func countsLine(c ingest.Counts) string {
	line := fmt.Sprintf("%d new, %d updated, %d unchanged, %d failed", c.New, c.Updated, c.Unchanged, c.Failed)
	if c.Skipped > 0 {
		line += fmt.Sprintf(", %d skipped", c.Skipped)
	}
	return line
}

// pathLine says what one path gave, and plainly when none of it is in the
// workspace.
func pathLine(c ingest.Counts) string {
	if c.Stored() == 0 && c.Unchanged == 0 {
		if c.Failed == 0 {
			return fmt.Sprintf("nothing stored (no documents, %d skipped)", c.Skipped)
		}
		return fmt.Sprintf("nothing stored, %d failed", c.Failed)
	}
	return countsLine(c)
}
