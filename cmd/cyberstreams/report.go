package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/cyberstreams/cyberstreams/core/report"
)

func newReportCmd(app *App) *cobra.Command {
	var weeks int
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Weekly business metrics: accuracy, false positives, detection, feedback, time to label",
		Long: `Per ISO week, from the labels given that week and what the model predicted
when each label was given:

  accuracy        share of labels whose severity the model had predicted
  c/h FPR         of medium/low/informational labels, share predicted critical/high
  detection       of critical/high labels, share predicted critical/high
  feedback        labels given / documents scored that week
  time to label   median hours from ingest to a document's first label

The weeks shown end with the latest week that has labels or scores.`,
		Example: "  cyberstreams report --weeks 12\n  cyberstreams report --json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			ws, err := app.Workspace(ctx)
			if err != nil {
				return err
			}
			ws2, err := report.Weekly(ctx, ws, report.Options{Weeks: weeks})
			if err != nil {
				return err
			}
			if app.JSON {
				return writeJSON(app.IO.Out, map[string]any{"weeks": nonNilSlice(ws2)})
			}
			if len(ws2) == 0 {
				fmt.Fprintln(app.IO.Out, "no labels or scores yet")
				return nil
			}
			tw := tabwriter.NewWriter(app.IO.Out, 0, 4, 2, ' ', tabwriter.AlignRight)
			fmt.Fprintln(tw, "WEEK\tLABELS\tJUDGED\tACCURACY\tC/H FPR\tDETECTION\tSCORED\tFEEDBACK\tHOURS TO LABEL\t")
			for _, w := range ws2 {
				fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%s\t%d\t%s\t%s\t\n", w.Week, w.Labels, w.Judged, pct(w.Accuracy),
					pct(w.FalsePositiveRate), pct(w.DetectionRate), w.Scored, pct(w.FeedbackRatio), hours(w.MedianHoursToLabel))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().IntVar(&weeks, "weeks", 8, "how many weeks to show")
	return cmd
}

func pct(p *float64) string {
	if p == nil {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", 100**p)
}

func hours(p *float64) string {
	if p == nil {
		return "-"
	}
	return fmt.Sprintf("%.1f", *p)
}
