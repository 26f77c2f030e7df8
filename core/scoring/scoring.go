// Package scoring scores documents with a model bundle: class probabilities
// from the gradient-boosted trees, exact TreeSHAP reasons for the predicted
// class, and a novelty score with its calibrated flag (core/novelty).
//
// Every entry point builds its scorer the same way: a workspace's
// Knowledge (KnowledgeOf: the graph's names for the entity extractor, its
// facts for the graph features) plus a bundle (Knowledge.Scorer, or
// ForWorkspace in one step), so that one document gets one score whichever
// door it comes in by; training featurises with the same Knowledge.
//
// Every model is loaded by leaves, which validates it and can walk every
// tree of it (EngineLeaves). By default the trees are evaluated with
// lgbm.SparsePredictor, which walks only the trees a document leaves the
// typical path of and gives bit-for-bit the raw scores leaves gives.
package scoring

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/dmitryikh/leaves"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/explain"
	"github.com/cyberstreams/cyberstreams/core/exploitation"
	"github.com/cyberstreams/cyberstreams/core/features"
	"github.com/cyberstreams/cyberstreams/core/model"
	"github.com/cyberstreams/cyberstreams/core/novelty"
	"github.com/cyberstreams/cyberstreams/core/techniques"
	"github.com/cyberstreams/cyberstreams/core/training"
	"github.com/cyberstreams/cyberstreams/ml/lgbm"
	"github.com/cyberstreams/cyberstreams/ml/shap"
)

// Scorer scores documents with one model bundle. It is safe for concurrent
// use; per-call scratch space comes from a pool.
type Scorer struct {
	bundle    *model.Bundle
	fz        *features.Featurizer
	ensemble  *leaves.Ensemble
	sparse    *lgbm.SparsePredictor
	novelty   *novelty.Scorer // nil when the bundle has no novelty model
	engine    Engine
	explainer *shap.Explainer
	knowledge Knowledge
	names     []string
	version   string
	pool      sync.Pool
	// exploit loads the default exploitation model of each horizon
	// (exploitation.Horizons) when it is first asked for.
	exploit []func() (*exploitation.Model, error)
}

// New prepares a scorer for a bundle with what the workspace knows (see
// Knowledge; callers outside tests reach it through Knowledge.Scorer or
// ForWorkspace). The knowledge's extractor fills the entities of documents
// that arrive without them; a nil extractor is the plain one.
func New(b *model.Bundle, k Knowledge) (*Scorer, error) {
	if k.Extractor == nil {
		k.Extractor = PlainKnowledge().Extractor
	}
	if len(b.ModelText) == 0 { // a bundle fresh from training, not yet saved
		var buf bytes.Buffer
		if err := lgbm.Write(&buf, b.Trees); err != nil {
			return nil, fmt.Errorf("model %s: %w", b.Card.Version, err)
		}
		b.ModelText = buf.Bytes()
	}
	s := &Scorer{bundle: b, fz: k.Featurizer(b.Spec), sparse: lgbm.NewSparsePredictor(b.Trees),
		explainer: shap.New(b.Trees), knowledge: k, names: b.Spec.Names(), version: b.Card.Version}
	for _, h := range exploitation.Horizons {
		s.exploit = append(s.exploit, sync.OnceValues(func() (*exploitation.Model, error) { return exploitation.Default(k, h) }))
	}
	if b.Trees.NumClass != len(document.Severities) {
		return nil, fmt.Errorf("model %s has %d outputs, want %d", b.Card.Version, b.Trees.NumClass, len(document.Severities))
	}
	if b.Novelty != nil {
		nv, err := b.Novelty.Scorer(b.Spec, s.fz.Width())
		if err != nil {
			return nil, fmt.Errorf("model %s: %w", b.Card.Version, err)
		}
		s.novelty = nv
	}
	if s.version == "" {
		s.version = "unversioned"
	}
	width := max(s.fz.Width(), b.Trees.MaxFeatureIdx+1, s.explainer.NumFeatures())
	s.pool.New = func() any {
		return &scratch{dense: make([]float64, width), raw: make([]float64, len(document.Severities)),
			phi: make([]float64, max(s.explainer.NumFeatures(), 1)), zp: s.sparse.NewScratch()}
	}
	return s, nil
}

