// Command gapstudy measures training and decision choices on the time-gap
// protocol of future_gap.sh, in one process, over several seeds: models are
// trained as of a past date (-until) and judged on documents published
// months later (-since … -eval-until). One run trains every member of a
// seed-bagged ensemble once per seed and saves each member's raw margins,
// so the choices that need no new trees (ensemble size, the search for the
// class offsets, prior re-estimation on the judged documents) are compared
// on the very same trees. Measurement only: nothing here is product code.
//
//	go run ./bench/classifier/gapstudy -seeds 1,7,13,21,42 -members 5
//	go run ./bench/classifier/gapstudy -analyse-only     # re-read saved runs
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cyberstreams/cyberstreams/bench/classifier/gapdata"
	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/extract"
	"github.com/cyberstreams/cyberstreams/core/features"
	"github.com/cyberstreams/cyberstreams/core/training"
	"github.com/cyberstreams/cyberstreams/ml/gbdt"
	"github.com/cyberstreams/cyberstreams/ml/metrics"
	"gonum.org/v1/gonum/stat"
)

// meta is what every seed's run shares: the judged labels and sources,
// and the class shares the refit models learnt from.
type meta struct {
	YValid, YGap     []int
	SrcValid, SrcGap []string
	Prior            []float64            // class shares of all training documents
	SourcePrior      map[string][]float64 // per source (sources with >= 50 documents)
}

type member struct {
	Seed     int64
	Rounds   int
	ValidRaw [][]float64 // the early-stopped model on the validation slice
	GapRaw   [][]float64 // the refit model on the judged documents
}

type run struct {
	Seed    int64
	Members []member
}

func main() {
	data := flag.String("data", "../shared/data/advisories_train.jsonl.gz", "labelled advisories")
	kev := flag.String("kev", "../shared/data/kev.json", "KEV catalog")
	until := flag.String("until", "2024-03-01", "train on documents published before")
	since := flag.String("since", "2024-05-03", "judge documents published on or after")
	evalUntil := flag.String("eval-until", "", "judge documents published before (empty: all)")
	seedList := flag.String("seeds", "1,7,13,21,42", "seeds")
	k := flag.Int("members", 5, "ensemble members per seed")
	out := flag.String("out", "bench/classifier/out/gapstudy", "directory for the saved runs")
	analyseOnly := flag.Bool("analyse-only", false, "only analyse the saved runs")
	flag.Parse()
	ctx := context.Background()
	dir := filepath.Join(*out, *until+"-"+*since+*evalUntil)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		log.Fatal(err)
	}
	seeds := parseSeeds(*seedList)
	if !*analyseOnly {
		u, err1 := gapdata.Day(*until)
		sn, err2 := gapdata.Day(*since)
		eu, err3 := gapdata.Day(*evalUntil)
		if err := errors.Join(err1, err2, err3); err != nil {
			log.Fatal(err)
		}
		if err := trainAll(ctx, dir, *data, *kev, u, sn, eu, seeds, *k); err != nil {
			log.Fatal(err)
		}
	}
	if err := analyse(dir, seeds); err != nil {
		log.Fatal(err)
	}
}

func trainAll(ctx context.Context, dir, data, kevPath string, until, since, evalUntil time.Time, seeds []int64, k int) error {
	past, gap, err := gapdata.Load(ctx, data, until, since, evalUntil)
	if err != nil {
		return err
	}
	opts := training.DefaultOptions()
	train, valid, validFrom := training.Split(past, time.Time{}, opts.ValidShare)
	log.Printf("%d training, %d validation (from %s), %d judged", len(train), len(valid), validFrom.Format(time.DateOnly), len(gap))
	fo := opts.Features
	fo.EntityTypes = extract.Types
	if fo.KEV, err = features.ReadKEVFile(kevPath); err != nil {
		return err
	}
	spec, err := features.Fit(ctx, train, fo)
	if err != nil {
		return err
	}
	fz := features.New(spec)
	xTrain, yTrain := training.Matrix(fz, train)
	xValid, yValid := training.Matrix(fz, valid)
	xAll, yAll := training.Matrix(fz, past)
	xGap, yGap := training.Matrix(fz, gap)
	m := meta{YValid: yValid, YGap: yGap, SrcValid: sources(valid), SrcGap: sources(gap)}
	m.Prior, m.SourcePrior = priors(past)
	if err := save(filepath.Join(dir, "meta.json"), m); err != nil {
		return err
	}
	names := spec.Names()
	// Members outermost: an interrupted run still has every seed's first
	// members, which is what the averages need.
	for mi := 0; mi < k; mi++ {
		for _, seed := range seeds {
			path := filepath.Join(dir, fmt.Sprintf("seed%d.json", seed))
			var r run
			if b, err := os.ReadFile(path); err == nil {
				_ = json.Unmarshal(b, &r)
			}
			r.Seed = seed
			if len(r.Members) > mi {
				continue
			}
			p := opts.Params
			p.Seed = seed + int64(mi)*7919 // training.memberSeed
			start := time.Now()
			trees, rep, err := gbdt.Train(ctx, xTrain, yTrain, 5, xValid, yValid, p, names, nil)
			if err != nil {
				return err
			}
			mem := member{Seed: p.Seed, Rounds: max(rep.BestIteration, 1), ValidRaw: raw(trees, xValid)}
			p.NumIterations, p.EarlyStoppingRounds = mem.Rounds, 0
			refit, _, err := gbdt.Train(ctx, xAll, yAll, 5, nil, nil, p, names, nil)
			if err != nil {
				return err
			}
			mem.GapRaw = raw(refit, xGap)
			r.Members = append(r.Members, mem)
			log.Printf("seed %d member %d: %d rounds, %s", seed, mi, mem.Rounds, time.Since(start).Round(time.Second))
			if err := save(path, r); err != nil {
				return err
			}
		}
	}
	return nil
}

