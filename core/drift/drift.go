// Package drift tells whether the documents arriving now look like the
// documents the champion model learned from. It keeps a reference summary
// of the training data beside each model (reference.json: a sample of every
// numeric feature, the source and ecosystem mix, and the predicted-class mix
// on validation) and compares a current window of workspace documents with
// it, one statistical test per feature, choosing tests the way Evidently's
// data-drift preset does (get_default_stattest):
//
//   - reference of at most 1,000 documents: two-sample Kolmogorov–Smirnov
//     for numeric features and chi-squared goodness of fit for categorical
//     ones, drift when p < 0.05;
//   - larger references: normed Wasserstein distance for numeric features
//     and Jensen–Shannon distance for categorical ones, drift when ≥ 0.1
//     (KS on thousands of values flags differences too small to matter);
//   - the predicted-class mix: population stability index, drift when ≥ 0.1.
//
// The dataset drifts when at least half of the tested columns drift
// (Evidently's default drift_share of 0.5).
package drift

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/features"
	"github.com/cyberstreams/cyberstreams/core/model"
	"github.com/cyberstreams/cyberstreams/core/training"
	"github.com/cyberstreams/cyberstreams/internal/atomicfile"
	"github.com/cyberstreams/cyberstreams/ml/stats"
)

// ReferenceFile is the reference summary's name inside a bundle directory.
const ReferenceFile = model.ReferenceFile

// MaxSample bounds how many values per numeric feature a reference keeps.
const MaxSample = 5000

// Categorical features compared by their value mix.
var Categorical = []string{"source", "ecosystem"}

// Reference summarises the data a model was trained on.
type Reference struct {
	Docs int `json:"docs"` // training documents summarised
	// Numeric holds, per numeric feature (features.Spec.ShapeNumeric), the values
	// of the same deterministic sample of at most MaxSample documents.
	Numeric map[string][]float64 `json:"numeric"`
	// Categorical counts each value of source and ecosystem over all docs.
	Categorical map[string]map[string]int `json:"categorical"`
	// Predicted counts the model's predicted class on its validation slice.
	Predicted map[string]int `json:"predicted"`
}

// Summarize builds the reference from training documents. The numeric
// sample is a seeded random subset, so the same documents give the same file.
func Summarize(fz *features.Featurizer, docs []document.Document, predicted map[string]int, seed uint64) Reference {
	ref := Reference{Docs: len(docs), Numeric: map[string][]float64{}, Categorical: map[string]map[string]int{}, Predicted: predicted}
	idx := make([]int, len(docs))
	for i := range idx {
		idx[i] = i
	}
	if len(idx) > MaxSample {
		r := rand.New(rand.NewPCG(seed, 0x5eed))
		r.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
		idx = idx[:MaxSample]
		slices.Sort(idx)
	}
	sample := make([]document.Document, len(idx))
	for k, i := range idx {
		sample[k] = docs[i]
	}
	ref.Numeric = NumericValues(fz, sample)
	ref.Categorical = CategoryCounts(docs)
	return ref
}

// NumericValues returns each numeric feature's value for every document:
// the features that describe a document's shape (features.Spec.ShapeNumeric:
// not the stated:* ones, zero for nearly every document, whose dilution
// of the drifted share would hide a real shift).
func NumericValues(fz *features.Featurizer, docs []document.Document) map[string][]float64 {
	spec := fz.Spec()
	names := spec.ShapeNumeric()
	at := make([]int, len(names)) // names[j] is spec.Numeric[at[j]]
	for j, n := range names {
		at[j] = slices.Index(spec.Numeric, n)
	}
	out := make(map[string][]float64, len(names))
	for _, n := range names {
		out[n] = make([]float64, 0, len(docs))
	}
	var buf []float64
	for i := range docs {
		buf = training.NoveltyInputs(fz, fz.Transform(&docs[i]), buf)
		for j, n := range names {
			out[n] = append(out[n], buf[at[j]])
		}
	}
	return out
}

// CategoryCounts counts the values of each categorical feature ("" is
// counted as "(none)").
func CategoryCounts(docs []document.Document) map[string]map[string]int {
	out := map[string]map[string]int{}
	for _, c := range Categorical {
		out[c] = map[string]int{}
	}
	for _, d := range docs {
		out["source"][orNone(d.Source)]++
		out["ecosystem"][orNone(d.Ecosystem)]++
	}
	return out
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// Save writes the reference into a bundle directory.
func (r Reference) Save(dir string) error {
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("save drift reference: %w", err)
	}
	path := filepath.Join(dir, ReferenceFile)
	if err := atomicfile.Write(path, 0o644, func(w io.Writer) error { _, err := w.Write(b); return err }); err != nil {
		return fmt.Errorf("save drift reference %s: %w", path, err)
	}
	return nil
}

