package features

import (
	"encoding/binary"
	"math/bits"
	"unicode"
	"unicode/utf8"
)

// asciiScan tokenises ASCII text the way Tokenize does, from bitmaps of
// its bytes instead of byte by byte: one pass lower-cases the text eight
// bytes at a time and marks which bytes are word characters, connectors
// ('.', '-', '/') and colons; the bytes in tokens are then, sixty-four at
// a time, the word characters and the connectors with the right
// neighbours, and tokens are the runs of them, found with a trailing-zero
// count per token end. Featurising did a loop iteration and a branch no
// predictor learns per byte; this does a few dozen instructions per 64
// bytes and per token. Text that is not all ASCII (lowerClassifyUnicode)
// marks its other letters and digits as word bytes, and is scanned alike.
type asciiScan struct {
	// Bit i%64 of word[i/64] is set when byte i of the lower-cased text is
	// a word character (asciiWord, or part of a letter or digit of more
	// than one byte); conn for '.', '-' and '/', colon for ':'. Each has a
	// zero word after the text's (and maybe more, from longer texts).
	word, conn, colon []uint64
	blocks            int    // the text's 64-byte blocks (the last may be partial)
	q                 int    // the next block to scan
	prev              uint64 // the token bits of block q-1
	open              int    // where the token running into block q starts
}

// lowerClassify lower-cases text (as strings.ToLower does ASCII) into buf,
// followed by lowerPad zero bytes, and fills the bitmaps of sc for it;
// false when text is not all ASCII, and then buf and the bitmaps are not
// meaningful. It returns buf, grown as needed.
func (sc *asciiScan) lowerClassify(buf []byte, text string) ([]byte, bool) {
	buf = append(append(buf[:0], text...), make([]byte, lowerPad)...)
	sc.reset(len(text))
	var high uint64
	for q := 0; q < sc.blocks; q++ {
		// The last block reads (and writes back) the zero padding
		// (lowerPad ≥ 64), which is neither word nor connector.
		b := (*[64]byte)(buf[q*64:])
		var w, d, c uint64
		for r := 0; r < 64; r += 8 {
			// lowerClass, written out: the compiler does not inline it.
			x := binary.LittleEndian.Uint64(b[r : r+8])
			high |= x
			upper := (x + lsbs*(0x80-'A')) &^ (x + lsbs*(0x7f-'Z'))
			lo := x | upper&msbs>>2
			binary.LittleEndian.PutUint64(b[r:r+8], lo)
			letters := (lo + lsbs*(0x80-'a')) &^ (lo + lsbs*(0x7f-'z'))
			digits := (lo + lsbs*(0x80-'0')) &^ (lo + lsbs*(0x7f-'9'))
			under := ^((lo ^ lsbs*'_') + lsbs*0x7f)
			word := (letters | digits | under) & msbs
			conn := (lo + lsbs*(0x80-'-')) &^ (lo + lsbs*(0x7f-'/')) & msbs
			colon := ^((lo ^ lsbs*':') + lsbs*0x7f) & msbs
			w |= movemask(word) << r
			d |= movemask(conn) << r
			c |= movemask(colon) << r
		}
		sc.word[q], sc.conn[q], sc.colon[q] = w, d, c
	}
	sc.word[sc.blocks], sc.conn[sc.blocks], sc.colon[sc.blocks] = 0, 0, 0
	return buf, high&msbs == 0
}

// reset readies sc for a text of n bytes.
func (sc *asciiScan) reset(n int) {
	sc.blocks = (n + 63) / 64
	if len(sc.word) < sc.blocks+1 {
		// Grown only when too short: storing the slices every time
		// would cost write barriers while the GC runs.
		size := 2 * (sc.blocks + 1)
		sc.word, sc.conn, sc.colon = make([]uint64, size), make([]uint64, size), make([]uint64, size)
	}
	sc.q, sc.prev, sc.open = 0, 0, 0
}

