package ingest

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// headSize is how much of a file detection looks at.
const headSize = 64 << 10

// textExtensions are read as one document per file.
var textExtensions = map[string]bool{".txt": true, ".text": true, ".md": true, ".markdown": true}

// jsonExtensions are JSON or JSON Lines.
var jsonExtensions = map[string]bool{".json": true, ".jsonl": true, ".ndjson": true}

// baseExt is the lower-case extension of name, looking through ".gz".
func baseExt(name string) string {
	name = strings.ToLower(name)
	if strings.HasSuffix(name, ".gz") {
		name = strings.TrimSuffix(name, ".gz")
	}
	return filepath.Ext(name)
}

// Extensions are the file name endings a directory walk reads (each also
// with ".gz"), sorted.
func Extensions() []string {
	var exts []string
	for _, m := range []map[string]bool{textExtensions, jsonExtensions} {
		for ext := range m {
			exts = append(exts, ext)
		}
	}
	slices.Sort(exts)
	return exts
}

// ingestible reports whether a directory walk should read a file of this name.
func ingestible(name string) bool {
	ext := baseExt(name)
	return textExtensions[ext] || jsonExtensions[ext]
}

// looksBinary reports whether an input's head is binary data, to be
// refused as one failure rather than read line by line: a NUL byte in its
// first line, or in a quarter of its lines or more. A feed with one
// corrupted line further down is not binary: that line fails on its own and
// every other record loads. A head whose first line is a whole JSON object
// is JSON Lines and never binary, however many of its lines are corrupted:
// each bad line fails with its file and line and the good ones load. (A
// text document is one record: decodeText refuses any NUL.)
func looksBinary(head []byte) bool {
	lines, withNUL := 0, 0
	for rest := head; len(rest) > 0; lines++ {
		line := rest
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			line, rest = rest[:i], rest[i+1:]
		} else {
			rest = nil
		}
		if bytes.IndexByte(line, 0) >= 0 {
			if lines == 0 {
				return true
			}
			withNUL++
		} else if lines == 0 && isJSONObjectLine(line) {
			return false
		}
	}
	return withNUL >= 2 && 4*withNUL >= lines
}

// isJSONObjectLine reports whether line is one whole JSON object, as the
// first line of JSON Lines is.
func isJSONObjectLine(line []byte) bool {
	line = bytes.TrimSpace(line)
	return len(line) > 1 && line[0] == '{' && json.Valid(line)
}

// sniffLines is how many lines after a broken first line
// jsonLinesAfterBroken looks at.
const sniffLines = 16

// jsonLinesAfterBroken reports whether head is JSON Lines whose first line
// is broken (a truncated object, junk): the first non-blank line is not a
// whole JSON value, and the complete non-blank lines after it — the first
// sniffLines of them, at least minLines — are each one whole JSON object. It
// returns the first of those, for detection to read the records' keys from.
// A line cut off by the head's end is not looked at, unless the head is
// shorter than headSize and so the whole input. A pretty-printed document
// never passes: the lines inside an object are its members ("key": value)
// or closing braces, and an array's elements carry their commas. Only a
// head whose first line is broken pays for the look.
func jsonLinesAfterBroken(head []byte, minLines int) ([]byte, bool) {
	trimmed := bytes.TrimLeft(head, " \t\r\n")
	i := bytes.IndexByte(trimmed, '\n')
	if i < 0 || json.Valid(trimmed[:i]) {
		return nil, false
	}
	whole := len(head) < headSize
	var first []byte
	n := 0
	for rest := trimmed[i+1:]; len(rest) > 0 && n < sniffLines; {
		line := rest
		if j := bytes.IndexByte(rest, '\n'); j >= 0 {
			line, rest = rest[:j], rest[j+1:]
		} else if whole {
			rest = nil
		} else {
			break
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		if !isJSONObjectLine(line) {
			return nil, false
		}
		if first == nil {
			first = line
		}
		n++
	}
	return first, n >= minLines
}

// errBinary is the failure for data that is neither text nor JSON.
var errBinary = errors.New("binary data (NUL bytes): not a text or JSON document")

// openDecoded undoes the transport layers of an input: gzip (recognised by
// its magic bytes, whatever the name), a UTF-8 byte-order mark, and UTF-16
// (recognised by its byte-order mark) decoded to UTF-8.
func openDecoded(r io.Reader) (*bufio.Reader, func() error, error) {
	noClose := func() error { return nil }
	size := headSize
	if whole, ok := r.(interface{ Len() int }); ok {
		// An input held in memory (a request body) needs no bigger buffer
		// than itself: a one-document request would otherwise allocate
		// and clear 64 KiB here, most of its cost (+1 to see its end).
		size = min(headSize, whole.Len()+1)
	}
	br := bufio.NewReaderSize(r, size)
	closeFn := noClose
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, noClose, fmt.Errorf("gzip: %w", err)
		}
		br = bufio.NewReaderSize(gz, headSize)
		closeFn = gz.Close
	}
	bom, _ := br.Peek(3)
	switch {
	case bytes.HasPrefix(bom, []byte{0xef, 0xbb, 0xbf}):
		br.Discard(3)
	case bytes.HasPrefix(bom, []byte{0xff, 0xfe}), bytes.HasPrefix(bom, []byte{0xfe, 0xff}):
		// ExpectBOM reads the byte order from the mark and drops it.
		dec := unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder()
		br = bufio.NewReaderSize(transform.NewReader(br, dec), headSize)
	default:
		// Only what has arrived: a slow stream must not be waited for.
		sample, _ := br.Peek(min(br.Buffered(), 512))
		if order, ok := utf16Order(sample); ok {
			dec := unicode.UTF16(order, unicode.IgnoreBOM).NewDecoder()
			br = bufio.NewReaderSize(transform.NewReader(br, dec), headSize)
		}
	}
	return br, closeFn, nil
}

