package main

import (
	"bufio"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cyberstreams/cyberstreams/core/exploitation"
	"github.com/cyberstreams/cyberstreams/core/ingest"
	"github.com/cyberstreams/cyberstreams/core/scoring"
)

type prioritiesOptions struct {
	Output  string
	Top     int
	Horizon int
	Explain int
	Model   string
	Format  string
}

func newPrioritiesCmd(app *App) *cobra.Command {
	var o prioritiesOptions
	cmd := &cobra.Command{
		Use:   "priorities [PATH...|-]",
		Short: "Rank documents for patching by expected harm (severity × exploitation likelihood)",
		Long: `Score documents and list them by patch priority, highest first: the
expected harm

  priority = (Σ_c P(severity c) · w_c) × P(listed in KEV within the horizon)

with w = 9.5, 7.95, 5.45, 2.0, 0 CVSS points for critical, high, medium, low
and informational (the midpoints of the CVSS v3 bands). It is in [0, 10]: a
document both likely to be exploited and bad when it is comes first. The
severity probabilities are the workspace's champion model's (or --model's);
the exploitation probability is the embedded exploitation model's for
--horizon days (see "cyberstreams score --help"). A document that names no
CVE has no likelihood (KEV lists only CVEs): it comes after every document
with one, by its expected severity alone.

Output: a table at a terminal, else JSONL (score's records, in priority
order); --output csv as score's. --top N keeps the first N.`,
		Example: `  cyberstreams priorities advisories.jsonl --top 20
  cyberstreams priorities feed/ --horizon 30 --output csv > patch-meeting.csv`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				args = []string{"-"}
			}
			output := o.Output
			if output == "" {
				output = "jsonl"
				if app.IO.OutIsTTY {
					output = "table"
				}
			}
			if output != "jsonl" && output != "csv" && output != "table" {
				return usagef("--output %q: want jsonl, csv or table", output)
			}
			if o.Top < 0 {
				return usagef("--top %d: want a positive count, or 0 for all", o.Top)
			}
			if o.Explain < -1 {
				return usagef("--explain %d: want 0 (every non-zero reason) or a positive count", o.Explain)
			}
			format, err := ingest.ParseFormat(o.Format)
			if err != nil {
				return usageError{err}
			}
			s, err := app.loadScorer(cmd.Context(), o.Model)
			if err != nil {
				return err
			}
			if _, err := s.Exploitation(o.Horizon); err != nil {
				return usagef("--horizon: %v", err)
			}
			var results []scoring.Result
			sum := scoring.Summary{Model: s.Version()}
			start := time.Now()
			err = s.Stream(cmd.Context(), args, ingest.Options{Format: format, Stdin: app.IO.In, KeepTextless: true},
				scoring.Options{Explain: o.Explain, Exploitation: o.Horizon}, func(sc scoring.Scored) error {
					sum.Add(sc)
					if sc.Failure != nil {
						app.Failuref("%s", sc.Failure.Error())
						return nil
					}
					results = append(results, sc.Result)
					return nil
				})
			if err != nil {
				return err
			}
			sum.Elapsed = time.Since(start)
			scoring.SortByPriority(results)
			if o.Top > 0 && len(results) > o.Top {
				results = results[:o.Top]
			}
			w := bufio.NewWriter(app.IO.Out)
			sink := newScoreSink(output, w, o.Explain)
			for _, r := range results {
				if err := sink.write(r); err != nil {
					return err
				}
			}
			if err := sink.flush(); err != nil {
				return err
			}
			if err := w.Flush(); err != nil {
				return err
			}
			app.Logf("%s; ranked by patch priority over %d days\n", strings.TrimSuffix(sum.String(), "\n"), o.Horizon)
			if sum.Failed > 0 {
				return silentExit(exitError)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.Output, "output", "o", "", "jsonl, csv or table (default: table at a terminal, else jsonl)")
	f.IntVar(&o.Top, "top", 0, "keep the first N (0: all)")
	f.IntVar(&o.Horizon, "horizon", exploitation.DefaultHorizon, "exploitation horizon in days: 30, 90 or 365")
	f.IntVar(&o.Explain, "explain", -1, "top K reasons per document (0 = all non-zero; default none)")
	f.StringVar(&o.Model, "model", "", "severity model: default, a version, or a bundle directory")
	f.StringVar(&o.Format, "format", "auto", "input format: auto, jsonl, text, osv, cve5, kev, stix")
	return cmd
}
