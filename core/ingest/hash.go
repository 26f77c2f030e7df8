package ingest

import (
	"crypto/sha256"
	"encoding/hex"
	"unicode"
	"unicode/utf8"

	"github.com/cyberstreams/cyberstreams/core/document"
)

// finish fills a document's content hash, and its id from the hash when the
// source gave none — what document.Document.Finish does, with the hash
// computed by contentHash.
func finish(d *document.Document) {
	d.ContentHash = contentHash(d.Title, d.Body)
	if d.ID == "" {
		d.ID = "doc-" + d.ContentHash[:16]
	}
}

// contentHash equals document.Hash(title, body) — SHA-256 of the title and
// body with white space folded to single spaces, joined by a NUL byte —
// built in one buffer. document.Hash splits both texts into a slice of
// words and joins them again, which was a fifth of the CPU time of reading
// a 2 KB record; the fuzz test pins the two together.
func contentHash(title, body string) string {
	buf := make([]byte, 0, len(title)+len(body)+1)
	buf = appendFolded(buf, title)
	buf = append(buf, 0)
	buf = appendFolded(buf, body)
	sum := sha256.Sum256(buf)
	return hex.EncodeToString(sum[:])
}

// asciiSpace marks the bytes strings.Fields splits on below U+0080.
var asciiSpace = [256]bool{'\t': true, '\n': true, '\v': true, '\f': true, '\r': true, ' ': true}

// appendFolded appends s's words separated by single spaces, as
// strings.Join(strings.Fields(s), " ") would: unicode.IsSpace separates.
// Words are copied whole, not byte by byte.
func appendFolded(buf []byte, s string) []byte {
	first := true
	for i := 0; i < len(s); {
		i = skipSpaces(s, i)
		if i == len(s) {
			break
		}
		j := wordEnd(s, i)
		if !first {
			buf = append(buf, ' ')
		}
		first = false
		buf = append(buf, s[i:j]...)
		i = j
	}
	return buf
}

// isSpaceAt reports whether a space starts at s[i], and its length.
func isSpaceAt(s string, i int) (bool, int) {
	if c := s[i]; c < utf8.RuneSelf {
		return asciiSpace[c], 1
	}
	r, size := utf8.DecodeRuneInString(s[i:])
	return unicode.IsSpace(r), size
}

func skipSpaces(s string, i int) int {
	for i < len(s) {
		sp, size := isSpaceAt(s, i)
		if !sp {
			return i
		}
		i += size
	}
	return i
}

func wordEnd(s string, i int) int {
	for i < len(s) {
		if c := s[i]; c < utf8.RuneSelf && !asciiSpace[c] {
			i++
			continue
		}
		sp, size := isSpaceAt(s, i)
		if sp {
			return i
		}
		i += size
	}
	return i
}
