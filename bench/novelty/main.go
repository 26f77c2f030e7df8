// Command novelty measures the novelty flag on the shared data.
//
// Advisories are split by time: the newest -future share are "future"
// advisories, never seen in training; the rest is split as `train` splits
// it (the newest 15 % validate: the flag's threshold is picked on them for
// -fpr). Threat-report text (tram_sentences.jsonl, consecutive sentences of
// one report joined into chunks of 8) is text of a kind the model never
// trained on. Reports are split by report into a "tune" half, which may be
// looked at while choosing a representation, and a "measure" half, which
// gives the reported number (-reports-half).
//
// It prints, per representation variant (-variants), the share of future
// advisories flagged, the share of report chunks flagged, and the ROC-AUC
// of report chunks against future advisories. With -lofo it also runs
// leave-one-family-out: for each family (an ecosystem, a source, or a
// group of vendors), the features and the novelty model are fitted without
// the family's documents, the threshold is picked on validation advisories
// outside it, and the family's documents of the validation-and-future
// period are scored against the other documents of that period. With
// -dump DIR it writes each family's standardised novelty inputs
// (train/valid/in/out .tsv) for scikit-learn's IsolationForest on the same
// features (sklearn_iforest.py; run.sh runs both).
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/extract"
	"github.com/cyberstreams/cyberstreams/core/features"
	"github.com/cyberstreams/cyberstreams/core/ingest"
	"github.com/cyberstreams/cyberstreams/core/novelty"
	"github.com/cyberstreams/cyberstreams/core/scoring"
	"github.com/cyberstreams/cyberstreams/core/training"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "novelty:", err)
		os.Exit(1)
	}
}

type config struct {
	data, reports, kev, half, variants, dump, families string
	future, fpr                                        float64
	chunk, maxFamilies                                 int
	seed                                               int64
	lofo, titles, asJSON                               bool
}

func run() error {
	var c config
	flag.StringVar(&c.data, "data", "../shared/data/advisories_train.jsonl.gz", "advisories (labelled JSONL, .gz read transparently)")
	flag.StringVar(&c.reports, "reports", "../shared/data/tram_sentences.jsonl", "threat-report sentences (JSONL with doc_id, sentence_index, text)")
	flag.StringVar(&c.kev, "kev", "../shared/data/kev.json", "CISA KEV catalog (as train --kev)")
	flag.StringVar(&c.half, "reports-half", "measure", "which half of the reports to score: tune or measure")
	flag.StringVar(&c.variants, "variants", "default", "comma-separated: default, sum, forest, autoencoder, text-only, shape-only, topics")
	flag.StringVar(&c.dump, "dump", "", "write each family's standardised inputs here for sklearn_iforest.py")
	flag.StringVar(&c.families, "families", "ecosystem,source,vendor", "family kinds for -lofo")
	flag.Float64Var(&c.future, "future", 0.10, "share of the newest advisories held out as future")
	flag.Float64Var(&c.fpr, "fpr", novelty.DefaultTargetFPR, "target false-positive rate on validation advisories")
	flag.IntVar(&c.chunk, "chunk", 8, "sentences per report chunk")
	flag.IntVar(&c.maxFamilies, "max-families", 4, "largest families of each kind to leave out")
	flag.Int64Var(&c.seed, "seed", 42, "seed")
	flag.BoolVar(&c.lofo, "lofo", false, "run leave-one-family-out")
	flag.BoolVar(&c.titles, "report-titles", false, "give report chunks their report's title")
	flag.BoolVar(&c.asJSON, "json", false, "print results as JSON lines")
	flag.Parse()
	if c.half != "tune" && c.half != "measure" {
		return fmt.Errorf("-reports-half %q: want tune or measure", c.half)
	}
	ctx := context.Background()
	know := scoring.PlainKnowledge()
	var docs []document.Document
	err := ingest.Read(ctx, []string{c.data}, know.Reading(ingest.Options{SkipMeta: true}), func(r ingest.Record) error {
		if r.Err != nil { // named and left out: one bad record never stops the others
			fmt.Fprintln(os.Stderr, "novelty:", r.Failure().Error())
			return nil
		}
		docs = append(docs, r.Doc.Detach())
		return nil
	})
	if err != nil {
		return err
	}
	reports, err := readReports(c.reports, c.chunk, c.half, c.titles, know)
	if err != nil {
		return err
	}
	training.SortByTime(docs)
	cut := len(docs) - int(c.future*float64(len(docs)))
	past, future := docs[:cut], docs[cut:]
	train, valid, _ := training.Split(past, time.Time{}, 0.15)
	fmt.Fprintf(os.Stderr, "novelty: %d training, %d validation, %d future advisories (from %s); %d report chunks (%s half)\n",
		len(train), len(valid), len(future), future[0].Published.Format("2006-01-02"), len(reports), c.half)
	fo := features.FitOptions{EntityTypes: extract.Types}
	if c.kev != "" {
		if fo.KEV, err = features.ReadKEVFile(c.kev); err != nil {
			return err
		}
	}
	spec, err := features.Fit(ctx, train, fo)
	if err != nil {
		return err
	}
	fz := features.New(spec)
	for _, v := range strings.Split(c.variants, ",") {
		opts, err := variant(v, c)
		if err != nil {
			return err
		}
		start := time.Now()
		m, err := novelty.Fit(ctx, fz, train, valid, opts)
		if err != nil {
			return err
		}
		sc, err := m.Scorer(spec, fz.Width())
		if err != nil {
			return err
		}
		fs, rs := scores(sc, fz, future), scores(sc, fz, reports)
		out := map[string]any{"variant": v, "inputs": len(m.Inputs), "threshold": m.Threshold, "valid_flagged": m.ValidFPR,
			"future_flagged": flagged(fs, m.Threshold), "reports_flagged": flagged(rs, m.Threshold), "auc_reports_vs_future": auc(rs, fs),
			"fit_seconds": time.Since(start).Seconds()}
		report(c, out, "%-20s inputs %3d  threshold %.4f  valid %.3f  future %.3f  reports %.3f  AUC %.3f  (%.1fs)\n",
			v, len(m.Inputs), m.Threshold, m.ValidFPR, out["future_flagged"], out["reports_flagged"], out["auc_reports_vs_future"], out["fit_seconds"])
	}
	if !c.lofo {
		return nil
	}
	if err := measure(ctx, c, "text", "threat-report chunks ("+c.half+" half)", fz, train, valid, future, reports); err != nil {
		return err
	}
	return lofo(ctx, c, fo, past, future)
}

