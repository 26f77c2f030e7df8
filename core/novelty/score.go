package novelty

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"

	"github.com/cyberstreams/cyberstreams/core/features"
	"github.com/cyberstreams/cyberstreams/ml/autoencoder"
	"github.com/cyberstreams/cyberstreams/ml/iforest"
)

// plan says where each input comes from in a featurised row.
type plan struct {
	terms   int   // text features are row indices below terms
	base    int32 // first numeric feature's row index
	topics  int   // number of topic inputs (the first inputs)
	outside int   // index of OutsideTopics, -1 without
	vocab   int   // index of VocabularyShare, -1 without
	// numeric[i] is the input fed by numeric feature i (-1: none) and how.
	numeric []slot
}

type slot struct {
	input int
	how   uint8
}

const (
	asIs uint8 = iota
	log1p
	density
)

// plan maps the model's inputs onto spec's features; it fails when the
// spec lacks an input the model reads (files that do not belong together).
func (m *Model) plan(spec *features.Spec, width int) (plan, error) {
	pl := plan{terms: len(spec.Terms), base: int32(width - len(spec.Numeric)), outside: -1, vocab: -1, numeric: make([]slot, len(spec.Numeric))}
	for i := range pl.numeric {
		pl.numeric[i].input = -1
	}
	where := make(map[string]int, len(spec.Numeric))
	for i, n := range spec.Numeric {
		where[n] = i
	}
	if m.Version >= 2 && len(m.Topics) > 0 && m.Terms != len(spec.Terms) {
		return plan{}, fmt.Errorf("novelty model: its topics read %d terms, the feature spec has %d", m.Terms, len(spec.Terms))
	}
	for in, name := range m.Inputs {
		switch {
		case m.Version < 2:
			i, ok := where[name]
			if !ok {
				return plan{}, fmt.Errorf("novelty model: input %q is not a numeric feature of the spec", name)
			}
			pl.numeric[i] = slot{in, asIs}
		case strings.HasPrefix(name, topicPrefix):
			pl.topics++
		case name == OutsideTopics:
			pl.outside = in
		case name == VocabularyShare:
			pl.vocab = in
		case strings.HasSuffix(name, densitySuffix):
			group := strings.TrimSuffix(strings.TrimPrefix(name, "entities:"), densitySuffix)
			found := false
			for i, n := range spec.Numeric {
				if entityGroup(n) == group {
					pl.numeric[i], found = slot{in, density}, true
				}
			}
			if !found {
				return plan{}, fmt.Errorf("novelty model: input %q reads entity counts the spec lacks", name)
			}
		default:
			how := asIs
			if name != "doc:text_tokens_log" && (strings.HasSuffix(name, "_count") || strings.HasSuffix(name, "_tokens")) {
				how = log1p
			}
			i, ok := where[name]
			if !ok {
				return plan{}, fmt.Errorf("novelty model: input %q is not a numeric feature of the spec", name)
			}
			pl.numeric[i] = slot{in, how}
		}
	}
	if pl.topics*m.Terms != len(m.Topics) {
		return plan{}, fmt.Errorf("novelty model: %d topic inputs but %d topic weights for %d terms", pl.topics, len(m.Topics), m.Terms)
	}
	return pl, nil
}

// inputs writes the row's raw (unstandardised) inputs into out.
func (pl *plan) inputs(m *Model, row features.Row, out []float64) []float64 {
	out = slices.Grow(out[:0], len(m.Inputs))[:len(m.Inputs)]
	clear(out)
	tokens := max(float64(row.TextTokens), 10)
	var text float64 // the text vector's squared length (1, or 0 without text)
	for p, j := range row.Idx {
		v := row.Val[p]
		if int(j) < pl.terms {
			text += v * v
			for c := range pl.topics {
				out[c] += v * m.Topics[c*m.Terms+int(j)]
			}
			continue
		}
		if j < pl.base {
			continue
		}
		s := pl.numeric[j-pl.base]
		switch {
		case s.input < 0:
		case s.how == log1p:
			out[s.input] = math.Log1p(max(v, 0))
		case s.how == density:
			out[s.input] += 100 * v / tokens
		default:
			out[s.input] = v
		}
	}
	if pl.outside >= 0 {
		in := 0.0
		for c := range pl.topics {
			in += out[c] * out[c]
		}
		out[pl.outside] = max(text-in, 0)
	}
	if pl.vocab >= 0 && row.TextTokens > 0 {
		out[pl.vocab] = float64(row.TermCount) / float64(row.TextTokens)
	}
	return out
}

// Scorer scores rows with one model; safe for concurrent use.
type Scorer struct {
	m      *Model
	pl     plan
	forest *iforest.Compiled
	pool   sync.Pool
}

type scratch struct {
	x, errs []float64
	ae      *autoencoder.Scratch
}