func raw(trees interface {
	PredictRawSparse([]int32, []float64, []float64)
}, x *gbdt.Matrix) [][]float64 {
	out := make([][]float64, x.NumRows())
	for i := range out {
		idx, val := x.Row(i)
		out[i] = make([]float64, 5)
		trees.PredictRawSparse(idx, val, out[i])
		for c := range out[i] {
			out[i][c] = math.Round(out[i][c]*1e6) / 1e6
		}
	}
	return out
}

func sources(docs []document.Document) []string {
	s := make([]string, len(docs))
	for i, d := range docs {
		s[i] = d.Source
	}
	return s
}

func priors(docs []document.Document) ([]float64, map[string][]float64) {
	all := make([]float64, 5)
	by := map[string][]float64{}
	for _, d := range docs {
		c := document.SeverityIndex(d.Severity)
		all[c]++
		if by[d.Source] == nil {
			by[d.Source] = make([]float64, 5)
		}
		by[d.Source][c]++
	}
	norm := func(v []float64) float64 {
		var s float64
		for _, x := range v {
			s += x
		}
		for i := range v {
			v[i] = (v[i] + 0.5) / (s + 2.5) // a half count per class: no zero prior
		}
		return s
	}
	norm(all)
	for s, v := range by {
		if norm(v) < 50 {
			delete(by, s)
		}
	}
	return all, by
}

// ---- analysis ----

type variant struct {
	name string
	acc  []float64
	mf1  []float64
}

func analyse(dir string, seeds []int64) error {
	var m meta
	if err := load(filepath.Join(dir, "meta.json"), &m); err != nil {
		return err
	}
	results := map[string]*variant{}
	var order []string
	add := func(name string, r metrics.Report) {
		v := results[name]
		if v == nil {
			v = &variant{name: name}
			results[name] = v
			order = append(order, name)
		}
		v.acc = append(v.acc, r.Accuracy)
		v.mf1 = append(v.mf1, r.MacroF1)
	}
	for _, seed := range seeds {
		var r run
		if err := load(filepath.Join(dir, fmt.Sprintf("seed%d.json", seed)), &r); err != nil {
			log.Printf("seed %d: %v (skipped)", seed, err)
			continue
		}
		for _, k := range []int{1, 2, 3, 5, 7, 10} {
			if k > len(r.Members) {
				continue
			}
			pv := mean(r.Members[:k], func(x member) [][]float64 { return x.ValidRaw })
			pg := mean(r.Members[:k], func(x member) [][]float64 { return x.GapRaw })
			tag := fmt.Sprintf("k=%d ", k)
			add(tag+"argmax", training.Evaluate(m.YGap, pg, nil))
			coarse := training.TuneBiasWith(m.YValid, pv, training.CoarseOffsets)
			add(tag+"coarse", training.Evaluate(m.YGap, pg, coarse))
			fine := training.TuneBiasWith(m.YValid, pv, training.FineOffsets())
			add(tag+"fine", training.Evaluate(m.YGap, pg, fine))
			acc1 := training.FineOffsets()
			acc1.AccuracyWeight = 1
			fineAcc := training.TuneBiasWith(m.YValid, pv, acc1)
			add(tag+"fine-acc1", training.Evaluate(m.YGap, pg, fineAcc))
			bagged := baggedOffsets(m.YValid, pv, 10, uint64(seed))
			add(tag+"fine-bagged", training.Evaluate(m.YGap, pg, bagged))
			for _, f := range []float64{0.25, 0.5, 0.75} {
				add(tag+fmt.Sprintf("fine×%.2f", f), training.Evaluate(m.YGap, pg, scale(fine, f)))
				add(tag+fmt.Sprintf("coarse×%.2f", f), training.Evaluate(m.YGap, pg, scale(coarse, f)))
				add(tag+fmt.Sprintf("bagged×%.2f", f), training.Evaluate(m.YGap, pg, scale(bagged, f)))
			}
			// The priors the model's probabilities stand for: their mean on
			// the validation slice, overall and per source (Saerens et al.
			// start from the training priors; a model's own mean posterior
			// is the prior it is calibrated to, and no source's is ~0).
			prior, bySource := meanPosterior(pv, m.SrcValid)
			add(tag+"argmax+em", training.Evaluate(m.YGap, em(pg, prior), nil))
			add(tag+"fine×0.50+em", training.Evaluate(m.YGap, em(pg, prior), scale(fine, 0.5)))
			add(tag+"argmax+em-source", training.Evaluate(m.YGap, emSource(pg, m.SrcGap, prior, bySource), nil))
			add(tag+"fine×0.50+em-source", training.Evaluate(m.YGap, emSource(pg, m.SrcGap, prior, bySource), scale(fine, 0.5)))
		}
	}
	fmt.Printf("%-24s %6s %16s %16s\n", "variant", "seeds", "gap accuracy", "gap macro-F1")
	for _, name := range order {
		v := results[name]
		ma, sa := meanSD(v.acc)
		mf, sf := meanSD(v.mf1)
		fmt.Printf("%-24s %6d %8.4f ± %.4f %8.4f ± %.4f\n", name, len(v.acc), ma, sa, mf, sf)
	}
	return nil
}

