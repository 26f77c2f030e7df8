package main

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cyberstreams/cyberstreams/core/learner"
	"github.com/cyberstreams/cyberstreams/ml/metrics"
)

type retrainOptions struct {
	IfNeeded     bool
	MinLabels    int
	MinHoldout   int
	Margin       float64
	Base         []string
	Iterations   int
	Seed         int64
	HoldoutShare float64
	Metric       string
	Candidate    string
	NoDrift      bool
}

func newRetrainCmd(app *App) *cobra.Command {
	var o retrainOptions
	cmd := &cobra.Command{
		Use:   "retrain",
		Short: "Retrain from analyst labels and promote the candidate only if judged better",
		Long: `Train a candidate model and judge it against the champion: the embedded
default model until a retrained one is promoted.

The candidate learns from the base corpus plus the analyst labels (a
document's current label overrides its source severity). By default it
continues the champion: boosting rounds fitted to that data are added to the
champion's trees, so it keeps what the champion learned from far more
documents than a workspace's labels; --candidate fresh trains a new model.

It is judged on the newest labels neither model trained on: by label time,
the newest --holdout-share of the labels given since the champion was trained,
kept out of the candidate's training. Both models are scored on the same
held-out labels and the difference in macro-F1 (or --metric accuracy) gets a
paired bootstrap lower confidence bound and p-value. The candidate is promoted
only when there are at least --min-holdout held-out labels, its score is
higher and the one-sided 95% lower bound on the difference is above zero
(above -margin with --margin), i.e. it is better at the 5% level; otherwise
it becomes the challenger ('models compare' shadow-scores it) and the output
says why. Every decision and both scores go to the promotion history.

With too few new labels to hold out --min-holdout of them, nothing is trained:
the command says how many labels are missing and the champion stays.

With --if-needed the command first checks the triggers and retrains only if
one fires and there are enough labels to judge the candidate: at least
--min-labels documents labelled since the champion trained (default 1000);
the champion's accuracy on the newest 500 of those labels below 95% of its
validation accuracy; the champion at least 7 days old with new labels; dataset
drift of recent documents (see 'cyberstreams drift').

Settings come from the "learner" section of the workspace's config.json, e.g.
{"learner": {"base_corpus": ["advisories.jsonl.gz"], "min_new_labels": 500,
"min_holdout": 100, "confidence": 0.95, "resamples": 2000,
"candidate": "continue"}}; flags override them. Workspace documents that
carry their source's severity count as base training data unless
"ignore_workspace_severity" is true.

Exit codes: 0 a candidate was trained and judged (promoted or not: the output
says which), 4 nothing was trained (--if-needed found no trigger, or too few
new labels to judge a candidate), 1 error.`,
		Example: `  cyberstreams retrain --if-needed
  cyberstreams retrain --base ../shared/data/advisories_train.jsonl.gz
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
			o.apply(cmd, &cfg)
			var trig *learner.Triggers
			if o.IfNeeded {
				t, err := learner.Check(ctx, ws, cfg)
				if err != nil {
					return err
				}
				trig = &t
				if !t.Needed {
					if app.JSON {
						if err := writeJSON(app.IO.Out, map[string]any{"retrained": false, "reason": t.Waiting, "triggers": t}); err != nil {
							return err
						}
					} else if t.Waiting != "" {
						fmt.Fprintf(app.IO.Out, "retrain not possible yet: %s fired, but %s\n", strings.Join(t.Fired(), ", "), t.Waiting)
						printTriggers(app, t)
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
			if errors.Is(err, learner.ErrTooFewLabels) || errors.Is(err, learner.ErrRetrainedBefore) {
				if app.JSON {
					if err := writeJSON(app.IO.Out, map[string]any{"retrained": false, "reason": out.Reason, "triggers": trig}); err != nil {
						return err
					}
				} else {
					fmt.Fprintf(app.IO.Out, "retrain: nothing trained: %s\n", out.Reason)
				}
				return silentExit(exitNotNeeded)
			}
			if err != nil {
				return err
			}
			if app.JSON {
				return writeJSON(app.IO.Out, map[string]any{"retrained": true, "triggers": trig, "outcome": out})
			}
			verb := fmt.Sprintf("kept the champion %s; %s is the challenger", out.Champion, out.Candidate)
			if out.Promoted {
				verb = "promoted: " + out.Candidate + " is the champion"
			}
			fmt.Fprintf(app.IO.Out, "retrained %s in %s: %s\n", out.Candidate, (time.Duration(out.Seconds * float64(time.Second))).Round(time.Second), verb)
			printJudgement(app.IO.Out, out.Judgement)
			fmt.Fprintf(app.IO.Out, "  trained on %d documents (%d analyst-labelled); validation accuracy %.4f, macro-F1 %.4f\n",
				out.TrainDocs, out.LabelledDocs, out.Validation.Accuracy, out.Validation.MacroF1)
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.IfNeeded, "if-needed", false, "retrain only when a trigger fires (exit 4 otherwise)")
	f.IntVar(&o.MinLabels, "min-labels", 0, "new labels that trigger a retrain (default 1000)")
	f.IntVar(&o.MinHoldout, "min-holdout", 0, "fewest held-out labels a judgement needs (default 100)")
	f.Float64Var(&o.Margin, "margin", 0, "how far below zero the lower bound may reach (the candidate's score must still be higher)")
	f.StringArrayVar(&o.Base, "base", nil, "base corpus of labelled documents (repeatable; replaces learner.base_corpus)")
	f.IntVar(&o.Iterations, "iterations", 0, "maximum boosting rounds (default 600, early stopping decides)")
	f.Int64Var(&o.Seed, "seed", 42, "random seed of the candidate and of the bootstrap")
	f.Float64Var(&o.HoldoutShare, "holdout-share", 0.2, "newest share of the new labels held out to judge candidate and champion")
	f.StringVar(&o.Metric, "metric", "macro_f1", "promotion metric: macro_f1 or accuracy")
	f.StringVar(&o.Candidate, "candidate", "continue", "continue: add rounds to the champion, fitted to the new data; fresh: train a new model on it")
	f.BoolVar(&o.NoDrift, "no-drift", false, "do not check drift as a trigger")
	return cmd
}

// apply lays the flags the user set over the workspace's learner settings.
func (o *retrainOptions) apply(cmd *cobra.Command, cfg *learner.Config) {
	f := cmd.Flags()
	if f.Changed("min-labels") {
		cfg.MinNewLabels = o.MinLabels
	}
	if f.Changed("min-holdout") {
		cfg.MinHoldout = o.MinHoldout
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
	if f.Changed("candidate") {
		cfg.Candidate = o.Candidate
	}
	if o.NoDrift {
		cfg.Drift = false
	}
}

// printJudgement shows champion vs candidate on the held-out labels: n, both
// scores, the difference with its interval and p-value, and the verdict.
func printJudgement(w io.Writer, j learner.Judgement) {
	if j.ChampionReport == nil {
		fmt.Fprintf(w, "  %s\n", j.Reason)
		return
	}
	d := j.Difference
	fmt.Fprintf(w, "  judged on %d held-out labels that neither model trained on (at least %d needed)\n", j.N, j.MinN)
	fmt.Fprintf(w, "  %-9s champion %s %.4f   candidate %s %.4f\n", j.Metric, j.Champion, j.ChampionScore, j.Candidate, j.CandidateScore)
	fmt.Fprintf(w, "  %-9s champion %.4f   candidate %.4f\n", other(j.Metric), pickOther(j.ChampionReport, j.Metric), pickOther(j.CandidateReport, j.Metric))
	fmt.Fprintf(w, "  difference %+.4f: one-sided %.0f%% lower bound %+.4f (%.0f%% interval [%+.4f, %+.4f]), p = %.4f\n",
		d.Estimate, 100*d.Confidence, d.Low, 100*(2*d.Confidence-1), d.Low, d.High, d.P)
	fmt.Fprintf(w, "  (paired bootstrap over the held-out labels, %d resamples, seed %d)\n", d.Resamples, d.Seed)
	fmt.Fprintf(w, "  %s\n", j.Conclusion)
}

func other(metric string) string {
	if metric == "accuracy" {
		return "macro_f1"
	}
	return "accuracy"
}

func pickOther(r *metrics.Report, metric string) float64 {
	if metric == "accuracy" {
		return r.MacroF1
	}
	return r.Accuracy
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
