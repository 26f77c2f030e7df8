package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/exploitation"
	"github.com/cyberstreams/cyberstreams/core/ingest"
	"github.com/cyberstreams/cyberstreams/core/scoring"
	"github.com/cyberstreams/cyberstreams/core/termsafe"
	"github.com/cyberstreams/cyberstreams/tui/reasons"
)

func newExplainCmd(app *App) *cobra.Command {
	var ref string
	var top int
	var margin bool
	var horizon int
	cmd := &cobra.Command{
		Use:   "explain DOC|PATH",
		Short: "Show why a document got its score",
		Long: `Score one document and show its strongest reasons in words, under a
header that says the class, its probability and what mainly made it
("critical (72 %) — mainly because it mentions 'remote code execution' …;
against: it …"), as a signed bar chart: bars to the right pushed it toward
its class, bars to the left pulled it away. A word's unigram and the bigrams
it is part of are one reason; "does not mention" reasons are terms whose
absence counted. The footer says what share of the evidence the shown
reasons carry: their features' share of the absolute contributions of all
features.

The values are exact TreeSHAP contributions in log-odds; with the base value
they add up to the decided class's margin: the trees' raw margin plus the
class's decision offset, the same offset that is folded into the shown
probabilities, so the decided class is always the most probable one shown.
--margin prints the base and margin; --json keeps them, with every
contribution and the reasons they make up.

Below them: the likelihood that a CVE of the document is listed in CISA's
Known Exploited Vulnerabilities catalog within --horizon days (30, 90 or
365; 0 leaves it out), as 'score' gives it, with its strongest reasons in
words (exact TreeSHAP in calibrated log-odds) and the patch priority
(expected harm; see "cyberstreams priorities --help"). --json carries it as
"exploitation", with the summary and each reason's words.

DOC is a document in the workspace: its id, a CVE or GHSA id that exactly one
document carries (as its id or an alias; when several do, the error lists
them), or an unambiguous id prefix. PATH is a file (every document in it is
explained).`,
		Example: `  cyberstreams explain CVE-2024-3094
  cyberstreams explain advisory.json --top 15
  cyberstreams explain report.md --json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if top < 0 {
				// A negative count would show no reasons and say every
				// feature is at its usual value, which is not so.
				return usagef("--top %d: want 0 (every non-zero reason) or a positive count", top)
			}
			s, err := app.loadScorer(cmd.Context(), ref)
			if err != nil {
				return err
			}
			if horizon != 0 {
				if _, err := s.Exploitation(horizon); err != nil {
					return usagef("--horizon: %v", err)
				}
			}
			show := func(d document.Document) error {
				r := s.Score(&d, scoring.Options{Explain: top, Exploitation: horizon})
				if app.JSON {
					return writeJSONLine(app.IO.Out, r)
				}
				return printExplanation(app, r, margin)
			}
			if _, err := os.Stat(args[0]); err == nil || args[0] == "-" {
				failed := 0
				err := ingest.Read(cmd.Context(), args, s.Knowledge().Reading(ingest.Options{Stdin: app.IO.In, KeepTextless: true}), func(r ingest.Record) error {
					if r.Err != nil {
						failed++
						app.Failuref("%s", r.Failure().Error())
						return nil
					}
					return show(r.Doc)
				})
				if err != nil {
					return err
				}
				if failed > 0 {
					return silentExit(exitError)
				}
				return nil
			}
			ws, err := app.Workspace(cmd.Context())
			if err != nil {
				return err
			}
			d, err := ws.Document(cmd.Context(), args[0])
			if err != nil {
				return fmt.Errorf("%w (not a file either)", err)
			}
			// The entities the workspace's knowledge gives it now (names
			// learned from the graph since it was stored), as triage and
			// score give it.
			d.Entities = s.Knowledge().Entities(&d)
			return show(d)
		},
	}
	cmd.Flags().StringVar(&ref, "model", "", "model: default, a version, or a bundle directory")
	cmd.Flags().IntVar(&top, "top", 10, "number of reasons to show (0 = all non-zero)")
	cmd.Flags().BoolVar(&margin, "margin", false, "also print the log-odds base and margin the reasons add up to")
	cmd.Flags().IntVar(&horizon, "horizon", exploitation.DefaultHorizon, "exploitation-likelihood horizon in days: 30, 90 or 365 (0: none)")
	return cmd
}

func printExplanation(app *App, r scoring.Result, margin bool) error {
	st := reasons.Style{}
	if app.Color() {
		st = reasons.Colored()
	}
	w := app.IO.Out
	novel := ""
	if r.Novel {
		novel = " (novel)"
	}
	fmt.Fprintf(w, "%s\n%s  %s  confidence %.2f  novelty %.2f%s  model %s\n",
		termsafe.Line(r.Title, 100), strings.ToUpper(r.Severity), termsafe.Line(r.ID, 40), r.Confidence, r.Novelty, novel, r.Model)
	if ex := r.Explanation; r.Novel && ex != nil && len(ex.NoveltyReasons) > 0 {
		fmt.Fprintf(w, "novel: unlike the model's training documents: %s\n", termsafe.Line(strings.Join(ex.NoveltyReasons, "; "), 400))
	}
	if r.MetaOnly {
		fmt.Fprintln(w, "note: the document has no text; this score rests on its structured fields alone")
	}
	fmt.Fprintln(w, reasons.Probabilities(r.Probabilities, r.Severity, st))
	fmt.Fprintln(w)
	fmt.Fprint(w, reasons.Bars(r.Explanation, r.Confidence, reasons.View{Width: 100, Style: st, Margin: margin}))
	fmt.Fprintln(w)
	if e := r.Exploitation; e != nil {
		fmt.Fprintf(w, "exploitation: %s\n", termsafe.Line(e.Summary, 400))
		for _, c := range e.Reasons {
			fmt.Fprintf(w, "  %+.3f  %s\n", c.SHAP, termsafe.Line(c.Text, 120))
		}
		if e.NoCVE {
			fmt.Fprintf(w, "patch priority: none; ranked after the documents with a likelihood, by expected severity (%.2f CVSS points)\n\n",
				exploitation.ExpectedSeverity(r.Probabilities))
		} else {
			fmt.Fprintf(w, "patch priority %.4f of 10 (expected severity in CVSS points × the likelihood)\n\n", e.Priority)
		}
	}
	return nil
}