// scratch is one Score call's working space, pooled so that scoring
// allocates little more than the Result it returns.
type scratch struct {
	// dense is the model's input row. It is all zeros between calls: Score
	// writes only the row's non-zero entries and zeroes them again
	// afterwards, instead of clearing ~5,000 features per document.
	dense  []float64
	zp     *lgbm.SparseScratch
	raw    []float64
	prob   []float64
	row    features.Row
	phi    []float64
	ranked []ranked
}

// ranked is one non-zero SHAP value waiting to be ranked by magnitude.
// key is the bit pattern of |SHAP|, which orders like the magnitude for
// every finite value, so ranking compares integers.
type ranked struct {
	key     uint64
	feature int32
	shap    float64
}

// Engine names the tree evaluator behind a Scorer's probabilities.
type Engine string

const (
	// EngineSparse walks only the trees whose typical path a document
	// leaves (lgbm.SparsePredictor); the raw scores equal leaves' bit for
	// bit.
	EngineSparse Engine = "sparse"
	// EngineLeaves walks every tree in leaves.
	EngineLeaves Engine = "leaves"
)

// SetEngine picks the tree evaluator. Call it before scoring starts.
//
// leaves parses the model text itself, so a scorer pays for that (a third
// of a one-document run's start-up) only when it is asked to use it.
func (s *Scorer) SetEngine(e Engine) error {
	switch e {
	case EngineSparse:
		s.engine = e
		return nil
	case EngineLeaves:
		if s.ensemble == nil {
			ens, err := leaves.LGEnsembleFromReader(bufio.NewReader(bytes.NewReader(s.bundle.ModelText)), false)
			if err != nil {
				return fmt.Errorf("load model %s into the inference engine: %w", s.version, err)
			}
			if ens.NOutputGroups() != len(document.Severities) || ens.NFeatures() > s.bundle.Trees.MaxFeatureIdx+1 {
				return fmt.Errorf("model %s: leaves reads %d outputs over %d features, want %d over %d", s.version,
					ens.NOutputGroups(), ens.NFeatures(), len(document.Severities), s.bundle.Trees.MaxFeatureIdx+1)
			}
			s.ensemble = ens
		}
		s.engine = e
		return nil
	}
	return fmt.Errorf("unknown inference engine %q (want %s or %s)", e, EngineSparse, EngineLeaves)
}

// Engine is the tree evaluator in use.
func (s *Scorer) Engine() Engine {
	if s.engine == "" {
		return EngineSparse
	}
	return s.engine
}

// Version is the model version the scorer uses.
func (s *Scorer) Version() string { return s.version }

// Bundle is the model bundle the scorer uses.
func (s *Scorer) Bundle() *model.Bundle { return s.bundle }

// Probabilities holds one probability per class, written as a JSON object
// in class order.
type Probabilities [5]float64

// MarshalJSON writes {"critical":…, "high":…, …} in class order, each
// probability rounded to six decimals.
func (p Probabilities) MarshalJSON() ([]byte, error) {
	for _, v := range p {
		if r := math.Round(v*1e6) / 1e6; math.IsNaN(r) || math.IsInf(r, 0) {
			return nil, fmt.Errorf("probability %v is not a JSON number", v)
		}
	}
	return p.appendJSON(make([]byte, 0, 128)), nil
}

// UnmarshalJSON reads the object form.
func (p *Probabilities) UnmarshalJSON(data []byte) error {
	var m map[string]float64
	if err := json.Unmarshal(data, &m); err != nil {
		return err
	}
	for i, name := range document.Severities {
		p[i] = m[name]
	}
	return nil
}

// Contribution is one feature's TreeSHAP value for the explained class.
type Contribution = explain.Contribution

// Reason is one reason in words (explain.Reason).
type Reason = explain.Reason

