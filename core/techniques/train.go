package techniques

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"

	"github.com/cyberstreams/cyberstreams/kg/attack"
	"github.com/cyberstreams/cyberstreams/ml/calibrate"
	"github.com/cyberstreams/cyberstreams/ml/multilabel"
)

// Corpus is what the technique model learns from: annotated report
// sentences and ATT&CK's own prose.
type Corpus struct {
	Sentences []Sentence
	Texts     []attack.TechniqueText
	Names     map[string]string // ATT&CK id → name, carried into the model
}

// Options set training.
type Options struct {
	// MinSentences is the number of annotated sentences a technique needs
	// to be modelled: below it there is too little to calibrate.
	MinSentences int
	// Folds is the number of report-level folds whose out-of-fold margins
	// calibrate the model and choose its thresholds.
	Folds int
	// MinDF is the number of texts a word or word pair must occur in.
	MinDF int
	// ProcedureWeight scales the loss of ATT&CK texts against report
	// sentences; 0 leaves ATT&CK out.
	ProcedureWeight float64
	// SentencePrecision and SentenceRecall choose the sentence threshold
	// on the out-of-fold predictions, precision first so that a tag can
	// be trusted: the lowest cut whose precision reaches SentencePrecision
	// with recall at least SentenceRecall; when none does, the highest
	// cut whose recall reaches SentenceRecall (multilabel.PrecisionCut).
	SentencePrecision float64
	SentenceRecall    float64
	Learner           multilabel.Config
	// Seed places reports in folds.
	Seed uint64
}

// DefaultOptions are the options the embedded model was trained with.
func DefaultOptions() Options {
	return Options{MinSentences: 10, Folds: 3, MinDF: 2, ProcedureWeight: 0.5,
		SentencePrecision: 0.70, SentenceRecall: 0.42,
		Learner: multilabel.DefaultConfig(), Seed: 1}
}

// labelled is a featurised training row.
type labelled struct {
	x      multilabel.Vector
	words  int // words, stop words aside: the sentence stack's length input
	labels []int
	weight float64
}

// trainer holds what every fold shares.
type trainer struct {
	opts       Options
	techniques []string
	index      map[string]int
	corpus     []attack.TechniqueText // ATT&CK prose, in every fold's training set
	vocab      *Vocabulary
	texts      []labelled // ATT&CK rows, featurised with vocab
}

func newTrainer(c Corpus, opts Options) (*trainer, error) {
	count := map[string]int{}
	for _, s := range c.Sentences {
		for _, t := range uniq(s.Techniques) {
			count[t]++
		}
	}
	t := &trainer{opts: opts, index: map[string]int{}}
	for id, n := range count {
		if n >= opts.MinSentences {
			t.techniques = append(t.techniques, id)
		}
	}
	if len(t.techniques) == 0 {
		return nil, fmt.Errorf("techniques: no technique has %d annotated sentences", opts.MinSentences)
	}
	sort.Strings(t.techniques)
	for i, id := range t.techniques {
		t.index[id] = i
	}
	if opts.ProcedureWeight > 0 {
		t.corpus = c.Texts
	}
	t.featurise(c.Sentences)
	return t, nil
}

// featurise fits the vocabulary on the report sentences ss and the ATT&CK
// prose, and featurises the prose with it.
func (t *trainer) featurise(ss []Sentence) {
	all := make([]string, 0, len(ss)+len(t.corpus))
	for _, s := range ss {
		all = append(all, s.Text)
	}
	for _, x := range t.corpus {
		all = append(all, x.Text)
	}
	t.vocab = FitVocabulary(all, t.opts.MinDF)
	t.texts = make([]labelled, len(t.corpus))
	for i, x := range t.corpus {
		var labels []int
		if l, ok := t.index[x.Technique]; ok {
			labels = []int{l}
		}
		t.texts[i] = labelled{x: t.vocab.Vector(x.Text), labels: labels, weight: t.opts.ProcedureWeight}
	}
}

