package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/cyberstreams/cyberstreams/core/graphsync"
	"github.com/cyberstreams/cyberstreams/core/termsafe"
	"github.com/cyberstreams/cyberstreams/core/workspace"
	"github.com/cyberstreams/cyberstreams/kg/neo4j"
	"github.com/cyberstreams/cyberstreams/labels"
)

// defaultAnalyst is who a label is from when --analyst is not given.
func defaultAnalyst() string {
	if u := strings.TrimSpace(os.Getenv("USER")); u != "" {
		return u
	}
	return "analyst"
}

func labelStore(ctx context.Context, app *App) (*labels.Store, *workspace.Workspace, error) {
	ws, err := app.Workspace(ctx)
	if err != nil {
		return nil, nil, err
	}
	return ws.Labels(), ws, nil
}

func newLabelCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "label",
		Short: "Record, undo, list, import and export analyst labels",
		Long: `Analyst labels are the severities people give documents; the model retrains
from them. Every label is kept: a correction is a newer label and undo adds a
retraction, so the history can be exported in full.

A document's current label, the one training uses, is chosen among each
analyst's latest label of it that was not undone: an adjudicator's (label
adjudicators), else the severity most analysts gave, else the latest label. One
analyst alone gets their latest label.

Severities: critical, high, medium, low, informational, or 1-5 in that order.`,
		Example: `  cyberstreams label add CVE-2024-3094 critical --note "backdoor in xz"
  cyberstreams label undo
  cyberstreams label list --disagreeing
  cyberstreams label import team-labels.csv
  cyberstreams label export --all > history.jsonl
  cyberstreams label agreement`,
	}
	cmd.AddCommand(newLabelAddCmd(app), newLabelUndoCmd(app), newLabelListCmd(app),
		newLabelImportCmd(app), newLabelExportCmd(app), newLabelAgreementCmd(app), newLabelStatsCmd(app), newLabelPullCmd(app), newLabelAdjudicatorsCmd(app),
		newLabelTechniquesCmd(app))
	return cmd
}

type labelAddOptions struct {
	Doc, Severity, Note, Analyst string
}

func newLabelAddCmd(app *App) *cobra.Command {
	var o labelAddOptions
	cmd := &cobra.Command{
		Use:   "add DOC SEVERITY",
		Short: "Label a document",
		Long: `Label a document with a severity. The label is on disk when the command
returns. DOC is a document id, a CVE or GHSA id that exactly one document
carries (as its id or an alias; when several do, the error lists them), or an
unambiguous id prefix of six or more characters. When the workspace holds a
score for the document, the label records what the model said.`,
		Example: "  cyberstreams label add CVE-2021-44228 critical --note \"log4shell\"\n  cyberstreams label add GHSA-xxxx-xxxx-xxxx high\n  cyberstreams label add doc-3f2a9c 2 --note \"PoC public\" --analyst ana",
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Doc, o.Severity = args[0], args[1]
			return labelAdd(cmd.Context(), app, o)
		},
	}
	cmd.Flags().StringVar(&o.Note, "note", "", "why, in a few words")
	cmd.Flags().StringVar(&o.Analyst, "analyst", "", "who labels (default $USER)")
	return cmd
}

func labelAdd(ctx context.Context, app *App, o labelAddOptions) error {
	sev, err := labels.ParseSeverity(o.Severity)
	if err != nil {
		return usageError{err}
	}
	store, ws, err := labelStore(ctx, app)
	if err != nil {
		return err
	}
	d, err := labelDocument(ctx, ws, o.Doc)
	if err != nil {
		return err
	}
	docID := d.ID // an alias or a prefix resolved to the document's id
	if o.Analyst == "" {
		o.Analyst = defaultAnalyst()
	}
	e, err := store.Add(ctx, labels.Event{DocID: docID, Severity: sev, Analyst: o.Analyst, Note: o.Note, Origin: "cli"})
	if err != nil {
		return err
	}
	if app.JSON {
		return writeJSON(app.IO.Out, e)
	}
	line := fmt.Sprintf("labelled %s %s (event %d by %s)", termsafe.Line(e.DocID, 60), e.Severity, e.ID, termsafe.Line(e.Analyst, 40))
	if e.Predicted != "" {
		line += fmt.Sprintf("; the model (%s) said %s", termsafe.Line(e.ModelVersion, 40), e.Predicted)
	}
	_, err = fmt.Fprintln(app.IO.Out, line)
	return err
}