// Explanation is the exact TreeSHAP decomposition of the decided class's
// margin: Base + Σ SHAP over all features = Margin (log-odds units).
//
// Margin is the class's raw margin from the trees plus the class's
// decision offset (features.Spec.ClassBias; 0 without offsets, and for a
// document whose assigner the model cannot name, training.OffsetsFor): the
// number whose softmax over the classes is the shown probabilities, so the
// decided class has the largest margin. Base is the trees' expected raw
// margin for the class (TreeSHAP's base value) plus the same offset; the
// contributions are the trees' exact TreeSHAP values, which the offset
// does not change.
//
// Reasons are the contributions in words (explain.GroupAll: a word's
// unigram and bigrams are one reason), strongest first; Contributions are
// the features of the shown reasons, in their order.
type Explanation struct {
	// Summary is the plain header: the class, its probability and its
	// main reasons for and against in words (explain.Header).
	Summary       string         `json:"summary,omitempty"`
	Class         string         `json:"class"`
	Base          float64        `json:"base"`
	Margin        float64        `json:"margin"`
	Contributions []Contribution `json:"contributions"`
	// Omitted is the summed SHAP of the features of the reasons left out
	// by --explain K, so the shown contributions still add up to the margin.
	Omitted float64 `json:"omitted,omitempty"`
	// Reasons are the top K reasons (every one for K = 0).
	Reasons []Reason `json:"reasons,omitempty"`
	// Coverage is the share of the evidence (the absolute contributions
	// of all features) that the shown reasons' features carry, 0–1.
	Coverage float64 `json:"coverage,omitempty"`
	// NoveltyDrivers names the novelty inputs that set the document apart
	// from the training documents most (up to three, strongest first: by
	// their share of the forest's isolation and of the autoencoder's
	// reconstruction error): what makes it unusual, as opposed to what
	// made its class. NoveltyReasons says the same in words, with the
	// document's value and the usual one.
	NoveltyDrivers []string `json:"novelty_drivers,omitempty"`
	NoveltyReasons []string `json:"novelty_reasons,omitempty"`
}

// Result is a scored document, the stable record of `score --output jsonl`.
type Result struct {
	ID            string        `json:"id"`
	Title         string        `json:"title"`
	Source        string        `json:"source"`
	Published     *time.Time    `json:"published"`
	Severity      string        `json:"severity"`
	Probabilities Probabilities `json:"probabilities"`
	// Confidence is the decided class's probability, the largest.
	Confidence float64 `json:"confidence"`
	// Margin is the decided class's margin (see Explanation).
	Margin  float64 `json:"margin"`
	Novelty float64 `json:"novelty"`
	// Novel says the novelty is at or above the model's calibrated
	// threshold (core/novelty.Calibrate); false without a calibrated model.
	Novel       bool                `json:"novel"`
	Explanation *Explanation        `json:"explanation,omitempty"`
	Entities    map[string][]string `json:"entities"`
	Model       string              `json:"model"`
	// MetaOnly says the document had no text, so the score rests on its
	// structured fields alone.
	MetaOnly bool `json:"meta_only,omitempty"`
	// Exploitation is the likelihood of a KEV listing within a horizon and
	// the patch priority (Options.Exploitation; nil when not asked for).
	Exploitation *exploitation.Prediction `json:"exploitation,omitempty"`
	// Headline is what a table shows: the title, or for an untitled
	// document the start of its description (document.Headline). Not part
	// of the JSONL record, whose title stays the document's own.
	Headline string `json:"-"`
	// Techniques are the ATT&CK techniques the text describes, when the
	// options carry a technique model.
	Techniques []techniques.Tag `json:"techniques,omitempty"`
}

// Options says how much explanation to compute.
type Options struct {
	// Explain is the number of top reasons (by |SHAP|) to return; 0 returns
	// every non-zero contribution; negative computes no explanation. The
	// exploitation likelihood gets as many reasons.
	Explain int
	// Exploitation is the horizon in days (one of exploitation.Horizons) of
	// the exploitation likelihood and patch priority to add; 0 adds none.
	// Check it with Scorer.Exploitation before scoring.
	Exploitation int
	// Techniques, when set, tags each document's ATT&CK techniques.
	Techniques *techniques.Model
}

// Exploitation is the default exploitation model for a horizon (one of
// exploitation.Horizons) with this scorer's knowledge, loaded on first
// use.
func (s *Scorer) Exploitation(horizonDays int) (*exploitation.Model, error) {
	for i, h := range exploitation.Horizons {
		if h == horizonDays {
			return s.exploit[i]()
		}
	}
	return exploitation.Default(s.knowledge, horizonDays) // says which horizons there are
}

