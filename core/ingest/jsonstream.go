package ingest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/cyberstreams/cyberstreams/core/document"
)

// decodeFunc turns one JSON record into a document.
type decodeFunc func(data []byte) (document.Document, error)

// maxLine bounds one JSONL line (and one text file), so that a file with no
// line breaks cannot take all memory.
const maxLine = 32 << 20

var errLineTooLong = fmt.Errorf("line longer than %d MiB", maxLine>>20)

// readJSONValues reads records in any of the three JSON layouts feeds use:
// one object per line (JSONL: a bad line is reported and the next one read),
// one top-level array (streamed element by element, pointers "/0", "/1", …),
// or one or more whole objects (a pretty-printed single record). The layout
// is chosen from the head: JSONL when the first line is an object on its own,
// or when it is broken and the lines after it are objects on their own (the
// broken line is then reported with its line number, not every record
// after it lost to one failed document).
func readJSONValues(ctx context.Context, name string, br *bufio.Reader, head []byte, decode decodeFunc, emit func(rawRecord) error) error {
	trimmed := bytes.TrimLeft(head, " \t\r\n")
	if len(trimmed) > 0 && trimmed[0] == '{' {
		first := trimmed
		if i := bytes.IndexByte(trimmed, '\n'); i >= 0 {
			first = trimmed[:i]
		}
		incomplete := len(first) == len(trimmed) && len(head) == headSize
		if incomplete || json.Valid(first) {
			return readLines(ctx, name, br, decode, emit)
		}
	}
	if _, ok := jsonLinesAfterBroken(head, 1); ok {
		return readLines(ctx, name, br, decode, emit)
	}
	lt := newLineTracker(br)
	dec := json.NewDecoder(lt)
	var start int64
	fail := func(ptr string, err error) error {
		return emit(rawRecord{file: name, line: lt.errorLine(start, err), pointer: ptr, err: jsonError(err)})
	}
	if len(trimmed) > 0 && trimmed[0] == '[' {
		if _, err := dec.Token(); err != nil {
			return fail("", err)
		}
		for i := 0; ; i++ {
			if err := ctx.Err(); err != nil {
				return err
			}
			if !dec.More() {
				break
			}
			ptr := "/" + strconv.Itoa(i)
			start = lt.valueStart(dec.InputOffset())
			line := lt.lineAt(start)
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return fail(ptr, err)
			}
			if err := emit(rawRecord{file: name, line: line, pointer: ptr, data: raw, decode: decode}); err != nil {
				return err
			}
		}
		if _, err := dec.Token(); err != nil {
			return fail("", err)
		}
		return nil
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		start = lt.valueStart(dec.InputOffset())
		line := lt.lineAt(start)
		var raw json.RawMessage
		err := dec.Decode(&raw)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fail("", err)
		}
		if err := emit(rawRecord{file: name, line: line, data: raw, decode: decode}); err != nil {
			return err
		}
	}
}

// readLines emits every non-blank line of a JSONL input as one record.
func readLines(ctx context.Context, name string, br *bufio.Reader, decode decodeFunc, emit func(rawRecord) error) error {
	// The first block is no bigger than the input's buffer: a small input
	// in memory (see openDecoded) gets a small block.
	lr := lineReader{r: br, limit: maxLine, block: make([]byte, 0, min(lineBlock, br.Size()+1))}
	lineNo := 0
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		line, err := lr.next()
		if errors.Is(err, io.EOF) && len(line) == 0 {
			return nil
		}
		lineNo++
		switch {
		case errors.Is(err, errLineTooLong):
			if err := emit(rawRecord{file: name, line: lineNo, err: err}); err != nil {
				return err
			}
			continue
		case err != nil && !errors.Is(err, io.EOF):
			return emit(rawRecord{file: name, line: lineNo, err: readError(err)})
		}
		if len(bytes.TrimSpace(line)) > 0 {
			if err := emit(rawRecord{file: name, line: lineNo, data: line, decode: decode}); err != nil {
				return err
			}
		}
		if err != nil { // io.EOF after a last line with no newline
			return nil
		}
	}
}

// lineBlock is the size of the blocks lineReader reads.
const lineBlock = 128 << 10

