package ingest

import (
	"encoding/binary"
	"math/bits"
	"unsafe"
)

// Eight bytes at a time: the scans for the end of a JSON string and for
// the end of already-folded text skip whole words of plain ASCII with a
// few arithmetic operations instead of a table lookup per byte (SWAR, "SIMD
// within a register": Hacker's Delight, 2nd ed., section 6-1, and Sean
// Anderson's Bit Twiddling Hacks, "Determine if a word has a byte less than
// n"). The tests may report a plain chunk as not plain (a borrow out of a
// flagged byte can flag the next), never the other way round, so callers
// fall back to their byte-at-a-time scan, which decides exactly.

const (
	lsbs = 0x0101010101010101 // the low bit of every byte
	msbs = 0x8080808080808080 // the high bit of every byte
)

// load64 is b[j:j+8] as a little-endian word, and load64s the same of a
// string: one load each, where the one generic function they replace,
// instantiated for a shape, was compiled to eight byte loads and shifts.
func load64(b []byte, j int) uint64 { return binary.LittleEndian.Uint64(b[j : j+8]) }

func load64s(s string, j int) uint64 {
	return binary.LittleEndian.Uint64(unsafe.Slice(unsafe.StringData(s[j:j+8]), 8)) // only read
}

// below flags (in the byte's high bit) the bytes of x below n, n <= 0x80,
// and the bytes of x at or above 0x80.
func below(x uint64, n byte) uint64 { return (x-lsbs*uint64(n))&^x | x }

// equal flags the bytes of x equal to c.
func equal(x uint64, c byte) uint64 {
	y := x ^ lsbs*uint64(c)
	return (y - lsbs) &^ y
}

// stringStops flags (in the byte's high bit) the bytes of x that are not
// plainString bytes: printable ASCII other than the quote and the
// backslash. The lowest flag is always exact (only a flagged byte can
// borrow into the next), so it marks the first such byte.
func stringStops(x uint64) uint64 {
	return (below(x, 0x20) | equal(x, '"') | equal(x, '\\')) & msbs
}

// plainRun is the index of the first byte of data from j on that is not a
// plainString byte, or len(data).
func plainRun(data []byte, j int) int {
	for ; j+8 <= len(data); j += 8 {
		if m := stringStops(load64(data, j)); m != 0 {
			return j + bits.TrailingZeros64(m)>>3
		}
	}
	for j < len(data) && plainString[data[j]] {
		j++
	}
	return j
}

// foldedStops flags the bytes of x that may not continue folded text:
// control and non-ASCII bytes, and a space after a space. The lowest flag
// may be a false one (a space flags the '!' after it as a space), so it
// only says where to look byte by byte; no byte before it needs a look.
func foldedStops(x uint64) uint64 {
	sp := equal(x, ' ') & msbs
	return below(x, 0x20)&msbs | sp&(sp<<8)
}

// foldedRun is the index from j on where appendFolded must look byte by
// byte: the first byte foldedStops flags or a space after a space across
// two words, or the last bytes of s that fill no word. Every byte before
// it continues folded text.
func foldedRun(s string, j int) int {
	for ; j+8 <= len(s); j += 8 {
		if j > 0 && s[j] == ' ' && s[j-1] == ' ' {
			return j
		}
		if m := foldedStops(load64s(s, j)); m != 0 {
			return j + bits.TrailingZeros64(m)>>3
		}
	}
	return j
}