func newLabelUndoCmd(app *App) *cobra.Command {
	var analyst string
	cmd := &cobra.Command{
		Use:   "undo",
		Short: "Take back your latest label",
		Long: `Retract the analyst's most recent label that is still in force. Run it again
to go further back. The label stays in the history, marked as retracted.`,
		Example: "  cyberstreams label undo\n  cyberstreams label undo --analyst ana --json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			store, _, err := labelStore(ctx, app)
			if err != nil {
				return err
			}
			if analyst == "" {
				analyst = defaultAnalyst()
			}
			undone, err := store.Undo(ctx, analyst)
			if err != nil {
				return err
			}
			cur, ok, err := store.Current(ctx, undone.DocID)
			if err != nil {
				return err
			}
			if app.JSON {
				out := struct {
					Undone  labels.Event  `json:"undone"`
					Current *labels.Event `json:"current"`
				}{Undone: undone}
				if ok {
					out.Current = &cur
				}
				return writeJSON(app.IO.Out, out)
			}
			now := "it has no label now"
			if ok {
				now = fmt.Sprintf("its label is now %s (by %s)", cur.Severity, termsafe.Line(cur.Analyst, 40))
			}
			_, err = fmt.Fprintf(app.IO.Out, "undid %s %s (event %d by %s); %s\n", termsafe.Line(undone.DocID, 60),
				undone.Severity, undone.ID, termsafe.Line(undone.Analyst, 40), now)
			return err
		},
	}
	cmd.Flags().StringVar(&analyst, "analyst", "", "whose label to take back (default $USER)")
	return cmd
}

type labelListOptions struct {
	Analyst, Severity, Since string
	Disagreeing, Contested   bool
	Limit                    int
}

func newLabelListCmd(app *App) *cobra.Command {
	var o labelListOptions
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List current labels",
		Long: `List each labelled document's current label, newest first. At a terminal this
is a table; piped, it is one JSON object per line; with --json, a JSON array.
--disagreeing keeps labels that differ from the model's score of the document;
--contested keeps documents that analysts labelled differently (their latest
labels, teammates' pulled ones included), showing the label training uses.`,
		Example: "  cyberstreams label list --analyst ana --since 2025-03-01\n  cyberstreams label list --disagreeing --limit 20\n  cyberstreams label list --contested",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return labelList(cmd.Context(), app, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Analyst, "analyst", "", "only labels by this analyst")
	f.StringVar(&o.Severity, "severity", "", "only labels of this severity")
	f.StringVar(&o.Since, "since", "", "only labels given on or after this date (YYYY-MM-DD)")
	f.BoolVar(&o.Disagreeing, "disagreeing", false, "only labels that differ from the model")
	f.BoolVar(&o.Contested, "contested", false, "only documents whose analysts' latest labels differ (teammates disagree)")
	f.IntVar(&o.Limit, "limit", 0, "at most this many labels (0 = all)")
	return cmd
}

func labelList(ctx context.Context, app *App, o labelListOptions) error {
	filter := labels.Filter{Analyst: o.Analyst, DisagreeingWithModel: o.Disagreeing, Contested: o.Contested, Limit: o.Limit}
	if o.Severity != "" {
		sev, err := labels.ParseSeverity(o.Severity)
		if err != nil {
			return usagef("--severity: %v", err)
		}
		filter.Severity = sev
	}
	if o.Since != "" {
		t, err := time.Parse("2006-01-02", o.Since)
		if err != nil {
			return usagef("--since %q: want YYYY-MM-DD", o.Since)
		}
		filter.Since = t
	}
	if o.Limit < 0 {
		return usagef("--limit %d: want 0 or more", o.Limit)
	}
	store, _, err := labelStore(ctx, app)
	if err != nil {
		return err
	}
	events, err := store.CurrentAll(ctx, filter)
	if err != nil {
		return err
	}
	switch {
	case app.JSON:
		if events == nil {
			events = []labels.Event{}
		}
		return writeJSON(app.IO.Out, events)
	case !app.IO.OutIsTTY:
		for _, e := range events {
			if err := writeJSONLine(app.IO.Out, e); err != nil {
				return err
			}
		}
		return nil
	}
	tw := tabwriter.NewWriter(app.IO.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "EVENT\tDOCUMENT\tSEVERITY\tMODEL SAID\tANALYST\tLABELLED\tNOTE")
	for _, e := range events {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", e.ID, termsafe.Line(e.DocID, 40), e.Severity, orDash(e.Predicted),
			termsafe.Line(e.Analyst, 20), e.CreatedAt.Local().Format("2006-01-02 15:04"), termsafe.Line(orDash(e.Note), 50))
	}
	return tw.Flush()
}

