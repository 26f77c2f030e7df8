package features

import (
	"encoding/binary"
	"math/bits"
	"strings"
)

// vocabTable is the vocabulary as tokens meet it: every word of a term,
// and every stop word, in one table keyed by the word's bytes. A token is
// looked up straight from the lower-cased text buffer it was found in:
// its first sixteen bytes, loaded eight at a time and zero-padded, are
// both its hash input and, with its length, its key. The table is a
// cuckoo hash (each word in one of two slots, both always read), so a
// lookup is two loads, a multiplication and two comparisons whose
// outcomes select the word without a branch; and the result is always a
// word — words[noWord] for a token that is none, words[dropWord] for a
// stop word or a token Tokenize drops for its length — so that counting a
// token needs no branch either. Featurising spent a third of its time in
// Go map lookups and the stop word check, most of the rest in branches
// mispredicted once per token.
type vocabTable struct {
	keys  []vocabKey // a power of two long, at most half full
	shift uint       // 64 - log2(len(keys))
	seed  uint64     // of the hash, changed when a build fails
	words []vocabWord
	all   []string // the words, by index ("" for noWord and dropWord)
}

// vocabKey is one slot of the table.
type vocabKey struct {
	k0, k1 uint64 // the word's bytes 0–7 and 8–15, little-endian, zero-padded
	n      uint32 // the word's length in bytes; 0 in an empty slot, which no token matches
	word   uint32 // index in words
}

// vocabWord is what the vocabulary knows of one word.
type vocabWord struct {
	// next has bit i%64 set for the index i of every word that follows
	// this one in a bigram term: a pair whose bit is clear is no term,
	// without a lookup.
	next uint64
	bit  uint64 // 1 << (index%64), for next; 0 for noWord and dropWord
	term int32  // the word's own term index, or the spare counter (Featurizer.spare)
	drop int32  // 1 for dropWord: not a token at all
}

// The two words every table starts with.
const (
	noWord   = 0 // a token that is no vocabulary word
	dropWord = 1 // a stop word, or a token shorter than 2 or longer than 64 bytes
)

// wordKey is the key of the n bytes of w from index s: its first sixteen
// bytes, zero-padded. w must hold 16 bytes from s on (the text buffers are
// padded so that every token of them does).
func wordKey(w []byte, s, n int) (k0, k1 uint64) {
	k0 = binary.LittleEndian.Uint64(w[s : s+8])
	k1 = binary.LittleEndian.Uint64(w[s+8 : s+16])
	// Shifts of 64 or more give 0 in Go: the masks keep min(n, 8) and
	// max(0, min(n-8, 8)) bytes.
	k0 &= ^uint64(0) >> (64 - 8*uint(min(n, 8)))
	k1 &= ^uint64(0) >> (64 - 8*uint(min(max(n-8, 0), 8)))
	return k0, k1
}

// slots are the two slots a key can be in: a wyhash-style 64×64→128-bit
// multiply folds the first 16 key bytes, the hash of the others (tail,
// 0 for words of at most 16 bytes) and the length, two more spread it.
func (v *vocabTable) slots(k0, k1, tail uint64, n int) (int, int) {
	hi, lo := bits.Mul64(k0^v.seed, k1^tail^0xe7037ed1a0b428db^uint64(n))
	x := hi ^ lo
	return int(x * 0x9E3779B97F4A7C15 >> v.shift), int(x * 0xD6E8FEB86659FD93 >> v.shift)
}

// tailHash hashes w[s:e] (w padded as for wordKey), the bytes of a long
// word after its sixteenth.
func (v *vocabTable) tailHash(w []byte, s, e int) uint64 {
	h := v.seed
	for i := s; i < e; i += 8 {
		x := binary.LittleEndian.Uint64(w[i:i+8]) & (^uint64(0) >> (64 - 8*uint(min(e-i, 8))))
		hi, lo := bits.Mul64(h^x, 0x9E3779B97F4A7C15)
		h = hi ^ lo
	}
	return h
}

// find returns the index in v.words of the token w[s:e] (w padded as for
// wordKey): a vocabulary word, noWord or dropWord.
func (v *vocabTable) find(w []byte, s, e int) uint32 {
	n := e - s
	if n > 16 {
		return v.findLong(w, s, e)
	}
	k0, k1 := wordKey(w, s, n)
	h1, h2 := v.slots(k0, k1, 0, n)
	a, b := &v.keys[h1], &v.keys[h2]
	word := uint32(noWord)
	if (a.k0^k0)|(a.k1^k1)|uint64(a.n^uint32(n)) == 0 {
		word = a.word
	}
	if (b.k0^k0)|(b.k1^k1)|uint64(b.n^uint32(n)) == 0 {
		word = b.word
	}
	if n < 2 {
		word = dropWord
	}
	return word
}

