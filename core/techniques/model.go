package techniques

import (
	"regexp"
	"slices"
	"strings"

	"github.com/cyberstreams/cyberstreams/kg"
	"github.com/cyberstreams/cyberstreams/ml/multilabel"
)

// Model tags ATT&CK techniques in text: a one-vs-rest linear model over
// words and word pairs, calibrated per technique, with a sentence and a
// document threshold per technique.
type Model struct {
	Techniques  []string          // ATT&CK ids, the model's label order
	Names       map[string]string // ATT&CK id → technique name, for every technique known
	Vocab       *Vocabulary
	Linear      *multilabel.Linear
	Platt       []multilabel.Platt
	SentenceCut []float64 // a sentence has technique l when its probability ≥ SentenceCut[l]
	DocumentCut []float64 // a document has it when its best sentence's probability ≥ DocumentCut[l]
}

// explicitID finds ATT&CK technique ids written out in text.
var explicitID = regexp.MustCompile(`\bT\d{4}(?:\.\d{3})?\b`)

// sentenceScore is what the model says about one sentence.
type sentenceScore struct {
	x     multilabel.Vector
	prob  []float64 // calibrated, per model technique
	exact []string  // ids written in the sentence
}

func (m *Model) score(text string, margins []float64) sentenceScore {
	s := sentenceScore{x: m.Vocab.Vector(text), prob: make([]float64, len(m.Techniques))}
	m.Linear.Margins(s.x, margins)
	for l, v := range margins {
		s.prob[l] = m.Platt[l].Prob(v)
	}
	if !mayHaveID(text) {
		return s
	}
	for _, id := range explicitID.FindAllString(text, -1) {
		if k := kg.TechniqueKey(id); k != "" && !slices.Contains(s.exact, k) {
			s.exact = append(s.exact, k)
		}
	}
	return s
}

// mayHaveID reports whether text has a 'T' followed by a digit, the start
// of every technique id: most sentences have none, and skip the regexp.
func mayHaveID(text string) bool {
	for i := strings.IndexByte(text, 'T'); i >= 0 && i+1 < len(text); {
		if c := text[i+1]; c >= '0' && c <= '9' {
			return true
		}
		j := strings.IndexByte(text[i+1:], 'T')
		if j < 0 {
			return false
		}
		i += 1 + j
	}
	return false
}
