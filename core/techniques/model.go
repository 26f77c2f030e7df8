package techniques

import (
	"math"
	"regexp"
	"slices"
	"strings"

	"github.com/cyberstreams/cyberstreams/kg"
	"github.com/cyberstreams/cyberstreams/ml/calibrate"
	"github.com/cyberstreams/cyberstreams/ml/multilabel"
)

// Model tags ATT&CK techniques in text: a one-vs-rest linear model over
// words and word pairs, calibrated per technique, with a sentence and a
// document threshold per technique.
//
// A sentence's probability of technique l is σ(SentenceStack · [Platt
// log-odds of its margin, log(1 + its words)]): the length term, because
// a long sentence's L2-normalised TF-IDF row dilutes its margin. A
// document's probability is σ(DocumentStack · [its best sentence's
// log-odds, its second best's, Prior[l]]): a technique that two sentences
// show, or that many reports have, is more likely the document's than one
// sentence alone says. Models without the stacks (format 1) use the
// Platt probability and the best sentence's.
type Model struct {
	Techniques    []string          // ATT&CK ids, the model's label order
	Names         map[string]string // ATT&CK id → technique name, for every technique known
	Vocab         *Vocabulary
	Linear        *multilabel.Linear
	Platt         []multilabel.Platt
	SentenceStack multilabel.Logistic
	DocumentStack multilabel.Logistic
	Prior         []float64 // log-odds that a training report has technique l
	SentenceCut   []float64 // a sentence has technique l when its probability ≥ SentenceCut[l]
	DocumentCut   []float64 // a document has it when its probability ≥ DocumentCut[l]
}

// explicitID finds ATT&CK technique ids written out in text.
var explicitID = regexp.MustCompile(`\bT\d{4}(?:\.\d{3})?\b`)

// sentenceScore is what the model says about one sentence.
type sentenceScore struct {
	x     multilabel.Vector
	logit []float64 // calibrated log-odds, per model technique
	prob  []float64 // calibrated probability, per model technique
	exact []string  // ids written in the sentence
}

func (m *Model) score(text string, margins []float64) sentenceScore {
	x, words := m.Vocab.vector(text)
	s := sentenceScore{x: x, logit: make([]float64, len(m.Techniques)), prob: make([]float64, len(m.Techniques))}
	m.Linear.Margins(s.x, margins)
	lw := lengthInput(words)
	for l, v := range margins {
		z := m.sentenceLogit(l, v, lw)
		s.logit[l], s.prob[l] = z, calibrate.Sigmoid(z)
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

// lengthInput is the sentence-length input of the sentence stack.
func lengthInput(words int) float64 { return math.Log1p(float64(words)) }

// sentenceLogit is the calibrated log-odds of technique l for a sentence
// with margin v and length input lw.
func (m *Model) sentenceLogit(l int, v, lw float64) float64 {
	z := -(m.Platt[l].A*v + m.Platt[l].B)
	if len(m.SentenceStack.W) == 0 {
		return z
	}
	in := [2]float64{z, lw}
	return m.SentenceStack.Logit(in[:])
}

// logOddsBound bounds the log-odds a document's probability reads, and
// stands for the second best sentence of a one-sentence document.
const logOddsBound = 14

// secondFloor is the least second-best log-odds the document stack reads:
// a second sentence that hardly shows the technique (p < 0.02) says as
// little as none. Without it the stack, fitted on reports of a couple of
// hundred sentences, read a short text's lack of a second sentence as
// evidence against the first: one sentence alone needed log-odds 8 to tag
// a one-sentence document; with it, about 0, as the sentence threshold.
// Document micro-F1 on the 5 report-level folds' out-of-fold margins is
// the same (0.692 against 0.690 with the second sentence read down to -14).
const secondFloor = -4

// documentInput is the document stack's input for technique l.
func (m *Model) documentInput(l int, best, second float64) [3]float64 {
	return [3]float64{max(-logOddsBound, min(logOddsBound, best)), max(secondFloor, min(logOddsBound, second)), m.Prior[l]}
}

// documentProb is the probability that a document has technique l when
// its best two sentences' log-odds for it are best and second.
func (m *Model) documentProb(l int, best, second float64) float64 {
	if len(m.DocumentStack.W) == 0 {
		return calibrate.Sigmoid(best)
	}
	in := m.documentInput(l, best, second)
	return m.DocumentStack.Prob(in[:])
}

// topTwo keeps, per technique, a document's best two sentence log-odds and
// where the best is.
type topTwo struct {
	best, second []float64
	bestAt       []int
}

func newTopTwo(k int) topTwo {
	t := topTwo{best: make([]float64, k), second: make([]float64, k), bestAt: make([]int, k)}
	for l := range k {
		t.best[l], t.second[l], t.bestAt[l] = -logOddsBound, -logOddsBound, -1
	}
	return t
}

func (t topTwo) add(i int, logit []float64) {
	for l, z := range logit {
		switch {
		case z > t.best[l]:
			t.second[l] = t.best[l]
			t.best[l], t.bestAt[l] = z, i
		case z > t.second[l]:
			t.second[l] = z
		}
	}
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