func mean(ms []member, f func(member) [][]float64) [][]float64 {
	n := len(f(ms[0]))
	out := make([][]float64, n)
	for i := range out {
		out[i] = make([]float64, 5)
		for _, mm := range ms {
			for c := range 5 {
				out[i][c] += f(mm)[i][c] / float64(len(ms))
			}
		}
		training.Softmax(out[i])
	}
	return out
}

// baggedOffsets averages the offsets tuned on b bootstrap resamples.
func baggedOffsets(y []int, prob [][]float64, b int, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 99))
	avg := make([]float64, 5)
	for range b {
		yy := make([]int, len(y))
		pp := make([][]float64, len(y))
		for i := range y {
			j := rng.IntN(len(y))
			yy[i], pp[i] = y[j], prob[j]
		}
		for c, v := range training.TuneBiasWith(yy, pp, training.FineOffsets()) {
			avg[c] += v / float64(b)
		}
	}
	return avg
}

func scale(v []float64, s float64) []float64 {
	out := slices.Clone(v)
	for i := range out {
		out[i] *= s
	}
	return out
}

// em re-estimates the class priors of unlabelled documents (Saerens,
// Latinne & Decaestecker 2002) and returns their probabilities adjusted to
// them: p′(c|x) ∝ p(c|x)·π′_c/π_c, π′ the mean of p′ over the documents.
func em(prob [][]float64, prior []float64) [][]float64 {
	pi := slices.Clone(prior)
	out := make([][]float64, len(prob))
	for iter := 0; iter < 100; iter++ {
		next := make([]float64, 5)
		for i, p := range prob {
			q := make([]float64, 5)
			var s float64
			for c := range 5 {
				q[c] = p[c] * pi[c] / prior[c]
				s += q[c]
			}
			for c := range q {
				q[c] /= s
				next[c] += q[c] / float64(len(prob))
			}
			out[i] = q
		}
		var d float64
		for c := range 5 {
			d += math.Abs(next[c] - pi[c])
		}
		pi = next
		if d < 1e-6 {
			break
		}
	}
	return out
}

// meanPosterior is the mean probability per class, overall and per source
// (sources with at least 50 documents).
func meanPosterior(prob [][]float64, src []string) ([]float64, map[string][]float64) {
	all := make([]float64, 5)
	by := map[string][]float64{}
	n := map[string]int{}
	for i, p := range prob {
		if by[src[i]] == nil {
			by[src[i]] = make([]float64, 5)
		}
		for c := range 5 {
			all[c] += p[c] / float64(len(prob))
			by[src[i]][c] += p[c]
		}
		n[src[i]]++
	}
	for s, v := range by {
		if n[s] < 50 {
			delete(by, s)
			continue
		}
		for c := range v {
			v[c] /= float64(n[s])
		}
	}
	return all, by
}

func emSource(prob [][]float64, src []string, prior []float64, by map[string][]float64) [][]float64 {
	groups := map[string][]int{}
	for i, s := range src {
		groups[s] = append(groups[s], i)
	}
	out := make([][]float64, len(prob))
	for s, idx := range groups {
		pr, ok := by[s]
		if !ok || len(idx) < 50 {
			for _, i := range idx {
				out[i] = prob[i]
			}
			continue
		}
		sub := make([][]float64, len(idx))
		for j, i := range idx {
			sub[j] = prob[i]
		}
		for j, q := range em(sub, pr) {
			out[idx[j]] = q
		}
	}
	return out
}

// meanSD is the mean and the sample standard deviation (0 for one value).
func meanSD(v []float64) (float64, float64) {
	if len(v) < 2 {
		return stat.Mean(v, nil), 0
	}
	return stat.MeanStdDev(v, nil)
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

func save(path string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

func load(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}
