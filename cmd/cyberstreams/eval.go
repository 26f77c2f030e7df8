package main

import (
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/features"
	"github.com/cyberstreams/cyberstreams/core/model"
	"github.com/cyberstreams/cyberstreams/core/registry"
	"github.com/cyberstreams/cyberstreams/core/scoring"
	"github.com/cyberstreams/cyberstreams/core/termsafe"
	"github.com/cyberstreams/cyberstreams/core/training"
	"github.com/cyberstreams/cyberstreams/ml/metrics"
)

func newEvalCmd(app *App) *cobra.Command {
	var data []string
	var ref, since, until string
	cmd := &cobra.Command{
		Use:   "eval --data PATH",
		Short: "Measure a model on labelled documents",
		Long: `Score labelled documents with a model and report accuracy, macro- and
weighted-F1, per-class precision/recall/F1, the confusion matrix, one-vs-rest
ROC-AUC, log-loss, expected calibration error, and the precision and
false-positive rate of the critical+high group. Accuracy and macro-F1 are
also given apart for the documents whose text states a CVSS score, vector
or severity word (the stated:* features) and for those whose text does not:
advisories cleaned of their CVSS and severity fields are mostly the latter.`,
		Example: `  cyberstreams eval --data newest.jsonl.gz
  cyberstreams eval --data labelled.jsonl --model ./model --json
  cyberstreams eval --data labelled.jsonl --model ./model --since 2024-05-03`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if len(data) == 0 {
				return usagef("eval needs --data PATH")
			}
			var from, to time.Time
			for _, d := range []struct {
				flag, value string
				dst         *time.Time
			}{{"--since", since, &from}, {"--until", until, &to}} {
				if d.value == "" {
					continue
				}
				t, err := time.Parse("2006-01-02", d.value)
				if err != nil {
					return usagef("%s %q: want YYYY-MM-DD", d.flag, d.value)
				}
				*d.dst = t
			}
			s, err := app.loadScorer(cmd.Context(), ref)
			if err != nil {
				return err
			}
			// Say which model is measured before the numbers: without
			// --model that is the workspace's champion, not the model the
			// last 'train' wrote.
			app.Logf("eval: measuring model %s (%s)\n", termsafe.Strip(s.Version()), modelSource(ref))
			y, prob, stated, failed, err := evalLabelled(cmd, app, s, data, from, to)
			if err != nil {
				return err
			}
			if len(y) == 0 {
				return fmt.Errorf("eval: no labelled documents in %s", strings.Join(data, ", "))
			}
			// The scorer's probabilities have the class offsets folded in
			// already (training.Fold): measured as shown, decided by arg-max.
			r := training.Evaluate(y, prob, nil)
			split := statedSplit(y, prob, stated)
			if app.JSON {
				if err := writeJSON(app.IO.Out, map[string]any{"model": s.Version(), "report": r, "by_stated": split}); err != nil {
					return err
				}
			} else {
				fmt.Fprintf(app.IO.Out, "model %s on %d documents\n", termsafe.Strip(s.Version()), r.N)
				printReport(app.IO.Out, r)
				fmt.Fprintln(app.IO.Out)
				for _, part := range []struct{ key, what string }{{"stated", "text states a CVSS score, vector or severity"}, {"not_stated", "text states none"}} {
					if p, ok := split[part.key]; ok {
						fmt.Fprintf(app.IO.Out, "%-46s n=%-6d accuracy %.4f   macro-F1 %.4f\n", part.what, p.N, p.Accuracy, p.MacroF1)
					}
				}
			}
			if failed > 0 {
				return silentExit(exitError)
			}
			return nil
		},
	}
	cmd.Flags().StringArrayVar(&data, "data", nil, "labelled documents (repeatable)")
	cmd.Flags().StringVar(&ref, "model", "", "model to evaluate: default, a version, or a bundle directory")
	cmd.Flags().StringVar(&since, "since", "", "evaluate only documents published on or after this date (YYYY-MM-DD)")
	cmd.Flags().StringVar(&until, "until", "", "evaluate only documents published before this date (YYYY-MM-DD)")
	return cmd
}

