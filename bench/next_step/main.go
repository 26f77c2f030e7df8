// Command next_step measures the next-attack-step model (core/nextstep)
// beside its three baselines by leaving whole ATT&CK groups out: for every
// group with at least -min techniques on each side of a split tactic, train
// on everything else (its campaigns left out too), reveal the techniques
// whose earliest tactic comes before the split and rank those starting at
// the split or later. It prints recall@K, hit@K and MRR per method and
// split, and beside them a yardstick: the best single list, the same for
// every group, chosen with hindsight on the held-out groups' own later
// techniques (nextstep.HindsightList).
//
// With -text the same groups are held out again, but their earlier
// techniques are given as text: the group's ATT&CK procedure examples for
// them (the descriptions of its `uses` relationships), tagged by the
// technique tagger (core/techniques), whose found techniques the ranker
// gets. The embedded tagger was trained on ATT&CK procedure text including
// the held-out group's; -retrain N retrains it without the procedure
// examples of N held-out groups of the first split and scores those groups
// with both taggers and with ids.
//
//	go run ./bench/next_step                       # the reported table
//	go run ./bench/next_step -text                 # and through the tagger
//	go run ./bench/next_step -text -retrain 20     # and the leakage check
//	go run ./bench/next_step -grid                 # every candidate tried
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/cyberstreams/cyberstreams/core/nextstep"
	"github.com/cyberstreams/cyberstreams/core/techniques"
	"github.com/cyberstreams/cyberstreams/kg"
	"github.com/cyberstreams/cyberstreams/kg/attack"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "next_step:", err)
		os.Exit(1)
	}
}

func run() error {
	bundle := flag.String("bundle", "../shared/data/attack-enterprise.json.gz", "ATT&CK Enterprise STIX bundle")
	splits := flag.String("splits", "credential-access,defense-evasion,discovery,collection", "split tactics, comma-separated (the first is the headline)")
	minEach := flag.Int("min", 3, "techniques each held-out group needs on each side of the split")
	k := flag.Int("k", 10, "cut-off for recall@K and hit@K")
	grid := flag.Bool("grid", false, "also run every candidate method that was tried when choosing the default")
	asJSON := flag.Bool("json", false, "print JSON rows instead of a table")
	text := flag.Bool("text", false, "also give the held-out groups' earlier techniques as procedure text through the technique tagger")
	retrain := flag.Int("retrain", 0, "with -text: retrain the tagger without the procedure examples of this many held-out groups of the first split (evenly spaced) and score those groups with each tagger")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	f, err := os.Open(*bundle)
	if err != nil {
		return err
	}
	b, err := attack.Parse(f)
	f.Close()
	if err != nil {
		return fmt.Errorf("%s: %w", *bundle, err)
	}
	u := kg.UsageOf(b.Nodes, b.Edges)
	methods := nextstep.Baselines()
	// The default before software rows joined it, for comparison.
	methods = append(methods, nextstep.ItemCosineOf(1, 1, 0, false), nextstep.Default(), nextstep.DefaultForText())
	if *grid {
		// Candidates hold the text method too (a blend tried for ids).
		for _, m := range nextstep.Candidates() {
			if !slices.ContainsFunc(methods, func(x nextstep.Method) bool { return x.Name == m.Name }) {
				methods = append(methods, m)
			}
		}
	}
	var reveal *nextstep.TextReveal
	if *text {
		if reveal, err = textReveal(*bundle); err != nil {
			return err
		}
	}
	var all []row
	for _, s := range strings.Split(*splits, ",") {
		p := nextstep.Protocol{Split: s, MinEach: *minEach, K: *k}
		res, err := nextstep.Benchmark(ctx, u, p, methods)
		if err != nil {
			return err
		}
		bound, err := nextstep.HindsightList(u, p)
		if err != nil {
			return err
		}
		all = append(all, report(*asJSON, "ids", append(res, bound), *k)...)
		if reveal == nil {
			continue
		}
		reveal.Stats = nextstep.TextStats{}
		p.Reveal = reveal.Reveal
		if res, err = nextstep.Benchmark(ctx, u, p, methods); err != nil {
			return err
		}
		all = append(all, report(*asJSON, "text, tags in later tactics taken as seen", res, *k)...)
		st := reveal.Stats
		if !*asJSON {
			fmt.Printf("tagger on %s: %d groups, %d earlier techniques (%d with procedure text), %d found (%d of them earlier techniques), nothing found for %d groups\n\n",
				s, st.Actors, st.Earlier, st.WithText, st.Found, st.FoundEarlier, st.Empty)
		}
		p.DropLater = true
		if res, err = nextstep.Benchmark(ctx, u, p, methods); err != nil {
			return err
		}
		all = append(all, report(*asJSON, "text, tags in later tactics ranked (next-steps --text --from SPLIT)", res, *k)...)
		p.DropLater, p.FromShown = false, true
		if res, err = nextstep.Benchmark(ctx, u, p, methods); err != nil {
			return err
		}
		all = append(all, report(*asJSON, "text, ranked after the furthest tag (next-steps --text without --from)", res, *k)...)
	}
	if *retrain > 0 && reveal != nil {
		rows, err := leakage(ctx, u, nextstep.Protocol{Split: strings.Split(*splits, ",")[0], MinEach: *minEach, K: *k}, methods, reveal, *bundle, *retrain, *asJSON)
		if err != nil {
			return err
		}
		all = append(all, rows...)
	}
	if *asJSON {
		return json.NewEncoder(os.Stdout).Encode(all)
	}
	return nil
}

