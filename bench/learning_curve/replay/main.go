// Command replay measures whether analyst labels pay on the months after
// them: a champion trained on the documents published before a period
// start P, the labels of [P, P+L) replayed as analyst labels, a candidate
// retrained from them by each recipe, the learner's promotion rule (newest
// 20 % of the labels held out, paired bootstrap), and every model judged on
// the following months [P+L, P+L+J), which neither the champion nor the
// labels include. Several periods and seeds; the champions are trained
// once and kept under -out. Measurement only: nothing here is product code.
//
//	go run ./bench/learning_curve/replay -periods 2023-07-01,2023-11-01,2024-01-01 -seeds 1,42
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"math"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/extract"
	"github.com/cyberstreams/cyberstreams/core/features"
	"github.com/cyberstreams/cyberstreams/core/ingest"
	"github.com/cyberstreams/cyberstreams/core/learner"
	"github.com/cyberstreams/cyberstreams/core/model"
	"github.com/cyberstreams/cyberstreams/core/scoring"
	"github.com/cyberstreams/cyberstreams/core/training"
)

type row struct {
	period, recipe   string
	seed             int64
	acc, mf1         float64 // on the following months
	baseAcc, baseMF1 float64
	// after holds, per promotion rule, the champion after the rule on the
	// following months: the candidate's numbers when promoted, else the
	// champion's.
	after map[string]outcome
}

type outcome struct {
	promoted bool
	acc, mf1 float64
}

// rules are the promotion rules compared: the learner's metric and margin.
var rules = []struct {
	name   string
	metric string
	margin float64
}{
	{"mF1", "macro_f1", 0}, {"mF1 m.01", "macro_f1", 0.01}, {"mF1 m.02", "macro_f1", 0.02},
	{"acc", "accuracy", 0}, {"acc m.02", "accuracy", 0.02},
}