// evalLabelled scores the labelled documents published on or after since
// and before until (zero: no bound), and says of each whether its text
// states a score, vector or severity (features.ParseStated).
func evalLabelled(cmd *cobra.Command, app *App, s *scoring.Scorer, data []string, since, until time.Time) ([]int, [][]float64, []bool, int, error) {
	var y []int
	var prob [][]float64
	var stated []bool
	failed, err := eachLabelled(cmd, app, s.Knowledge(), data, func(d *document.Document) {
		if d.Published.Before(since) || !until.IsZero() && !d.Published.Before(until) {
			return
		}
		res := s.Score(d, scoring.Options{Explain: -1})
		y = append(y, document.SeverityIndex(d.Severity))
		prob = append(prob, append([]float64(nil), res.Probabilities[:]...))
		st := features.ParseStated(d.Title, d.Body)
		stated = append(stated, st.Any())
	})
	return y, prob, stated, failed, err
}

// statedSplit evaluates the documents whose text states a score, vector
// or severity ("stated") apart from the others ("not_stated"); a part
// without documents is left out.
func statedSplit(y []int, prob [][]float64, stated []bool) map[string]metrics.Report {
	out := map[string]metrics.Report{}
	for _, part := range []struct {
		key  string
		want bool
	}{{"stated", true}, {"not_stated", false}} {
		var py []int
		var pp [][]float64
		for i := range y {
			if stated[i] == part.want {
				py, pp = append(py, y[i]), append(pp, prob[i])
			}
		}
		if len(py) > 0 {
			out[part.key] = training.Evaluate(py, pp, nil)
		}
	}
	return out
}

// printReport renders an evaluation for a person.
func printReport(w io.Writer, r metrics.Report) {
	fmt.Fprintf(w, "accuracy %.4f   macro-F1 %.4f   weighted-F1 %.4f   log-loss %s   ECE %s\n",
		r.Accuracy, r.MacroF1, r.WeightedF1, num4(r.LogLoss), num4(r.ECE))
	fmt.Fprintf(w, "critical+high: precision %s  recall %s  false-positive rate %s\n\n",
		num4(r.CriticalHighPrecision), num4(r.CriticalHighRecall), num4(r.CriticalHighFPR))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "class\tprecision\trecall\tF1\tAUC\tsupport\t")
	for i, c := range r.PerClass {
		auc := math.NaN()
		if i < len(r.AUC) {
			auc = r.AUC[i]
		}
		fmt.Fprintf(tw, "%s\t%.3f\t%.3f\t%.3f\t%s\t%d\t\n", c.Class, c.Precision, c.Recall, c.F1, num3(auc), c.Support)
	}
	tw.Flush()
	fmt.Fprintln(w, "\nconfusion (rows: true, columns: predicted)")
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "\t")
	for _, c := range r.Classes {
		fmt.Fprintf(tw, "%s\t", abbrev(c))
	}
	fmt.Fprintln(tw)
	for i, row := range r.Confusion {
		fmt.Fprintf(tw, "%s\t", r.Classes[i])
		for _, v := range row {
			fmt.Fprintf(tw, "%d\t", v)
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
}

func abbrev(c string) string {
	if len(c) > 4 {
		return c[:4]
	}
	return c
}

func num4(v float64) string {
	if math.IsNaN(v) {
		return "n/a"
	}
	return fmt.Sprintf("%.4f", v)
}

func num3(v float64) string {
	if math.IsNaN(v) {
		return "n/a"
	}
	return fmt.Sprintf("%.3f", v)
}

// modelSource says where a --model REF led, for a person reading stderr.
func modelSource(ref string) string {
	switch ref {
	case "", registry.Champion:
		return "the workspace champion; --model VERSION measures another"
	case registry.Challenger:
		return "the workspace challenger"
	case model.DefaultRef:
		return "the model embedded in this binary"
	}
	return "--model " + termsafe.Strip(ref)
}
