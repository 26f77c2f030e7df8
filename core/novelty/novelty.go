// Package novelty says how unlike the training documents a document is,
// and flags it when it is more unlike them than a chosen share of
// validation documents.
//
// A document is described by inputs that compare a short text with a long
// one: where its (already L2-normalised) TF-IDF text vector lies in the
// training documents' main topics (a truncated SVD, Halko, Martinsson &
// Tropp 2011, "Finding structure with randomness", Alg. 4.4), how much of
// it lies outside them (1 − the projection's squared length), and the
// document's shape (text size, structured fields, entity densities per
// 100 tokens, source reputation, KEV). Time of publication is left out on
// purpose: every newer document is "later" than the training data, and
// that is not what makes it novel.
//
// Two detectors read the inputs, standardised by the training documents'
// median and spread: an isolation forest (ml/iforest) and a small
// autoencoder (ml/autoencoder). Each score is turned into its rank among
// the training documents' scores (their empirical CDF) and the two ranks
// are averaged: the detectors' raw scales (a path-length exponent, a mean
// squared error) have no common unit, and a rank average needs none; it
// is also robust to one detector's heavy tail. The flag's threshold is the
// (1 − target FPR) quantile of that average over the validation documents,
// which are newer than those the detectors learnt from.
package novelty

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/features"
	"github.com/cyberstreams/cyberstreams/ml/autoencoder"
	"github.com/cyberstreams/cyberstreams/ml/iforest"
)

// FormatVersion is the novelty.json format this package writes.
const FormatVersion = 2

// DefaultTargetFPR is the share of validation documents the flag may mark.
const DefaultTargetFPR = 0.05

// Inputs of a document's shape, taken from the classifier's named numeric
// features. Counts are log1p'd; entity counts become densities.
var shapeInputs = []string{
	"doc:text_tokens_log", "doc:no_text", "doc:title_tokens",
	"doc:reference_count", "doc:package_count", "doc:alias_count", "doc:cwe_count",
	"source:reputation", "kev:listed",
}

// OutsideTopics is the input that measures how much of a document's text
// vector lies outside the training documents' main topics.
const OutsideTopics = "text:outside training topics"

// VocabularyShare is the input that measures how much of a document's
// text the classifier's vocabulary covers: occurrences of its terms per
// token (features.Row.TermCount / TextTokens).
const VocabularyShare = "text:vocabulary share"

// entityGroups gathers the extractor's entity types into a few densities:
// one input per type would be twenty mostly-zero inputs, each a way for an
// ordinary advisory to look odd (a version string read as an IPv4 address
// flagged IBM advisories), while what sets a kind of text apart is how
// much it speaks in indicators, in vulnerability ids, or in the names of
// techniques and actors.
var entityGroups = []struct {
	name  string
	types []string
}{
	{"vulnerability ids", []string{"cve", "cwe"}},
	{"indicators", []string{"ipv4", "ipv6", "domain", "url", "email", "md5", "sha1", "sha256", "sha512", "asn", "mac", "bitcoin", "registry_key", "file_path"}},
	{"threat names", []string{"attack_technique", "actor", "malware", "tool"}},
	{"other entities", nil},
}

// entityGroup is the group of an "entities:TYPE_count" feature ("" for
// another feature).
func entityGroup(feature string) string {
	t, ok := strings.CutPrefix(feature, "entities:")
	if !ok {
		return ""
	}
	t = strings.TrimSuffix(t, "_count")
	for _, g := range entityGroups {
		if slices.Contains(g.types, t) {
			return g.name
		}
	}
	return entityGroups[len(entityGroups)-1].name
}

const (
	topicPrefix   = "topic:"
	densitySuffix = " per 100 tokens"
)

// Options controls Fit. Zero fields mean the defaults.
type Options struct {
	Seed      int64
	TargetFPR float64 // default DefaultTargetFPR
	// Topics is the number of SVD text components to add as inputs (0:
	// none, the default: on the shared data 16 of them lowered the ROC-AUC
	// of report text against future advisories from 0.95 to 0.77 — the
	// severity vocabulary's main directions are URL and weakness-class
	// words, which tell neither kind of text apart).
	Topics int
	// NoShape leaves the shape inputs out (text only); NoText leaves the
	// topic inputs out (shape only). For measuring representations.
	NoShape, NoText bool
	// FitRows caps the documents the SVD and the autoencoder learn from
	// (an evenly spaced subsample; default 12000).
	FitRows     int
	Forest      iforest.Params
	Autoencoder autoencoder.Params
	// Combine is "rank" (the default: average of the two detectors' ranks
	// among training scores) or "sum" (sum of robust z-scores of the two
	// log-scores, squashed to [0,1]).
	Combine string
}

