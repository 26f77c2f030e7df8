package main

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"sort"
	"text/tabwriter"
)

// writeJSON prints v as indented JSON with a trailing newline.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// writeJSONLine prints v as one compact JSON line (JSONL).
func writeJSONLine(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// flushRows flushes whichever row writer a sink started (nil when it wrote
// no row) and returns its error.
func flushRows(c *csv.Writer, t *tabwriter.Writer) error {
	switch {
	case c != nil:
		c.Flush()
		return c.Error()
	case t != nil:
		return t.Flush()
	}
	return nil
}