func report(c config, v map[string]any, format string, args ...any) {
	if c.asJSON {
		b, _ := json.Marshal(v)
		fmt.Println(string(b))
		return
	}
	fmt.Printf(format, args...)
}

func variant(v string, c config) (novelty.Options, error) {
	o := novelty.Options{Seed: c.seed, TargetFPR: c.fpr}
	switch v {
	case "default":
	case "text-only":
		o.NoShape = true
	case "shape-only":
		o.NoText = true
	case "sum":
		o.Combine = novelty.CombineSum
	case "topics":
		o.Topics = 16
	case "forest":
		o.Combine = novelty.CombineForest
	case "autoencoder":
		o.Combine = novelty.CombineAutoencoder
	default:
		return o, fmt.Errorf("unknown variant %q", v)
	}
	return o, nil
}

func scores(sc *novelty.Scorer, fz *features.Featurizer, docs []document.Document) []float64 {
	out := make([]float64, len(docs))
	for i := range docs {
		out[i] = sc.Score(fz.Transform(&docs[i]))
	}
	return out
}

func flagged(s []float64, threshold float64) float64 {
	n := 0
	for _, v := range s {
		if v >= threshold {
			n++
		}
	}
	return float64(n) / float64(max(len(s), 1))
}

// auc is the ROC-AUC of pos over neg (Mann–Whitney U, ties counted half).
func auc(pos, neg []float64) float64 {
	type sv struct {
		v   float64
		pos bool
	}
	all := make([]sv, 0, len(pos)+len(neg))
	for _, v := range pos {
		all = append(all, sv{v, true})
	}
	for _, v := range neg {
		all = append(all, sv{v, false})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].v < all[j].v })
	var rankSum float64
	for i := 0; i < len(all); {
		j := i
		for j < len(all) && all[j].v == all[i].v {
			j++
		}
		r := float64(i+j+1) / 2 // mean 1-based rank of the tie group
		for k := i; k < j; k++ {
			if all[k].pos {
				rankSum += r
			}
		}
		i = j
	}
	np, nn := float64(len(pos)), float64(len(neg))
	return (rankSum - np*(np+1)/2) / (np * nn)
}

// readReports joins each report's consecutive sentences into chunks of n
// and keeps the chunks of the reports in the asked half (by a hash of the
// report id, so the halves do not depend on the file's order).
func readReports(path string, n int, half string, titles bool, know scoring.Knowledge) ([]document.Document, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reports: %w", err)
	}
	defer f.Close()
	type sentence struct {
		Text   string `json:"text"`
		Doc    string `json:"doc_id"`
		Title  string `json:"doc_title"`
		Index  int    `json:"sentence_index"`
		Source string `json:"source"`
	}
	byDoc := map[string][]sentence{}
	var order []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for line := 1; sc.Scan(); line++ {
		var s sentence
		if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
			return nil, fmt.Errorf("reports: %s:%d: %w", path, line, err)
		}
		if _, ok := byDoc[s.Doc]; !ok {
			order = append(order, s.Doc)
		}
		byDoc[s.Doc] = append(byDoc[s.Doc], s)
	}
	if err := sc.Err(); err != nil && err != io.EOF {
		return nil, fmt.Errorf("reports: %s: %w", path, err)
	}
	var out []document.Document
	for _, id := range order {
		h := fnv.New32a()
		h.Write([]byte(id))
		if (h.Sum32()%2 == 0) != (half == "tune") {
			continue
		}
		ss := byDoc[id]
		slices.SortFunc(ss, func(a, b sentence) int { return a.Index - b.Index })
		for i := 0; i+n <= len(ss); i += n {
			var parts []string
			for _, s := range ss[i : i+n] {
				parts = append(parts, s.Text)
			}
			d := document.Document{ID: fmt.Sprintf("%s#%d", id, i/n), Body: strings.Join(parts, " ")}
			if titles {
				d.Title = ss[0].Title
			}
			d.Entities = know.Extractor.Extract(d.Text())
			d.Finish()
			out = append(out, d)
		}
	}
	return out, nil
}

// writeTSV writes rows of numbers, one per line.
func writeTSV(path string, rows [][]float64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	for _, r := range rows {
		for j, v := range r {
			if j > 0 {
				w.WriteByte('\t')
			}
			fmt.Fprintf(w, "%g", v)
		}
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