// lineReader splits an input into lines read in big blocks: a line is
// handed out as a slice of its block, which is never written again, so a
// block's few hundred records cost one allocation and one read between
// them, where reading each line into a slice of its own was a fifth of
// the CPU time of reading an advisory line. (The documents of a block keep
// it alive while any of them lives; their title and body are most of it.)
type lineReader struct {
	r     io.Reader
	limit int    // longest line, line ending included (errLineTooLong)
	block []byte // block[pos:] is read and not yet handed out
	pos   int
	// seen counts the bytes from pos known to hold no newline, so that a
	// long line arriving in small reads is not searched again and again.
	seen int
	err  error // the read error after block's bytes
}

// next returns the next line without its line ending ("\n" or "\r\n"),
// with io.EOF at the end (and a last line without a line ending). A line
// over the limit is consumed and reported as errLineTooLong.
func (lr *lineReader) next() ([]byte, error) {
	skipping := false // a line over the limit, up to its newline
	for {
		rest := lr.block[lr.pos:]
		if i := bytes.IndexByte(rest[lr.seen:], '\n'); i >= 0 {
			i += lr.seen
			lr.pos, lr.seen = lr.pos+i+1, 0
			if skipping || i+1 > lr.limit {
				return nil, errLineTooLong
			}
			line := rest[:i:i]
			return bytes.TrimSuffix(line, []byte{'\r'}), nil
		}
		lr.seen = len(rest)
		if len(rest) > lr.limit {
			// Drop what was read of the line: its bytes are no one's yet.
			skipping = true
			lr.block, lr.seen, rest = lr.block[:lr.pos], 0, nil
		}
		if lr.err != nil {
			lr.pos, lr.seen = len(lr.block), 0
			if skipping {
				return nil, errLineTooLong
			}
			return bytes.TrimSuffix(rest[:len(rest):len(rest)], []byte{'\r'}), lr.err
		}
		lr.fill(rest)
	}
}

// fill reads more input after rest, the start of a line at the end of
// the block. The lines handed out before it are never written: when the
// block has little room left, rest moves to a new one.
func (lr *lineReader) fill(rest []byte) {
	if free := cap(lr.block) - len(lr.block); free == 0 || free < min(lineBlock, cap(lr.block))/4 {
		// Blocks grow from the first one's size (if any) to lineBlock.
		size := lineBlock
		if c := cap(lr.block); c > 0 {
			size = max(min(lineBlock, 2*c), 512)
		}
		block := make([]byte, len(rest), max(size, 2*len(rest)))
		copy(block, rest)
		lr.block, lr.pos = block, 0
	}
	n, err := lr.r.Read(lr.block[len(lr.block):cap(lr.block)])
	lr.block = lr.block[:len(lr.block)+n]
	lr.err = err
}

// streamMember reads a top-level JSON object and emits each element of its
// array member arrayKey as a record with pointer "/arrayKey/i", so that a
// multi-megabyte STIX bundle or KEV catalog is never held whole and a bad
// element names itself. decodeFor builds the decoder of an element from the
// string members seen before it (the KEV catalog version, say). It reports
// whether the array was found.
func streamMember(ctx context.Context, name string, r io.Reader, arrayKey string,
	decodeFor func(scalars map[string]string) decodeFunc, emit func(rawRecord) error) (bool, error) {
	lt := newLineTracker(r)
	dec := json.NewDecoder(lt)
	var start int64
	fail := func(ptr string, err error) (bool, error) {
		return true, emit(rawRecord{file: name, line: lt.errorLine(start, err), pointer: ptr, err: jsonError(err)})
	}
	if t, err := dec.Token(); err != nil {
		return fail("", err)
	} else if t != json.Delim('{') {
		return true, emit(rawRecord{file: name, line: 1, err: fmt.Errorf("want a JSON object with %q, found %v", arrayKey, t)})
	}
	scalars := map[string]string{}
	found := false
	for dec.More() {
		if err := ctx.Err(); err != nil {
			return found, err
		}
		t, err := dec.Token()
		if err != nil {
			return fail("", err)
		}
		key, _ := t.(string)
		start = lt.valueStart(dec.InputOffset())
		if key != arrayKey {
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return fail("/"+escapePointer(key), err)
			}
			var s string
			if json.Unmarshal(raw, &s) == nil {
				scalars[key] = s
			}
			continue
		}
		found = true
		base := "/" + escapePointer(key) + "/"
		if t, err := dec.Token(); err != nil {
			return fail(base[:len(base)-1], err)
		} else if t != json.Delim('[') {
			return true, emit(rawRecord{file: name, line: lt.lineAt(dec.InputOffset()), pointer: base[:len(base)-1],
				err: fmt.Errorf("%q is not an array", arrayKey)})
		}
		decode := decodeFor(scalars)
		for i := 0; dec.More(); i++ {
			if err := ctx.Err(); err != nil {
				return found, err
			}
			ptr := base + strconv.Itoa(i)
			start = lt.valueStart(dec.InputOffset())
			line := lt.lineAt(start)
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return fail(ptr, err)
			}
			if err := emit(rawRecord{file: name, line: line, pointer: ptr, data: raw, decode: decode}); err != nil {
				return found, err
			}
		}
		if _, err := dec.Token(); err != nil { // ']'
			return fail(base[:len(base)-1], err)
		}
	}
	if _, err := dec.Token(); err != nil { // '}'
		return fail("", err)
	}
	return found, nil
}

