package main

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/termsafe"
	"github.com/cyberstreams/cyberstreams/core/workspace"
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
it is every matching document as a JSON array (no paging when piped).`,
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
			fmt.Fprintln(tw, "ID\tPUBLISHED\tSOURCE\tSEVERITY\tTITLE")
			err = ws.EachDocument(cmd.Context(), opts, func(d document.Document) error {
				_, err := fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", termsafe.Line(d.ID, 40), day(d.Published),
					termsafe.Line(d.Source, 20), orDash(d.Severity), termsafe.Line(d.Headline(), 70))
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

	show := &cobra.Command{
		Use:     "show ID",
		Short:   "Show one document in full",
		Long:    "Show a document's fields, text and entities. An unambiguous id prefix of six or more characters is enough.",
		Example: "  cyberstreams docs show CVE-2024-3094\n  cyberstreams docs show doc-3f2a9c --json",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ws, err := app.Workspace(cmd.Context())
			if err != nil {
				return err
			}
			d, err := ws.Document(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if app.JSON {
				return writeJSON(app.IO.Out, d)
			}
			return printDocument(app, d)
		},
	}
	cmd.AddCommand(list, show)
	return cmd
}

func writeDocsJSON(cmd *cobra.Command, app *App, ws *workspace.Workspace, opts workspace.ListOptions) error {
	// Stream a JSON array so that a large workspace never sits in memory.
	w := app.IO.Out
	fmt.Fprint(w, "[")
	first := true
	err := ws.EachDocument(cmd.Context(), opts, func(d document.Document) error {
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

func printDocument(app *App, d document.Document) error {
	w := app.IO.Out
	fmt.Fprintf(w, "%s\n", termsafe.Strip(d.Headline()))
	fmt.Fprintf(w, "id:        %s\n", termsafe.Strip(d.ID))
	fmt.Fprintf(w, "source:    %s (%s)\n", termsafe.Strip(orDash(d.Source)), orDash(d.Format))
	fmt.Fprintf(w, "published: %s\n", day(d.Published))
	if d.Severity != "" {
		fmt.Fprintf(w, "severity:  %s (from the source)\n", d.Severity)
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
	return nil
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