func (t *trainer) rows(ss []Sentence) []labelled {
	out := make([]labelled, len(ss))
	for i, s := range ss {
		x, words := t.vocab.vector(s.Text)
		out[i] = labelled{x: x, words: words, labels: t.labels(s), weight: 1}
	}
	return out
}

func (t *trainer) labels(s Sentence) []int {
	var out []int
	for _, id := range uniq(s.Techniques) {
		if i, ok := t.index[id]; ok {
			out = append(out, i)
		}
	}
	return out
}

func (t *trainer) fit(ctx context.Context, rows []labelled) (*multilabel.Linear, error) {
	all := append(slices.Clip(rows), t.texts...)
	xs := make([]multilabel.Vector, len(all))
	ys := make([][]int, len(all))
	ws := make([]float64, len(all))
	for i, r := range all {
		xs[i], ys[i], ws[i] = r.x, r.labels, r.weight
	}
	return multilabel.Train(ctx, xs, ys, ws, len(t.techniques), len(t.vocab.Terms), t.opts.Learner)
}

// ReportFolds assigns each report to one of k folds, seeded, so that a
// report's sentences are never split between training and validation.
func ReportFolds(ss []Sentence, k int, seed uint64) map[string]int {
	var docs []string
	seen := map[string]bool{}
	for _, s := range ss {
		if !seen[s.DocID] {
			seen[s.DocID] = true
			docs = append(docs, s.DocID)
		}
	}
	sort.Strings(docs)
	rng := rand.New(rand.NewPCG(seed, 0xf01d))
	rng.Shuffle(len(docs), func(i, j int) { docs[i], docs[j] = docs[j], docs[i] })
	out := map[string]int{}
	for i, d := range docs {
		out[d] = i % k
	}
	return out
}

// outOfFold returns every sentence's margins from a model that never saw
// its report. Each fold's model has its own vocabulary, fitted on its
// training reports and the ATT&CK prose, as the final model's is on all
// the reports: a held-out sentence then loses the words its training
// reports never had twice, as a new report's do, and its L2-normalised row
// weighs the known words as a new report's does. With one vocabulary for
// every fold, the held-out reports' own words stayed in their rows, and
// diluted their margins against those the final model gives new reports.
func (t *trainer) outOfFold(ctx context.Context, ss []Sentence) ([][]float64, error) {
	fold := ReportFolds(ss, t.opts.Folds, t.opts.Seed)
	margins := make([][]float64, len(ss))
	for f := 0; f < t.opts.Folds; f++ {
		var train []Sentence
		for _, s := range ss {
			if fold[s.DocID] != f {
				train = append(train, s)
			}
		}
		in := *t
		in.featurise(train)
		m, err := in.fit(ctx, in.rows(train))
		if err != nil {
			return nil, fmt.Errorf("techniques: fold %d: %w", f+1, err)
		}
		for i, s := range ss {
			if fold[s.DocID] == f {
				margins[i] = make([]float64, len(t.techniques))
				m.Margins(in.vocab.Vector(s.Text), margins[i])
			}
		}
	}
	return margins, nil
}

// Train fits the technique model: out-of-fold margins over report-level
// folds calibrate each technique (Platt), fit the sentence and document
// stacks and choose the sentence and document thresholds, then one model
// is fitted on everything.
func Train(ctx context.Context, c Corpus, opts Options) (*Model, error) {
	t, err := newTrainer(c, opts)
	if err != nil {
		return nil, err
	}
	rows := t.rows(c.Sentences)
	margins, err := t.outOfFold(ctx, c.Sentences)
	if err != nil {
		return nil, err
	}
	m := &Model{Techniques: t.techniques, Names: c.Names, Vocab: t.vocab}
	m.calibrate(c.Sentences, rows, margins, opts)
	if m.Linear, err = t.fit(ctx, rows); err != nil {
		return nil, fmt.Errorf("techniques: final fit: %w", err)
	}
	return m, nil
}

