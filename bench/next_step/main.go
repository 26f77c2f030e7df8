// Command next_step measures the next-attack-step model (core/nextstep)
// beside its three baselines by leaving whole ATT&CK groups out: for every
// group with at least -min techniques on each side of a split tactic, train
// on everything else (its campaigns left out too), reveal the techniques
// whose earliest tactic comes before the split and rank those starting at
// the split or later. It prints recall@K, hit@K and MRR per method and
// split.
//
//	go run ./bench/next_step                       # the reported table
//	go run ./bench/next_step -grid                 # every candidate tried
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"text/tabwriter"

	"github.com/cyberstreams/cyberstreams/core/nextstep"
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
	methods = append(methods, nextstep.Default())
	if *grid {
		methods = append(methods, nextstep.Candidates()...)
	}
	var all []nextstep.Result
	for _, s := range strings.Split(*splits, ",") {
		res, err := nextstep.Benchmark(ctx, u, nextstep.Protocol{Split: s, MinEach: *minEach, K: *k}, methods)
		if err != nil {
			return err
		}
		all = append(all, res...)
		if !*asJSON {
			tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintf(tw, "split %s: %d groups held out one at a time\n", s, res[0].Actors)
			fmt.Fprintf(tw, "METHOD\tRECALL@%d\tHIT@%d\tMRR\n", *k, *k)
			for _, r := range res {
				fmt.Fprintf(tw, "%s\t%.3f\t%.3f\t%.3f\n", r.Method, r.Recall, r.Hit, r.MRR)
			}
			tw.Flush()
			fmt.Println()
		}
	}
	if *asJSON {
		return json.NewEncoder(os.Stdout).Encode(all)
	}
	return nil
}
