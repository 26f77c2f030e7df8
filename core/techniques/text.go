package techniques

import (
	"math"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/cyberstreams/cyberstreams/core/features"
	"github.com/cyberstreams/cyberstreams/ml/multilabel"
)

// Span is a sentence's place in its text: text[Start:End] (bytes).
type Span struct{ Start, End int }

// Sentences splits text the way the TRAM sentences were split: at line
// breaks, and after '.', '!' or '?' followed by white space and a capital
// letter. Spans are trimmed of surrounding white space; empty ones are
// dropped.
func Sentences(text string) []Span {
	var out []Span
	start := 0
	emit := func(end int) {
		s, e := start, end
		for s < e && isSpace(text[s]) {
			s++
		}
		for e > s && isSpace(text[e-1]) {
			e--
		}
		if e > s {
			out = append(out, Span{s, e})
		}
	}
	for i := 0; i < len(text); i++ {
		switch text[i] {
		case '\n':
			emit(i)
			start = i + 1
		case '.', '!', '?':
			j := i + 1
			for j < len(text) && (text[j] == ' ' || text[j] == '\t') {
				j++
			}
			if j == i+1 || j >= len(text) {
				continue
			}
			if r, _ := utf8.DecodeRuneInString(text[j:]); unicode.IsUpper(r) {
				emit(i + 1)
				start = j
				i = j - 1
			}
		}
	}
	emit(len(text))
	return out
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'
}

// termHash hashes a token (FNV-1a, 64 bits); bigramHash combines two.
func termHash(tok string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(tok); i++ {
		h ^= uint64(tok[i])
		h *= 1099511628211
	}
	return h
}

func bigramHash(a, b uint64) uint64 { return (a*0x9E3779B97F4A7C15 ^ b) * 0xBF58476D1CE4E5B9 }

// Vocabulary maps words and word pairs (after stop words are dropped, as
// the severity featuriser does) to feature indices, with their inverse
// document frequencies. Rows are sublinear TF × IDF, L2-normalised.
type Vocabulary struct {
	Terms []string  // feature index → "word" or "word word"
	IDF   []float32 // feature index → idf
	index map[uint64]int32
}

func (v *Vocabulary) build() {
	v.index = make(map[uint64]int32, len(v.Terms))
	for i, t := range v.Terms {
		v.index[hashTerm(t)] = int32(i)
	}
}

func hashTerm(t string) uint64 {
	if a, b, ok := strings.Cut(t, " "); ok {
		return bigramHash(termHash(a), termHash(b))
	}
	return termHash(t)
}

// eachTerm calls emit with the hash of every word (prev "") and adjacent
// word pair (prev the pair's first word) of text, lower-cased first.
func eachTerm(text string, emit func(h uint64, tok, prev string)) {
	var prevHash uint64
	prev := ""
	features.Tokenize(lower(text), func(tok string) {
		h := termHash(tok)
		emit(h, tok, "")
		if prev != "" {
			emit(bigramHash(prevHash, h), tok, prev)
		}
		prev, prevHash = tok, h
	})
}

// lower lower-cases text, without allocating when it is already lower case.
func lower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf || 'A' <= c && c <= 'Z' {
			return strings.ToLower(s)
		}
	}
	return s
}

// FitVocabulary keeps the terms found in at least minDF of texts.
func FitVocabulary(texts []string, minDF int) *Vocabulary {
	type entry struct {
		term string
		df   int
		last int
	}
	seen := map[uint64]*entry{}
	for i, t := range texts {
		eachTerm(t, func(h uint64, tok, prev string) {
			e := seen[h]
			if e == nil {
				term := tok
				if prev != "" {
					term = prev + " " + tok
				}
				e = &entry{term: term, last: -1}
				seen[h] = e
			}
			if e.last != i {
				e.df++
				e.last = i
			}
		})
	}
	var kept []*entry
	for _, e := range seen {
		if e.df >= minDF {
			kept = append(kept, e)
		}
	}
	slices.SortFunc(kept, func(a, b *entry) int { return strings.Compare(a.term, b.term) })
	v := &Vocabulary{Terms: make([]string, len(kept)), IDF: make([]float32, len(kept))}
	n := float64(len(texts))
	for i, e := range kept {
		v.Terms[i] = e.term
		v.IDF[i] = float32(math.Log((1+n)/(1+float64(e.df))) + 1)
	}
	v.build()
	return v
}

// Vector featurises one text.
func (v *Vocabulary) Vector(text string) multilabel.Vector {
	x, _ := v.vector(text)
	return x
}

// vector featurises one text and counts its words (stop words aside).
func (v *Vocabulary) vector(text string) (multilabel.Vector, int) {
	var idx []int32
	words := 0
	eachTerm(text, func(h uint64, _, prev string) {
		if prev == "" {
			words++
		}
		if f, ok := v.index[h]; ok {
			idx = append(idx, f)
		}
	})
	slices.Sort(idx)
	var x multilabel.Vector
	norm := 0.0
	for i := 0; i < len(idx); {
		j := i + 1
		for j < len(idx) && idx[j] == idx[i] {
			j++
		}
		val := (1 + math.Log(float64(j-i))) * float64(v.IDF[idx[i]])
		x.Idx = append(x.Idx, idx[i])
		x.Val = append(x.Val, float32(val))
		norm += val * val
		i = j
	}
	if norm > 0 {
		inv := 1 / math.Sqrt(norm)
		for i := range x.Val {
			x.Val[i] = float32(float64(x.Val[i]) * inv)
		}
	}
	return x, words
}