// transferFormat picks jsonl or csv: the flag, else the file's extension.
func transferFormat(flag, path string) (string, error) {
	switch flag {
	case "jsonl", "csv":
		return flag, nil
	case "":
		if strings.EqualFold(filepath.Ext(path), ".csv") {
			return "csv", nil
		}
		return "jsonl", nil
	}
	return "", usagef("--format %q: want jsonl or csv", flag)
}

func newLabelImportCmd(app *App) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "import FILE|-",
		Short: "Import labels from JSONL or CSV",
		Long: `Import labels. JSONL lines carry {"doc_id","severity","analyst","created_at","note"};
CSV has the header doc_id,severity,analyst,created_at,note. Only doc_id and
severity are required. Importing the same labels again adds nothing. A bad line
is reported as FILE:LINE and skipped; the exit code is 1 if any line failed.`,
		Example: "  cyberstreams label import team-labels.csv\n  zcat labels.jsonl.gz | cyberstreams label import -",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			fmtName, err := transferFormat(format, args[0])
			if err != nil {
				return err
			}
			var r io.Reader = app.IO.In
			name := "stdin"
			if args[0] != "-" {
				f, err := os.Open(args[0])
				if err != nil {
					return fmt.Errorf("import labels: %w", err)
				}
				defer f.Close()
				r, name = f, args[0]
			}
			store, _, err := labelStore(ctx, app)
			if err != nil {
				return err
			}
			res, err := store.Import(ctx, r, fmtName, name, "import")
			for _, le := range res.Errors {
				fmt.Fprintln(app.IO.ErrOut, "error: "+termsafe.Line(le.Error(), 300))
			}
			if err != nil {
				return err
			}
			if app.JSON {
				if err := writeJSON(app.IO.Out, res); err != nil {
					return err
				}
			} else {
				fmt.Fprintf(app.IO.Out, "%d imported, %d already present, %d failed\n", res.Imported, res.Already, res.Failed)
			}
			if res.Failed > 0 {
				return silentExit(exitError)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "", "jsonl or csv (default: from the file name, else jsonl)")
	return cmd
}

func newLabelExportCmd(app *App) *cobra.Command {
	var format string
	var all bool
	cmd := &cobra.Command{
		Use:   "export [FILE|-]",
		Short: "Export labels as JSONL or CSV",
		Long: `Export every document's current label, oldest first, in the format import
reads. --all exports the whole history instead, retractions included, with the
fields id, kind, retracts, origin, model_version and predicted added. Without
FILE (or with -) the labels go to stdout; a FILE is replaced only when the
export is complete.`,
		Example: "  cyberstreams label export labels.csv\n  cyberstreams label export --all > history.jsonl",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return labelExport(cmd.Context(), app, args, format, all, (*labels.Store).Export, (*labels.Store).ExportFile)
		},
	}
	cmd.Flags().StringVar(&format, "format", "", "jsonl or csv (default: from the file name, else jsonl)")
	cmd.Flags().BoolVar(&all, "all", false, "every event of the history, not only current labels")
	return cmd
}

