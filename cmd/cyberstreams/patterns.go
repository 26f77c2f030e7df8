package main

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/patterns"
	"github.com/cyberstreams/cyberstreams/core/termsafe"
)

func newPatternsCmd(app *App) *cobra.Command {
	var types string
	var clusters bool
	var opts patterns.Options
	var copts patterns.ClusterOptions
	cmd := &cobra.Command{
		Use:   "patterns",
		Short: "Entities that co-occur across workspace documents, the rules between them, and document clusters",
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

With --clusters, group documents that share infrastructure and context into
campaign candidates instead. Each document is the set of its items of the
--types (by default indicators — ipv4, ipv6, domain, url, hashes — and cve,
attack_technique, actor, malware); two documents are neighbours when the
Jaccard distance of their sets (1 − shared / all items) is at most --eps
(0.5: they share at least half of what either names). DBSCAN (Ester,
Kriegel, Sander & Xu 1996) keeps the dense groups: a document with at least
--min-docs neighbours (itself included) seeds a cluster, and every document
within reach joins it; the rest is noise. Only documents that share an item
are compared, and items held by more than --max-item-docs documents (by
default 5% of them, at least 20) are ignored as they link everything; the
output names them. Each cluster shows its size, the items most members
share, the first and last publication date, the severity mix (the model's
score, else the source's label) and its first members (all with --json);
the largest come first. On the 38,358 shared training advisories a run takes
under a second and finds about 200 clusters, most of them errata that fix the
same CVEs.

For likely next steps of an intrusion (the techniques that actors using a set
of techniques also use) ask the knowledge graph:
  cyberstreams graph query next-steps T1566 T1059`,
		Example: `  cyberstreams patterns
  cyberstreams patterns --types cwe,vendor --min-support 20 --max-len 2
  cyberstreams patterns --types attack_technique,actor,malware --min-confidence 0.8 --json
  cyberstreams patterns --clusters
  cyberstreams patterns --clusters --eps 0.3 --min-docs 5 --types ipv4,domain,sha256 --json`,
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
			f := cmd.Flags()
			if clusters {
				for _, name := range []string{"min-support", "min-confidence", "max-len"} {
					if f.Changed(name) {
						return usagef("--%s applies to co-occurrences, not to --clusters", name)
					}
				}
				switch {
				case copts.Eps <= 0 || copts.Eps >= 1:
					return usagef("--eps %g: want a Jaccard distance in (0, 1)", copts.Eps)
				case copts.MinDocs < 1:
					return usagef("--min-docs %d: want 1 or more", copts.MinDocs)
				case copts.MaxItemDocs < 0:
					return usagef("--max-item-docs %d: want 0 (automatic) or more", copts.MaxItemDocs)
				case opts.Limit < 0:
					return usagef("--limit %d: want 0 (all) or more", opts.Limit)
				}
				return runClusters(cmd, app, opts, copts)
			}
			for _, name := range []string{"eps", "min-docs", "max-item-docs"} {
				if f.Changed(name) {
					return usagef("--%s applies to --clusters", name)
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
	f.StringVar(&types, "types", "", "comma-separated item types (default "+strings.Join(patterns.DefaultTypes, ",")+
		"; with --clusters "+strings.Join(patterns.ClusterTypes, ",")+")")
	f.IntVar(&opts.MinSupport, "min-support", 0, "least number of documents a pattern must appear in (0: 0.1% of documents with items, at least 2)")
	f.Float64Var(&opts.MinConfidence, "min-confidence", 0.5, "least confidence of a rule, in [0, 1]")
	f.IntVar(&opts.MaxLen, "max-len", 3, "most items in one pattern")
	f.IntVar(&opts.Limit, "limit", 20, "most itemsets and most rules, or clusters, to show (0: all)")
	f.StringVar(&opts.Source, "source", "", "only documents from this source")
	f.BoolVar(&clusters, "clusters", false, "group documents that share items into campaign candidates (DBSCAN over Jaccard distance)")
	f.Float64Var(&copts.Eps, "eps", patterns.DefaultEps, "with --clusters: greatest Jaccard distance between neighbours, in (0, 1)")
	f.IntVar(&copts.MinDocs, "min-docs", patterns.DefaultMinDocs, "with --clusters: least documents within --eps of one (itself included) to seed a cluster")
	f.IntVar(&copts.MaxItemDocs, "max-item-docs", 0, "with --clusters: ignore items held by more documents (0: 5% of documents with items, at least 20)")
	return cmd
}

// runClusters finds and prints the clusters; opts carries the flags the two
// modes share (types, limit, source).
func runClusters(cmd *cobra.Command, app *App, opts patterns.Options, copts patterns.ClusterOptions) error {
	copts.Types, copts.Limit, copts.Source = opts.Types, opts.Limit, opts.Source
	if !app.Quiet {
		copts.Progress = app.Logf
	}
	ctx := cmd.Context()
	ws, err := app.Workspace(ctx)
	if err != nil {
		return err
	}
	start := time.Now()
	rep, err := patterns.FindClusters(ctx, ws, copts)
	if err != nil {
		return err
	}
	app.Logf("patterns: %d clusters in %s\n", rep.TotalClusters, time.Since(start).Round(time.Millisecond))
	if app.JSON {
		return writeJSON(app.IO.Out, rep)
	}
	return writeClusters(app, rep)
}

// writeClusters prints one block per cluster. Items and ids come from
// documents, so each goes through termsafe.
func writeClusters(app *App, rep patterns.ClusterReport) error {
	const shownItems, shownMembers, shownIgnored = 6, 6, 5
	out := app.IO.Out
	fmt.Fprintf(out, "%d documents, %d with items of type %s; eps %.2f (Jaccard distance), min %d documents\n",
		rep.Documents, rep.WithItems, strings.Join(rep.Types, ","), rep.Eps, rep.MinDocs)
	if n := len(rep.Ignored); n > 0 {
		var parts []string
		for _, it := range rep.Ignored[:min(n, shownIgnored)] {
			parts = append(parts, fmt.Sprintf("%s (%d)", termsafe.Line(it.Item, 60), it.Count))
		}
		more := ""
		if n > shownIgnored {
			more = fmt.Sprintf(" and %d more", n-shownIgnored)
		}
		fmt.Fprintf(out, "ignored %d items held by more than %d documents, as they link everything: %s%s\n",
			n, rep.MaxItemDocs, strings.Join(parts, ", "), more)
	}
	fmt.Fprintf(out, "%d clusters holding %d documents; %d documents in none\n", rep.TotalClusters, rep.Clustered, rep.Noise)
	if len(rep.Clusters) == 0 {
		fmt.Fprintln(out, "no cluster: try a larger --eps, a smaller --min-docs or other --types")
		return nil
	}
	for i, c := range rep.Clusters {
		span := "no dates"
		if c.FirstPublished != "" {
			span = c.FirstPublished + " … " + c.LastPublished
		}
		fmt.Fprintf(out, "\ncluster %d · %d documents · %s\n", i+1, c.Size, span)
		var shared []string
		for _, it := range c.Shared[:min(len(c.Shared), shownItems)] {
			shared = append(shared, fmt.Sprintf("%s (%d)", termsafe.Line(it.Item, 60), it.Count))
		}
		if len(shared) == 0 {
			shared = []string{"no item held by two members (a chain of near neighbours)"}
		}
		fmt.Fprintf(out, "  shared    %s\n", strings.Join(shared, ", "))
		var sev []string
		for _, s := range append(document.Severities[:], "unknown") {
			if n := c.Severity[s]; n > 0 {
				sev = append(sev, fmt.Sprintf("%d %s", n, s))
			}
		}
		fmt.Fprintf(out, "  severity  %s (%d of %d scored by the model, the rest by source label)\n", strings.Join(sev, ", "), c.Scored, c.Size)
		members := itemList(c.Members[:min(len(c.Members), shownMembers)], " ")
		if len(c.Members) > shownMembers {
			members += fmt.Sprintf(" … +%d (--json lists all)", len(c.Members)-shownMembers)
		}
		fmt.Fprintf(out, "  members   %s\n", members)
	}
	if rep.TotalClusters > len(rep.Clusters) {
		fmt.Fprintf(out, "\n%d more clusters; --limit 0 shows all\n", rep.TotalClusters-len(rep.Clusters))
	}
	return nil
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
