package techniques

import (
	"cmp"
	"slices"
	"unicode/utf8"

	"github.com/cyberstreams/cyberstreams/ml/multilabel"
)

// Provenances of a tag.
const (
	Explicit = "explicit" // the text writes the technique id
	Inferred = "model"    // the model read it in the prose
)

// Tag is one technique found in a text.
type Tag struct {
	Technique  string    `json:"technique"`
	Name       string    `json:"name,omitempty"`
	Confidence float64   `json:"confidence"`
	Provenance string    `json:"provenance"`
	Evidence   *Evidence `json:"evidence,omitempty"`
}

// Evidence is the sentence that carries a tag and the words that drove it.
type Evidence struct {
	Sentence string `json:"sentence"`
	// Span is the sentence's place in the tagged text, in characters
	// (Unicode code points): [start, end). For a document the text is its
	// title, a blank line and its body (the title alone, or the body alone,
	// when the other is empty).
	Span  [2]int `json:"span"`
	Words []Word `json:"words,omitempty"`
}

// Word is a word or word pair and its exact share of the technique's
// margin (weight × TF-IDF value; with the calibration, which also reads
// the sentence's length, they make the confidence).
type Word struct {
	Term         string  `json:"term"`
	Contribution float64 `json:"contribution"`
}

// SentenceTags are the techniques of one sentence.
type SentenceTags struct {
	Index      int    `json:"index"`
	Span       [2]int `json:"span"`
	Text       string `json:"text"`
	Techniques []Tag  `json:"techniques"`
}

// DocumentTags are the techniques of a text: each with the sentence that
// shows it best, and (when asked) every sentence that has a technique.
type DocumentTags struct {
	Techniques []Tag          `json:"techniques"`
	Sentences  []SentenceTags `json:"sentences,omitempty"`
}

// evidenceWords is how many words an evidence lists.
const evidenceWords = 5

// Tag finds the techniques of text. A technique is a sentence's when its
// calibrated probability there reaches the sentence threshold, and the
// document's when the document's probability (from its best two
// sentences and how common the technique is) reaches the document
// threshold; ids written in the text are always tags, with confidence 1.
func (m *Model) Tag(text string, sentences bool) DocumentTags {
	var out DocumentTags
	spans := Sentences(text)
	margins := make([]float64, len(m.Techniques))
	top := newTopTwo(len(m.Techniques))
	scores := make([]sentenceScore, len(spans))
	chars := make([][2]int, len(spans))
	runes, last := 0, 0
	explicitAt := map[string]int{}
	var explicitOrder []string
	for i, sp := range spans {
		runes += utf8.RuneCountInString(text[last:sp.Start])
		start := runes
		runes += utf8.RuneCountInString(text[sp.Start:sp.End])
		last = sp.End
		chars[i] = [2]int{start, runes}
		sc := m.score(text[sp.Start:sp.End], margins)
		scores[i] = sc
		top.add(i, sc.logit)
		for _, id := range sc.exact {
			if _, ok := explicitAt[id]; !ok {
				explicitAt[id] = i
				explicitOrder = append(explicitOrder, id)
			}
		}
		if !sentences {
			continue
		}
		// Every sentence tag's evidence is its sentence, with the span, as
		// a document tag's is: a reader of one tag needs no other field.
		st := SentenceTags{Index: i, Span: chars[i], Text: text[sp.Start:sp.End]}
		for _, id := range sc.exact {
			st.Techniques = append(st.Techniques, Tag{Technique: id, Name: m.name(id), Confidence: 1, Provenance: Explicit,
				Evidence: &Evidence{Sentence: st.Text, Span: st.Span}})
		}
		for l, p := range sc.prob {
			if p >= m.SentenceCut[l] && !slices.Contains(sc.exact, m.Techniques[l]) {
				st.Techniques = append(st.Techniques, Tag{Technique: m.Techniques[l], Name: m.nameOf(l),
					Confidence: p, Provenance: Inferred, Evidence: &Evidence{Sentence: st.Text, Span: st.Span, Words: m.words(sc.x, l)}})
			}
		}
		if len(st.Techniques) > 0 {
			sortTags(st.Techniques)
			out.Sentences = append(out.Sentences, st)
		}
	}
	evidence := func(i int, l int) *Evidence {
		e := &Evidence{Sentence: text[spans[i].Start:spans[i].End], Span: chars[i]}
		if l >= 0 {
			e.Words = m.words(scores[i].x, l)
		}
		return e
	}
	for _, id := range explicitOrder {
		out.Techniques = append(out.Techniques, Tag{Technique: id, Name: m.name(id), Confidence: 1,
			Provenance: Explicit, Evidence: evidence(explicitAt[id], -1)})
	}
	for l, at := range top.bestAt {
		if at < 0 {
			continue
		}
		if p := m.documentProb(l, top.best[l], top.second[l]); p >= m.DocumentCut[l] && p > 0 {
			if _, ok := explicitAt[m.Techniques[l]]; ok {
				continue
			}
			out.Techniques = append(out.Techniques, Tag{Technique: m.Techniques[l], Name: m.nameOf(l),
				Confidence: p, Provenance: Inferred, Evidence: evidence(at, l)})
		}
	}
	sortTags(out.Techniques)
	return out
}

// sortTags orders tags by confidence, then id.
func sortTags(tags []Tag) {
	slices.SortFunc(tags, func(a, b Tag) int {
		if c := cmp.Compare(b.Confidence, a.Confidence); c != 0 {
			return c
		}
		return cmp.Compare(a.Technique, b.Technique)
	})
}

// words are the terms that pushed technique l up most in x.
func (m *Model) words(x multilabel.Vector, l int) []Word {
	cs := m.Linear.Contributions(x, l)
	slices.SortFunc(cs, func(a, b multilabel.Contribution) int { return cmp.Compare(b.Value, a.Value) })
	var out []Word
	for _, c := range cs {
		if c.Value <= 0 || len(out) == evidenceWords {
			break
		}
		out = append(out, Word{Term: m.Vocab.Terms[c.Feature], Contribution: c.Value})
	}
	return out
}

// nameOf is the name of the model's technique l, or "".
func (m *Model) nameOf(l int) string { return m.Names[m.Techniques[l]] }

// name is the name of a technique, or "" when unknown.
func (m *Model) name(id string) string { return m.Names[id] }
