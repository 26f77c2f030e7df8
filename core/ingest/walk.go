package ingest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// StdinName is how records read from "-" name their file.
const StdinName = "<stdin>"

// walk reads every path in order: "-" is stdin, a directory is walked
// recursively in lexical order (hidden files and directories are left out,
// as are files whose extension is no ingest format), a file is read in the
// format opts asks for or detects. Problems with one path are emitted as
// failures; the returned error is only a cancelled context or an emit error.
func walk(ctx context.Context, paths []string, opts Options, emit func(rawRecord) error) error {
	format := opts.Format
	if format == "" {
		format = FormatAuto
	}
	for i, p := range paths {
		if err := ctx.Err(); err != nil {
			return err
		}
		emit := func(r rawRecord) error {
			r.input = i
			return emit(r)
		}
		if p == "-" {
			if opts.Stdin == nil {
				if err := emit(rawRecord{file: StdinName, err: errors.New("no standard input")}); err != nil {
					return err
				}
				continue
			}
			if err := readInput(ctx, StdinName, opts.Stdin, format, opts, emit); err != nil {
				return err
			}
			continue
		}
		info, err := os.Stat(p)
		if err != nil {
			if err := emit(rawRecord{file: p, err: pathError(err)}); err != nil {
				return err
			}
			continue
		}
		if !info.IsDir() {
			if err := readFile(ctx, p, format, opts, emit); err != nil {
				return err
			}
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return emit(rawRecord{file: path, err: pathError(err)})
			}
			hidden := path != p && strings.HasPrefix(d.Name(), ".")
			if d.IsDir() {
				if hidden {
					return filepath.SkipDir
				}
				return nil
			}
			if hidden {
				return nil
			}
			if d.Type()&fs.ModeSymlink != 0 {
				// Follow links to files; links to directories could loop.
				if fi, err := os.Stat(path); err != nil || !fi.Mode().IsRegular() {
					return nil
				}
			} else if !d.Type().IsRegular() {
				return nil
			}
			if !ingestible(d.Name()) {
				return emit(rawRecord{file: path, skipped: true})
			}
			return readFile(ctx, path, format, opts, emit)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// pathError drops the os package's "stat PATH:" prefix; the failure names
// the file already.
func pathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func readFile(ctx context.Context, path string, format Format, opts Options, emit func(rawRecord) error) error {
	f, err := os.Open(path)
	if err != nil {
		return emit(rawRecord{file: path, err: pathError(err)})
	}
	defer f.Close()
	return readInput(ctx, path, f, format, opts, emit)
}

// readInput decodes one input and hands it to the reader of its format.
func readInput(ctx context.Context, name string, r io.Reader, format Format, opts Options, emit func(rawRecord) error) error {
	fail := func(err error) error { return emit(rawRecord{file: name, err: err}) }
	br, closeFn, err := openDecoded(r)
	if err != nil {
		return fail(err)
	}
	defer closeFn()
	head, err := peekHead(br)
	if err != nil && len(head) == 0 && !errors.Is(err, io.EOF) {
		return fail(readError(err))
	}
	if len(bytes.TrimSpace(head)) == 0 {
		return fail(errors.New("empty file"))
	}
	if looksBinary(head) {
		return fail(errBinary)
	}
	if format == FormatAuto {
		format = Detect(name, head)
		if format == FormatOSV && len(opts.Fields) > 0 {
			// Field renames only make sense for generic records.
			format = FormatJSONL
		}
	}
	switch format {
	case FormatText:
		return readText(ctx, name, br, emit)
	case FormatJSONL:
		fields := newFieldMap(opts.Fields)
		fields.skipMeta = opts.SkipMeta
		return readJSONValues(ctx, name, br, head, fields.decode, emit)
	case FormatOSV:
		if opts.SkipMeta {
			return readJSONValues(ctx, name, br, head, decodeOSVSkipMeta, emit)
		}
		return readJSONValues(ctx, name, br, head, decodeOSV, emit)
	case FormatCVE5:
		return readJSONValues(ctx, name, br, head, decodeCVE5, emit)
	case FormatKEV:
		return readKEV(ctx, name, br, emit)
	case FormatSTIX:
		keys := sniffObject(bytes.TrimLeft(head, " \t\r\n"))
		if _, lines := jsonLinesAfterBroken(head, 1); keys.stixBundle() && !lines {
			return readSTIXBundle(ctx, name, br, emit)
		}
		return readJSONValues(ctx, name, br, head, decodeSTIX, emit)
	}
	return fail(fmt.Errorf("unknown format %q", format))
}

// peekHead returns the first bytes of an input for detection without
// waiting for more than it needs: a slow stream (a feed piped into stdin)
// is detected as soon as its first line is there, when that line is text or
// a whole JSON value; a JSON document spread over lines is looked at up to
// headSize bytes.
func peekHead(br *bufio.Reader) ([]byte, error) {
	n := 1
	for {
		if _, err := br.Peek(n); err != nil {
			b, _ := br.Peek(br.Buffered())
			return b, err
		}
		b, _ := br.Peek(br.Buffered())
		if len(b) >= headSize || firstLineDecides(b) {
			return b, nil
		}
		n = len(b) + 1
	}
}

// firstLineDecides reports whether buf holds a complete first non-blank
// line that settles the format: text, or a JSON value on one line (JSONL).
func firstLineDecides(buf []byte) bool {
	trimmed := bytes.TrimLeft(buf, " \t\r\n")
	i := bytes.IndexByte(trimmed, '\n')
	if i < 0 {
		return false
	}
	if trimmed[0] != '{' && trimmed[0] != '[' {
		return laterLinesDecide(trimmed[i+1:])
	}
	return json.Valid(trimmed[:i])
}

// laterLinesDecide reports whether the lines after a first line of text
// settle whether it is text or JSON Lines with a broken first line (see
// jsonLinesAfterBroken): a complete non-blank line that is not a JSON object
// (text), or two that are.
func laterLinesDecide(rest []byte) bool {
	objects := 0
	for {
		j := bytes.IndexByte(rest, '\n')
		if j < 0 {
			return false
		}
		line := bytes.TrimSpace(rest[:j])
		rest = rest[j+1:]
		if len(line) == 0 {
			continue
		}
		if !isJSONObjectLine(line) {
			return true
		}
		if objects++; objects == 2 {
			return true
		}
	}
}