func (o Options) withDefaults() Options {
	if o.TargetFPR <= 0 || o.TargetFPR >= 1 {
		o.TargetFPR = DefaultTargetFPR
	}

	if o.FitRows <= 0 {
		o.FitRows = 12000
	}
	if o.Combine == "" {
		o.Combine = CombineRank
	}
	if o.Forest.Seed == 0 {
		o.Forest.Seed = o.Seed
	}
	if o.Autoencoder.Seed == 0 {
		o.Autoencoder.Seed = uint64(o.Seed)
	}
	return o
}

// Ways to combine the two detectors' scores.
const (
	CombineRank = "rank"
	CombineSum  = "sum"
	// For measuring one detector alone.
	CombineForest      = "forest"
	CombineAutoencoder = "autoencoder"
)

// Model is a fitted novelty model, saved as novelty.json in a bundle.
type Model struct {
	Version int `json:"version"`
	// Inputs names each input, in order: topic inputs, OutsideTopics,
	// then shape inputs ("doc:…", "entities:… per 100 tokens").
	Inputs []string `json:"inputs"`
	// Terms is the vocabulary width the topics were fitted on; Topics is
	// len(Inputs with topicPrefix) rows of Terms weights, row-major.
	Terms  int       `json:"terms"`
	Topics []float64 `json:"topics,omitempty"`
	// Center and Scale standardise the inputs: (x − Center) / Scale.
	Center []float64 `json:"center"`
	Scale  []float64 `json:"scale"`
	// Usual is each input's median over the training documents (raw
	// units), for saying in words how a document differs.
	Usual       []float64          `json:"usual"`
	Forest      *iforest.Forest    `json:"forest"`
	Autoencoder *autoencoder.Model `json:"autoencoder,omitempty"`
	// ForestRef and AutoencoderRef are quantiles (0, 1/(n−1), …, 1) of
	// the detectors' scores over the training documents.
	ForestRef      []float64 `json:"forest_ref,omitempty"`
	AutoencoderRef []float64 `json:"autoencoder_ref,omitempty"`
	Combine        string    `json:"combine,omitempty"`
	// Threshold is the score at or above which a document is flagged
	// novel: the (1 − TargetFPR) quantile over the validation documents,
	// which flagged ValidFPR of them. Zero: no calibrated flag.
	Threshold float64 `json:"threshold"`
	TargetFPR float64 `json:"target_fpr"`
	ValidFPR  float64 `json:"valid_fpr"`
	ValidDocs int     `json:"valid_docs"`
}

// Legacy wraps a bare isolation forest over every numeric feature (the
// novelty.json of bundles written before FormatVersion 2): its score is
// the forest's, and it has no flag.
func Legacy(f *iforest.Forest, spec *features.Spec) *Model {
	return &Model{Version: 1, Inputs: slices.Clone(spec.Numeric), Forest: f}
}

