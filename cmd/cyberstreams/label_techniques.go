package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/techniques"
	"github.com/cyberstreams/cyberstreams/core/termsafe"
	"github.com/cyberstreams/cyberstreams/core/workspace"
	"github.com/cyberstreams/cyberstreams/labels"
)

func newLabelTechniquesCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "techniques",
		Short: "Correct the ATT&CK techniques of documents (labels train-techniques learns from)",
		Long: `An analyst's verdict on a technique of a document: present (the default) or
--absent, in the sentence that is its evidence. Like severity labels, every
verdict is kept (undo adds a retraction) and can be exported; the current ones
are training sentences of the next 'train-techniques' in this workspace.`,
	}
	cmd.AddCommand(newLabelTechniquesAddCmd(app), newLabelTechniquesUndoCmd(app),
		newLabelTechniquesListCmd(app), newLabelTechniquesExportCmd(app))
	return cmd
}

type labelTechniqueOptions struct {
	Absent                  bool
	Sentence, Note, Analyst string
	Doc, Technique, Model   string
}

func newLabelTechniquesAddCmd(app *App) *cobra.Command {
	var o labelTechniqueOptions
	cmd := &cobra.Command{
		Use:   "add DOC TECHNIQUE",
		Short: "Say that a document describes a technique, or with --absent that it does not",
		Long: `Record a verdict on technique TECHNIQUE (T1140, T1547.001) of document DOC
(an id, a CVE or GHSA id one document carries, or an id prefix). The evidence
sentence is the one --sentence names in a few of its words; without it, the
sentence of the verdict in force on the technique (yours or a teammate's, so
that verdicts on it meet), else the sentence that writes the id, else the one
the technique model rates highest for the technique (the evidence 'tag'
shows). The verdict is on disk when the command returns; graph sync and label
pull share it with the team.`,
		Example: `  cyberstreams label techniques add doc-3f2a9c T1140
  cyberstreams label techniques add doc-3f2a9c T1105 --absent --note "certutil decodes here, it downloads nothing"
  cyberstreams label techniques add doc-3f2a9c T1547.001 --sentence "Run key"`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Doc, o.Technique = args[0], args[1]
			return labelTechniqueAdd(cmd.Context(), app, o)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.Absent, "absent", false, "the document does not describe the technique (the model was wrong)")
	f.StringVar(&o.Sentence, "sentence", "", "a few words of the evidence sentence (default: the model's evidence)")
	f.StringVar(&o.Note, "note", "", "why, in a few words")
	f.StringVar(&o.Analyst, "analyst", "", "who labels (default $USER)")
	f.StringVar(&o.Model, "model", "", "technique model that picks the evidence (default: the workspace's, else the embedded one)")
	return cmd
}

// labelDocument resolves DOC as label add does.
func labelDocument(ctx context.Context, ws *workspace.Workspace, arg string) (document.Document, error) {
	d, err := ws.Document(ctx, arg)
	if errors.Is(err, workspace.ErrNotFound) {
		return d, fmt.Errorf("label: no document %s in %s: give a document id, a CVE or GHSA id one document carries, or an id prefix (cyberstreams docs list)",
			termsafe.Line(arg, 80), ws.Dir)
	}
	return d, err
}

func labelTechniqueAdd(ctx context.Context, app *App, o labelTechniqueOptions) error {
	store, ws, err := labelStore(ctx, app)
	if err != nil {
		return err
	}
	d, err := labelDocument(ctx, ws, o.Doc)
	if err != nil {
		return err
	}
	id := strings.ToUpper(strings.TrimSpace(o.Technique))
	sentence, err := techniques.VerdictSentence(ctx, store, func() (*techniques.Model, error) { return loadTechniqueModel(app, o.Model) },
		d.ID, d.Text(), id, o.Sentence)
	switch {
	case errors.Is(err, techniques.ErrNoEvidence):
		return usagef("%s: %v: name the evidence with --sentence", termsafe.Line(d.ID, 60), termsafe.Line(err.Error(), 120))
	case err != nil && o.Sentence != "":
		return usagef("%s: %v", termsafe.Line(d.ID, 60), err)
	case err != nil:
		return err
	}
	if o.Analyst == "" {
		o.Analyst = defaultAnalyst()
	}
	l, err := store.AddTechnique(ctx, labels.TechniqueLabel{DocID: d.ID, Technique: o.Technique, Present: !o.Absent,
		Sentence: sentence, Analyst: o.Analyst, Note: o.Note, Origin: "cli"})
	if err != nil {
		return usageError{err}
	}
	if app.JSON {
		return writeJSON(app.IO.Out, l)
	}
	_, err = fmt.Fprintf(app.IO.Out, "labelled %s %s %s (event %d by %s) in: %s\n", termsafe.Line(l.DocID, 60), l.Technique,
		verdictWord(l.Present), l.ID, termsafe.Line(l.Analyst, 40), termsafe.Line(l.Sentence, 100))
	return err
}

