package ingest

import (
	"encoding/json"
	"strconv"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// decodeObject decodes one JSON object into a map, exactly as json.Unmarshal
// into a map[string]any would. It walks the object once, nested objects
// and lists included, leaving only invalid UTF-8 inside strings (and
// nesting deeper than maxDepth) to encoding/json; json.Unmarshal alone
// scans a record twice (once to validate, once to decode) and was a third
// of the CPU time of reading a generic JSONL record. Anything it does not
// take (including every malformed input) goes to unmarshalObject, which
// also words the error, so behaviour is encoding/json's by construction;
// the fuzz test checks the fast walk never disagrees.
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
	w := newWalker(data)
	i := skipSpace(data, 0)
	if i == len(data) || data[i] != '{' {
		return nil, false
	}
	m, end, ok := w.objectAt(i, 0)
	if !ok || skipSpace(data, end) != len(data) {
		return nil, false
	}
	return m, true
}

// walker decodes one JSON record in a single pass over its bytes, giving
// what encoding/json gives for the same record or giving up (ok false).
//
// A decoded string without escapes — nearly all of an advisory's text — is
// the record's own bytes where they stand, not a copy: the record was read
// into a buffer of its own, which nothing writes afterwards, so the
// strings may share it (and keep it alive while any of them is; a document
// holds its title and body, most of the record, anyway). Only an escaped
// string needs new bytes: it is unescaped into arena, which a later one
// shares when it fits (unescaping never lengthens a string). Copying every record up front for the sake of its few escaped strings
// was a tenth of the CPU time of decoding an advisory line.
type walker struct {
	data  []byte // the record as read; never written
	arena []byte // unescaped strings, from the first escaped one on
}

func newWalker(data []byte) walker {
	return walker{data: data}
}

// cut returns data[i:j] as a string that shares data's bytes.
func (w *walker) cut(i, j int) string {
	if i == j {
		return ""
	}
	return unsafe.String(&w.data[i], j-i)
}

// maxDepth bounds the nesting the walk follows; deeper values are left to
// encoding/json (which has its own, larger limit).
const maxDepth = 64

// kv is one member of an object as the walk read it; slot is the member's
// place among the role names a decoder looks for (-1: none).
type kv struct {
	key  string
	val  any
	slot int
	// str holds a role's string value (isStr set) instead of val: roles
	// take strings, and boxing one into an interface would cost an
	// allocation.
	str   string
	isStr bool
	// strs holds a list slot's array of strings (isStrs set) instead of
	// val, for the same reason: boxing each element would cost one.
	strs   []string
	isStrs bool
}

// value is the member's value as json.Unmarshal gives it (a null element
// of a strs list reads as "", as stringsAt gives it).
func (e *kv) value() any {
	switch {
	case e.isStr:
		return e.str
	case e.isStrs:
		out := make([]any, len(e.strs))
		for i, s := range e.strs {
			out[i] = s
		}
		return out
	}
	return e.val
}

// objectStart checks data[i] == '{' and returns the index of the first
// member, or done with the index after "}" for an empty object.
func (w *walker) objectStart(i int) (next int, done, ok bool) {
	if i == len(w.data) || w.data[i] != '{' {
		return 0, false, false
	}
	i = skipSpace(w.data, i+1)
	if i < len(w.data) && w.data[i] == '}' {
		return i + 1, true, true
	}
	return i, false, true
}

// member reads `"key" :` at i and returns the key and the index of its
// value.
func (w *walker) member(i int) (key string, v int, ok bool) {
	if i == len(w.data) || w.data[i] != '"' {
		return "", 0, false
	}
	key, j, ok := w.str(i)
	if !ok {
		return "", 0, false
	}
	j = skipSpace(w.data, j)
	if j == len(w.data) || w.data[j] != ':' {
		return "", 0, false
	}
	if v = skipSpace(w.data, j+1); v == len(w.data) {
		return "", 0, false
	}
	return key, v, true
}

// memberEnd reads what follows a member's value at i: a comma (next is the
// following member) or the closing brace (done, next is the index after it).
func (w *walker) memberEnd(i int) (next int, done, ok bool) {
	i = skipSpace(w.data, i)
	if i == len(w.data) {
		return 0, false, false
	}
	switch w.data[i] {
	case ',':
		return skipSpace(w.data, i+1), false, true
	case '}':
		return i + 1, true, true
	}
	return 0, false, false
}

// objectAt reads the object starting at data[i] == '{' and returns it and
// the index after its closing brace. Members are gathered on the stack
// first so that the map is made at its final size.
func (w *walker) objectAt(i, depth int) (map[string]any, int, bool) {
	if depth >= maxDepth {
		return nil, 0, false
	}
	var buf [16]kv
	kvs, end, ok := w.members(i, depth, buf[:0], nil, true, 0, 0)
	if !ok {
		return nil, 0, false
	}
	m := make(map[string]any, len(kvs))
	for _, e := range kvs {
		m[e.key] = e.val
	}
	return m, end, true
}