// utf16Order recognises UTF-16 written without a byte-order mark (as some
// Windows tools export), from the zero high bytes of ASCII characters: in
// little-endian text nearly every odd byte is zero and no even byte is, in
// big-endian text the other way round. Binary data does not keep that
// pattern up over a sample.
func utf16Order(sample []byte) (unicode.Endianness, bool) {
	n := len(sample) &^ 1
	if n < 16 {
		return unicode.LittleEndian, false
	}
	var zeroEven, zeroOdd int
	for i := 0; i < n; i += 2 {
		if sample[i] == 0 {
			zeroEven++
		}
		if sample[i+1] == 0 {
			zeroOdd++
		}
	}
	pairs := n / 2
	switch {
	case zeroOdd*10 >= pairs*9 && zeroEven == 0:
		return unicode.LittleEndian, true
	case zeroEven*10 >= pairs*9 && zeroOdd == 0:
		return unicode.BigEndian, true
	}
	return unicode.LittleEndian, false
}

// Detect names the format of a file from its name and first bytes (after
// gzip and UTF-16 decoding): a JSON object with "type":"bundle" (or an
// "objects" array) is STIX; "dataType":"CVE_RECORD" or "cveMetadata" is a CVE
// 5 record; "vulnerabilities" with "catalogVersion" is the KEV catalog; an
// object with "schema_version" or "affected", or "id" with "summary" or
// "details", is an OSV advisory (one per file or one per line); other JSON is
// generic JSONL; text and Markdown extensions and anything not starting like
// JSON are text.
func Detect(name string, head []byte) Format {
	ext := baseExt(name)
	if textExtensions[ext] {
		return FormatText
	}
	trimmed := bytes.TrimLeft(head, " \t\r\n")
	jsonStart := len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[')
	// A JSON Lines feed whose first line is broken: its format is read from
	// the first good line. Text that merely starts with a line of prose
	// needs two JSON objects after it to count.
	minLines := 2
	if jsonStart || jsonExtensions[ext] {
		minLines = 1
	}
	if line, ok := jsonLinesAfterBroken(head, minLines); ok {
		keys := sniffObject(line)
		switch {
		case keys.stixObject():
			return FormatSTIX
		case keys.cve5():
			return FormatCVE5
		case keys.osvLike():
			return FormatOSV
		}
		return FormatJSONL
	}
	if !jsonStart {
		if jsonExtensions[ext] {
			return FormatJSONL // read as JSON so that the damage is reported
		}
		return FormatText
	}
	if trimmed[0] == '[' {
		keys := sniffObject(bytes.TrimLeft(trimmed[1:], " \t\r\n"))
		if keys.osvLike() {
			return FormatOSV
		}
		if keys.cve5() {
			return FormatCVE5
		}
		if keys.stixObject() {
			return FormatSTIX
		}
		return FormatJSONL
	}
	keys := sniffObject(trimmed)
	switch {
	case keys.stixBundle() || keys.stixObject():
		return FormatSTIX
	case keys.cve5():
		return FormatCVE5
	case keys.has("vulnerabilities") && (keys.has("catalogVersion") || keys.has("dateReleased")):
		return FormatKEV
	case keys.osvLike():
		return FormatOSV
	}
	return FormatJSONL
}

// objectKeys are the top-level keys of a JSON object seen in a file's head,
// with their values when they are short strings.
type objectKeys map[string]string

func (k objectKeys) has(key string) bool { _, ok := k[key]; return ok }

func (k objectKeys) stixBundle() bool {
	return k["type"] == "bundle" || strings.HasPrefix(k["id"], "bundle--") ||
		(k.has("objects") && !k.has("vulnerabilities"))
}

func (k objectKeys) stixObject() bool {
	return k.has("type") && k.has("spec_version") && strings.Contains(k["id"], "--")
}

func (k objectKeys) cve5() bool { return k["dataType"] == "CVE_RECORD" || k.has("cveMetadata") }

func (k objectKeys) osvLike() bool {
	return k.has("schema_version") || k.has("affected") ||
		(k.has("id") && (k.has("summary") || k.has("details")))
}

// sniffObject lists the top-level keys of the JSON object at the start of
// data, reading until the object ends or the data runs out (a head is
// usually cut in the middle of the object). It walks the bytes with the
// reader's own JSON walker: a json.Decoder's Token costs an allocation per
// token, and sniffing was a quarter of the cost of one API request.
func sniffObject(data []byte) objectKeys {
	keys := objectKeys{}
	w := newWalker(data)
	i, done, ok := w.objectStart(skipSpace(data, 0))
	for ok && !done {
		// A key whose value the head cuts off still counts.
		if i < len(data) && data[i] == '"' {
			if key, _, kok := w.str(i); kok {
				keys[key] = ""
			}
		}
		var key string
		var v int
		if key, v, ok = w.member(i); !ok {
			return keys
		}
		if data[v] == '"' {
			var s string
			if s, i, ok = w.str(v); !ok {
				return keys
			}
			if len(s) > 200 {
				s = s[:200]
			}
			keys[key] = s
		} else if i, ok = w.skip(v, 1); !ok {
			return keys
		}
		i, done, ok = w.memberEnd(i)
	}
	return keys
}