// LoadReference reads a bundle directory's reference.json.
func LoadReference(dir string) (Reference, error) {
	b, err := os.ReadFile(filepath.Join(dir, ReferenceFile))
	if err != nil {
		return Reference{}, fmt.Errorf("drift reference: %w", err)
	}
	r, err := ParseReference(b)
	if err != nil {
		return r, fmt.Errorf("%s: %w", filepath.Join(dir, ReferenceFile), err)
	}
	return r, nil
}

// ParseReference decodes a reference.json, such as a bundle's
// DriftReference (the embedded default model's comes from its bundle, not
// from a directory).
func ParseReference(data []byte) (Reference, error) {
	var r Reference
	if err := json.Unmarshal(data, &r); err != nil {
		return Reference{}, fmt.Errorf("drift reference: %w", err)
	}
	if r.Docs <= 0 || len(r.Numeric) == 0 {
		return Reference{}, fmt.Errorf("drift reference: summarises %d documents and %d numeric features: not a reference", r.Docs, len(r.Numeric))
	}
	return r, nil
}

// BundleReference returns the reference a loaded bundle carries.
func BundleReference(b *model.Bundle) (Reference, error) {
	if len(b.DriftReference) == 0 {
		return Reference{}, fmt.Errorf("model %s carries no drift reference (%s)", b.Card.Version, ReferenceFile)
	}
	r, err := ParseReference(b.DriftReference)
	if err != nil {
		return r, fmt.Errorf("model %s: %w", b.Card.Version, err)
	}
	return r, nil
}

// Options are the thresholds; the zero value means Evidently's defaults.
type Options struct {
	Alpha        float64 // p-value threshold of KS and chi-squared (0.05)
	Distance     float64 // Wasserstein (normed) and Jensen–Shannon threshold (0.1)
	PSI          float64 // predicted-class PSI threshold (0.1)
	SmallWindow  int     // references up to this size use KS/chi-squared (1000)
	DatasetShare float64 // share of drifted columns that makes dataset drift (0.5)

	// Featurizer builds a model's features as its scorers do, with the
	// workspace's knowledge (scoring.Knowledge.Featurizer), so that the
	// current window's graph features are the ones the model sees; nil
	// builds them without a graph.
	Featurizer func(*features.Spec) *features.Featurizer
	// Basis, when set, counts only stored scores made on it (a score made
	// before the graph or the scoring path changed is stale); otherwise
	// the stored scores of the model version count.
	Basis string
}

// featurizer is the model's feature pipeline for the current window.
func (o Options) featurizer(spec *features.Spec) *features.Featurizer {
	if o.Featurizer != nil {
		return o.Featurizer(spec)
	}
	return features.New(spec)
}

func (o *Options) defaults() {
	if o.Alpha == 0 {
		o.Alpha = 0.05
	}
	if o.Distance == 0 {
		o.Distance = 0.1
	}
	if o.PSI == 0 {
		o.PSI = 0.1
	}
	if o.SmallWindow == 0 {
		o.SmallWindow = 1000
	}
	if o.DatasetShare == 0 {
		o.DatasetShare = 0.5
	}
}

// Column is the test of one feature.
type Column struct {
	Feature   string  `json:"feature"`
	Kind      string  `json:"kind"` // numeric, categorical or prediction
	Test      string  `json:"test"` // ks, chisquare, wasserstein, jensenshannon, psi
	Statistic float64 `json:"statistic"`
	// PValue is set for KS and chi-squared only (NaN otherwise, null in JSON).
	PValue    float64 `json:"-"`
	Threshold float64 `json:"threshold"`
	Drifted   bool    `json:"drifted"`
	// Skipped says why a column was not tested (an empty window).
	Skipped string `json:"skipped,omitempty"`
}

// MarshalJSON writes NaN statistics as null.
func (c Column) MarshalJSON() ([]byte, error) {
	type plain Column
	return json.Marshal(struct {
		plain
		Statistic *float64 `json:"statistic"`
		PValue    *float64 `json:"p_value"`
	}{plain(c), finite(c.Statistic), finite(c.PValue)})
}

