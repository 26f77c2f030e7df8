package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cyberstreams/cyberstreams/core/learner"
)

type retrainOptions struct {
	IfNeeded     bool
	MinLabels    int
	Margin       float64
	Base         []string
	Iterations   int
	Seed         int64
	HoldoutShare float64
	Metric       string
	NoDrift      bool
}

func newRetrainCmd(app *App) *cobra.Command {
	var o retrainOptions
	cmd := &cobra.Command{
		Use:   "retrain",
		Short: "Retrain from analyst labels and promote the candidate if it is not worse",
		Long: `Train a candidate model from the base corpus plus the analyst labels (a
document's current label overrides its source severity), judge candidate and
champion on the newest labels neither trained on (by label time, the newest
--holdout-share of the labels given since the champion was trained; they are
kept out of the candidate's training), and promote the candidate only if its
macro-F1 (or --metric accuracy) is at least the champion's minus --margin. A
candidate that is not promoted becomes the challenger ('models compare'
shadow-scores it). Every decision and both scores go to the promotion history.

With --if-needed the command first checks the triggers and retrains only if
one fires: at least --min-labels documents labelled since the champion
trained (default 1000); the champion's accuracy on the newest 500 of those
labels below 95% of its validation accuracy; the champion at least 7 days old
with new labels; dataset drift of recent documents (see 'cyberstreams drift').

Settings come from the "learner" section of the workspace's config.json, e.g.
{"learner": {"base_corpus": ["advisories.jsonl.gz"], "min_new_labels": 500}};
flags override them. Workspace documents that carry their source's severity
count as base training data unless "ignore_workspace_severity" is true.

Exit codes: 0 a model was retrained (promoted or not: the output says which),
4 --if-needed found no trigger, 1 error.`,
		Example: `  cyberstreams retrain --if-needed
  cyberstreams retrain --base ../shared/data/advisories_train.jsonl.gz --margin 0.005
  cyberstreams retrain --if-needed --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			ws, err := app.Workspace(ctx)
			if err != nil {
				return err
			}
			cfg, err := learner.LoadConfig(ws.Dir)
			if err != nil {
				return err
			}
			f := cmd.Flags()
			if f.Changed("min-labels") {
				cfg.MinNewLabels = o.MinLabels
			}
			if f.Changed("margin") {
				cfg.Margin = o.Margin
			}
			if f.Changed("base") {
				cfg.BaseCorpus = o.Base
			}
			if f.Changed("iterations") {
				cfg.Iterations = o.Iterations
			}
			if f.Changed("seed") {
				cfg.Seed = o.Seed
			}
			if f.Changed("holdout-share") {
				cfg.HoldoutShare = o.HoldoutShare
			}
			if f.Changed("metric") {
				cfg.Metric = o.Metric
			}
			if o.NoDrift {
				cfg.Drift = false
			}
			var trig *learner.Triggers
			if o.IfNeeded {
				t, err := learner.Check(ctx, ws, cfg)
				if err != nil {
					return err
				}
				trig = &t
				if !t.Needed {
					if app.JSON {
						if err := writeJSON(app.IO.Out, map[string]any{"retrained": false, "triggers": t}); err != nil {
							return err
						}
					} else {
						fmt.Fprintf(app.IO.Out, "retrain not needed: champion %s, %d new labels, no trigger fired\n", t.Champion, t.NewLabels)
						printTriggers(app, t)
					}
					return silentExit(exitNotNeeded)
				}
				app.Logf("retrain: triggered by %s\n", strings.Join(t.Fired(), ", "))
			}
			out, err := learner.Run(ctx, ws, cfg, func(p learner.Progress) {
				app.Logf("%s", ensureNewline(p.Message))
			})
			if err != nil {
				return err
			}
			if app.JSON {
				return writeJSON(app.IO.Out, map[string]any{"retrained": true, "triggers": trig, "outcome": out})
			}
			verb := "kept the champion; candidate is the challenger"
			if out.Promoted {
				verb = "promoted"
			}
			fmt.Fprintf(app.IO.Out, "retrained %s in %s: %s\n", out.Candidate, (time.Duration(out.Seconds * float64(time.Second))).Round(time.Second), verb)
			fmt.Fprintf(app.IO.Out, "  %s\n", out.Reason)
			fmt.Fprintf(app.IO.Out, "  trained on %d documents (%d analyst-labelled); validation accuracy %.4f, macro-F1 %.4f\n",
				out.TrainDocs, out.LabelledDocs, out.Validation.Accuracy, out.Validation.MacroF1)
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.IfNeeded, "if-needed", false, "retrain only when a trigger fires (exit 4 otherwise)")
	f.IntVar(&o.MinLabels, "min-labels", 0, "new labels that trigger a retrain (default 1000)")
	f.Float64Var(&o.Margin, "margin", 0, "promote a candidate at most this much worse than the champion")
	f.StringArrayVar(&o.Base, "base", nil, "base corpus of labelled documents (repeatable; replaces learner.base_corpus)")
	f.IntVar(&o.Iterations, "iterations", 0, "maximum boosting rounds (default 600, early stopping decides)")
	f.Int64Var(&o.Seed, "seed", 42, "random seed")
	f.Float64Var(&o.HoldoutShare, "holdout-share", 0.2, "newest share of the new labels held out to judge candidate and champion")
	f.StringVar(&o.Metric, "metric", "macro_f1", "promotion metric: macro_f1 or accuracy")
	f.BoolVar(&o.NoDrift, "no-drift", false, "do not check drift as a trigger")
	return cmd
}

func ensureNewline(s string) string {
	if strings.HasSuffix(s, "\n") {
		return s
	}
	return s + "\n"
}

func printTriggers(app *App, t learner.Triggers) {
	for _, tr := range t.List {
		mark := " "
		if tr.Fired {
			mark = "*"
		}
		fmt.Fprintf(app.IO.Out, "  %s %-16s %s\n", mark, tr.Name, tr.Detail)
	}
}