// NewScorer prepares m for scoring rows of spec's featuriser, checking
// that the two belong together.
func (m *Model) Scorer(spec *features.Spec, width int) (*Scorer, error) {
	pl, err := m.plan(spec, width)
	if err != nil {
		return nil, err
	}
	if m.Forest == nil || m.Forest.NumFeatures != len(m.Inputs) {
		return nil, fmt.Errorf("novelty model: its forest does not read its %d inputs", len(m.Inputs))
	}
	if m.Version >= 2 && (len(m.Center) != len(m.Inputs) || len(m.Scale) != len(m.Inputs) || len(m.Usual) != len(m.Inputs)) {
		return nil, fmt.Errorf("novelty model: standardisation for %d of %d inputs", len(m.Center), len(m.Inputs))
	}
	if m.Autoencoder != nil && m.Autoencoder.Inputs != len(m.Inputs) {
		return nil, fmt.Errorf("novelty model: its autoencoder reads %d inputs, the model has %d", m.Autoencoder.Inputs, len(m.Inputs))
	}
	return m.NewScorer(pl), nil
}

// NewScorer is Scorer with a plan already checked.
func (m *Model) NewScorer(pl plan) *Scorer {
	s := &Scorer{m: m, pl: pl, forest: m.Forest.Compile()}
	s.pool.New = func() any {
		sc := &scratch{}
		if m.Autoencoder != nil {
			sc.ae = m.Autoencoder.NewScratch()
		}
		return sc
	}
	return s
}

// Calibrated says whether the model has a flag threshold.
func (s *Scorer) Calibrated() bool { return s.m.Threshold > 0 }

// Threshold is the score at or above which a document is novel.
func (s *Scorer) Threshold() float64 { return s.m.Threshold }

// detectors gives the forest's and the autoencoder's raw scores of
// standardised inputs x.
func (s *Scorer) detectors(x []float64) (forest, ae float64) {
	forest = s.forest.Score(x)
	if s.m.Autoencoder != nil {
		sc := s.pool.Get().(*scratch)
		sc.errs, ae = s.m.Autoencoder.Errors(x, sc.ae, sc.errs)
		s.pool.Put(sc)
	}
	return forest, ae
}

// combine turns the two detector scores into the novelty score in [0, 1].
func (s *Scorer) combine(forest, ae float64) float64 {
	m := s.m
	if len(m.ForestRef) == 0 {
		return forest // a legacy forest alone
	}
	if m.Autoencoder == nil || len(m.AutoencoderRef) == 0 {
		return rank(m.ForestRef, forest)
	}
	switch m.Combine {
	case CombineForest:
		return rank(m.ForestRef, forest)
	case CombineAutoencoder:
		return rank(m.AutoencoderRef, ae)
	}
	if m.Combine == CombineSum {
		z := robustZ(m.ForestRef, forest) + robustZ(m.AutoencoderRef, ae)
		return 1 / (1 + math.Exp(-z/2))
	}
	return (rank(m.ForestRef, forest) + rank(m.AutoencoderRef, ae)) / 2
}

// robustZ is (v − median)/(IQR/1.349) against a quantile table.
func robustZ(ref []float64, v float64) float64 {
	n := len(ref) - 1
	med, q1, q3 := ref[n/2], ref[n/4], ref[3*n/4]
	s := (q3 - q1) / 1.349
	if s <= 0 {
		s = 1
	}
	return (v - med) / s
}

// Score is the row's novelty score in [0, 1].
func (s *Scorer) Score(row features.Row) float64 {
	sc := s.pool.Get().(*scratch)
	defer s.pool.Put(sc)
	return s.score(row, sc)
}

func (s *Scorer) score(row features.Row, sc *scratch) float64 {
	sc.x = s.pl.inputs(s.m, row, sc.x)
	if s.m.Version >= 2 {
		s.m.standardise(sc.x)
	}
	forest := s.forest.Score(sc.x)
	var ae float64
	if s.m.Autoencoder != nil {
		sc.errs, ae = s.m.Autoencoder.Errors(sc.x, sc.ae, sc.errs)
	}
	return s.combine(forest, ae)
}

// Novel says whether a score is at or above the calibrated threshold
// (never, for a model without one).
func (s *Scorer) Novel(score float64) bool { return s.m.Threshold > 0 && score >= s.m.Threshold }

// Driver is one input that sets a document apart.
type Driver struct {
	Input string
	// Share is its part of what set the document apart: the mean of its
	// share of the forest's isolation and of the autoencoder's
	// reconstruction error.
	Share float64
	// Value is the document's value and Usual the training median, in
	// the input's own units.
	Value, Usual float64
}