func finite(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

// Report is the comparison of a current window with a reference.
type Report struct {
	ReferenceDocs int      `json:"reference_docs"`
	CurrentDocs   int      `json:"current_docs"`
	Columns       []Column `json:"columns"`
	Tested        int      `json:"tested"`
	Drifted       int      `json:"drifted"`
	Share         float64  `json:"share"`
	Threshold     float64  `json:"threshold"`
	DatasetDrift  bool     `json:"dataset_drift"`
}

// Window is the current data: its documents and the champion's predicted
// class counts on them (nil or empty skips the prediction column).
type Window struct {
	Docs      []document.Document
	Predicted map[string]int
}

// Compare tests every numeric and categorical feature and the predicted
// class mix of the window against the reference.
func Compare(ref Reference, fz *features.Featurizer, cur Window, opts Options) Report {
	opts.defaults()
	rep := Report{ReferenceDocs: ref.Docs, CurrentDocs: len(cur.Docs), Threshold: opts.DatasetShare}
	small := ref.Docs <= opts.SmallWindow
	values := NumericValues(fz, cur.Docs)
	for _, name := range fz.Spec().ShapeNumeric() {
		col := Column{Feature: name, Kind: "numeric", PValue: math.NaN()}
		r, c := ref.Numeric[name], values[name]
		switch {
		case len(r) == 0 || len(c) == 0:
			col.Test, col.Statistic, col.Skipped = "ks", math.NaN(), "empty window"
		case small:
			col.Test, col.Threshold = "ks", opts.Alpha
			col.Statistic, col.PValue = stats.KSTest(r, c)
			col.Drifted = col.PValue < opts.Alpha
		default:
			col.Test, col.Threshold = "wasserstein", opts.Distance
			col.Statistic = stats.WassersteinNormed(r, c)
			col.Drifted = col.Statistic >= opts.Distance
		}
		rep.add(col)
	}
	counts := CategoryCounts(cur.Docs)
	for _, name := range Categorical {
		col := Column{Feature: name, Kind: "categorical", PValue: math.NaN()}
		r, c := ref.Categorical[name], counts[name]
		switch {
		case total(r) == 0 || total(c) == 0:
			col.Test, col.Statistic, col.Skipped = "chisquare", math.NaN(), "empty window"
		case small:
			col.Test, col.Threshold = "chisquare", opts.Alpha
			col.Statistic, col.PValue, _ = stats.ChiSquareCounts(r, c)
			col.Drifted = col.PValue < opts.Alpha
		default:
			col.Test, col.Threshold = "jensenshannon", opts.Distance
			a, b := aligned(r, c)
			col.Statistic = stats.JensenShannon(a, b)
			col.Drifted = col.Statistic >= opts.Distance
		}
		rep.add(col)
	}
	if total(ref.Predicted) > 0 && total(cur.Predicted) > 0 {
		a, b := aligned(ref.Predicted, cur.Predicted)
		col := Column{Feature: "prediction", Kind: "prediction", Test: "psi", PValue: math.NaN(), Threshold: opts.PSI}
		col.Statistic = stats.PSI(a, b)
		col.Drifted = col.Statistic >= opts.PSI
		rep.add(col)
	}
	if rep.Tested > 0 {
		rep.Share = float64(rep.Drifted) / float64(rep.Tested)
	}
	rep.DatasetDrift = rep.Tested > 0 && rep.Share >= opts.DatasetShare
	return rep
}

func (r *Report) add(c Column) {
	r.Columns = append(r.Columns, c)
	if c.Skipped != "" {
		return
	}
	r.Tested++
	if c.Drifted {
		r.Drifted++
	}
}

func total(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// aligned returns two count vectors over the sorted union of categories.
func aligned(a, b map[string]int) ([]float64, []float64) {
	var keys []string
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	x, y := make([]float64, len(keys)), make([]float64, len(keys))
	for i, k := range keys {
		x[i], y[i] = float64(a[k]), float64(b[k])
	}
	return x, y
}

// PredictedMix counts a confusion matrix's predicted classes (its column
// sums), the predicted-class mix of a model's validation slice.
func PredictedMix(confusion [][]int) map[string]int {
	out := map[string]int{}
	for _, row := range confusion {
		for p, n := range row {
			if p < len(document.Severities) && n > 0 {
				out[document.Severities[p]] += n
			}
		}
	}
	return out
}
