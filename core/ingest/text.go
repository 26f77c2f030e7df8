package ingest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/cyberstreams/cyberstreams/core/document"
)

// readText reads a whole text or Markdown file as one document.
func readText(ctx context.Context, name string, r io.Reader, emit func(rawRecord) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	data, err := io.ReadAll(io.LimitReader(r, maxLine+1))
	if err != nil {
		return emit(rawRecord{file: name, err: readError(err)})
	}
	if len(data) > maxLine {
		return emit(rawRecord{file: name, err: fmt.Errorf("text file larger than %d MiB", maxLine>>20)})
	}
	return emit(rawRecord{file: name, data: data, decode: func(data []byte) (document.Document, error) {
		return decodeText(name, data)
	}})
}

// headerLines is how far into a text a "Date:" line is looked for.
const headerLines = 20

// decodeText makes a document of a report: the title is the first non-empty
// line (Markdown '#' marks removed) and the body the rest. YAML-style front
// matter (between "---" lines) may give title, date, source, id and
// severity; otherwise a "Date:" line near the top gives the date. Without
// one the date stays unknown (a file's mtime says when it was copied, not
// when it was written).
func decodeText(name string, data []byte) (document.Document, error) {
	var d document.Document
	if bytes.IndexByte(data, 0) >= 0 {
		return d, errBinary
	}
	text := strings.ReplaceAll(string(data), "\r\n", "\n")
	d.Format = string(FormatText)
	d.Source = "file"
	d.Meta = map[string]any{"file": name}
	front, rest := frontMatter(text)
	for k, v := range front {
		switch k {
		case "title":
			d.Title = v
		case "date", "published":
			if t, ok := parseTime(v); ok {
				d.Published = t
			} else {
				d.Meta["published_raw"] = v
			}
		case "source":
			d.Source = v
		case "id":
			d.ID = v
		case "severity":
			d.Severity = normaliseSeverity(v)
		default:
			d.Meta[k] = v
		}
	}
	lines := strings.Split(rest, "\n")
	if d.Published.IsZero() {
		for i := 0; i < len(lines) && i < headerLines; i++ {
			k, v, ok := strings.Cut(lines[i], ":")
			if !ok || !strings.EqualFold(strings.TrimSpace(k), "date") {
				continue
			}
			if t, ok := parseTime(v); ok {
				d.Published = t
				lines = append(lines[:i:i], lines[i+1:]...)
				break
			}
		}
	}
	if d.Title == "" {
		for i, l := range lines {
			if t := strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(l), "#")); t != "" {
				d.Title = t
				lines = lines[i+1:]
				break
			}
		}
	}
	d.Body = strings.TrimSpace(strings.Join(lines, "\n"))
	return d, nil
}

// frontMatter splits "---\nkey: value\n---\n" off the start of text. Keys
// are lower-cased; quotes around values are removed.
func frontMatter(text string) (map[string]string, string) {
	if !strings.HasPrefix(text, "---\n") {
		return nil, text
	}
	end := strings.Index(text[4:], "\n---")
	if end < 0 {
		return nil, text
	}
	block := text[4 : 4+end]
	rest := text[4+end+4:]
	rest = strings.TrimPrefix(rest, "\n")
	out := map[string]string{}
	for _, l := range strings.Split(block, "\n") {
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		k = strings.ToLower(strings.TrimSpace(k))
		v = strings.Trim(strings.TrimSpace(v), `"'`)
		if k != "" && v != "" {
			out[k] = v
		}
	}
	return out, rest
}