func main() {
	data := flag.String("data", "../shared/data/advisories_train.jsonl.gz", "labelled advisories")
	kevPath := flag.String("kev", "../shared/data/kev.json", "KEV catalog")
	periods := flag.String("periods", "2023-07-01,2023-11-01,2024-01-01", "label period starts")
	labelMonths := flag.Int("label-months", 4, "months of labels replayed")
	judgeMonths := flag.Int("judge-months", 2, "months judged after the labels")
	seedList := flag.String("seeds", "1,42", "seeds")
	recipes := flag.String("recipes", "", "recipes to run (default all)")
	out := flag.String("out", "bench/learning_curve/out/replay", "directory for the champions")
	flag.Parse()
	ctx := context.Background()
	know := scoring.PlainKnowledge()
	var docs []document.Document
	err := ingest.Read(ctx, []string{*data}, know.Reading(ingest.Options{SkipMeta: true}), func(r ingest.Record) error {
		if r.Err == nil && document.SeverityIndex(r.Doc.Severity) >= 0 {
			docs = append(docs, r.Doc.Detach())
		}
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	training.SortByTime(docs)
	kev, err := features.ReadKEVFile(*kevPath)
	if err != nil {
		log.Fatal(err)
	}
	want := map[string]bool{}
	for _, r := range strings.Split(*recipes, ",") {
		if r != "" {
			want[r] = true
		}
	}
	var rows []row
	for _, ps := range strings.Split(*periods, ",") {
		p, err := time.Parse(time.DateOnly, ps)
		if err != nil {
			log.Fatal(err)
		}
		l, j := p.AddDate(0, *labelMonths, 0), p.AddDate(0, *labelMonths+*judgeMonths, 0)
		base, labelled, judged := cut(docs, p, l, j)
		for _, seed := range parseSeeds(*seedList) {
			champ, err := champion(ctx, filepath.Join(*out, fmt.Sprintf("%s-seed%d", ps, seed)), base, seed, kev)
			if err != nil {
				log.Fatal(err)
			}
			hold, train := holdout(labelled, 0.2)
			bAcc, bMF1 := judge(know, champ, judged)
			log.Printf("period %s seed %d: base %d docs, %d labels (%d held out), %d judged; champion %.4f / %.4f",
				ps, seed, len(base), len(labelled), len(hold), len(judged), bAcc, bMF1)
			for _, rc := range allRecipes {
				if len(want) > 0 && !want[rc.name] {
					continue
				}
				start := time.Now()
				cand, err := rc.make(ctx, champ, base, train, seed, kev)
				if err != nil {
					log.Fatalf("%s: %v", rc.name, err)
				}
				r := row{period: ps, recipe: rc.name, seed: seed, baseAcc: bAcc, baseMF1: bMF1}
				r.acc, r.mf1 = judge(know, cand, judged)
				r.after = map[string]outcome{}
				for _, rule := range rules {
					cfg := learner.DefaultConfig()
					cfg.Metric, cfg.Margin = rule.metric, rule.margin
					jd := learner.Judge(know, champ, cand, hold, cfg)
					o := outcome{jd.Better, bAcc, bMF1}
					if o.promoted {
						o.acc, o.mf1 = r.acc, r.mf1
					}
					r.after[rule.name] = o
					log.Printf("    rule %s: champion %.4f candidate %.4f, difference %+.4f, lower bound %+.4f: promoted %v", rule.name,
						jd.ChampionScore, jd.CandidateScore, jd.Difference.Estimate, jd.Difference.Low, o.promoted)
				}
				log.Printf("  %-28s %.4f / %.4f (Δ %+.4f / %+.4f)  %s",
					rc.name, r.acc, r.mf1, r.acc-bAcc, r.mf1-bMF1, time.Since(start).Round(time.Second))
				rows = append(rows, r)
			}
		}
	}
	summary(rows)
}

// cut splits time-ordered documents into the champion's (< p), the
// replayed labels ([p, l)) and the judged months ([l, j)).
func cut(docs []document.Document, p, l, j time.Time) (base, labelled, judged []document.Document) {
	for _, d := range docs {
		switch {
		case d.Published.Before(p):
			base = append(base, d)
		case d.Published.Before(l):
			labelled = append(labelled, d)
		case d.Published.Before(j):
			judged = append(judged, d)
		}
	}
	return base, labelled, judged
}

// holdout keeps the newest share of the labels (by publication, which is
// when the replay labels them) for the promotion rule, as the learner does.
func holdout(docs []document.Document, share float64) (hold, train []document.Document) {
	n := int(math.Round(share * float64(len(docs))))
	return docs[len(docs)-n:], docs[:len(docs)-n]
}

// champion is the model trained on the documents before the period, with
// the defaults (early stopping, refit, tuned offsets), kept on disk.
func champion(ctx context.Context, dir string, base []document.Document, seed int64, kev map[string]string) (*model.Bundle, error) {
	if b, err := model.LoadDir(dir); err == nil {
		return b, nil
	}
	opts := options(seed, kev)
	opts.Version = filepath.Base(dir)
	res, err := training.Train(ctx, base, opts)
	if err != nil {
		return nil, err
	}
	if err := res.Bundle.Save(dir); err != nil {
		return nil, err
	}
	return model.LoadDir(dir)
}

func options(seed int64, kev map[string]string) training.Options {
	opts := training.DefaultOptions()
	opts.Seed = seed
	opts.Features.EntityTypes = extract.Types
	opts.Features.KEV = kev
	return opts
}

func judge(know scoring.Knowledge, b *model.Bundle, docs []document.Document) (acc, mf1 float64) {
	fz := know.Featurizer(b.Spec)
	x, y := training.Matrix(fz, docs)
	r := training.EvaluateEach(y, training.Probabilities(b.Trees, x), training.Offsets(fz, docs))
	return r.Accuracy, r.MacroF1
}

type recipe struct {
	name string
	make func(ctx context.Context, champ *model.Bundle, base, labels []document.Document, seed int64, kev map[string]string) (*model.Bundle, error)
}

var allRecipes = []recipe{
	// Rounds added to the champion, fitted to the labels, early-stopped
	// on their newest 15 %, the offsets tuned afresh on that slice (what
	// `retrain` did before this study).
	{"continue", func(ctx context.Context, champ *model.Bundle, _, labels []document.Document, seed int64, kev map[string]string) (*model.Bundle, error) {
		res, err := training.Continue(ctx, champ, labels, options(seed, kev))
		if err != nil {
			return nil, err
		}
		return res.Bundle, nil
	}},
	// The same rounds, the champion's offsets kept (what `retrain` does).
	{"continue-keep-offsets", func(ctx context.Context, champ *model.Bundle, _, labels []document.Document, seed int64, kev map[string]string) (*model.Bundle, error) {
		o := options(seed, kev)
		o.TuneBias = false
		res, err := training.Continue(ctx, champ, labels, o)
		if err != nil {
			return nil, err
		}
		return res.Bundle, nil
	}},
	// No new trees: the champion's offsets tuned on all the new labels
	// (which the champion never saw), the fine search.
	{"offsets-on-labels", func(ctx context.Context, champ *model.Bundle, _, labels []document.Document, seed int64, kev map[string]string) (*model.Bundle, error) {
		return retune(champ, labels, training.FineOffsets()), nil
	}},
}

// retune is b with its class offsets tuned on docs.
func retune(b *model.Bundle, docs []document.Document, search training.OffsetSearch) *model.Bundle {
	x, y := training.Matrix(features.New(b.Spec), docs)
	spec := *b.Spec
	spec.ClassBias = training.TuneBiasWith(y, training.Probabilities(b.Trees, x), search)
	c := *b
	c.Spec = &spec
	return &c
}

func summary(rows []row) {
	by := map[string][]row{}
	var names []string
	for _, r := range rows {
		if by[r.recipe] == nil {
			names = append(names, r.recipe)
		}
		by[r.recipe] = append(by[r.recipe], r)
	}
	sort.Strings(names)
	fmt.Printf("\nmean ± sd over runs of the change on the following months (accuracy, macro-F1)\n")
	fmt.Printf("%-28s %4s  %-31s", "recipe", "runs", "candidate")
	for _, rule := range rules {
		fmt.Printf("  %-36s", "after rule "+rule.name)
	}
	fmt.Println()
	for _, n := range names {
		var da, df []float64
		fmt.Printf("%-28s %4d", n, len(by[n]))
		for _, r := range by[n] {
			da = append(da, r.acc-r.baseAcc)
			df = append(df, r.mf1-r.baseMF1)
		}
		fmt.Printf("  %s %s", ms(da), ms(df))
		for _, rule := range rules {
			var pa, pf []float64
			promoted := 0
			for _, r := range by[n] {
				o := r.after[rule.name]
				pa = append(pa, o.acc-r.baseAcc)
				pf = append(pf, o.mf1-r.baseMF1)
				if o.promoted {
					promoted++
				}
			}
			fmt.Printf("  %s %s %d/%d", ms(pa), ms(pf), promoted, len(pa))
		}
		fmt.Println()
	}
	fmt.Println("\nper run (period seed recipe: champion → candidate, accuracy / macro-F1):")
	for _, r := range rows {
		fmt.Printf("%s %3d %-28s %.4f → %.4f   %.4f → %.4f\n", r.period, r.seed, r.recipe, r.baseAcc, r.acc, r.baseMF1, r.mf1)
	}
}

func ms(v []float64) string {
	var s, ss float64
	for _, x := range v {
		s += x
	}
	mu := s / float64(len(v))
	for _, x := range v {
		ss += (x - mu) * (x - mu)
	}
	sd := 0.0
	if len(v) > 1 {
		sd = math.Sqrt(ss / float64(len(v)-1))
	}
	return fmt.Sprintf("%+.4f±%.4f", mu, sd)
}

func parseSeeds(s string) []int64 {
	var out []int64
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.ParseInt(strings.TrimSpace(f), 10, 64)
		if err != nil {
			log.Fatalf("-seeds %q: %v", s, err)
		}
		out = append(out, n)
	}
	return out
}