// calibrate fits, on out-of-fold margins, Platt scaling per technique,
// then the sentence stack (Platt log-odds and length) pooled over the
// techniques, the techniques' priors and the document stack, and chooses
// the thresholds: one cut on the calibrated probability for every
// technique, per sentence precision first (Options.SentencePrecision,
// SentenceRecall) and per document by F1, each over the
// pooled decisions of all techniques. Pooled, because a cut chosen per
// technique from its few out-of-fold positives overfits: on a held-out
// fold of TRAM reports per-technique cuts gave sentence micro-F1 0.400
// and document 0.613, one cut 0.45 and 0.67.
func (m *Model) calibrate(ss []Sentence, rows []labelled, margins [][]float64, opts Options) {
	k, n := len(m.Techniques), len(ss)
	m.Platt = make([]multilabel.Platt, k)
	col := make([]float64, n)
	pos := make([]bool, k*n) // technique-major: pos[l*n+i]
	for l := range k {
		for i := range ss {
			col[i] = margins[i][l]
			pos[l*n+i] = slices.Contains(rows[i].labels, l)
		}
		m.Platt[l] = multilabel.FitPlatt(col, pos[l*n:(l+1)*n])
	}
	// The sentence stack, on every (technique, sentence) pair.
	in := make([]float64, 2*k*n)
	xs := make([][]float64, k*n)
	for l := range k {
		for i := range ss {
			j := l*n + i
			xs[j] = in[2*j : 2*j+2]
			xs[j][0] = -(m.Platt[l].A*margins[i][l] + m.Platt[l].B)
			xs[j][1] = lengthInput(rows[i].words)
		}
	}
	m.SentenceStack = multilabel.FitLogistic(xs, pos, stackL2)
	logit := make([]float64, k*n)
	sentP := make([]float64, k*n)
	for j, x := range xs {
		logit[j] = m.SentenceStack.Logit(x)
		sentP[j] = calibrate.Sigmoid(logit[j])
	}
	sentenceCut := multilabel.PrecisionCut(sentP, pos, opts.SentencePrecision, opts.SentenceRecall)

	// The document stack, on every (technique, report) pair.
	docOf := map[string]int{}
	for _, s := range ss {
		if _, ok := docOf[s.DocID]; !ok {
			docOf[s.DocID] = len(docOf)
		}
	}
	nd := len(docOf)
	docPos := make([]bool, k*nd)
	tops := make([]topTwo, nd)
	for d := range tops {
		tops[d] = newTopTwo(k)
	}
	z := make([]float64, k)
	for i, s := range ss {
		d := docOf[s.DocID]
		for l := range k {
			z[l] = logit[l*n+i]
			docPos[l*nd+d] = docPos[l*nd+d] || pos[l*n+i]
		}
		tops[d].add(i, z)
	}
	m.Prior = make([]float64, k)
	for l := range k {
		has := 0
		for d := range nd {
			if docPos[l*nd+d] {
				has++
			}
		}
		m.Prior[l] = math.Log(float64(has+1) / float64(nd-has+1))
	}
	in = make([]float64, 3*k*nd)
	xs = make([][]float64, k*nd)
	for l := range k {
		for d, t := range tops {
			j := l*nd + d
			xs[j] = in[3*j : 3*j+3]
			v := m.documentInput(l, t.best[l], t.second[l])
			copy(xs[j], v[:])
		}
	}
	m.DocumentStack = multilabel.FitLogistic(xs, docPos, stackL2)
	if !slices.Contains(docPos, false) {
		// Every report has every technique: nothing to learn a document's
		// odds from but its best sentence's.
		m.DocumentStack = multilabel.Logistic{W: []float64{1, 0, 0}}
	}
	docP := make([]float64, k*nd)
	for j, x := range xs {
		docP[j] = m.DocumentStack.Prob(x)
	}
	documentCut, _ := multilabel.Threshold(docP, docPos, 1)
	m.SentenceCut = slices.Repeat([]float64{sentenceCut}, k)
	m.DocumentCut = slices.Repeat([]float64{documentCut}, k)
}

// stackL2 is the L2 penalty of the stacks' weights: a light one, as they
// have two or three weights fitted on thousands of rows.
const stackL2 = 1

func uniq(ids []string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}
