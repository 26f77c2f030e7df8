// Command featurestudy measures feature and training choices on the
// time-gap protocol of future_gap.sh and gapstudy (train before -until,
// early stopping on the newest 15 % of that part, refit on all of it for
// the best rounds, class offsets tuned on the validation slice by the
// default search; judge the documents published from -since), over
// several seeds, in one process: the documents are read once, every
// variant's feature matrix is built once, and each (variant, seed) result
// is saved under -out so that an interrupted run resumes.
//
// Variants: the default recipe (baseline); time:year put back (with-year);
// sub-word features — character n-grams of the words, hashed into a fixed
// space, the most class-telling buckets kept by χ² as the word terms are —
// over every word (sub-all-*) or only over words that are not vocabulary
// terms (sub-oov-*); class weights for the thin classes; a larger
// vocabulary; recency weighting of the training documents (recency-*,
// 0.5^(age/half-life) as train --recency-half-life); source-independent
// phrase families ("attack: needs user interaction", "impact: information
// disclosure": phrases.go); more rounds for the refit on all the documents
// (refit-by-size). With -offset-rules it judges the saved probabilities
// with class offsets tuned other ways (offsets.go). With -linear it also
// fits a linear model (one-vs-rest logistic regression) on the default
// features and judges it blended with each variant's trees in log-odds
// (linear.go). The
// sub-word and phrase columns are computed here, beside the
// featuriser's row, so that a variant is measured before it costs the
// scoring path anything. Measurement only: nothing here is product code.
//
//	nice -n 10 go run ./bench/classifier/featurestudy -variants baseline,recency-365 -seeds 1,7,13,21,42 -linear 0.3,1
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
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

// variant is one recipe: how the spec is fitted, which sub-word columns
// are added, how classes are weighted.
type variant struct {
	withYear     bool // time:year back in, as before it left the features
	sub          *subwordOptions
	classWeights []float64 // nil: unweighted
	maxTerms     int
	halfLife     float64 // days; > 0 weighs documents 0.5^(age/halfLife)
	phrases      bool    // phrase-family columns (phrases.go)
	// refitScale multiplies the early-stopped rounds for the refit on
	// all the documents (0: as many rounds), which holds more documents
	// than the part the rounds were chosen on.
	refitScale float64
}

type subwordOptions struct {
	minN, maxN int  // character n-gram lengths, of "<word>"
	bits       uint // hash space 2^bits
	k          int  // buckets kept (χ² ranking)
	oovOnly    bool // only words that are not vocabulary unigrams
}

var variants = map[string]variant{
	"baseline":        {},
	"with-year":       {withYear: true},
	"sub-all-3-5":     {sub: &subwordOptions{3, 5, 20, 2000, false}},
	"sub-oov-3-5":     {sub: &subwordOptions{3, 5, 20, 2000, true}},
	"sub-oov-4":       {sub: &subwordOptions{4, 4, 20, 2000, true}},
	"sub-oov-3-5-500": {sub: &subwordOptions{3, 5, 20, 500, true}},
	"cw-thin-2":       {classWeights: []float64{1, 1, 1, 2, 2}},
	"cw-low-2":        {classWeights: []float64{1, 1, 1, 2, 1}},
	"cw-low-1.5":      {classWeights: []float64{1, 1, 1, 1.5, 1}},
	"cw-crit-low-1.5": {classWeights: []float64{1.5, 1, 1, 1.5, 1.5}},
	"terms-8000":      {maxTerms: 8000},
	"recency-365":     {halfLife: 365},
	"phrases":         {phrases: true},
	"recency-730":     {halfLife: 730},
	"recency-1460":    {halfLife: 1460},
	"refit-by-size":   {refitScale: -1}, // rounds × (all documents / training part)
}