// escapePointer escapes a JSON pointer reference token (RFC 6901 §3).
func escapePointer(s string) string {
	if !bytes.ContainsAny([]byte(s), "~/") {
		return s
	}
	var b []byte
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '~':
			b = append(b, "~0"...)
		case '/':
			b = append(b, "~1"...)
		default:
			b = append(b, s[i])
		}
	}
	return string(b)
}

// jsonError words a decoder error for an analyst.
func jsonError(err error) error {
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		return fmt.Errorf("invalid JSON: %w", err)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return errors.New("invalid JSON: unexpected end of file (truncated?)")
	}
	return readError(err)
}

// readError words a failed read; a compressed stream that ends early is
// the usual cause.
func readError(err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("read: %w (truncated file?)", err)
	}
	return fmt.Errorf("read: %w", err)
}

// lineTracker passes a stream through while remembering the last bytes read
// and how many lines came before them, so that an offset reported by the
// JSON decoder (which reads ahead, and only near its read position) can be
// turned into a line number without keeping the whole stream.
type lineTracker struct {
	r         io.Reader
	window    []byte
	base      int64 // stream offset of window[0]
	baseLines int   // newlines before base
}

// trackerKeep is how much history the tracker keeps (it holds up to twice
// this much before dropping the older half).
const trackerKeep = 1 << 20

func newLineTracker(r io.Reader) *lineTracker { return &lineTracker{r: r} }

func (t *lineTracker) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	t.window = append(t.window, p[:n]...)
	if len(t.window) > 2*trackerKeep {
		drop := len(t.window) - trackerKeep
		t.baseLines += bytes.Count(t.window[:drop], []byte{'\n'})
		t.base += int64(drop)
		t.window = append(t.window[:0], t.window[drop:]...)
	}
	return n, err
}

// lineAt is the 1-based line of stream offset off, or 0 when off has left
// the window.
func (t *lineTracker) lineAt(off int64) int {
	if off < t.base {
		return 0
	}
	i := off - t.base
	if i > int64(len(t.window)) {
		i = int64(len(t.window))
	}
	return t.baseLines + bytes.Count(t.window[:i], []byte{'\n'}) + 1
}

// valueStart is where the next JSON value starts after off: the decoder's
// offset sits before white space and the separating comma or colon.
func (t *lineTracker) valueStart(off int64) int64 {
	if off < t.base {
		return off
	}
	for i := off - t.base; i < int64(len(t.window)); i++ {
		switch t.window[i] {
		case ' ', '\t', '\r', '\n', ',', ':':
			continue
		}
		return t.base + i
	}
	return off
}

// errorLine is the line of a decoding error in the value that starts at
// start. The decoder's own offsets count from where it began scanning, so a
// syntax error is located by scanning the value again from its start in the
// window; a truncated stream errs at the end of what was read.
func (t *lineTracker) errorLine(start int64, err error) int {
	var se *json.SyntaxError
	if errors.As(err, &se) && start >= t.base && start <= t.base+int64(len(t.window)) {
		var v json.RawMessage
		e := json.NewDecoder(bytes.NewReader(t.window[start-t.base:])).Decode(&v)
		if errors.As(e, &se) && se.Offset > 0 {
			return t.lineAt(start + se.Offset - 1)
		}
	}
	return t.lineAt(t.base + int64(len(t.window)))
}
