package features

import (
	"encoding/binary"
	"maps"
	"math/bits"
	"slices"
	"strings"
)

// vocabTable is the vocabulary as tokens meet it: every word of a term,
// and every stop word, in one table keyed by the word's bytes. A token is
// looked up straight from the lower-cased text buffer it was found in:
// its first sixteen bytes, loaded eight at a time and zero-padded, are
// both its hash input and its key (tokens hold no zero bytes, so the
// padding tells a word from its prefixes). The table is a cuckoo hash:
// each word is in one of two slots, both always read, so a lookup is four
// loads, a multiplication and two comparisons whose outcomes select the
// word without a branch. The result is always a word — words[noWord] for
// a token that is none, words[dropWord] for a token Tokenize drops for its
// length — so that counting a token needs no branch either. Featurising
// spent a third of its time in Go map lookups and the stop word check.
//
// Words longer than 16 bytes (few) are in a map, looked up by findLong.
type vocabTable struct {
	keys  []vocabKey // a power of two long, at most half full
	shift uint       // 64 - log2(len(keys))
	seed  uint64     // of the hash, changed when a build fails
	words []vocabWord
	all   []string          // the words, by index ("" for noWord and dropWord)
	long  map[string]uint32 // the words longer than 16 bytes → index
}

// vocabKey is one slot of the table: a word's first 16 bytes,
// little-endian and zero-padded, and the word's index. An empty slot has
// {0, 0, noWord}: no token, never empty, matches it.
type vocabKey struct {
	k0, k1 uint64
	word   uint32
}

// vocabWord is what the vocabulary knows of one word.
type vocabWord struct {
	// next has bit i%64 set for the index i of every word that follows
	// this one in a bigram term: a pair whose bit is clear is no term,
	// without a lookup.
	next uint64
	bit  uint64 // 1 << (index%64), for next; 0 for words that are no token
	term uint32 // the word's own term index, or the spare counter
	// tok has tokToken for a token (0 for a stop word and dropWord, which
	// Tokenize drops), and tokStated for a word of statedTriggers.
	tok uint32
}

// The bits of vocabWord.tok.
const (
	tokToken  = 1
	tokStated = 2
)

// The two words every table starts with.
const (
	noWord   = 0 // a token that is no vocabulary word
	dropWord = 1 // a token shorter than 2 or longer than 64 bytes
)

// keyMasks[n] keep the first n bytes of a 16-byte key, n ≤ 16.
var keyMasks = func() (m [17][2]uint64) {
	for n := range m {
		for i := range n {
			m[n][i/8] |= 0xff << (8 * (i % 8))
		}
	}
	return m
}()

// slots are the two slots of the table a key can be in: a wyhash-style
// 64×64→128-bit multiply folds the 16 key bytes; its top bits index one
// slot, the bits vocabH2Shift below them the other.
func (v *vocabTable) slots(k vocabKey) (int, int) {
	hi, lo := bits.Mul64(k.k0^v.seed, k.k1^vocabHashK1)
	x := hi ^ lo
	return int(x >> (v.shift & 63)), int(x << vocabH2Shift >> (v.shift & 63))
}

// vocabH2Shift separates the bits of a key's hash that index its two
// slots; tables have at most 2^32 slots.
const vocabH2Shift = 32

// vocabHashK1 is mixed into a key's second half before hashing.
const vocabHashK1 = 0xe7037ed1a0b428db

// find returns the index in v.words of the token w[s:e], which must be
// followed by at least 16 bytes in w (the text buffers are padded so):
// a vocabulary word, noWord or dropWord. Featurizer.count has a copy.
func (v *vocabTable) find(w []byte, s, e int) uint32 {
	n := e - s
	if uint(n) > 16 {
		return v.findLong(w[s:e])
	}
	b := w[s : s+16]
	m := &keyMasks[n]
	k := vocabKey{k0: binary.LittleEndian.Uint64(b[:8]) & m[0], k1: binary.LittleEndian.Uint64(b[8:]) & m[1]}
	h1, h2 := v.slots(k)
	word := uint32(noWord)
	if a := v.keys[h1]; a.k0 == k.k0 && a.k1 == k.k1 {
		word = a.word
	}
	if b := v.keys[h2]; b.k0 == k.k0 && b.k1 == k.k1 {
		word = b.word
	}
	if n < 2 {
		word = dropWord
	}
	return word
}

// findLong is find for tokens longer than 16 bytes.
func (v *vocabTable) findLong(tok []byte) uint32 {
	if len(tok) > 64 {
		return dropWord
	}
	if i, ok := v.long[string(tok)]; ok {
		return i
	}
	return noWord
}

// lookup is find for a string (tests).
func (v *vocabTable) lookup(word string) uint32 {
	return v.find(append([]byte(word), make([]byte, 16)...), 0, len(word))
}

// build makes the table of the words from index 2 on (noWord and dropWord
// are not looked up by their bytes), with another seed and, every other
// time, twice the slots until every word finds a slot.
func (v *vocabTable) build() {
	v.long = map[string]uint32{}
	size := 64
	for size < 2*len(v.all) {
		size *= 2
	}
	v.seed = 0xa0761d6478bd642f
	for attempt := 1; !v.placeAll(size); attempt++ {
		v.seed = v.seed*0x5851F42D4C957F2D + 0x14057B7EF767814F
		if attempt%2 == 0 {
			size *= 2
		}
	}
}

