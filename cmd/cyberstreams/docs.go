package main

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/ingest"
	"github.com/cyberstreams/cyberstreams/core/termsafe"
	"github.com/cyberstreams/cyberstreams/core/workspace"
	"github.com/cyberstreams/cyberstreams/labels"
)

type docsListOptions struct {
	Source string
	Since  string
	Limit  int
}

func newDocsCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "docs",
		Short: "Look at the documents in the workspace",
		Long:  "List the documents the workspace holds, or show one in full.",
		Example: `  cyberstreams docs list --limit 20
  cyberstreams docs list --json > all.json
  cyberstreams docs show GHSA-xxxx-xxxx-xxxx`,
	}
	var lo docsListOptions
	list := &cobra.Command{
		Use:   "list",
		Short: "List documents",
		Long: `List documents in ingest order. At a terminal this is a table; with --json
it is every matching document as a JSON array (no paging when piped), with
model_class and analyst_label beside the source's severity.

The table keeps three opinions of a document's severity apart: SOURCE SAYS is
the label the feed or advisory gave, MODEL the class of the workspace's stored
score ("-" until triage or a retrain has scored it), ANALYST the current
analyst label.`,
		Example: "  cyberstreams docs list --source nvd --since 2024-01-01\n  cyberstreams docs list --json | jq length",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ws, err := app.Workspace(cmd.Context())
			if err != nil {
				return err
			}
			opts := workspace.ListOptions{Source: lo.Source, Limit: lo.Limit}
			if lo.Since != "" {
				t, err := time.Parse("2006-01-02", lo.Since)
				if err != nil {
					return usagef("--since %q: want YYYY-MM-DD", lo.Since)
				}
				opts.Since = t
			}
			if app.JSON {
				return writeDocsJSON(cmd, app, ws, opts)
			}
			tw := tabwriter.NewWriter(app.IO.Out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tPUBLISHED\tSOURCE\tSOURCE SAYS\tMODEL\tANALYST\tTITLE")
			err = ws.EachListing(cmd.Context(), opts, func(l workspace.Listing) error {
				_, err := fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", termsafe.Line(l.ID, 40), day(l.Published),
					termsafe.Line(orDash(l.Source), 20), termsafe.Line(orDash(l.SourceSeverity), 13), orDash(l.ModelClass),
					orDash(l.AnalystLabel), termsafe.Line(l.Headline, 60))
				return err
			})
			if err != nil {
				return err
			}
			return tw.Flush()
		},
	}
	list.Flags().StringVar(&lo.Source, "source", "", "only documents from this source")
	list.Flags().StringVar(&lo.Since, "since", "", "only documents published on or after this date (YYYY-MM-DD)")
	list.Flags().IntVar(&lo.Limit, "limit", 0, "at most this many documents (0 = all)")

	var history bool
	show := &cobra.Command{
		Use:   "show DOC",
		Short: "Show one document in full",
		Long: `Show a document's fields, text and entities, its version, and every label
analysts gave it with their notes. DOC is a document id, a CVE or GHSA id that
exactly one document carries (as its id or an alias), or an unambiguous id
prefix of six or more characters. --history adds the versions that later
ingests replaced.`,
		Example: "  cyberstreams docs show CVE-2021-44228\n  cyberstreams docs show KEV-CVE-2021-44228 --history --json",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			ws, err := app.Workspace(ctx)
			if err != nil {
				return err
			}
			d, err := ws.Document(ctx, args[0])
			if err != nil {
				return err
			}
			// The entities the workspace's knowledge gives it now (names
			// learned from the graph since it was stored), as triage and
			// score give it.
			d.Entities = ingest.Entities(app.extractor(ctx), &d)
			versions, err := ws.History(ctx, d.ID)
			if err != nil {
				return err
			}
			given, err := ws.Labels().OfDocument(ctx, d.ID)
			if err != nil {
				return err
			}
			out := shownDocument{Document: d, Labels: given}
			if n := len(versions); n > 0 {
				out.Version, out.StoredAt = versions[n-1].Version, versions[n-1].StoredAt
				if history {
					out.Earlier = versions[:n-1]
				}
			}
			if out.Labels == nil {
				out.Labels = []labels.DocumentLabel{}
			}
			if app.JSON {
				return writeJSON(app.IO.Out, out)
			}
			return printDocument(app, out)
		},
	}
	show.Flags().BoolVar(&history, "history", false, "also show the versions later ingests replaced")
	cmd.AddCommand(list, show)
	return cmd
}