// Score scores one document. It fills d.Entities when empty, and gives a
// document without an id its content-hash id (document.Finish).
func (s *Scorer) Score(d *document.Document, opts Options) Result {
	if d.Entities == nil {
		d.Entities = s.knowledge.Extractor.Extract(d.Text())
	}
	if d.ID == "" {
		d.Finish() // its id is its content hash's start
	}
	sc := s.pool.Get().(*scratch)
	s.fz.TransformInto(d, &sc.row)
	row := sc.row
	for i, j := range row.Idx {
		sc.dense[j] = row.Val[i]
	}
	defer func() {
		for _, j := range row.Idx {
			sc.dense[j] = 0
		}
		s.pool.Put(sc)
	}()
	raw := sc.raw
	if s.engine == EngineLeaves {
		if err := s.ensemble.Predict(sc.dense, 0, raw); err != nil {
			// Predict fails only on a width mismatch, which New rules out.
			panic(fmt.Sprintf("scoring: predict: %v", err))
		}
	} else {
		s.sparse.PredictRaw(row.Idx, sc.dense, sc.zp, raw)
	}
	// The class offsets are folded into the margins (training.Fold): the
	// shown probabilities are softmax(raw + bias), whose arg-max is the
	// decided class, and the explained margin is the decided class's. A
	// document from an assigner the model cannot name has none
	// (training.OffsetsFor).
	bias := training.OffsetsFor(s.fz, d)
	if len(bias) == len(raw) {
		for c := range raw {
			raw[c] += bias[c]
		}
	}
	sc.prob = append(sc.prob[:0], raw...)
	prob := training.Softmax(sc.prob)
	class := 0
	for c := range prob {
		if prob[c] > prob[class] {
			class = c
		}
	}
	res := Result{ID: d.ID, Title: d.Title, Headline: d.Headline(), Source: d.Source, Severity: document.Severities[class],
		Confidence: prob[class], Margin: raw[class], Entities: d.Entities, Model: s.version, MetaOnly: row.TextTokens == 0}
	if !d.Published.IsZero() {
		p := d.Published.UTC()
		res.Published = &p
	}
	copy(res.Probabilities[:], prob)
	if res.Entities == nil {
		res.Entities = map[string][]string{}
	}
	s.AddExploitation(d, &res, opts)
	if opts.Techniques != nil {
		res.Techniques = opts.Techniques.Tag(d.Text(), false).Techniques
	}
	if opts.Explain >= 0 {
		res.Explanation = s.explain(sc, d, class, raw[class], bias, opts.Explain)
		res.Explanation.Summary = explain.Header(res.Explanation.Class, res.Confidence, res.Explanation.Reasons)
	}
	if s.novelty != nil {
		if res.Explanation == nil {
			res.Novelty = s.novelty.Score(row)
		} else {
			var drivers []novelty.Driver
			res.Novelty, drivers = s.novelty.Explain(row, 3)
			for _, d := range drivers {
				res.Explanation.NoveltyDrivers = append(res.Explanation.NoveltyDrivers, d.Input)
				res.Explanation.NoveltyReasons = append(res.Explanation.NoveltyReasons, d.Words())
			}
		}
		res.Novel = s.novelty.Novel(res.Novelty)
	}
	return res
}

// Novel says whether a novelty score of this scorer's model is at or above
// its calibrated threshold (false for a model without one): how a stored
// score's flag is read back (the triage queue, a stored explanation).
func (s *Scorer) Novel(novelty float64) bool { return s.novelty != nil && s.novelty.Novel(novelty) }

// AddExploitation sets res.Exploitation, a scored document's exploitation
// likelihood over opts.Exploitation days with opts.Explain reasons, as
// Score does: for a result read back from storage (the triage detail
// pane). It does nothing when opts.Exploitation is 0.
func (s *Scorer) AddExploitation(d *document.Document, res *Result, opts Options) {
	if opts.Exploitation > 0 {
		res.Exploitation = s.exploitation(d, res, opts)
	}
}