// labelExport writes an export of the label store to stdout, or to the
// file args names (replaced only when complete).
func labelExport(ctx context.Context, app *App, args []string, format string, all bool,
	toWriter func(*labels.Store, context.Context, io.Writer, string, bool) error,
	toFile func(*labels.Store, context.Context, string, string, bool) error) error {
	path := "-"
	if len(args) == 1 {
		path = args[0]
	}
	fmtName, err := transferFormat(format, path)
	if err != nil {
		return err
	}
	store, _, err := labelStore(ctx, app)
	if err != nil {
		return err
	}
	if path == "-" {
		return toWriter(store, ctx, app.IO.Out, fmtName, all)
	}
	if err := toFile(store, ctx, path, fmtName, all); err != nil {
		return err
	}
	app.Logf("wrote %s\n", path)
	return nil
}

func newLabelAgreementCmd(app *App) *cobra.Command {
	return &cobra.Command{
		Use:   "agreement",
		Short: "How far analysts agree with each other",
		Long: `Inter-analyst agreement from each analyst's latest label per document:
Cohen's kappa for every pair of analysts over the documents both labelled, and
Krippendorff's alpha (nominal) over all analysts. 1 is perfect agreement, 0 is
what chance alone would give; "-" marks a value that is undefined.`,
		Example: "  cyberstreams label agreement\n  cyberstreams label agreement --json | jq .alpha",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			store, _, err := labelStore(ctx, app)
			if err != nil {
				return err
			}
			ag, err := store.Agreement(ctx)
			if err != nil {
				return err
			}
			if app.JSON {
				return writeJSON(app.IO.Out, ag)
			}
			return printAgreement(app.IO.Out, ag)
		},
	}
}

func printAgreement(w io.Writer, ag labels.Agreement) error {
	if len(ag.Pairs) == 0 {
		noun := "analysts"
		if len(ag.Analysts) == 1 {
			noun = "analyst"
		}
		_, err := fmt.Fprintf(w, "no document has labels from two analysts yet (%d %s so far)\n", len(ag.Analysts), noun)
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ANALYST\tANALYST\tDOCS\tSAME\tKAPPA")
	for _, p := range ag.Pairs {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%.1f%%\t%s\n", termsafe.Line(p.A, 24), termsafe.Line(p.B, 24), p.Docs,
			100*p.Observed, optional(p.Kappa))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "Krippendorff's alpha (nominal): %s over %d documents labelled by two or more analysts\n",
		optional(ag.Alpha), ag.Units)
	return err
}

func optional(v *float64) string {
	if v == nil || math.IsNaN(*v) {
		return "-"
	}
	return fmt.Sprintf("%.3f", *v)
}

func newLabelStatsCmd(app *App) *cobra.Command {
	return &cobra.Command{
		Use:     "stats",
		Short:   "Count labels, retractions and each analyst's share",
		Long:    "Count label events, retractions and current labels, overall and per analyst.",
		Example: "  cyberstreams label stats\n  cyberstreams label stats --json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			store, _, err := labelStore(ctx, app)
			if err != nil {
				return err
			}
			st, err := store.Stats(ctx)
			if err != nil {
				return err
			}
			if app.JSON {
				if st.Analysts == nil {
					st.Analysts = []labels.AnalystStats{}
				}
				return writeJSON(app.IO.Out, st)
			}
			fmt.Fprintf(app.IO.Out, "%d documents labelled (%d labels given, %d retracted; last event %d)\n",
				st.Current, st.Labels, st.Retracts, st.MaxEventID)
			tw := tabwriter.NewWriter(app.IO.Out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ANALYST\tLABELS\tRETRACTED\tCURRENT")
			for _, a := range st.Analysts {
				fmt.Fprintf(tw, "%s\t%d\t%d\t%d\n", termsafe.Line(a.Analyst, 30), a.Labels, a.Retracted, a.Current)
			}
			return tw.Flush()
		},
	}
}