// members reads the members of the object at data[i] == '{' into kvs,
// each with slot(key) when slot is not nil, and returns them and the index
// after the closing brace. Without meta, a member of slot -1 is only
// skipped over: it would have gone to a Meta nobody reads.
//
// Slots from lists up to lists+nLists are lists of strings: an array of
// strings (and nulls) there is read into strs.
func (w *walker) members(i, depth int, kvs []kv, slot func(string) int, meta bool, lists, nLists int) ([]kv, int, bool) {
	i, done, ok := w.objectStart(i)
	for ok && !done {
		var e kv
		var v int
		e.key, v, ok = w.member(i)
		if !ok {
			break
		}
		e.slot = -1
		if slot != nil {
			e.slot = slot(e.key)
		}
		switch {
		case e.slot < 0 && !meta:
			i, ok = w.skip(v, depth+1)
		case e.slot >= 0 && w.data[v] == '"':
			e.str, i, ok = w.str(v)
			e.isStr = true
			kvs = append(kvs, e)
		case e.slot >= lists && e.slot < lists+nLists && w.data[v] == '[':
			var end int
			if e.strs, end, e.isStrs = w.stringsAt(v); e.isStrs {
				i = end
			} else {
				e.val, i, ok = w.value(v, depth+1)
			}
			kvs = append(kvs, e)
		default:
			e.val, i, ok = w.value(v, depth+1)
			kvs = append(kvs, e)
		}
		if !ok {
			break
		}
		i, done, ok = w.memberEnd(i)
	}
	return kvs, i, ok
}

// emptyList is the decoded empty array, boxed once: a slice in an
// interface costs an allocation for its header, and records carry several
// empty lists. Sharing it is safe as nothing can write through it (an
// append to it makes a new array). It is never assigned.
var emptyList any = []any{}

// arrayAt reads the array starting at data[i] == '[' and returns it and
// the index after its closing bracket.
func (w *walker) arrayAt(i, depth int) ([]any, int, bool) {
	if depth >= maxDepth {
		return nil, 0, false
	}
	var buf [16]any
	list := buf[:0]
	data := w.data
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == ']' {
		return []any{}, i + 1, true
	}
	for {
		val, j, ok := w.value(i, depth+1)
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
			return append([]any(nil), list...), i + 1, true
		default:
			return nil, 0, false
		}
	}
}

