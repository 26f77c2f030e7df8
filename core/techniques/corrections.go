package techniques

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/cyberstreams/cyberstreams/kg"
	"github.com/cyberstreams/cyberstreams/labels"
)

// CorrectionsInput names the analysts' technique labels among a card's
// inputs (its checksum is over the labels' canonical JSON).
const CorrectionsInput = "workspace technique labels"

// correctionPrefix marks the report of a sentence that came from analysts'
// labels, so that report-level folds keep a document's corrections
// together and apart from the annotated reports.
const correctionPrefix = "label:"

// AddCorrections folds analysts' technique labels into the corpus as
// training sentences. Per document and evidence sentence, a label that
// says present adds the technique and one that says absent removes it:
// from the annotated sentences with that very text when there are any,
// else as a new sentence of its own (an absent-only sentence is a
// negative example). Labels without a sentence carry nothing to train on
// and are skipped. It returns the number of sentences changed or added
// and the corrections' input entry for the card.
func (c *Corpus) AddCorrections(ls []labels.TechniqueLabel) (int, Input) {
	type key struct{ doc, sentence string }
	type verdict struct{ present, absent []string }
	var order []key
	verdicts := map[key]*verdict{}
	for _, l := range ls {
		if l.Sentence == "" {
			continue
		}
		k := key{l.DocID, l.Sentence}
		v := verdicts[k]
		if v == nil {
			v = &verdict{}
			verdicts[k] = v
			order = append(order, k)
		}
		if l.Present {
			v.present = append(v.present, l.Technique)
		} else {
			v.absent = append(v.absent, l.Technique)
		}
	}
	bySentence := map[string][]int{}
	for i, s := range c.Sentences {
		t := strings.TrimSpace(s.Text)
		bySentence[t] = append(bySentence[t], i)
	}
	apply := func(ts []string, v *verdict) []string {
		out := slices.DeleteFunc(slices.Clone(ts), func(t string) bool { return slices.Contains(v.absent, t) })
		for _, t := range v.present {
			if !slices.Contains(out, t) {
				out = append(out, t)
			}
		}
		return out
	}
	changed := 0
	for _, k := range order {
		v := verdicts[k]
		if at, ok := bySentence[k.sentence]; ok {
			for _, i := range at {
				c.Sentences[i].Techniques = apply(c.Sentences[i].Techniques, v)
			}
			changed += len(at)
			continue
		}
		c.Sentences = append(c.Sentences, Sentence{DocID: correctionPrefix + k.doc, Text: k.sentence, Techniques: apply(nil, v)})
		changed++
	}
	return changed, correctionsInput(ls)
}

// LabelsInForce are the technique verdicts in force in a label store, the
// corrections the next training adds: per document, technique and evidence
// sentence, the one the analysts' adjudication rule picks among their own
// and their teammates' pulled verdicts (labels' current_technique_labels).
func LabelsInForce(ctx context.Context, s *labels.Store) ([]labels.TechniqueLabel, error) {
	var ls []labels.TechniqueLabel
	err := s.CurrentTechniques(ctx, "", func(l labels.TechniqueLabel) error {
		ls = append(ls, l)
		return nil
	})
	return ls, err
}

// correctionsInput checksums the labels as they were read.
func correctionsInput(ls []labels.TechniqueLabel) Input {
	h := sha256.New()
	enc := json.NewEncoder(h)
	for _, l := range ls {
		enc.Encode(struct {
			Doc, Technique, Sentence string
			Present                  bool
		}{l.DocID, l.Technique, l.Sentence, l.Present})
	}
	return Input{File: fmt.Sprintf("%s (%d)", CorrectionsInput, len(ls)), SHA256: hex.EncodeToString(h.Sum(nil))}
}

// EvidenceSentence is the sentence of text that an analyst's verdict on
// technique id is about when the analyst names none: the first sentence
// that writes the id, else the sentence the model rates highest for it
// (the evidence tag shows). It is "" when the text has no sentence, or the
// model does not read the technique and no sentence writes it.
func (m *Model) EvidenceSentence(text, id string) string {
	spans := Sentences(text)
	l := slices.Index(m.Techniques, id)
	best, bestAt := -1.0, -1
	margins := make([]float64, len(m.Techniques))
	for i, sp := range spans {
		s := text[sp.Start:sp.End]
		sc := m.score(s, margins)
		if slices.Contains(sc.exact, id) {
			return strings.TrimSpace(s)
		}
		if l >= 0 && sc.prob[l] > best {
			best, bestAt = sc.prob[l], i
		}
	}
	if bestAt < 0 {
		return ""
	}
	return strings.TrimSpace(text[spans[bestAt].Start:spans[bestAt].End])
}