// lookup returns the named variant; "a+b" combines a and b (what b sets
// wins).
func lookup(name string) (variant, error) {
	var out variant
	for _, part := range strings.Split(name, "+") {
		v, ok := variants[part]
		if !ok {
			return out, fmt.Errorf("unknown variant %q", part)
		}
		out.withYear = out.withYear || v.withYear
		if v.sub != nil {
			out.sub = v.sub
		}
		if v.classWeights != nil {
			out.classWeights = v.classWeights
		}
		if v.maxTerms != 0 {
			out.maxTerms = v.maxTerms
		}
		if v.halfLife != 0 {
			out.halfLife = v.halfLife
		}
		out.phrases = out.phrases || v.phrases
		if v.refitScale != 0 {
			out.refitScale = v.refitScale
		}
	}
	return out, nil
}

// result is one (variant, seed) run.
type result struct {
	Variant, Seed string
	Rounds        int
	Bias          []float64
	Offsets       metrics.Report // judged with the tuned, halved offsets
	ArgMax        metrics.Report
	Seconds       float64
	// The early-stopped model's probabilities on the validation slice and
	// the refit model's on the judged documents (rounded), for decision
	// rules compared without new trees.
	ValidProb, GapProb [][]float64 `json:",omitempty"`
}

func main() {
	data := flag.String("data", "../shared/data/advisories_train.jsonl.gz", "labelled advisories")
	kev := flag.String("kev", "../shared/data/kev.json", "KEV catalog")
	until := flag.String("until", "2024-03-01", "train on documents published before")
	since := flag.String("since", "2024-05-03", "judge documents published on or after")
	evalUntil := flag.String("eval-until", "", "judge documents published before (empty: all from -since)")
	seedList := flag.String("seeds", "1,7,13,21,42", "seeds")
	names := flag.String("variants", "baseline,no-year", "variants, comma-separated")
	out := flag.String("out", "bench/classifier/out/featurestudy", "directory for the saved results")
	sample := flag.Float64("sample", 1, "keep this share of the training documents (a quick look)")
	analyseOnly := flag.Bool("analyse-only", false, "only summarise the saved results")
	byAssigners := flag.Bool("by-assigner", false, "also judge with arg-max for documents of assigners (CNAs) the spec cannot name")
	offsetRules := flag.Bool("offset-rules", false, "also judge the saved probabilities with class offsets tuned other ways (on the validation documents of learnt assigners only, shrunk less)")
	leaveOut := flag.String("leave-out-assigner", "", "with -by-assigner: also judge without the documents this assigner scored")
	linearC := flag.String("linear", "", "also fit a linear model on the baseline features for each C (comma-separated) and judge its blends with the trees")
	linearHalfLife := flag.Float64("linear-half-life", 0, "recency half-life (days) of the linear model's documents; 0: none")
	alphaList := flag.String("alphas", "0,0.1,0.2,0.3,0.5,0.75,1", "blend weights of the linear margins")
	flag.Parse()
	cs, err := floats(*linearC)
	if err != nil {
		log.Fatal(err)
	}
	alphas, err := floats(*alphaList)
	if err != nil {
		log.Fatal(err)
	}
	window := *until + "-" + *since
	if *evalUntil != "" {
		window += "-" + *evalUntil
	}
	dir := filepath.Join(*out, fmt.Sprintf("%s-sample%g", window, *sample))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		log.Fatal(err)
	}
	vs := strings.Split(*names, ",")
	for _, v := range vs {
		if _, err := lookup(v); err != nil {
			log.Fatal(err)
		}
	}
	seeds := strings.Split(*seedList, ",")
	u, err1 := gapdata.Day(*until)
	sn, err2 := gapdata.Day(*since)
	eu, err3 := gapdata.Day(*evalUntil)
	if err := errors.Join(err1, err2, err3); err != nil {
		log.Fatal(err)
	}
	w := span{u, sn, eu}
	if !*analyseOnly {
		if err := run(context.Background(), dir, *data, *kev, w, *sample, vs, seeds); err != nil {
			log.Fatal(err)
		}
		if len(cs) > 0 {
			if err := runLinear(context.Background(), dir, *data, *kev, w, *sample, cs, *linearHalfLife); err != nil {
				log.Fatal(err)
			}
		}
	}
	summarise(dir, vs, seeds)
	decisions(dir, vs, seeds)
	blends(dir, vs, seeds, cs, *linearHalfLife, alphas)
	if *byAssigners {
		if err := byAssigner(context.Background(), dir, *data, *kev, w, *sample, *leaveOut, vs, seeds); err != nil {
			log.Fatal(err)
		}
	}
	if *offsetRules {
		if err := offsetRuleStudy(context.Background(), dir, *data, *kev, w, *sample, vs, seeds); err != nil {
			log.Fatal(err)
		}
	}
}