func verdictWord(present bool) string {
	if present {
		return "present"
	}
	return "absent"
}

func newLabelTechniquesUndoCmd(app *App) *cobra.Command {
	var analyst string
	cmd := &cobra.Command{
		Use:   "undo",
		Short: "Take back your latest technique verdict",
		Long: `Retract the analyst's most recent technique verdict that is still in force;
again goes one further back. The verdict stays in the history, retracted.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			store, _, err := labelStore(ctx, app)
			if err != nil {
				return err
			}
			if analyst == "" {
				analyst = defaultAnalyst()
			}
			l, err := store.UndoTechnique(ctx, analyst)
			if err != nil {
				return err
			}
			if app.JSON {
				return writeJSON(app.IO.Out, l)
			}
			_, err = fmt.Fprintf(app.IO.Out, "undid %s %s %s (event %d by %s)\n", termsafe.Line(l.DocID, 60), l.Technique,
				verdictWord(l.Present), l.ID, termsafe.Line(l.Analyst, 40))
			return err
		},
	}
	cmd.Flags().StringVar(&analyst, "analyst", "", "whose verdict to take back (default $USER)")
	return cmd
}

func newLabelTechniquesListCmd(app *App) *cobra.Command {
	return &cobra.Command{
		Use:   "list [DOC]",
		Short: "List the current technique verdicts (of one document, or all)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			store, ws, err := labelStore(ctx, app)
			if err != nil {
				return err
			}
			docID := ""
			if len(args) == 1 {
				d, err := labelDocument(ctx, ws, args[0])
				if err != nil {
					return err
				}
				docID = d.ID
			}
			var all []labels.TechniqueLabel
			if err := store.CurrentTechniques(ctx, docID, func(l labels.TechniqueLabel) error {
				all = append(all, l)
				return nil
			}); err != nil {
				return err
			}
			if app.JSON {
				return writeJSON(app.IO.Out, all)
			}
			tw := tabwriter.NewWriter(app.IO.Out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "DOC\tTECHNIQUE\tVERDICT\tANALYST\tAT\tSENTENCE")
			for _, l := range all {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", termsafe.Line(l.DocID, 28), l.Technique, verdictWord(l.Present),
					termsafe.Line(l.Analyst, 20), l.CreatedAt.Format("2006-01-02 15:04"), termsafe.Line(l.Sentence, 80))
			}
			return tw.Flush()
		},
	}
}

func newLabelTechniquesExportCmd(app *App) *cobra.Command {
	var format string
	var all bool
	cmd := &cobra.Command{
		Use:   "export [FILE|-]",
		Short: "Export technique verdicts as JSONL or CSV",
		Long: `Export the current technique verdicts, oldest first; --all exports every
event instead, retractions included. A FILE is replaced only when the export
is complete.`,
		Example: "  cyberstreams label techniques export techniques.csv",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return labelExport(cmd.Context(), app, args, format, all, (*labels.Store).ExportTechniques, (*labels.Store).ExportTechniquesFile)
		},
	}
	cmd.Flags().StringVar(&format, "format", "", "jsonl or csv (default: from the file name, else jsonl)")
	cmd.Flags().BoolVar(&all, "all", false, "every event of the history, not only current verdicts")
	return cmd
}