// lowerClassifyUnicode is lowerClassify for text that is not all ASCII
// (the bitmaps' bits are the bytes of the lower-cased text, the token
// spans index it): it lower-cases text as strings.ToLower does into buf,
// followed by lowerPad zero bytes, classifies the ASCII bytes as
// lowerClassify does, then marks every byte of each letter or digit
// among the other characters as a word character. Connectors are ASCII,
// so a connector between two such characters joins them as Tokenize
// does. It returns buf, grown as needed.
func (sc *asciiScan) lowerClassifyUnicode(buf []byte, text string) []byte {
	buf = append(lowerInto(buf[:0], text), make([]byte, lowerPad)...)
	n := len(buf) - lowerPad
	sc.reset(n)
	// Characters are marked as they are decoded, and may run into the
	// next block: the bitmaps start clear.
	clear(sc.word[:sc.blocks+1])
	next := 0 // the first byte not yet decoded
	for q := 0; q < sc.blocks; q++ {
		b := (*[64]byte)(buf[q*64:])
		var d, c uint64
		for r := 0; r < 64; r += 8 {
			x := binary.LittleEndian.Uint64(b[r : r+8])
			word, conn, colon := classifyBytes(x)
			sc.word[q] |= movemask(word) << r
			d |= movemask(conn) << r
			c |= movemask(colon) << r
			// Characters of two bytes or more are decoded from their
			// first byte, which may be in an earlier chunk.
			for i := max(q*64+r, next); x&msbs != 0 && i < q*64+r+8 && i < n; {
				if buf[i] < utf8.RuneSelf {
					i++
					continue
				}
				ch, size := utf8.DecodeRune(buf[i:n])
				if isWord(ch) {
					for j := i; j < i+size; j++ {
						sc.word[j/64] |= 1 << (j % 64)
					}
				}
				i += size
				next = i
			}
		}
		sc.conn[q], sc.colon[q] = d, c
	}
	sc.conn[sc.blocks], sc.colon[sc.blocks] = 0, 0
	return buf
}

// classifyBytes is lowerClass's classification of eight lower-cased bytes,
// with bytes of 0x80 and above (parts of longer characters) marked as
// nothing and not disturbing the others.
func classifyBytes(x uint64) (word, conn, colon uint64) {
	low7 := x &^ msbs
	letters := (low7 + lsbs*(0x80-'a')) &^ (low7 + lsbs*(0x7f-'z'))
	digits := (low7 + lsbs*(0x80-'0')) &^ (low7 + lsbs*(0x7f-'9'))
	under := ^((low7 ^ lsbs*'_') + lsbs*0x7f)
	word = (letters | digits | under) &^ x & msbs
	conn = (low7 + lsbs*(0x80-'-')) &^ (low7 + lsbs*(0x7f-'/')) &^ x & msbs
	colon = ^((low7 ^ lsbs*':') + lsbs*0x7f) &^ x & msbs
	return word, conn, colon
}

// lowerInto appends strings.ToLower(s) to buf without building a string:
// the ASCII bytes through a table, other characters through
// unicode.ToLower, and, as strings.ToLower (strings.Map) does, a byte that
// starts no valid UTF-8 sequence as U+FFFD.
func lowerInto(buf []byte, s string) []byte {
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			buf = append(buf, c+lowerShift[c])
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		buf = utf8.AppendRune(buf, unicode.ToLower(r)) // RuneError for an invalid byte
		i += size
	}
	return buf
}