// span is the protocol's window: train before until, judge from since
// (and before evalUntil when set).
type span struct{ until, since, evalUntil time.Time }

func (w span) load(ctx context.Context, data string) (past, judged []document.Document, err error) {
	return gapdata.Load(ctx, data, w.until, w.since, w.evalUntil)
}

// inputs reads the past documents (a deterministic subsample: every
// document whose position falls on the kept share), the judged ones and
// the KEV catalog.
func (w span) inputs(ctx context.Context, data, kevPath string, sample float64) (past, judged []document.Document, kevs map[string]string, err error) {
	older, judged, err := w.load(ctx, data)
	if err != nil {
		return nil, nil, nil, err
	}
	for i, d := range older {
		if sample >= 1 || math.Floor(float64(i)*sample) != math.Floor(float64(i-1)*sample) {
			past = append(past, d)
		}
	}
	kevs, err = features.ReadKEVFile(kevPath)
	return past, judged, kevs, err
}

func run(ctx context.Context, dir, data, kevPath string, w span, sample float64, vs, seeds []string) error {
	past, gap, kevs, err := w.inputs(ctx, data, kevPath, sample)
	if err != nil {
		return err
	}
	for _, name := range vs {
		v, _ := lookup(name)
		opts := training.DefaultOptions()
		train, valid, validFrom := training.Split(past, time.Time{}, opts.ValidShare)
		log.Printf("%s: %d training, %d validation (from %s), %d judged", name, len(train), len(valid), validFrom.Format(time.DateOnly), len(gap))
		fo := opts.Features
		fo.EntityTypes = extract.Types
		fo.KEV = kevs
		fo.MaxTerms = v.maxTerms
		spec, err := features.Fit(ctx, train, fo)
		if err != nil {
			return err
		}
		if v.withYear {
			// Where it was, with the newest training year for undated
			// documents: the spec Fit made before the year left it.
			spec.Numeric = slices.Insert(spec.Numeric, slices.Index(spec.Numeric, "doc:cwe_count")+1, "time:year")
			for i := range train {
				spec.DefaultYear = max(spec.DefaultYear, train[i].Published.Year())
			}
		}
		fz := features.New(spec)
		var sw *subwords
		if v.sub != nil {
			sw = fitSubwords(train, spec, *v.sub)
		}
		matrix := func(d []document.Document) (*gbdt.Matrix, []int) {
			x, y := training.Matrix(fz, d)
			if sw != nil {
				x = sw.extend(x, d)
			}
			if v.phrases {
				x = phraseColumns(x, d)
			}
			return x, y
		}
		xTrain, yTrain := matrix(train)
		xValid, yValid := matrix(valid)
		all := append(slices.Clone(train), valid...)
		xAll, yAll := matrix(all)
		xGap, yGap := matrix(gap)
		if b, err := json.Marshal(map[string][]int{"y_valid": yValid, "y_gap": yGap}); err != nil {
			return err
		} else if err := os.WriteFile(filepath.Join(dir, "labels.json"), b, 0o644); err != nil {
			return err
		}
		fnames := spec.Names()
		if sw != nil {
			for _, b := range sw.buckets {
				fnames = append(fnames, "sub:"+sw.names[b])
			}
		}
		if v.phrases {
			for _, f := range phraseFamilies {
				fnames = append(fnames, f.name)
			}
		}
		for _, seed := range seeds {
			path := filepath.Join(dir, name+"-seed"+seed+".json")
			if _, err := os.Stat(path); err == nil {
				continue
			}
			s, err := strconv.ParseInt(seed, 10, 64)
			if err != nil {
				return err
			}
			start := time.Now()
			p := opts.Params
			p.Seed = s
			if v.classWeights != nil {
				p.ClassWeights = v.classWeights
			}
			halfLife := time.Duration(v.halfLife * 24 * float64(time.Hour))
			p.RowWeights = training.RecencyWeights(train, halfLife)
			trees, rep, err := gbdt.Train(ctx, xTrain, yTrain, 5, xValid, yValid, p, fnames, nil)
			if err != nil {
				return err
			}
			rounds := max(rep.BestIteration, 1)
			bias := training.TuneBias(yValid, training.Probabilities(trees, xValid))
			p.NumIterations, p.EarlyStoppingRounds = rounds, 0
			switch {
			case v.refitScale < 0:
				p.NumIterations = int(math.Round(float64(rounds) * float64(len(all)) / float64(len(train))))
			case v.refitScale > 0:
				p.NumIterations = int(math.Round(float64(rounds) * v.refitScale))
			}
			p.RowWeights = training.RecencyWeights(all, halfLife)
			refit, _, err := gbdt.Train(ctx, xAll, yAll, 5, nil, nil, p, fnames, nil)
			if err != nil {
				return err
			}
			pg := training.Probabilities(refit, xGap)
			r := result{Variant: name, Seed: seed, Rounds: rounds, Bias: bias,
				Offsets: training.Evaluate(yGap, pg, bias), ArgMax: training.Evaluate(yGap, pg, nil),
				Seconds: time.Since(start).Seconds(), ValidProb: round(training.Probabilities(trees, xValid)), GapProb: round(pg)}
			log.Printf("%s seed %s: %d rounds, accuracy %.4f macro-F1 %.4f (arg-max %.4f / %.4f), %s", name, seed, rounds,
				r.Offsets.Accuracy, r.Offsets.MacroF1, r.ArgMax.Accuracy, r.ArgMax.MacroF1, time.Since(start).Round(time.Second))
			b, err := json.Marshal(r)
			if err != nil {
				return err
			}
			if err := os.WriteFile(path, b, 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}

func round(p [][]float64) [][]float64 {
	out := make([][]float64, len(p))
	for i, row := range p {
		out[i] = make([]float64, len(row))
		for c, v := range row {
			out[i][c] = math.Round(v*1e5) / 1e5
		}
	}
	return out
}

// ---- sub-word columns ----

type subwords struct {
	opts    subwordOptions
	vocab   map[string]bool // vocabulary unigrams (oovOnly)
	buckets []uint32        // kept buckets, ascending
	col     map[uint32]int  // bucket → column offset
	idf     []float64
	names   map[uint32]string // a bucket's most frequent n-gram in training
}

// grams calls emit with the hash bucket of every character n-gram of the
// document's words ("<word>", n in [minN, maxN]).
func (s *subwords) grams(d *document.Document, emit func(b uint32, g string)) {
	for _, text := range []string{d.Title, d.Body} {
		features.Tokenize(strings.ToLower(text), func(tok string) {
			if s.opts.oovOnly && s.vocab[tok] {
				return
			}
			w := "<" + tok + ">"
			for n := s.opts.minN; n <= s.opts.maxN; n++ {
				for i := 0; i+n <= len(w); i++ {
					emit(fnv32a(w[i:i+n])&(1<<s.opts.bits-1), w[i:i+n])
				}
			}
		})
	}
}

func fitSubwords(train []document.Document, spec *features.Spec, o subwordOptions) *subwords {
	s := &subwords{opts: o, vocab: map[string]bool{}, col: map[uint32]int{}, names: map[uint32]string{}}
	for _, t := range spec.Terms {
		if !strings.Contains(t, " ") {
			s.vocab[t] = true
		}
	}
	type cc [5]int
	df := map[uint32]*cc{}
	gramCount := map[string]int{}
	var total cc
	for i := range train {
		c := document.SeverityIndex(train[i].Severity)
		total[c]++
		seen := map[uint32]bool{}
		s.grams(&train[i], func(b uint32, g string) {
			if i%4 == 0 {
				gramCount[g]++
			}
			if !seen[b] {
				seen[b] = true
				if df[b] == nil {
					df[b] = new(cc)
				}
				df[b][c]++
			}
		})
	}
	n := len(train)
	type scored struct {
		b    uint32
		chi2 float64
		df   int
	}
	var cands []scored
	for b, counts := range df {
		d := 0
		for _, v := range counts {
			d += v
		}
		if d < 5 || d > n/2 {
			continue
		}
		var x float64
		pp := float64(d) / float64(n)
		for c := range counts {
			if total[c] == 0 {
				continue
			}
			e := pp * float64(total[c])
			x += (float64(counts[c]) - e) * (float64(counts[c]) - e) / e
			ea := float64(total[c]) - e
			if ea > 0 {
				oa := float64(total[c] - counts[c])
				x += (oa - ea) * (oa - ea) / ea
			}
		}
		cands = append(cands, scored{b, x, d})
	}
	sort.Slice(cands, func(i, j int) bool {
		if cands[i].chi2 != cands[j].chi2 {
			return cands[i].chi2 > cands[j].chi2
		}
		return cands[i].b < cands[j].b
	})
	cands = cands[:min(len(cands), o.k)]
	sort.Slice(cands, func(i, j int) bool { return cands[i].b < cands[j].b })
	for i, c := range cands {
		s.buckets = append(s.buckets, c.b)
		s.col[c.b] = i
		s.idf = append(s.idf, math.Log(float64(1+n)/float64(1+c.df))+1)
	}
	best := map[uint32]int{}
	for g, k := range gramCount {
		b := fnv32a(g) & (1<<o.bits - 1)
		if _, ok := s.col[b]; ok && (k > best[b] || k == best[b] && g < s.names[b]) {
			best[b], s.names[b] = k, g
		}
	}
	return s
}

// extend appends the sub-word columns (sublinear TF-IDF, L2-normalised
// among themselves) after x's columns.
func (s *subwords) extend(x *gbdt.Matrix, docs []document.Document) *gbdt.Matrix {
	base := int32(x.NumCols)
	out := &gbdt.Matrix{NumCols: x.NumCols + len(s.buckets), Indptr: []int{0}}
	counts := map[int]int{}
	for i := range docs {
		idx, val := x.Row(i)
		out.Indices = append(out.Indices, idx...)
		out.Values = append(out.Values, val...)
		clear(counts)
		s.grams(&docs[i], func(b uint32, _ string) {
			if c, ok := s.col[b]; ok {
				counts[c]++
			}
		})
		cols := make([]int, 0, len(counts))
		for c := range counts {
			cols = append(cols, c)
		}
		sort.Ints(cols)
		var norm float64
		start := len(out.Values)
		for _, c := range cols {
			w := (1 + math.Log(float64(counts[c]))) * s.idf[c]
			out.Indices = append(out.Indices, base+int32(c))
			out.Values = append(out.Values, w)
			norm += w * w
		}
		for j := start; j < len(out.Values); j++ {
			out.Values[j] /= math.Sqrt(norm)
		}
		out.Indptr = append(out.Indptr, len(out.Indices))
	}
	return out
}

// fnv32a is the 32-bit FNV-1a hash of s.
func fnv32a(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h
}

// ---- summary ----

func summarise(dir string, vs, seeds []string) {
	fmt.Printf("%-18s %5s %17s %17s %17s %17s %17s  %s\n", "variant", "seeds", "accuracy", "macro-F1", "macro-F1 w/o info", "arg-max acc", "arg-max mF1", "per-class F1 (C H M L I)")
	base := map[string]result{}
	for _, v := range vs {
		var acc, mf1, mf4, aacc, amf1 []float64
		var perClass [5][]float64
		var dAcc, dF1 []float64
		for _, s := range seeds {
			r, ok := load(dir, v, s)
			if !ok {
				continue
			}
			if v == "baseline" {
				base[s] = r
			} else if br, ok := base[s]; ok {
				dAcc = append(dAcc, r.Offsets.Accuracy-br.Offsets.Accuracy)
				dF1 = append(dF1, r.Offsets.MacroF1-br.Offsets.MacroF1)
			}
			acc, mf1 = append(acc, r.Offsets.Accuracy), append(mf1, r.Offsets.MacroF1)
			var f4 float64
			for c := range 4 {
				f4 += r.Offsets.PerClass[c].F1 / 4
			}
			mf4 = append(mf4, f4)
			aacc, amf1 = append(aacc, r.ArgMax.Accuracy), append(amf1, r.ArgMax.MacroF1)
			for c := range 5 {
				perClass[c] = append(perClass[c], r.Offsets.PerClass[c].F1)
			}
		}
		if len(acc) == 0 {
			continue
		}
		pc := make([]string, 5)
		for c := range 5 {
			m, _ := meanSD(perClass[c])
			pc[c] = fmt.Sprintf("%.3f", m)
		}
		line := fmt.Sprintf("%-18s %5d %17s %17s %17s %17s %17s  %s", v, len(acc), ms(acc), ms(mf1), ms(mf4), ms(aacc), ms(amf1), strings.Join(pc, " "))
		if len(dAcc) > 0 {
			line += fmt.Sprintf("   paired Δ acc %s, Δ mF1 %s", ms(dAcc), ms(dF1))
		}
		fmt.Println(line)
	}
}

// load reads the saved result of one variant and seed.
func load(dir, v, seed string) (result, bool) {
	var r result
	b, err := os.ReadFile(filepath.Join(dir, v+"-seed"+seed+".json"))
	return r, err == nil && json.Unmarshal(b, &r) == nil
}

// decisions judges the saved probabilities with the shipped offsets and
// the low class's offset raised by δ: are the missed low advisories near
// the decision boundary?
func decisions(dir string, vs, seeds []string) {
	var labels struct {
		YGap []int `json:"y_gap"`
	}
	if b, err := os.ReadFile(filepath.Join(dir, "labels.json")); err != nil || json.Unmarshal(b, &labels) != nil {
		return
	}
	fmt.Printf("\n%-18s %-10s %5s %17s %17s %8s\n", "variant", "low +δ", "seeds", "accuracy", "macro-F1", "low F1")
	for _, v := range vs {
		for _, delta := range []float64{0, 0.25, 0.5, 1} {
			var acc, mf1, low []float64
			for _, s := range seeds {
				r, ok := load(dir, v, s)
				if !ok || len(r.GapProb) != len(labels.YGap) {
					continue
				}
				bias := slices.Clone(r.Bias)
				bias[3] += delta
				rep := training.Evaluate(labels.YGap, r.GapProb, bias)
				acc, mf1, low = append(acc, rep.Accuracy), append(mf1, rep.MacroF1), append(low, rep.PerClass[3].F1)
			}
			if len(acc) > 0 {
				m, _ := meanSD(low)
				fmt.Printf("%-18s %-10.2f %5d %17s %17s %8.3f\n", v, delta, len(acc), ms(acc), ms(mf1), m)
			}
		}
	}
}

// byAssigner judges the saved probabilities two ways: with the shipped
// offsets for every document, and with arg-max (no offsets) for the
// documents whose assigner (CNA) the spec cannot name — fewer than 10
// documents in the training part, features.FitOptions.MinCategory — as a
// scorer the model has not learnt would be. On all judged documents and,
// when leaveOut is set, on those another assigner scored.
func byAssigner(ctx context.Context, dir, data, kevPath string, w span, sample float64, leaveOut string, vs, seeds []string) error {
	past, gap, _, err := w.inputs(ctx, data, kevPath, sample)
	if err != nil {
		return err
	}
	train, _, _ := training.Split(past, time.Time{}, training.DefaultOptions().ValidShare)
	seen := map[string]int{}
	for i := range train {
		seen[train[i].Assigner]++
	}
	unseen := make([]bool, len(gap))
	var all, kept []int
	for i := range gap {
		unseen[i] = gap[i].Assigner != "" && seen[gap[i].Assigner] < 10
		all = append(all, i)
		if gap[i].Assigner != leaveOut {
			kept = append(kept, i)
		}
	}
	subsets := []struct {
		name string
		idx  []int
	}{{"all judged documents", all}}
	if leaveOut != "" {
		subsets = append(subsets, struct {
			name string
			idx  []int
		}{fmt.Sprintf("without the %d assigned by %s", len(gap)-len(kept), leaveOut), kept})
	}
	for _, sub := range subsets {
		n := 0
		for _, i := range sub.idx {
			if unseen[i] {
				n++
			}
		}
		fmt.Printf("\n%s (%d), %d of them from an assigner with < 10 training documents:\n", sub.name, len(sub.idx), n)
		fmt.Printf("%-18s %5s %17s %17s %17s %17s %17s %17s\n", "variant", "seeds", "accuracy", "macro-F1", "unseen arg-max acc", "unseen arg-max mF1", "Δ acc", "Δ mF1")
		for _, v := range vs {
			var acc, mf1, uacc, umf1, dacc, dmf1 []float64
			for _, s := range seeds {
				r, ok := load(dir, v, s)
				if !ok || len(r.GapProb) != len(gap) {
					continue
				}
				y := make([]int, len(sub.idx))
				p := make([][]float64, len(sub.idx))
				q := make([][]float64, len(sub.idx))
				for j, i := range sub.idx {
					y[j], p[j] = document.SeverityIndex(gap[i].Severity), r.GapProb[i]
					q[j] = p[j]
					if !unseen[i] {
						q[j] = training.Fold(slices.Clone(p[j]), r.Bias)
					}
				}
				rep, urep := training.Evaluate(y, p, r.Bias), training.Evaluate(y, q, nil)
				acc, mf1 = append(acc, rep.Accuracy), append(mf1, rep.MacroF1)
				uacc, umf1 = append(uacc, urep.Accuracy), append(umf1, urep.MacroF1)
				dacc, dmf1 = append(dacc, urep.Accuracy-rep.Accuracy), append(dmf1, urep.MacroF1-rep.MacroF1)
			}
			if len(acc) > 0 {
				fmt.Printf("%-18s %5d %17s %17s %17s %17s %17s %17s\n", v, len(acc), ms(acc), ms(mf1), ms(uacc), ms(umf1), ms(dacc), ms(dmf1))
			}
		}
	}
	return nil
}

func ms(v []float64) string {
	m, s := meanSD(v)
	return fmt.Sprintf("%.4f ± %.4f", m, s)
}

// meanSD is the mean and the sample standard deviation (0 for one value).
func meanSD(v []float64) (float64, float64) {
	if len(v) < 2 {
		return stat.Mean(v, nil), 0
	}
	return stat.MeanStdDev(v, nil)
}

func floats(list string) ([]float64, error) {
	var out []float64
	for _, f := range strings.Split(list, ",") {
		if f == "" {
			continue
		}
		v, err := strconv.ParseFloat(f, 64)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", list, err)
		}
		out = append(out, v)
	}
	return out, nil
}