func writeDocsJSON(cmd *cobra.Command, app *App, ws *workspace.Workspace, opts workspace.ListOptions) error {
	// Stream a JSON array so that a large workspace never sits in memory.
	w := app.IO.Out
	fmt.Fprint(w, "[")
	first := true
	err := ws.EachAssessedDocument(cmd.Context(), opts, func(d workspace.AssessedDocument) error {
		if !first {
			fmt.Fprint(w, ",")
		}
		first = false
		fmt.Fprint(w, "\n")
		return writeJSONLine(w, d)
	})
	if err != nil {
		return err
	}
	_, err = fmt.Fprint(w, "\n]\n")
	return err
}

// shownDocument is what docs show prints: the document, its version and
// the labels analysts gave it.
type shownDocument struct {
	document.Document
	Version  int                    `json:"version"`
	StoredAt time.Time              `json:"stored_at"`
	Earlier  []workspace.Version    `json:"earlier_versions,omitempty"`
	Labels   []labels.DocumentLabel `json:"labels"`
}

func printDocument(app *App, s shownDocument) error {
	w := app.IO.Out
	d := s.Document
	fmt.Fprintf(w, "%s\n", termsafe.Strip(d.Headline()))
	fmt.Fprintf(w, "id:        %s\n", termsafe.Strip(d.ID))
	fmt.Fprintf(w, "source:    %s (%s)\n", termsafe.Strip(orDash(d.Source)), orDash(d.Format))
	fmt.Fprintf(w, "published: %s\n", day(d.Published))
	if d.Severity != "" {
		fmt.Fprintf(w, "severity:  %s (from the source)\n", termsafe.Strip(d.Severity))
	}
	if s.Version > 1 {
		fmt.Fprintf(w, "version:   %d, stored %s (%d earlier; --history shows them)\n", s.Version, minute(s.StoredAt), s.Version-1)
	}
	for _, f := range []struct {
		name string
		vals []string
	}{{"aliases", d.Aliases}, {"cwes", d.CWEs}, {"packages", d.Packages}, {"vendors", d.Vendors}} {
		if len(f.vals) > 0 {
			fmt.Fprintf(w, "%-10s %s\n", f.name+":", termsafe.Strip(strings.Join(f.vals, ", ")))
		}
	}
	fmt.Fprintf(w, "\n%s\n", termsafe.Strip(d.Body))
	if len(d.Entities) > 0 {
		fmt.Fprintln(w, "\nentities:")
		for _, typ := range sortedKeys(d.Entities) {
			fmt.Fprintf(w, "  %-16s %s\n", typ, termsafe.Strip(strings.Join(d.Entities[typ], ", ")))
		}
	}
	fmt.Fprintln(w, "\nlabels:")
	if len(s.Labels) == 0 {
		fmt.Fprintln(w, "  none yet (cyberstreams label add "+termsafe.Line(d.ID, 60)+" SEVERITY)")
	}
	for _, l := range s.Labels {
		state := ""
		switch {
		case l.Retracted:
			state = " (taken back)"
		case l.Current:
			state = " (current)"
		}
		fmt.Fprintf(w, "  %s  %-13s by %s%s\n", minute(l.CreatedAt), l.Severity, termsafe.Line(l.Analyst, 30), state)
		if l.Note != "" {
			fmt.Fprintf(w, "      note: %s\n", termsafe.Line(l.Note, 200))
		}
	}
	if len(s.Earlier) > 0 {
		fmt.Fprintln(w, "\nearlier versions:")
		for _, v := range s.Earlier {
			fmt.Fprintf(w, "  %d  %s – %s  %s  severity %s\n", v.Version, minute(v.StoredAt), minute(v.ReplacedAt),
				termsafe.Line(v.Document.Headline(), 70), orDash(termsafe.Strip(v.Document.Severity)))
		}
	}
	return nil
}

func minute(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format("2006-01-02 15:04")
}

func day(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