// stringsAt reads the array starting at data[i] == '[' as json.Unmarshal
// into a []string would, when every element is a string or null (null
// gives ""); ok is false for anything else.
func (w *walker) stringsAt(i int) ([]string, int, bool) {
	var buf [16]string
	list := buf[:0]
	data := w.data
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == ']' {
		return []string{}, i + 1, true
	}
	for {
		if i == len(data) {
			return nil, 0, false
		}
		var s string
		switch data[i] {
		case '"':
			var ok bool
			if s, i, ok = w.str(i); !ok {
				return nil, 0, false
			}
		case 'n':
			if _, j, ok := literal(data, i, "null", nil); ok {
				i = j
			} else {
				return nil, 0, false
			}
		default:
			return nil, 0, false
		}
		list = append(list, s)
		i = skipSpace(data, i)
		if i == len(data) {
			return nil, 0, false
		}
		switch data[i] {
		case ',':
			i = skipSpace(data, i+1)
		case ']':
			return append([]string(nil), list...), i + 1, true
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

// plainString marks the bytes a JSON string holds as they are: printable
// ASCII except the quote and the backslash.
var plainString = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// str reads the string starting at data[i] == '"' and returns it and the
// index after its closing quote.
func (w *walker) str(i int) (string, int, bool) {
	data := w.data
	high := false
	for j := i + 1; j < len(data); j++ {
		if j = plainRun(data, j); j == len(data) {
			break
		}
		switch c := data[j]; {
		case c == '"':
			if high && !utf8.Valid(data[i+1:j]) {
				s, ok := jsonString(data[i : j+1])
				return s, j + 1, ok
			}
			return w.cut(i+1, j), j + 1, true
		case c == '\\':
			return w.escapedStr(i, j, high)
		case c < 0x20:
			return "", 0, false
		default: // c >= utf8.RuneSelf
			high = true
		}
	}
	return "", 0, false
}

// jsonString decodes the quoted string q with encoding/json: the path for
// invalid UTF-8, which encoding/json replaces by U+FFFD (lengthening the
// string).
func jsonString(q []byte) (string, bool) {
	var s string
	err := json.Unmarshal(q, &s)
	return s, err == nil
}

// escapedStr is str from data[j], the string's first backslash, on: it
// unescapes into the arena as it scans, run by run, where copying the
// string and unescaping the copy in place went over it a second time. It
// resolves \u escapes as encoding/json does: a surrogate pair is one
// character, a lone surrogate is U+FFFD.
func (w *walker) escapedStr(i, j int, high bool) (string, int, bool) {
	data := w.data
	if cap(w.arena)-len(w.arena) < len(data)-i {
		// Room for the rest of the record: no escape is shorter than what
		// it stands for, so the string will fit, and a later one may.
		w.arena = make([]byte, 0, len(data)-i)
	}
	start := len(w.arena)
	out := append(w.arena, data[i+1:j]...)
	for {
		// data[j] is a backslash.
		if j+1 == len(data) {
			return "", 0, false
		}
		step := 2
		switch c := data[j+1]; c {
		case '"', '\\', '/':
			out = append(out, c)
		case 'b', 'f', 'n', 'r', 't':
			out = append(out, controlEscapes[c])
		case 'u':
			r := hex4(data[j:])
			if r < 0 {
				return "", 0, false
			}
			step = 6
			if utf16.IsSurrogate(r) {
				// The low half can only be an escape inside the string:
				// a quote is no hex digit.
				if dec := utf16.DecodeRune(r, hex4(data[j+6:])); dec != unicode.ReplacementChar {
					r, step = dec, 12
				} else {
					r = unicode.ReplacementChar
				}
			}
			out = utf8.AppendRune(out, r)
		default:
			return "", 0, false
		}
		for j += step; ; {
			k := plainRun(data, j)
			if k == len(data) {
				return "", 0, false
			}
			c := data[k]
			if c == '"' {
				if high && !utf8.Valid(data[i+1:k]) {
					s, ok := jsonString(data[i : k+1])
					return s, k + 1, ok
				}
				out = append(out, data[j:k]...)
				w.arena = out
				if len(out) == start {
					return "", k + 1, true
				}
				return unsafe.String(&out[start], len(out)-start), k + 1, true
			}
			if c == '\\' {
				out = append(out, data[j:k]...)
				j = k
				break
			}
			if c < 0x20 {
				return "", 0, false
			}
			high = true
			out = append(out, data[j:k+1]...)
			j = k + 1
		}
	}
}

// controlEscapes are the characters of the one-letter escapes \b \f \n
// \r \t.
var controlEscapes = [256]byte{'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}

// hex4 reads the \uXXXX escape at the start of s, or returns -1.
func hex4(s []byte) rune {
	if len(s) < 6 || s[0] != '\\' || s[1] != 'u' {
		return -1
	}
	var r rune
	for _, c := range s[2:6] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return -1
		}
		r = r*16 + rune(c)
	}
	return r
}

// value reads the value starting at data[i] and returns it (as
// json.Unmarshal into an any would) and the index after it.
func (w *walker) value(i, depth int) (any, int, bool) {
	data := w.data
	if i == len(data) {
		return nil, 0, false
	}
	switch c := data[i]; {
	case c == '"':
		return w.str(i)
	case c == '{':
		return w.objectAt(i, depth)
	case c == '[':
		list, end, ok := w.arrayAt(i, depth)
		if ok && len(list) == 0 {
			return emptyList, end, true
		}
		return list, end, ok
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
		f, err := strconv.ParseFloat(w.cut(i, end), 64)
		if err != nil {
			return nil, 0, false
		}
		return f, end, true
	}
	return nil, 0, false
}

// skip reads past the value starting at data[i] and returns the index
// after it, taking exactly what value takes without building anything: the
// path for the fields of a record whose Meta nobody reads.
func (w *walker) skip(i, depth int) (int, bool) {
	data := w.data
	if i == len(data) {
		return 0, false
	}
	switch c := data[i]; {
	case c == '"':
		_, end, ok := w.str(i)
		return end, ok
	case c == '{':
		return w.skipObject(i, depth)
	case c == '[':
		return w.skipArray(i, depth)
	case c == 't':
		_, end, ok := literal(data, i, "true", nil)
		return end, ok
	case c == 'f':
		_, end, ok := literal(data, i, "false", nil)
		return end, ok
	case c == 'n':
		_, end, ok := literal(data, i, "null", nil)
		return end, ok
	case c == '-' || c >= '0' && c <= '9':
		end, ok := numberEnd(data, i)
		if !ok {
			return 0, false
		}
		// value gives up on a number a float64 cannot hold, and so must
		// skip.
		_, err := strconv.ParseFloat(w.cut(i, end), 64)
		return end, err == nil
	}
	return 0, false
}

// skipObject is skip for the object at data[i] == '{'.
func (w *walker) skipObject(i, depth int) (int, bool) {
	if depth >= maxDepth {
		return 0, false
	}
	i, done, ok := w.objectStart(i)
	for ok && !done {
		var v int
		if _, v, ok = w.member(i); !ok {
			break
		}
		if i, ok = w.skip(v, depth+1); !ok {
			break
		}
		i, done, ok = w.memberEnd(i)
	}
	return i, ok
}

// skipArray is skip for the array at data[i] == '['.
func (w *walker) skipArray(i, depth int) (int, bool) {
	if depth >= maxDepth {
		return 0, false
	}
	data := w.data
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == ']' {
		return i + 1, true
	}
	for {
		j, ok := w.skip(i, depth+1)
		if !ok {
			return 0, false
		}
		i = skipSpace(data, j)
		if i == len(data) {
			return 0, false
		}
		switch data[i] {
		case ',':
			i = skipSpace(data, i+1)
		case ']':
			return i + 1, true
		default:
			return 0, false
		}
	}
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