// FindSentence is the one sentence of text that contains part (case
// folded), for an analyst who names the evidence in a few words.
func FindSentence(text, part string) (string, error) {
	want := strings.ToLower(strings.TrimSpace(part))
	if want == "" {
		return "", fmt.Errorf("sentence: give a few words of it")
	}
	var found []string
	for _, sp := range Sentences(text) {
		s := strings.TrimSpace(text[sp.Start:sp.End])
		if strings.Contains(strings.ToLower(s), want) {
			found = append(found, s)
		}
	}
	switch len(found) {
	case 0:
		return "", fmt.Errorf("sentence: no sentence of the document contains %q", part)
	case 1:
		return found[0], nil
	}
	return "", fmt.Errorf("sentence: %d sentences contain %q; give more of it", len(found), part)
}

// Analyst is the provenance of a technique an analyst said the document
// describes (label techniques), whatever the model said.
const Analyst = "analyst"

// Verdict is the analysts' verdict in force on a technique of a document:
// present or not, and who gave it.
type Verdict struct {
	Present  bool
	Analyst  string
	Sentence string // the evidence the verdict is about
}

// Verdicts are analysts' current verdicts per document: document id →
// technique → verdict. Of several verdicts on one technique (on different
// sentences), the latest counts.
type Verdicts map[string]map[string]Verdict

// ReadVerdicts gathers the current technique labels of a label store (of
// one document, or with docID "" of all).
func ReadVerdicts(ctx context.Context, s *labels.Store, docID string) (Verdicts, error) {
	v := Verdicts{}
	err := s.CurrentTechniques(ctx, docID, func(l labels.TechniqueLabel) error {
		if v[l.DocID] == nil {
			v[l.DocID] = map[string]Verdict{}
		}
		v[l.DocID][l.Technique] = Verdict{Present: l.Present, Analyst: l.Analyst, Sentence: l.Sentence} // oldest first: the latest stays
		return nil
	})
	return v, err
}

// Apply corrects a document's tags by the analysts' verdicts on it: a
// technique said absent is dropped, one said present is kept with
// confidence 1 and provenance analyst (its evidence, when the model had
// some, kept too; names names the ones the model did not tag, whose
// evidence is the sentence of the verdict, without a span).
func (v Verdicts) Apply(docID string, tags []Tag, names map[string]string) []Tag {
	verdicts := v[docID]
	if len(verdicts) == 0 {
		return tags
	}
	out := make([]Tag, 0, len(tags)+len(verdicts))
	seen := map[string]bool{}
	for _, t := range tags {
		verdict, judged := verdicts[t.Technique]
		seen[t.Technique] = true
		switch {
		case !judged:
			out = append(out, t)
		case verdict.Present:
			t.Confidence, t.Provenance = 1, Analyst
			out = append(out, t)
		}
	}
	for _, id := range slices.Sorted(maps.Keys(verdicts)) {
		if v := verdicts[id]; v.Present && !seen[id] {
			t := Tag{Technique: id, Name: names[id], Confidence: 1, Provenance: Analyst}
			if v.Sentence != "" {
				t.Evidence = &Evidence{Sentence: v.Sentence}
			}
			out = append(out, t)
		}
	}
	sortTags(out)
	return out
}

// Rejected are the techniques of a document that analysts said it does
// not describe, the ones Apply drops: the model's tag where it had one
// (with its evidence), else the technique by name, by id.
func (v Verdicts) Rejected(docID string, tags []Tag, names map[string]string) []Tag {
	var out []Tag
	for _, id := range slices.Sorted(maps.Keys(v[docID])) {
		if v[docID][id].Present {
			continue
		}
		if i := slices.IndexFunc(tags, func(t Tag) bool { return t.Technique == id }); i >= 0 {
			out = append(out, tags[i])
		} else {
			out = append(out, Tag{Technique: id, Name: names[id], Provenance: Analyst})
		}
	}
	return out
}

// ErrNoEvidence is VerdictSentence's answer when nothing names the
// sentence a verdict is about.
// (It reads "no sentence writes T1234 and the model does not read it".)
var ErrNoEvidence = errors.New("the model does not read it")

// VerdictSentence is the sentence of a document's text that an analyst's
// verdict on technique id is about: the one sentence that contains words
// when the analyst names it in a few words; else the sentence of the
// verdict in force on the technique, an own or a teammate's, so that
// analysts judge the same evidence and their verdicts meet in the
// adjudication; else the model's evidence (EvidenceSentence, with the
// model model loads). ErrNoEvidence when there is none of these.
func VerdictSentence(ctx context.Context, s *labels.Store, model func() (*Model, error), docID, text, id, words string) (string, error) {
	if k := kg.TechniqueKey(id); k != "" {
		id = k
	}
	if strings.TrimSpace(words) != "" {
		return FindSentence(text, words)
	}
	var sentence string
	if err := s.CurrentTechniques(ctx, docID, func(l labels.TechniqueLabel) error {
		if l.Technique == id && l.Sentence != "" {
			sentence = l.Sentence // oldest first: the latest stays
		}
		return nil
	}); err != nil {
		return "", err
	}
	if sentence != "" {
		return sentence, nil
	}
	m, err := model()
	if err != nil {
		return "", err
	}
	if sentence = m.EvidenceSentence(text, id); sentence == "" {
		return "", fmt.Errorf("no sentence writes %s and %w", id, ErrNoEvidence)
	}
	return sentence, nil
}