// Explain scores a row and names up to k inputs that set it apart,
// strongest first.
func (s *Scorer) Explain(row features.Row, k int) (float64, []Driver) {
	sc := s.pool.Get().(*scratch)
	defer s.pool.Put(sc)
	score := s.score(row, sc)
	share := s.m.Forest.PathContributions(sc.x)
	if s.m.Autoencoder != nil {
		var total float64
		for _, e := range sc.errs {
			total += e
		}
		for j := range share {
			share[j] /= 2
			if total > 0 {
				share[j] += sc.errs[j] / total / 2
			}
		}
	}
	raw := s.pl.inputs(s.m, row, nil)
	var out []Driver
	for len(out) < k {
		best := -1
		for j, c := range share {
			if c > 0 && (best < 0 || c > share[best]) {
				best = j
			}
		}
		if best < 0 {
			break
		}
		d := Driver{Input: s.m.Inputs[best], Share: share[best], Value: raw[best]}
		if len(s.m.Usual) > best {
			d.Usual = s.m.Usual[best]
		}
		out = append(out, d)
		share[best] = 0
	}
	return score, out
}

// Words says in an analyst's words how the document differs on this input.
func (d Driver) Words() string {
	more := func(what string) string {
		if d.Value >= d.Usual {
			return "more " + what
		}
		return "less " + what
	}
	// count says a document's count beside the usual one, which is a
	// typical value and may lie between whole numbers: "1 CWE weakness
	// (usually 0.4)", not "0 CWE weaknesses (usually 0)".
	count := func(one, many string) string {
		v, u := math.Round(math.Expm1(d.Value)), math.Expm1(d.Usual)
		what := many
		if v == 1 {
			what = one
		}
		usual := fmt.Sprintf("%.0f", u)
		if u < 10 && math.Abs(u-math.Round(u)) >= 0.05 {
			usual = fmt.Sprintf("%.1f", u)
		}
		return fmt.Sprintf("%.0f %s (usually %s)", v, what, usual)
	}
	switch name := d.Input; {
	case name == OutsideTopics:
		return fmt.Sprintf("%.0f%% of its wording lies outside the training documents' topics (usually %.0f%%)", 100*d.Value, 100*d.Usual)
	case name == VocabularyShare:
		// Terms per word: bigrams count too, so it can pass 1.
		if d.Value < d.Usual {
			return fmt.Sprintf("little of its wording is the model's vocabulary (%.2f terms per word, usually %.2f)", d.Value, d.Usual)
		}
		return fmt.Sprintf("more of its wording than usual is the model's vocabulary (%.2f terms per word, usually %.2f)", d.Value, d.Usual)
	case name == VocabularyShare:
		// Terms per word: bigrams count too, so it can pass 1.
		if d.Value < d.Usual {
			return fmt.Sprintf("little of its wording is the model's vocabulary (%.2f terms per word, usually %.2f)", d.Value, d.Usual)
		}
		return fmt.Sprintf("more of its wording than usual is the model's vocabulary (%.2f terms per word, usually %.2f)", d.Value, d.Usual)
	case strings.HasPrefix(name, topicPrefix):
		return fmt.Sprintf("%s on the topic “%s” than the training documents", more("weight"), strings.TrimPrefix(name, topicPrefix))
	case name == "doc:text_tokens_log":
		return fmt.Sprintf("about %.0f words of text (usually %.0f)", math.Expm1(d.Value), math.Expm1(d.Usual))
	case name == "doc:no_text":
		if d.Value > 0 {
			return "it has no text, only structured fields"
		}
		return "it has text, where training documents mostly have none"
	case name == "doc:title_tokens":
		return count("word of title", "words of title")
	case name == "doc:reference_count":
		return count("reference", "references")
	case name == "doc:package_count":
		return count("affected package", "affected packages")
	case name == "doc:alias_count":
		return count("alias", "aliases")
	case name == "doc:cwe_count":
		return count("CWE weakness", "CWE weaknesses")
	case name == "source:reputation":
		return fmt.Sprintf("its source's share of critical/high is %.0f%% (usually %.0f%%)", d.Value, d.Usual)
	case name == "kev:listed":
		if d.Value > 0 {
			return "it is in CISA's Known Exploited Vulnerabilities list"
		}
		return "it is not in CISA's Known Exploited Vulnerabilities list"
	case strings.HasSuffix(name, densitySuffix):
		what := strings.TrimPrefix(strings.TrimSuffix(name, densitySuffix), "entities:")
		return fmt.Sprintf("%.1f %s per 100 words (usually %.1f)", d.Value, what, d.Usual)
	default:
		return fmt.Sprintf("%s is %.3g (usually %.3g)", name, d.Value, d.Usual)
	}
}

// Standardised is the row's inputs as the two detectors read them
// (standardised by the training medians and spreads): for measuring
// another detector on the same features (bench/novelty).
func (s *Scorer) Standardised(row features.Row) []float64 {
	x := s.pl.inputs(s.m, row, nil)
	if s.m.Version >= 2 {
		s.m.standardise(x)
	}
	return x
}