// findLong is find for tokens longer than 16 bytes (few).
func (v *vocabTable) findLong(w []byte, s, e int) uint32 {
	n := e - s
	if n > 64 {
		return dropWord
	}
	k0, k1 := wordKey(w, s, n)
	h1, h2 := v.slots(k0, k1, v.tailHash(w, s+16, e), n)
	for _, h := range [2]int{h1, h2} {
		if k := &v.keys[h]; k.k0 == k0 && k.k1 == k1 && int(k.n) == n && string(w[s+16:e]) == v.all[k.word][16:] {
			return k.word
		}
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

// keySlots are the slots of a key in the table.
func (v *vocabTable) keySlots(key vocabKey) (int, int) {
	var tail uint64
	if key.n > 16 {
		w := v.all[key.word]
		tail = v.tailHash(append([]byte(w), make([]byte, 16)...), 16, len(w))
	}
	return v.slots(key.k0, key.k1, tail, int(key.n))
}

// placeAll tries to place every word in a table of size slots.
func (v *vocabTable) placeAll(size int) bool {
	v.keys = make([]vocabKey, size)
	v.shift = uint(64 - bits.TrailingZeros(uint(size)))
	for i := 2; i < len(v.all); i++ {
		w := v.all[i]
		if w == "" {
			continue // a term "": no token is empty
		}
		k0, k1 := wordKey(append([]byte(w), make([]byte, 16)...), 0, len(w))
		if !v.place(vocabKey{k0, k1, uint32(len(w)), uint32(i)}) {
			return false
		}
	}
	return true
}

// place puts key in one of its slots, moving the keys in the way to their
// other slots (cuckoo insertion); false when that goes on too long.
func (v *vocabTable) place(key vocabKey) bool {
	h, _ := v.keySlots(key)
	for range 128 {
		key, v.keys[h] = v.keys[h], key
		if key.n == 0 {
			return true
		}
		h1, h2 := v.keySlots(key)
		if h == h1 {
			h = h2
		} else {
			h = h1
		}
	}
	return false
}

// pairTable maps a bigram term's pair of word ids to its term index
// (open addressing, linear probing, at most half full).
type pairTable struct {
	slots []pairSlot
	shift uint
	count int
}

type pairSlot struct {
	key  uint64 // pairKey; 0 marks an empty slot
	term int32
}

// pairKey is never 0: the first id is stored plus one.
func pairKey(first, second int32) uint64 { return uint64(first+1)<<32 | uint64(uint32(second)) }

func (p *pairTable) slot(key uint64) int { return int(key * 0x9E3779B97F4A7C15 >> p.shift) }

// find returns the term of the pair, or -1.
func (p *pairTable) find(first, second int32) int32 {
	if len(p.slots) == 0 {
		return -1
	}
	key := pairKey(first, second)
	mask := len(p.slots) - 1
	for h := p.slot(key); ; h = (h + 1) & mask {
		sl := &p.slots[h]
		if sl.key == key {
			return sl.term
		}
		if sl.key == 0 {
			return -1
		}
	}
}

// set maps the pair to term, replacing an earlier term.
func (p *pairTable) set(first, second, term int32) {
	if 2*(p.count+1) > len(p.slots) {
		old := p.slots
		size := max(64, 2*len(old))
		p.slots = make([]pairSlot, size)
		p.shift = uint(64 - bits.TrailingZeros(uint(size)))
		p.count = 0
		for _, sl := range old {
			if sl.key != 0 {
				p.put(sl.key, sl.term)
			}
		}
	}
	p.put(pairKey(first, second), term)
}

func (p *pairTable) put(key uint64, term int32) {
	mask := len(p.slots) - 1
	h := p.slot(key)
	for p.slots[h].key != 0 && p.slots[h].key != key {
		h = (h + 1) & mask
	}
	if p.slots[h].key == 0 {
		p.count++
	}
	p.slots[h] = pairSlot{key, term}
}

// newVocabulary splits terms into words and bigrams as tokens meet them.
// A term is a word (no space) or two words joined by one space; anything
// else can never equal a token or a pair of tokens, which have no spaces
// and are never empty, and is left out. A repeated term keeps its last
// index, as a map of the terms does. The stop words are words too, marked
// to be dropped: they are never tokens, so a term that is one never
// matches. Words that are not terms themselves count into term spare.
func newVocabulary(terms []string, spare int32) (*vocabTable, *pairTable) {
	v := &vocabTable{
		words: []vocabWord{noWord: {term: spare}, dropWord: {term: spare, drop: 1}},
		all:   []string{noWord: "", dropWord: ""},
	}
	index := map[string]uint32{}
	word := func(w string) *vocabWord {
		i, ok := index[w]
		if !ok {
			i = uint32(len(v.words))
			index[w] = i
			v.words = append(v.words, vocabWord{bit: 1 << (i % 64), term: spare})
			v.all = append(v.all, w)
		}
		return &v.words[i]
	}
	for _, w := range stopWords {
		*word(w) = vocabWord{term: spare, drop: 1}
	}
	pairs := &pairTable{}
	for i, t := range terms {
		a, b, pair := strings.Cut(t, " ")
		switch {
		case !pair:
			if w := word(t); w.drop == 0 {
				w.term = int32(i)
			}
		case a != "" && b != "" && !strings.Contains(b, " "):
			word(a)
			word(b)
			ia, ib := index[a], index[b]
			if v.words[ia].drop == 0 && v.words[ib].drop == 0 {
				v.words[ia].next |= v.words[ib].bit
				pairs.set(int32(ia), int32(ib), int32(i))
			}
		}
	}
	v.build()
	return v, pairs
}
