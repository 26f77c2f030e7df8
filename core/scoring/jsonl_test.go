package scoring_test

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand"
	"strings"
	"testing"
	"time"

	"github.com/cyberstreams/cyberstreams/core/scoring"
	"github.com/cyberstreams/cyberstreams/core/techniques"
	"github.com/cyberstreams/cyberstreams/core/training/trainingtest"
)

// encodingJSON is the reference: the record as encoding/json writes it.
func encodingJSON(r *scoring.Result) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	err := enc.Encode(r)
	return b.Bytes(), err
}

func checkSameJSON(t *testing.T, r *scoring.Result) {
	t.Helper()
	want, werr := encodingJSON(r)
	got, gerr := r.AppendJSONL([]byte("prefix"))
	if (werr != nil) != (gerr != nil) {
		t.Fatalf("encoding/json error %v, AppendJSONL error %v", werr, gerr)
	}
	if werr != nil {
		return
	}
	if !bytes.HasPrefix(got, []byte("prefix")) || !bytes.Equal(got[len("prefix"):], want) {
		t.Fatalf("AppendJSONL differs from encoding/json\n got %s\nwant %s", got[len("prefix"):], want)
	}
}

// TestAppendJSONLMatchesEncodingJSON scores thousands of documents, with
// and without explanations, and mangles records with awkward strings and
// numbers: every record must be byte-identical to encoding/json's.
func TestAppendJSONLMatchesEncodingJSON(t *testing.T) {
	s := newScorer(t)
	docs := trainingtest.Docs(1500, 21)
	rng := rand.New(rand.NewSource(5))
	odd := []string{"", "plain", "quote \" and \\ backslash", "<script>&amp;</script>", "tab\tnew\nline\rcr\bbs\fff",
		"ctl \x00\x01\x1f\x7f", "bad utf8 \xff\xfe end", "sep \u2028 \u2029 seps", "ünïcödé 漢字 🚀", "trunc \xe2\x82"}
	floats := []float64{0, math.Copysign(0, -1), 1, -1, 1e-6, 9.99e-7, 1e-7, -3.2e-12, 1e20, 1e21, 1.5e300, 0.1 + 0.2, 123456.789, math.SmallestNonzeroFloat64}
	for i := range docs {
		k := []int{-1, 0, 5}[i%3]
		r := s.Score(&docs[i], scoring.Options{Explain: k})
		checkSameJSON(t, &r)
		// Mangle the record.
		r.ID, r.Title, r.Source = odd[rng.Intn(len(odd))], odd[rng.Intn(len(odd))], odd[rng.Intn(len(odd))]
		r.Confidence, r.Novelty = floats[rng.Intn(len(floats))], floats[rng.Intn(len(floats))]
		r.Probabilities[rng.Intn(5)] = floats[rng.Intn(len(floats))]
		r.MetaOnly = rng.Intn(2) == 0
		switch rng.Intn(4) {
		case 0:
			r.Entities = nil
		case 1:
			r.Entities = map[string][]string{odd[rng.Intn(len(odd))]: nil, "cve": {}, "url": {odd[rng.Intn(len(odd))], "b"}}
		}
		if rng.Intn(3) == 0 {
			r.Techniques = []techniques.Tag{{Technique: odd[rng.Intn(len(odd))], Name: odd[rng.Intn(len(odd))],
				Confidence: floats[rng.Intn(len(floats))], Provenance: techniques.Inferred,
				Evidence: &techniques.Evidence{Sentence: odd[rng.Intn(len(odd))], Span: [2]int{3, 9},
					Words: []techniques.Word{{Term: odd[rng.Intn(len(odd))], Contribution: floats[rng.Intn(len(floats))]}}}}}
		}
		if rng.Intn(3) == 0 {
			r.Published = nil
		} else {
			p := time.Date(1990+rng.Intn(40), 1, 1, 0, 0, 0, rng.Intn(3)*123456789, time.UTC)
			r.Published = &p
		}
		if ex := r.Explanation; ex != nil {
			ex.Omitted = floats[rng.Intn(len(floats))]
			if rng.Intn(5) == 0 {
				ex.Contributions = nil
			}
			for j := range ex.Contributions {
				ex.Contributions[j].Feature = odd[rng.Intn(len(odd))]
				ex.Contributions[j].Value = floats[rng.Intn(len(floats))]
			}
			ex.Coverage = floats[rng.Intn(len(floats))]
			if rng.Intn(2) == 0 {
				ex.Summary = odd[rng.Intn(len(odd))]
			}
			switch rng.Intn(3) {
			case 0:
				ex.Reasons = nil
			case 1:
				ex.Reasons = []scoring.Reason{{Text: odd[rng.Intn(len(odd))], SHAP: floats[rng.Intn(len(floats))]}}
			default:
				ex.Reasons = []scoring.Reason{{Text: odd[rng.Intn(len(odd))], SHAP: floats[rng.Intn(len(floats))],
					Features: []string{odd[rng.Intn(len(odd))], "text:a b"}}, {Features: []string{}}}
			}
		}
		checkSameJSON(t, &r)
	}
}

// TestAppendJSONLRejectsWhatEncodingJSONRejects: a NaN or an out-of-range
// year is an error, as with encoding/json, never a broken line.
func TestAppendJSONLRejectsWhatEncodingJSONRejects(t *testing.T) {
	far := time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	for name, r := range map[string]scoring.Result{
		"nan margin":       {Margin: math.NaN()},
		"inf probability":  {Probabilities: scoring.Probabilities{math.Inf(1)}},
		"nan contribution": {Explanation: &scoring.Explanation{Contributions: []scoring.Contribution{{SHAP: math.NaN()}}}},
		"nan reason":       {Explanation: &scoring.Explanation{Reasons: []scoring.Reason{{SHAP: math.NaN()}}}},
		"inf coverage":     {Explanation: &scoring.Explanation{Coverage: math.Inf(1)}},
		"year 10000":       {Published: &far},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := r.AppendJSONL(nil); err == nil {
				t.Fatal("want an error")
			}
			checkSameJSON(t, &r)
		})
	}
}

func FuzzAppendJSONL(f *testing.F) {
	f.Add("CVE-2024-1", "title \u2028", "src", 0.5, 1e-7, int64(0))
	f.Add("\xff", "\x00", strings.Repeat("é", 3), math.Inf(1), -0.0, int64(1e9))
	f.Fuzz(func(t *testing.T, id, title, feature string, x, y float64, sec int64) {
		p := time.Unix(sec%(400*365*86400), 0).UTC()
		r := scoring.Result{ID: id, Title: title, Source: feature, Published: &p, Confidence: x, Margin: y,
			Probabilities: scoring.Probabilities{x, y, 0.25, 1, 0}, Entities: map[string][]string{title: {id, feature}, feature: nil},
			Explanation: &scoring.Explanation{Summary: title, Class: id, Base: y, Margin: x, Omitted: y, Coverage: x,
				Contributions: []scoring.Contribution{{Feature: feature, Value: x, SHAP: y}},
				Reasons:       []scoring.Reason{{Text: title, SHAP: x, Features: []string{feature, id}}}}}
		checkSameJSON(t, &r)
	})
}