// lowerClass lower-cases eight ASCII bytes and marks, with the high bit
// of each byte, the word characters (asciiWord), the connectors '-', '.'
// and '/' (0x2d–0x2f) and the colons among them. For bytes of 0x80 and
// above the results are garbage (lowerClassify's callers fall back on
// such text). A 7-bit byte b is in lo–hi when b+0x80-lo has its high bit
// set and b+0x7f-hi does not, and neither sum carries into the next byte.
// lowerClassify has a copy; this one is tested.
func lowerClass(x uint64) (lo, word, conn, colon uint64) {
	upper := (x + lsbs*(0x80-'A')) &^ (x + lsbs*(0x7f-'Z'))
	lo = x | upper&msbs>>2
	letters := (lo + lsbs*(0x80-'a')) &^ (lo + lsbs*(0x7f-'z'))
	digits := (lo + lsbs*(0x80-'0')) &^ (lo + lsbs*(0x7f-'9'))
	under := ^((lo ^ lsbs*'_') + lsbs*0x7f) // high bit set where the byte is '_'
	word = (letters | digits | under) & msbs
	conn = (lo + lsbs*(0x80-'-')) &^ (lo + lsbs*(0x7f-'/')) & msbs
	colon = ^((lo ^ lsbs*':') + lsbs*0x7f) & msbs
	return lo, word, conn, colon
}

// movemask packs the high bits of the eight bytes of m (the others clear)
// into eight bits, byte i's as bit i: the multiplication moves each to the
// top byte without carries.
func movemask(m uint64) uint64 { return (m >> 7) * 0x0102040810204080 >> 56 }

// tokenBits are the bits of block q's bytes that belong to tokens: word
// characters, '.', '-' and '/' between two word characters, and "::"
// between two word characters.
func (sc *asciiScan) tokenBits(q int) uint64 {
	w, d, c := sc.word[q], sc.conn[q], sc.colon[q]
	wn, cn := sc.word[q+1], sc.colon[q+1]
	var wp, cp uint64
	if q > 0 {
		wp, cp = sc.word[q-1], sc.colon[q-1]
	}
	// wordBefore has bit i set when byte i-1 is a word character, and so on.
	wordBefore, wordBefore2 := w<<1|wp>>63, w<<2|wp>>62
	wordAfter, wordAfter2 := w>>1|wn<<63, w>>2|wn<<62
	colonBefore, colonAfter := c<<1|cp>>63, c>>1|cn<<63
	return w | d&wordBefore&wordAfter |
		c&wordBefore&colonAfter&wordAfter2 | // the first of "::"
		c&colonBefore&wordBefore2&wordAfter // the second
}

// next appends to toks, up to its capacity (at least 34), the spans of the
// next word runs of the text, and returns them; none when the text is done.
// It scans whole blocks: one ends at most 33 runs (32 of its own and one
// from before), and the text's end one more.
func (sc *asciiScan) next(toks []span) []span {
	k := len(toks)
	toks = toks[:cap(toks)]
	open := sc.open
	for sc.q < sc.blocks && k+34 <= len(toks) {
		t := sc.tokenBits(sc.q)
		base := sc.q * 64
		carried := sc.prev >> 63 // a token runs into this block
		starts := t &^ (t<<1 | carried)
		// Runs ending inside the block; a run through its last byte ends
		// (or not) in the next block.
		ends := t &^ (t >> 1) &^ (1 << 63)
		if carried != 0 {
			if t&1 == 0 {
				toks[k] = span{open, base}
				k++
			} else if ends != 0 {
				toks[k] = span{open, base + bits.TrailingZeros64(ends) + 1}
				k++
				ends &= ends - 1
			}
		}
		for starts != 0 {
			s := base + bits.TrailingZeros64(starts)
			starts &= starts - 1
			if ends == 0 {
				open = s // runs on into the next block
				break
			}
			toks[k] = span{s, base + bits.TrailingZeros64(ends) + 1}
			k++
			ends &= ends - 1
		}
		sc.prev = t
		sc.q++
	}
	if sc.q == sc.blocks && sc.prev>>63 != 0 {
		// The text ends with a token at a block's end.
		toks[k] = span{open, sc.blocks * 64}
		k++
		sc.prev = 0
	}
	sc.open = open
	return toks[:k]
}
