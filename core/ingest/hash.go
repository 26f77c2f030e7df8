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
// built in one buffer (on the stack for the usual advisory). document.Hash
// splits both texts into a slice of words and joins them again, which was
// a fifth of the CPU time of reading a 2 KB record; the fuzz test pins the
// two together.
func contentHash(title, body string) string {
	var stack [4096]byte
	buf := stack[:0]
	if n := len(title) + len(body) + 1; n > len(stack) {
		buf = make([]byte, 0, n)
	}
	buf = appendFolded(buf, title)
	buf = append(buf, 0)
	buf = appendFolded(buf, body)
	sum := sha256.Sum256(buf)
	var hx [2 * sha256.Size]byte
	hex.Encode(hx[:], sum[:])
	return string(hx[:])
}

// asciiSpace marks the bytes strings.Fields splits on below U+0080.
var asciiSpace = [256]bool{'\t': true, '\n': true, '\v': true, '\f': true, '\r': true, ' ': true}

// asciiWord marks the bytes that are part of a word whatever follows them:
// ASCII other than white space.
var asciiWord = func() (t [256]bool) {
	for c := range utf8.RuneSelf {
		t[c] = !asciiSpace[c]
	}
	return t
}()

// appendFolded appends s's words separated by single spaces, as
// strings.Join(strings.Fields(s), " ") would: unicode.IsSpace separates.
// Text that is already folded — words separated by single spaces, as most
// of an advisory is — is copied in runs, found eight bytes at a time.
func appendFolded(buf []byte, s string) []byte {
	i := skipSpaces(s, 0)
	for i < len(s) {
		// s[i] starts a word; s[i:j] stays folded text.
		j := i
		for j < len(s) {
			if j = foldedRun(s, j); j == len(s) {
				break
			}
			if c := s[j]; asciiWord[c] || c == ' ' && s[j-1] != ' ' {
				j++
				continue
			}
			if sp, size := isSpaceAt(s, j); !sp {
				j += size
				continue
			}
			break
		}
		if s[j-1] == ' ' {
			j-- // the run ends with its last word
		}
		buf = append(buf, s[i:j]...)
		if i = skipSpaces(s, j); i < len(s) {
			buf = append(buf, ' ')
		}
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
		for i < len(s) && asciiWord[s[i]] {
			i++
		}
		if i == len(s) || s[i] < utf8.RuneSelf {
			return i
		}
		sp, size := isSpaceAt(s, i)
		if sp {
			return i
		}
		i += size
	}
	return i
}