// Fit fits the novelty model on the training documents and calibrates its
// flag on the validation documents (entities filled, featurised by fz).
func Fit(ctx context.Context, fz *features.Featurizer, train, valid []document.Document, opts Options) (*Model, error) {
	opts = opts.withDefaults()
	if len(train) < 2 {
		return nil, fmt.Errorf("novelty: %d training documents; need at least 2", len(train))
	}
	spec := fz.Spec()
	m := &Model{Version: FormatVersion, Terms: len(spec.Terms), Combine: opts.Combine, TargetFPR: opts.TargetFPR}
	rows := make([]features.Row, len(train))
	for i := range train {
		if i%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("novelty: %w", err)
			}
		}
		rows[i] = fz.Transform(&train[i])
	}
	fit := evenly(len(rows), opts.FitRows)
	if !opts.NoText {
		k := opts.Topics
		if k > 0 && m.Terms > k {
			sub := make([]features.Row, len(fit))
			for i, r := range fit {
				sub[i] = rows[r]
			}
			comp, err := topics(ctx, sub, m.Terms, k, uint64(opts.Seed))
			if err != nil {
				return nil, err
			}
			m.Topics = comp
			for c := range k {
				m.Inputs = append(m.Inputs, topicPrefix+topicName(comp[c*m.Terms:(c+1)*m.Terms], spec.Terms))
			}
		}
		if len(m.Topics) > 0 {
			m.Inputs = append(m.Inputs, OutsideTopics)
		}
		m.Inputs = append(m.Inputs, VocabularyShare)
	}
	if !opts.NoShape {
		for _, n := range shapeInputs {
			if slices.Contains(spec.Numeric, n) {
				m.Inputs = append(m.Inputs, n)
			}
		}
		for _, g := range entityGroups {
			for _, n := range spec.Numeric {
				if entityGroup(n) == g.name {
					m.Inputs = append(m.Inputs, "entities:"+g.name+densitySuffix)
					break
				}
			}
		}
	}
	if len(m.Inputs) == 0 {
		return nil, fmt.Errorf("novelty: no inputs (text and shape both left out)")
	}
	pl, err := m.plan(spec, fz.Width())
	if err != nil {
		return nil, err
	}
	raw := make([][]float64, len(rows))
	for i := range rows {
		raw[i] = pl.inputs(m, rows[i], nil)
	}
	m.Center, m.Scale, m.Usual = robustScale(raw)
	x := make([][]float64, len(raw))
	for i, r := range raw {
		x[i] = m.standardise(slices.Clone(r))
	}
	fp := opts.Forest
	if m.Forest, err = iforest.FitContext(ctx, x, fp); err != nil {
		return nil, fmt.Errorf("novelty: %w", err)
	}
	sub := make([][]float64, len(fit))
	for i, r := range fit {
		sub[i] = x[r]
	}
	if m.Autoencoder, err = autoencoder.Fit(ctx, sub, opts.Autoencoder); err != nil {
		return nil, fmt.Errorf("novelty: %w", err)
	}
	sc := m.NewScorer(pl)
	fs, as := make([]float64, len(x)), make([]float64, len(x))
	for i, r := range x {
		fs[i], as[i] = sc.detectors(r)
	}
	m.ForestRef, m.AutoencoderRef = quantiles(fs, 1001), quantiles(as, 1001)
	if len(valid) > 0 {
		scores := make([]float64, len(valid))
		for i := range valid {
			scores[i] = sc.Score(fz.Transform(&valid[i]))
		}
		m.Threshold = Calibrate(scores, opts.TargetFPR)
		flagged := 0
		for _, s := range scores {
			if s >= m.Threshold {
				flagged++
			}
		}
		m.ValidDocs, m.ValidFPR = len(valid), float64(flagged)/float64(len(valid))
	}
	return m, nil
}

// Calibrate returns the threshold (flag: score ≥ it) that leaves k of
// the validation scores flagged, k the most that still shows, with 95 %
// confidence, that the flag marks at most target of documents like them:
// the largest k with P(Binomial(n, target) ≤ k) ≤ 0.05 (a one-sided
// Clopper–Pearson bound). Picking the plain (1 − target) quantile would
// meet the target only on average, and documents newer than the
// validation slice drift further still; on the shared data it flagged
// 5.1–5.5 % of future advisories at a 5 % target. With few validation
// scores k is 0 and the threshold lies above all of them.
func Calibrate(scores []float64, target float64) float64 {
	s := slices.Clone(scores)
	slices.Sort(s)
	n := len(s)
	if n == 0 {
		return 1
	}
	k := allowedFlags(n, target, 0.05)
	i := n - k // s[i:] are flagged
	if i >= n {
		return math.Nextafter(s[n-1], math.Inf(1))
	}
	// Ties at the cut would flag more than allowed: move past them.
	for i > 0 && i < n && s[i] == s[i-1] {
		i++
	}
	if i >= n {
		return math.Nextafter(s[n-1], math.Inf(1))
	}
	return s[i]
}

// allowedFlags is the largest k with P(Binomial(n, p) ≤ k) ≤ alpha, or 0.
func allowedFlags(n int, p, alpha float64) int {
	lp, lq := math.Log(p), math.Log1p(-p)
	lgn, _ := math.Lgamma(float64(n + 1))
	cdf, k := 0.0, 0
	for j := 0; j <= n; j++ {
		a, _ := math.Lgamma(float64(j + 1))
		b, _ := math.Lgamma(float64(n - j + 1))
		cdf += math.Exp(lgn - a - b + float64(j)*lp + float64(n-j)*lq)
		if cdf > alpha {
			break
		}
		k = j
	}
	return k
}

// evenly picks at most n of count indices, evenly spaced.
func evenly(count, n int) []int {
	n = min(n, count)
	out := make([]int, n)
	for i := range out {
		out[i] = int(int64(i) * int64(count) / int64(n))
	}
	return out
}

// robustScale returns each column's median, its spread (IQR/1.349, the
// standard deviation of a normal with that IQR, else the standard
// deviation, else 1) and again the median as the usual value.
func robustScale(x [][]float64) (center, scale, usual []float64) {
	d := len(x[0])
	center, scale = make([]float64, d), make([]float64, d)
	col := make([]float64, len(x))
	for j := range d {
		var mean float64
		for i, r := range x {
			col[i] = r[j]
			mean += r[j]
		}
		mean /= float64(len(x))
		slices.Sort(col)
		center[j] = at(col, 0.5)
		s := (at(col, 0.75) - at(col, 0.25)) / 1.349
		if s <= 1e-9 {
			var v float64
			for _, c := range col {
				v += (c - mean) * (c - mean)
			}
			s = math.Sqrt(v / float64(len(col)))
		}
		if s <= 1e-9 {
			s = 1
		}
		scale[j] = s
	}
	return center, scale, slices.Clone(center)
}