// placeAll tries to place every word in a table of size slots.
func (v *vocabTable) placeAll(size int) bool {
	v.keys = make([]vocabKey, size)
	v.shift = uint(64 - bits.TrailingZeros(uint(size)))
	for i := 2; i < len(v.all); i++ {
		switch w := v.all[i]; {
		case w == "" || strings.IndexByte(w, 0) >= 0:
			// No token is empty or holds a zero byte.
		case len(w) > 16:
			v.long[w] = uint32(i)
		default:
			padded := append([]byte(w), make([]byte, 16)...)
			k := vocabKey{binary.LittleEndian.Uint64(padded), binary.LittleEndian.Uint64(padded[8:]), uint32(i)}
			if !v.place(k) {
				return false
			}
		}
	}
	return true
}

// place puts key in one of its slots, moving the keys in the way to their
// other slots (cuckoo insertion); false when that goes on too long.
func (v *vocabTable) place(key vocabKey) bool {
	h, _ := v.slots(key)
	for range 128 {
		key, v.keys[h] = v.keys[h], key
		if key == (vocabKey{}) {
			return true
		}
		h1, h2 := v.slots(key)
		if h == h1 {
			h = h2
		} else {
			h = h1
		}
	}
	return false
}

// pairTable maps a bigram term's pair of word indices to its term index
// (open addressing, linear probing, at most half full). A slot is eight
// bytes, the pair packed into 32 bits, so the table is small enough to
// stay in the caches next to scoring's other stages (it missed them
// often with 16-byte slots); a vocabulary of more than 65535 words (none
// so far) keeps its pairs in a map instead.
type pairTable struct {
	slots []pairSlot
	shift uint
	count int
	wide  map[uint64]int32 // first << 32 | second → term, for large vocabularies
}

type pairSlot struct {
	key  uint32 // first << 16 | second; 0 (a pair of noWord) marks an empty slot
	term int32
}

func (p *pairTable) slot(key uint32) int { return int(uint64(key) * 0x9E3779B97F4A7C15 >> p.shift) }

// find returns the term of the pair, or -1.
func (p *pairTable) find(first, second int32) int32 {
	if p.wide != nil {
		if t, ok := p.wide[uint64(first)<<32|uint64(second)]; ok {
			return t
		}
		return -1
	}
	if len(p.slots) == 0 {
		return -1
	}
	key := uint32(first)<<16 | uint32(second)
	mask := len(p.slots) - 1
	for h := p.slot(key); ; h = (h + 1) & mask {
		sl := &p.slots[h]
		if sl.key == 0 {
			return -1
		}
		if sl.key == key {
			return sl.term
		}
	}
}

// newPairTable lays out the pairs (first << 32 | second → term) of a
// vocabulary of words words.
func newPairTable(pairs map[uint64]int32, words int) *pairTable {
	p := &pairTable{}
	if words > 1<<16 {
		p.wide = pairs
		return p
	}
	size := 64
	for size < 2*len(pairs) {
		size *= 2
	}
	p.slots = make([]pairSlot, size)
	p.shift = uint(64 - bits.TrailingZeros(uint(size)))
	mask := size - 1
	for _, k := range slices.Sorted(maps.Keys(pairs)) { // the same layout every time
		key, term := uint32(k>>32)<<16|uint32(k), pairs[k]
		h := p.slot(key)
		for p.slots[h].key != 0 {
			h = (h + 1) & mask
		}
		p.slots[h] = pairSlot{key, term}
		p.count++
	}
	return p
}

// newVocabulary splits terms into words and bigrams as tokens meet them.
// A term is a word (no space) or two words joined by one space; anything
// else can never equal a token or a pair of tokens, which have no spaces
// and are never empty, and is left out. A repeated term keeps its last
// index, as a map of the terms does. The stop words are words too, marked
// to be dropped: they are never tokens, so a term that is one never
// matches. Words that are not terms themselves count into term spare.
func newVocabulary(terms []string, spare uint32) (*vocabTable, *pairTable) {
	v := &vocabTable{
		words: []vocabWord{noWord: {term: spare, tok: 1}, dropWord: {term: spare}},
		all:   []string{noWord: "", dropWord: ""},
	}
	index := map[string]uint32{}
	word := func(w string) *vocabWord {
		i, ok := index[w]
		if !ok {
			i = uint32(len(v.words))
			index[w] = i
			v.words = append(v.words, vocabWord{bit: 1 << (i % 64), term: spare, tok: 1})
			v.all = append(v.all, w)
		}
		return &v.words[i]
	}
	for _, w := range stopWords {
		*word(w) = vocabWord{term: spare}
	}
	for _, w := range statedTriggers {
		word(w).tok |= tokStated
	}
	pairs := map[uint64]int32{} // first << 32 | second → term; a repeated pair keeps its last term
	for i, t := range terms {
		a, b, pair := strings.Cut(t, " ")
		switch {
		case !pair:
			if w := word(t); w.tok&tokToken != 0 {
				w.term = uint32(i)
			}
		case a != "" && b != "" && !strings.Contains(b, " "):
			word(a)
			word(b)
			ia, ib := index[a], index[b]
			if v.words[ia].tok&tokToken != 0 && v.words[ib].tok&tokToken != 0 {
				v.words[ia].next |= v.words[ib].bit
				pairs[uint64(ia)<<32|uint64(ib)] = int32(i)
			}
		}
	}
	v.build()
	return v, newPairTable(pairs, len(v.words))
}