func newLabelPullCmd(app *App) *cobra.Command {
	return &cobra.Command{
		Use:   "pull",
		Short: "Append teammates' label events from the team's Neo4j",
		Long: `Append to this workspace's label history every label event (label, undo, note)
that teammates' workspaces sent to the team's Neo4j since the last pull, in the
order the server received them. Events are named by an id of their own, so
pulling twice appends nothing twice; an event for a document this workspace
does not hold waits, and every pull tries it again. Analysts' technique
verdicts ('label techniques', the TUI's t key) travel the same way, in a log
of their own, and teammates' verdicts then count in the next train-techniques.
graph sync sends this workspace's own events and pulls too.

Both also send this workspace's champion and promotion records (as $USER) and
learn which model every teammate runs: 'models list' shows it.

The connection is graph sync's: NEO4J_URI, NEO4J_USERNAME, NEO4J_PASSWORD.`,
		Example: "  cyberstreams label pull\n  cyberstreams label agreement",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			c, err := connectNeo4j(ctx, app)
			if err != nil {
				return err
			}
			defer c.Close(ctx)
			lx, err := exchangeLabels(ctx, app, c, false)
			if err != nil {
				return err
			}
			mx, err := exchangeModels(ctx, app, c)
			if err != nil {
				return err
			}
			if app.JSON {
				return writeJSON(app.IO.Out, struct {
					neo4j.LabelExchange
					Models graphsync.ModelExchange `json:"models"`
				}{lx, mx})
			}
			if err := printLabelExchange(app, lx); err != nil {
				return err
			}
			return printModelExchange(app, mx)
		},
	}
}

// exchangeLabels sends (push) and pulls the workspace's label events.
func exchangeLabels(ctx context.Context, app *App, c *neo4j.Client, push bool) (neo4j.LabelExchange, error) {
	ws, err := app.Workspace(ctx)
	if err != nil {
		return neo4j.LabelExchange{}, err
	}
	return graphsync.ExchangeLabels(ctx, ws, c, push)
}

func printLabelExchange(app *App, lx neo4j.LabelExchange) error {
	if err := printLogExchange(app, "labels", "events", lx.LogExchange); err != nil {
		return err
	}
	return printLogExchange(app, "technique verdicts", "verdicts", lx.Techniques)
}

// printLogExchange says what an exchange did with one log: what it sent
// and appended, and on stderr a reset log or events it skipped.
func printLogExchange(app *App, log, what string, x neo4j.LogExchange) error {
	if x.NewLog {
		fmt.Fprintf(app.IO.ErrOut, "%s: the server's log is new to this workspace (first exchange, or a reset server): all %s exchanged again\n", log, what)
	}
	if x.Failed > 0 {
		fmt.Fprintf(app.IO.ErrOut, "%s: %d pulled %s are none this version accepts; skipped\n", log, x.Failed, what)
	}
	_, err := fmt.Fprintf(app.IO.Out, "%s: sent %d %s (%d new to the server), appended %d from teammates (%d already here), %d waiting for documents or labels this workspace lacks\n",
		log, x.Pushed, what, x.Created, x.Appended, x.Already, x.Waiting)
	return err
}

func newLabelAdjudicatorsCmd(app *App) *cobra.Command {
	var clear bool
	cmd := &cobra.Command{
		Use:   "adjudicators [ANALYST...]",
		Short: "Name the analysts whose label decides when analysts disagree",
		Long: `With names, make them the workspace's adjudicators (replacing the list); with
--clear, have none; with neither, list them. Where an adjudicator labelled a
document, their latest label is its current label and the one training uses;
elsewhere the severity most analysts gave decides, and on a tie the latest label.
Technique verdicts follow the same rule per technique and evidence sentence.`,
		Example: "  cyberstreams label adjudicators lead-ana\n  cyberstreams label adjudicators\n  cyberstreams label adjudicators --clear",
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			store, _, err := labelStore(ctx, app)
			if err != nil {
				return err
			}
			if clear && len(args) > 0 {
				return usagef("--clear takes no names")
			}
			if clear || len(args) > 0 {
				if err := store.SetAdjudicators(ctx, args); err != nil {
					return err
				}
			}
			names, err := store.Adjudicators(ctx)
			if err != nil {
				return err
			}
			if app.JSON {
				if names == nil {
					names = []string{}
				}
				return writeJSON(app.IO.Out, names)
			}
			if len(names) == 0 {
				_, err = fmt.Fprintln(app.IO.Out, "no adjudicators: the majority decides, else the latest label")
				return err
			}
			for _, n := range names {
				if _, err := fmt.Fprintln(app.IO.Out, termsafe.Line(n, 80)); err != nil {
					return err
				}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&clear, "clear", false, "have no adjudicators")
	return cmd
}