// at is the q quantile of sorted s, linearly interpolated.
func at(s []float64, q float64) float64 {
	p := q * float64(len(s)-1)
	i := int(p)
	if i >= len(s)-1 {
		return s[len(s)-1]
	}
	return s[i] + (p-float64(i))*(s[i+1]-s[i])
}

// quantiles returns n evenly spaced quantiles of v.
func quantiles(v []float64, n int) []float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	out := make([]float64, n)
	for i := range out {
		out[i] = at(s, float64(i)/float64(n-1))
	}
	return out
}

// rank is v's place among the reference quantiles, in [0, 1): the share
// of them below v, interpolated, scaled to [0, 1 − 1/n]; beyond the
// largest it keeps rising toward 1 (an exponential tail whose scale is the
// reference's top decile width), so that documents far outside still rank
// above those just outside.
func rank(ref []float64, v float64) float64 {
	n := len(ref)
	if n < 2 || v <= ref[0] {
		return 0
	}
	top, last := ref[n-1], 1-1/float64(n)
	if v >= top {
		width := top - ref[n*9/10]
		if width <= 0 {
			return last
		}
		return 1 - math.Exp(-(v-top)/width)/float64(n)
	}
	i := sort.SearchFloat64s(ref, v) // ref[i-1] < v <= ref[i]
	lo, hi := ref[i-1], ref[i]
	f := 0.0
	if hi > lo {
		f = (v - lo) / (hi - lo)
	}
	return last * (float64(i-1) + f) / float64(n-1)
}

func (m *Model) standardise(x []float64) []float64 {
	for j := range x {
		x[j] = (x[j] - m.Center[j]) / m.Scale[j]
	}
	return x
}

// topicName names a topic by its three heaviest terms.
func topicName(weights []float64, terms []string) string {
	idx := make([]int, len(weights))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return weights[idx[a]] > weights[idx[b]] })
	var names []string
	for _, i := range idx[:min(3, len(idx))] {
		names = append(names, terms[i])
	}
	return strings.Join(names, " / ")
}

// Parse reads a novelty.json: a Model, or (written before FormatVersion
// 2) a bare isolation forest over spec's numeric features, which becomes
// a Legacy model.
func Parse(data []byte, spec *features.Spec) (*Model, error) {
	// One decoding for the current format (a probe for the version and a
	// second decoding were a fifth of a one-document score's start-up);
	// a bare forest (no version, top-level trees) is decoded again as one.
	type plain Model
	var probe struct {
		plain
		Trees json.RawMessage `json:"trees"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, fmt.Errorf("novelty model: %w", err)
	}
	if probe.Version == 0 && probe.Trees != nil {
		var f iforest.Forest
		if err := json.Unmarshal(data, &f); err != nil {
			return nil, fmt.Errorf("novelty model: %w", err)
		}
		return Legacy(&f, spec), nil
	}
	if probe.Version != FormatVersion {
		return nil, fmt.Errorf("novelty model: format version %d, this cyberstreams reads %d", probe.Version, FormatVersion)
	}
	m := Model(probe.plain)
	if m.Forest == nil {
		return nil, fmt.Errorf("novelty model: no forest")
	}
	return &m, nil
}

// Validate checks what Parse checks of a model, for one decoded from
// another encoding (a bundle's compiled form): its format version, and a
// forest and autoencoder that can be scored without indexing out of
// range. Whether it reads a feature spec is Scorer's check.
func (m *Model) Validate() error {
	if m.Version != FormatVersion && m.Version != 1 {
		return fmt.Errorf("novelty model: format version %d, this cyberstreams reads %d", m.Version, FormatVersion)
	}
	if m.Forest == nil {
		return fmt.Errorf("novelty model: no forest")
	}
	if err := m.Forest.Validate(); err != nil {
		return fmt.Errorf("novelty model: %w", err)
	}
	if m.Autoencoder != nil {
		if err := m.Autoencoder.Validate(); err != nil {
			return fmt.Errorf("novelty model: %w", err)
		}
	}
	return nil
}

// MarshalJSON writes a Legacy model as the bare forest it was read from,
// so that a bundle saved again keeps its format.
func (m *Model) MarshalJSON() ([]byte, error) {
	if m.Version < 2 {
		return json.Marshal(m.Forest)
	}
	type plain Model
	return json.Marshal((*plain)(m))
}