// exploitation predicts a scored document's exploitation likelihood and
// its patch priority from the result's severity probabilities; nil when
// the horizon has no model (Options.Exploitation says to check first).
func (s *Scorer) exploitation(d *document.Document, res *Result, opts Options) *exploitation.Prediction {
	m, err := s.Exploitation(opts.Exploitation)
	if err != nil {
		return nil
	}
	reasons := opts.Explain
	switch {
	case reasons < 0:
		reasons = 0
	case reasons == 0:
		reasons = len(m.Names())
	}
	p := m.Predict(d, reasons)
	if p.NoCVE {
		if opts.Explain >= 0 {
			p.Summary = exploitation.NoCVESummary
		}
		return &p
	}
	// A listing within 30 days is a listing within 90 and 365: the
	// horizons' models are trained apart (and the longer ones on fewer
	// documents), so a longer horizon answers at least what a shorter
	// one's model gives, with that model's reasons and name.
	for _, h := range exploitation.Horizons {
		if h >= opts.Exploitation {
			break
		}
		if short, err := s.Exploitation(h); err == nil {
			if q := short.Predict(d, reasons); q.Probability > p.Probability {
				q.HorizonDays = p.HorizonDays
				p = q
			}
		}
	}
	p.Priority = exploitation.Priority(res.Probabilities, p.Probability)
	if opts.Explain >= 0 {
		words := make([]explain.Reason, len(p.Reasons))
		for i, r := range p.Reasons {
			p.Reasons[i].Text = explain.Sentence([]explain.Contribution{{Feature: r.Feature, Value: r.Value, SHAP: r.SHAP}})
			words[i] = explain.Reason{Text: p.Reasons[i].Text, SHAP: r.SHAP, Features: []string{r.Feature}}
		}
		p.Summary = explain.ExploitationHeader(p.Probability, p.HorizonDays, words)
	}
	return &p
}

// explain computes the exact TreeSHAP values of one class and keeps the top
// k by magnitude (k = 0: all non-zero). Ties in magnitude keep feature
// order, and the left-out values are summed in rank order, so the record is
// the same however the ranking is computed. sc.dense holds the document's
// feature values.
func (s *Scorer) explain(sc *scratch, d *document.Document, class int, margin float64, bias []float64, k int) *Explanation {
	phi := sc.phi
	base := s.explainer.ExplainClass(sc.row.Idx, sc.row.Val, class, phi)
	if len(bias) > class {
		base += bias[class] // the margin has it folded in (Score)
	}
	ex := &Explanation{Class: document.Severities[class], Base: base, Margin: margin}
	rs := sc.ranked[:0]
	for f, v := range phi {
		if v != 0 {
			rs = append(rs, ranked{math.Float64bits(math.Abs(v)), int32(f), v})
		}
	}
	slices.SortFunc(rs, func(a, b ranked) int {
		if a.key != b.key {
			if a.key > b.key {
				return -1
			}
			return 1
		}
		return int(a.feature - b.feature)
	})
	sc.ranked = rs
	// Every non-zero contribution, strongest first, grouped into reasons;
	// the top k reasons are shown and their features listed.
	all := make([]Contribution, len(rs))
	var total float64
	for i, r := range rs {
		all[i] = Contribution{Feature: s.names[r.feature], Value: sc.dense[r.feature], SHAP: r.shap}
		total += math.Abs(r.shap)
	}
	groups := explain.GroupAllIn(all, phraseChecker(d))
	shown := groups
	if k > 0 && len(groups) > k {
		shown = groups[:k]
		for _, g := range groups[k:] {
			for _, m := range g.Members {
				ex.Omitted += all[m].SHAP
			}
		}
	}
	if len(shown) > 0 {
		var covered float64
		ex.Reasons = make([]Reason, len(shown))
		for i, g := range shown {
			ex.Reasons[i] = explain.Words(all, g)
			for _, m := range g.Members {
				ex.Contributions = append(ex.Contributions, all[m])
				covered += math.Abs(all[m].SHAP)
			}
		}
		ex.Coverage = covered / total
	}
	return ex
}

// phraseChecker says whether a document's title or text has a run of
// words, as the featuriser counted its bigrams (features.Tokenize of the
// lower-cased text): explain.GroupAllIn joins overlapping bigram reasons
// into a phrase only where the document has it. The text is tokenised
// once, on the first question.
func phraseChecker(d *document.Document) func(words []string) bool {
	var texts [][]string
	return func(words []string) bool {
		if texts == nil {
			for _, t := range []string{d.Title, d.Body} {
				var toks []string
				features.Tokenize(strings.ToLower(t), func(tok string) { toks = append(toks, tok) })
				texts = append(texts, toks)
			}
		}
		for _, toks := range texts {
			for i := 0; i+len(words) <= len(toks); i++ {
				if slices.Equal(toks[i:i+len(words)], words) {
					return true
				}
			}
		}
		return false
	}
}
