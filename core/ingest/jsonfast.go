package ingest

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// decodeObject decodes one JSON object into a map, exactly as json.Unmarshal
// into a map[string]any would. It walks the object once, nested objects
// and lists included, leaving only escaped strings (and nesting deeper than
// maxDepth) to encoding/json; json.Unmarshal alone scans a record
// twice (once to validate, once to decode) and was a third of the CPU time
// of reading a generic JSONL record. Anything it does not take (including
// every malformed input) goes to unmarshalObject, which also words the
// error, so behaviour is encoding/json's by construction; the fuzz test
// checks the fast walk never disagrees.
func decodeObject(data []byte) (map[string]any, error) {
	if m, ok := fastObject(data); ok {
		return m, nil
	}
	var m map[string]any
	err := unmarshalObject(data, &m)
	return m, err
}

// fastObject is decodeObject's single walk; ok is false when it gives up.
func fastObject(data []byte) (m map[string]any, ok bool) {
	i := skipSpace(data, 0)
	if i == len(data) || data[i] != '{' {
		return nil, false
	}
	m, end, ok := objectAt(data, i, 0)
	if !ok || skipSpace(data, end) != len(data) {
		return nil, false
	}
	return m, true
}

// maxDepth bounds the nesting the walk follows; deeper values are left to
// encoding/json (which has its own, larger limit).
const maxDepth = 64

// objectAt reads the object starting at data[i] == '{' and returns it and
// the index after its closing brace.
func objectAt(data []byte, i, depth int) (map[string]any, int, bool) {
	if depth >= maxDepth {
		return nil, 0, false
	}
	m := make(map[string]any, 8)
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == '}' {
		return m, i + 1, true
	}
	for {
		if i == len(data) || data[i] != '"' {
			return nil, 0, false
		}
		key, j, ok := fastString(data, i)
		if !ok {
			return nil, 0, false
		}
		i = skipSpace(data, j)
		if i == len(data) || data[i] != ':' {
			return nil, 0, false
		}
		i = skipSpace(data, i+1)
		val, j, ok := fastValue(data, i, depth+1)
		if !ok {
			return nil, 0, false
		}
		m[key] = val
		i = skipSpace(data, j)
		if i == len(data) {
			return nil, 0, false
		}
		switch data[i] {
		case ',':
			i = skipSpace(data, i+1)
		case '}':
			return m, i + 1, true
		default:
			return nil, 0, false
		}
	}
}

// arrayAt reads the array starting at data[i] == '[' and returns it and
// the index after its closing bracket.
func arrayAt(data []byte, i, depth int) ([]any, int, bool) {
	if depth >= maxDepth {
		return nil, 0, false
	}
	list := []any{}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == ']' {
		return list, i + 1, true
	}
	for {
		val, j, ok := fastValue(data, i, depth+1)
		if !ok {
			return nil, 0, false
		}
		list = append(list, val)
		i = skipSpace(data, j)
		if i == len(data) {
			return nil, 0, false
		}
		switch data[i] {
		case ',':
			i = skipSpace(data, i+1)
		case ']':
			return list, i + 1, true
		default:
			return nil, 0, false
		}
	}
}

func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n') {
		i++
	}
	return i
}

// fastString reads the string starting at data[i] == '"' and returns it
// and the index after its closing quote.
func fastString(data []byte, i int) (string, int, bool) {
	escaped, high := false, false
	j := i + 1
	for ; j < len(data); j++ {
		c := data[j]
		switch {
		case c == '"':
			raw := data[i+1 : j]
			if escaped || high && !utf8.Valid(raw) {
				// Escapes, and invalid UTF-8 (which encoding/json replaces
				// by U+FFFD), are encoding/json's to resolve.
				var s string
				if err := json.Unmarshal(data[i:j+1], &s); err != nil {
					return "", 0, false
				}
				return s, j + 1, true
			}
			return string(raw), j + 1, true
		case c == '\\':
			escaped = true
			j++ // the escaped byte cannot end the string
		case c < 0x20:
			return "", 0, false
		case c >= utf8.RuneSelf:
			high = true
		}
	}
	return "", 0, false
}

// fastValue reads the value starting at data[i] and returns it (as
// json.Unmarshal into an any would) and the index after it.
func fastValue(data []byte, i, depth int) (any, int, bool) {
	if i == len(data) {
		return nil, 0, false
	}
	switch c := data[i]; {
	case c == '"':
		return fastString(data, i)
	case c == '{':
		return objectAt(data, i, depth)
	case c == '[':
		return arrayAt(data, i, depth)
	case c == 't':
		return literal(data, i, "true", true)
	case c == 'f':
		return literal(data, i, "false", false)
	case c == 'n':
		return literal(data, i, "null", nil)
	case c == '-' || c >= '0' && c <= '9':
		end, ok := numberEnd(data, i)
		if !ok {
			return nil, 0, false
		}
		f, err := strconv.ParseFloat(string(data[i:end]), 64)
		if err != nil {
			return nil, 0, false
		}
		return f, end, true
	}
	return nil, 0, false
}

func literal(data []byte, i int, word string, v any) (any, int, bool) {
	if len(data)-i < len(word) || string(data[i:i+len(word)]) != word {
		return nil, 0, false
	}
	return v, i + len(word), true
}

// numberEnd checks the JSON number grammar from data[i] and returns the
// index after the number:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func numberEnd(data []byte, i int) (int, bool) {
	digits := func(i int) int {
		for i < len(data) && data[i] >= '0' && data[i] <= '9' {
			i++
		}
		return i
	}
	if data[i] == '-' {
		i++
	}
	switch {
	case i < len(data) && data[i] == '0':
		i++
	case i < len(data) && data[i] >= '1' && data[i] <= '9':
		i = digits(i)
	default:
		return 0, false
	}
	if i < len(data) && data[i] == '.' {
		j := digits(i + 1)
		if j == i+1 {
			return 0, false
		}
		i = j
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		j := digits(i)
		if j == i {
			return 0, false
		}
		i = j
	}
	return i, true
}
