package main

import (
	"fmt"
	"math"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/cyberstreams/cyberstreams/core/drift"
	"github.com/cyberstreams/cyberstreams/core/registry"
	"github.com/cyberstreams/cyberstreams/core/scoring"
	"github.com/cyberstreams/cyberstreams/core/termsafe"
)

func newDriftCmd(app *App) *cobra.Command {
	var since, ref string
	var days int
	cmd := &cobra.Command{
		Use:   "drift",
		Short: "Drift report for recent documents vs the model's training data",
		Long: `Compare recent workspace documents (published since --since, default the last
30 days; the latest 1000 ingested when none were published then) with the
reference summary stored with the model at training time (the embedded
default model ships one too): each numeric feature, the source and ecosystem
mix, and the predicted-class mix.

Tests follow Evidently's defaults: for a reference of at most 1000 documents,
Kolmogorov-Smirnov (numeric) and chi-squared (categorical), drift at p < 0.05;
for larger references, normed Wasserstein (numeric) and Jensen-Shannon
(categorical) distances, drift at >= 0.1; PSI >= 0.1 for the predicted
classes. The dataset drifts when at least half of the columns drift.`,
		Example: "  cyberstreams drift\n  cyberstreams drift --since 2024-05-01 --json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			from := time.Now().AddDate(0, 0, -days)
			if since != "" {
				t, err := time.Parse("2006-01-02", since)
				if err != nil {
					return usagef("--since %q: want YYYY-MM-DD", since)
				}
				from = t
			}
			reg, ws, err := openRegistry(ctx, app)
			if err != nil {
				return err
			}
			v, err := resolveVersion(ctx, reg, ref)
			if err != nil {
				return err
			}
			b, err := reg.Resolve(ctx, v)
			if err != nil {
				return err
			}
			know, err := scoring.KnowledgeOf(ctx, ws)
			if err != nil {
				return err
			}
			rep, err := drift.DetectBundle(ctx, ws, b, from, drift.Options{Featurizer: know.Featurizer, Basis: know.Basis(b.Card.Version)})
			if err != nil {
				return err
			}
			if app.JSON {
				return writeJSON(app.IO.Out, map[string]any{"model": v, "since": from.Format("2006-01-02"), "report": rep})
			}
			out := app.IO.Out
			fmt.Fprintf(out, "model %s: %d reference documents vs %d current documents\n\n", termsafe.Strip(v), rep.ReferenceDocs, rep.CurrentDocs)
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "FEATURE\tTEST\tSTATISTIC\tP-VALUE\tTHRESHOLD\tDRIFTED")
			for _, c := range rep.Columns {
				drifted := "no"
				if c.Drifted {
					drifted = "YES"
				}
				if c.Skipped != "" {
					drifted = "skipped: " + c.Skipped
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%g\t%s\n", termsafe.Line(c.Feature, 60), c.Test, num(c.Statistic), num(c.PValue), c.Threshold, drifted)
			}
			tw.Flush()
			verdict := "no dataset drift"
			if rep.DatasetDrift {
				verdict = "DATASET DRIFT"
			}
			fmt.Fprintf(out, "\n%s: %d of %d columns drifted (%.0f%%; drift at >= %.0f%%)\n", verdict, rep.Drifted, rep.Tested, 100*rep.Share, 100*rep.Threshold)
			return nil
		},
	}
	cmd.Flags().StringVar(&since, "since", "", "current window: documents published on or after this date (YYYY-MM-DD)")
	cmd.Flags().IntVar(&days, "days", 30, "current window length in days when --since is not given")
	cmd.Flags().StringVar(&ref, "model", registry.Champion, "model whose training data is the reference: champion, challenger or a version")
	return cmd
}

func num(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "-"
	}
	if v != 0 && math.Abs(v) < 1e-4 {
		return fmt.Sprintf("%.2e", v)
	}
	return fmt.Sprintf("%.4f", v)
}
