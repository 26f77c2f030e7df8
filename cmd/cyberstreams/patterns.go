package main

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/cyberstreams/cyberstreams/core/patterns"
	"github.com/cyberstreams/cyberstreams/core/termsafe"
)

func newPatternsCmd(app *App) *cobra.Command {
	var types string
	var opts patterns.Options
	cmd := &cobra.Command{
		Use:   "patterns",
		Short: "Entities that co-occur across workspace documents, and the rules between them",
		Long: `Mine the workspace for entities that appear together in the same documents:
a weakness with an ATT&CK technique, an actor with a tool, a vendor or package
ecosystem with a CWE. Each document is one transaction whose items are its
entities of the chosen --types, written type:value (cwe:CWE-79, vendor:acme,
ecosystem:npm; vendor and ecosystem come from the document's fields).

Frequent itemsets are found with FP-growth (Han, Pei & Yin 2000): every set
of up to --max-len items that at least --min-support documents share (by
default 0.1% of the documents with items, and at least 2). Association rules
A → B follow from them, with support (documents holding A and B), confidence
(the share of A's documents that also hold B) and lift (confidence over B's
own share: 1 means independent, above 1 that A and B attract).

For likely next steps of an intrusion (the techniques that actors using a set
of techniques also use) ask the knowledge graph:
  cyberstreams graph query next-steps T1566 T1059`,
		Example: `  cyberstreams patterns
  cyberstreams patterns --types cwe,vendor --min-support 20 --max-len 2
  cyberstreams patterns --types attack_technique,actor,malware --min-confidence 0.8 --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if types != "" {
				opts.Types = nil
				for _, t := range strings.Split(types, ",") {
					if t = strings.ToLower(strings.TrimSpace(t)); t != "" {
						opts.Types = append(opts.Types, t)
					}
				}
				if err := patterns.CheckTypes(opts.Types); err != nil {
					return usagef("--types: %v", err)
				}
			}
			switch {
			case opts.MinSupport < 0:
				return usagef("--min-support %d: want 0 (automatic) or more", opts.MinSupport)
			case opts.MinConfidence < 0 || opts.MinConfidence > 1:
				return usagef("--min-confidence %g: want a share in [0, 1]", opts.MinConfidence)
			case opts.MaxLen < 1:
				return usagef("--max-len %d: want 1 or more", opts.MaxLen)
			case opts.Limit < 0:
				return usagef("--limit %d: want 0 (all) or more", opts.Limit)
			}
			ctx := cmd.Context()
			ws, err := app.Workspace(ctx)
			if err != nil {
				return err
			}
			rep, err := patterns.Find(ctx, ws, opts)
			if err != nil {
				return err
			}
			if app.JSON {
				return writeJSON(app.IO.Out, rep)
			}
			return writePatterns(app, rep)
		},
	}
	f := cmd.Flags()
	f.StringVar(&types, "types", "", "comma-separated item types (default "+strings.Join(patterns.DefaultTypes, ",")+")")
	f.IntVar(&opts.MinSupport, "min-support", 0, "least number of documents a pattern must appear in (0: 0.1% of documents with items, at least 2)")
	f.Float64Var(&opts.MinConfidence, "min-confidence", 0.5, "least confidence of a rule, in [0, 1]")
	f.IntVar(&opts.MaxLen, "max-len", 3, "most items in one pattern")
	f.IntVar(&opts.Limit, "limit", 20, "most itemsets and most rules to show (0: all)")
	f.StringVar(&opts.Source, "source", "", "only documents from this source")
	return cmd
}

// writePatterns prints the two tables. Item values come from documents, so
// every cell goes through termsafe.
func writePatterns(app *App, rep patterns.Report) error {
	out := app.IO.Out
	fmt.Fprintf(out, "%d documents, %d with items of type %s; min support %d documents\n\n",
		rep.Documents, rep.Transactions, strings.Join(rep.Types, ","), rep.MinSupport)
	if len(rep.Itemsets) == 0 {
		fmt.Fprintln(out, "no co-occurrence reaches the min support; try a lower --min-support or other --types")
		return nil
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SUPPORT\tSHARE\tITEMS\tEXAMPLES")
	for _, p := range rep.Itemsets {
		fmt.Fprintf(tw, "%d\t%.1f%%\t%s\t%s\n", p.Support, 100*p.Share, itemList(p.Items, " + "), itemList(p.Examples, " "))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(out)
	if len(rep.Rules) == 0 {
		fmt.Fprintln(out, "no rule reaches the min confidence; try a lower --min-confidence")
		return nil
	}
	tw = tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RULE\tSUPPORT\tCONFIDENCE\tLIFT")
	for _, r := range rep.Rules {
		fmt.Fprintf(tw, "%s → %s\t%d\t%.2f\t%.2f\n", itemList(r.Antecedent, " + "), itemList(r.Consequent, " + "), r.Support, r.Confidence, r.Lift)
	}
	return tw.Flush()
}

func itemList(items []string, sep string) string {
	safe := make([]string, len(items))
	for i, it := range items {
		safe[i] = termsafe.Line(it, 60)
	}
	return strings.Join(safe, sep)
}
