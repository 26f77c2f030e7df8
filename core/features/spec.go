// Package features turns a Document into the named, sparse feature vector
// the classifier reads: sublinear TF-IDF word 1–2-grams over a vocabulary
// chosen on the training data, one-hot structured facts (CWE, ecosystem,
// vendor, assigner, source, reference domain), and named numeric features
// (entity counts, text size, time of publication, source reputation, KEV).
//
// Every feature has a name an analyst can read in an explanation
// ("text:remote code execution", "cwe:CWE-79", "entities:url_count").
// Nothing is derived from fields the label came from (CVSS vectors, scores,
// severity fields): those never leave Document.Meta.
package features

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
)

// SpecVersion is the features.json format this package writes and reads.
const SpecVersion = 1

// Group is a one-hot family of categorical features: feature "name:value"
// for each known value.
type Group struct {
	Name   string   `json:"name"`
	Values []string `json:"values"`
}

// Spec is everything needed to featurise a document the way the model was
// trained; it is saved as features.json beside model.txt.
type Spec struct {
	Version int       `json:"version"`
	Terms   []string  `json:"terms"`
	IDF     []float64 `json:"idf"`
	Groups  []Group   `json:"groups"`
	// Numeric lists the names of the numeric features, in index order.
	Numeric []string `json:"numeric"`
	// Reputation is each source's smoothed share of critical+high labels,
	// 0–100; unknown sources get ReputationPrior.
	Reputation      map[string]float64 `json:"reputation"`
	ReputationPrior float64            `json:"reputation_prior"`
	// KEV maps CVE ids in CISA's Known Exploited Vulnerabilities catalog to
	// the date they were added (YYYY-MM-DD).
	KEV map[string]string `json:"kev,omitempty"`
	// DefaultYear stands in for time:year when a document has no date: the
	// year of the newest training document, since an undated document is
	// being scored as it arrives, not in year 0. Only specs with time:year
	// (models trained before it left the features) set it.
	DefaultYear int `json:"default_year,omitempty"`
	// ClassBias is added to each class's log-probability before the arg-max
	// decision; tuned on validation data for macro-F1 (zero = plain arg-max).
	ClassBias []float64 `json:"class_bias,omitempty"`
}

// numericNames is the fixed list of numeric features, in index order.
// The hour, weekday and year of publication are not among them (issue
// 12): they read as a bug in an explanation, and they did not earn their
// place on documents newer than the training data — leaving the hour and
// weekday out won on the time-gap protocol (bench/classifier/future_gap.sh),
// and so did leaving the year out (bench/classifier/featurestudy, five
// seeds: accuracy 0.6620 → 0.6702, macro-F1 0.6001 → 0.6051; a year the
// model never saw can only be read as the newest one it did). Specs that
// have them (older models) still featurise them.
func numericNames(entityTypes []string) []string {
	names := []string{
		"doc:text_tokens_log", "doc:no_text", "doc:title_tokens",
		"doc:reference_count", "doc:package_count", "doc:alias_count", "doc:cwe_count",
		"source:reputation", "kev:listed",
		"graph:known_actors", "graph:known_techniques", "graph:actor_linked_indicators", "graph:kev_vulnerabilities",
	}
	names = append(names, StatedNames()...)
	for _, t := range entityTypes {
		names = append(names, "entities:"+t+"_count")
	}
	return names
}

// Names returns every feature's name in index order.
func (s *Spec) Names() []string {
	names := make([]string, 0, s.NumFeatures())
	for _, t := range s.Terms {
		names = append(names, "text:"+t)
	}
	for _, g := range s.Groups {
		for _, v := range g.Values {
			names = append(names, g.Name+":"+v)
		}
	}
	return append(names, s.Numeric...)
}

// ShapeNumeric are the numeric features that describe a document's shape,
// in index order: all but the stated:* ones, which are zero for nearly
// every document and say what the text states, not how it is made.
func (s *Spec) ShapeNumeric() []string {
	names := make([]string, 0, len(s.Numeric))
	for _, n := range s.Numeric {
		if !isStated(n) {
			names = append(names, n)
		}
	}
	return names
}

func isStated(name string) bool { return strings.HasPrefix(name, "stated:") }

// NumFeatures is the width of the feature vector.
func (s *Spec) NumFeatures() int {
	n := len(s.Terms) + len(s.Numeric)
	for _, g := range s.Groups {
		n += len(g.Values)
	}
	return n
}

// Write saves the spec as JSON.
func (s *Spec) Write(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	return enc.Encode(s)
}

// ReadSpec loads a features.json.
func ReadSpec(r io.Reader, name string) (*Spec, error) {
	var s Spec
	if err := json.NewDecoder(r).Decode(&s); err != nil {
		return nil, fmt.Errorf("feature spec %s: %w", name, err)
	}
	if s.Version != SpecVersion {
		return nil, fmt.Errorf("feature spec %s: version %d, this cyberstreams reads version %d", name, s.Version, SpecVersion)
	}
	if len(s.IDF) != len(s.Terms) {
		return nil, fmt.Errorf("feature spec %s: %d terms but %d idf weights", name, len(s.Terms), len(s.IDF))
	}
	if len(s.ClassBias) != 0 && len(s.ClassBias) != 5 {
		return nil, fmt.Errorf("feature spec %s: class_bias has %d values, want 5", name, len(s.ClassBias))
	}
	return &s, nil
}

// ReadSpecFile loads a features.json from disk.
func ReadSpecFile(path string) (*Spec, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("feature spec: %w", err)
	}
	defer f.Close()
	return ReadSpec(f, path)
}