// row is one printed result: how the earlier techniques were given (ids,
// text, text-subset-*) and the score.
type row struct {
	Given string `json:"given"`
	nextstep.Result
}

func report(asJSON bool, given string, res []nextstep.Result, k int) []row {
	out := make([]row, len(res))
	for i, r := range res {
		out[i] = row{Given: given, Result: r}
	}
	if asJSON {
		return out
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "split %s, earlier techniques given as %s: %d groups held out one at a time\n", res[0].Split, given, res[0].Actors)
	fmt.Fprintf(tw, "METHOD\tRECALL@%d\tHIT@%d\tMRR\n", k, k)
	for _, r := range res {
		fmt.Fprintf(tw, "%s\t%.3f\t%.3f\t%.3f\n", r.Method, r.Recall, r.Hit, r.MRR)
	}
	tw.Flush()
	fmt.Println()
	return out
}

// textReveal loads the procedure examples and the embedded tagger.
func textReveal(bundle string) (*nextstep.TextReveal, error) {
	f, err := os.Open(bundle)
	if err != nil {
		return nil, err
	}
	texts, err := attack.TechniqueTexts(f)
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", bundle, err)
	}
	m, err := techniques.Embedded()
	if err != nil {
		return nil, err
	}
	return &nextstep.TextReveal{Tagger: m, Procs: nextstep.ProceduresOf(texts)}, nil
}

// leakage retrains the tagger without the procedure examples of n evenly
// spaced held-out groups of p and scores those groups given as ids, as
// text through the embedded tagger and as text through the retrained one.
func leakage(ctx context.Context, u kg.TechniqueUsage, p nextstep.Protocol, methods []nextstep.Method, embedded *nextstep.TextReveal, bundle string, n int, asJSON bool) ([]row, error) {
	actors, err := p.HeldOut(u)
	if err != nil {
		return nil, err
	}
	n = min(n, len(actors))
	p.Only = map[string]bool{}
	for i := range n {
		p.Only[actors[i*len(actors)/n]] = true
	}
	c, _, err := techniques.LoadCorpus(filepath.Dir(bundle))
	if err != nil {
		return nil, err
	}
	kept := c.Texts[:0]
	for _, x := range c.Texts {
		if !p.Only[x.Source] {
			kept = append(kept, x)
		}
	}
	fmt.Fprintf(os.Stderr, "retraining the tagger without %d groups' procedure examples (%d of %d ATT&CK texts kept)\n", n, len(kept), len(c.Texts))
	c.Texts = kept
	m, err := techniques.Train(ctx, c, techniques.DefaultOptions())
	if err != nil {
		return nil, err
	}
	retrained := &nextstep.TextReveal{Tagger: m, Procs: embedded.Procs}
	var out []row
	for _, g := range []struct {
		name   string
		reveal func(string, []string) []string
	}{{"ids (subset)", nil}, {"text, embedded tagger (subset)", embedded.Reveal}, {"text, tagger without these groups (subset)", retrained.Reveal}} {
		p.Reveal = g.reveal
		res, err := nextstep.Benchmark(ctx, u, p, methods)
		if err != nil {
			return nil, err
		}
		out = append(out, report(asJSON, g.name, res, p.K)...)
	}
	return out, nil
}
