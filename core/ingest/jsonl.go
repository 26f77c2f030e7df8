package ingest

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cyberstreams/cyberstreams/core/document"
)

// fieldMap says where the generic JSONL reader finds each role. A role
// without an explicit name tries its usual spellings in order.
type fieldMap struct {
	names    map[string][]string
	explicit map[string]bool
	// renamed is set when Options.Fields renamed a role; otherwise records
	// take the one-walk path, decodeDefault.
	renamed bool
	// skipMeta is Options.SkipMeta: the one walk skips the fields that
	// would go to Meta instead of decoding them.
	skipMeta bool
}

// defaultFieldNames are the spellings tried for a role nobody renamed: the
// contract's names first, then what common feeds call the same thing.
var defaultFieldNames = map[string][]string{
	"id":        {"id"},
	"title":     {"title", "summary", "name"},
	"text":      {"text", "body", "description", "details", "content"},
	"source":    {"source"},
	"published": {"published", "date", "published_at", "created"},
	"severity":  {"severity"},
}

func newFieldMap(over map[string]string) fieldMap {
	fm := fieldMap{names: map[string][]string{}, explicit: map[string]bool{}, renamed: len(over) > 0}
	for k, v := range defaultFieldNames {
		fm.names[k] = v
	}
	for k, v := range over {
		fm.names[k] = []string{v}
		fm.explicit[k] = true
	}
	return fm
}

// decode maps one generic JSON object to a document; fields that no role
// takes are kept in Meta.
func (fm fieldMap) decode(data []byte) (document.Document, error) {
	if !fm.renamed {
		if d, ok := decodeRoles(data, !fm.skipMeta); ok {
			return d, nil
		}
	}
	return fm.decodeMap(data)
}

// defaultSlots lists defaultFieldNames role by role in FieldKeys order: a
// record member's slot is its name's place here, and role r tries the
// slots from defaultRoleSlots[r] up to defaultRoleSlots[r+1].
var (
	defaultSlotNames = [...]string{
		"id",
		"title", "summary", "name",
		"text", "body", "description", "details", "content",
		"source",
		"published", "date", "published_at", "created",
		"severity",
		// The typed fields after the roles (typedFields).
		"cwes", "aliases", "packages", "vendors", "references", "assigner", "ecosystem",
	}
	defaultRoleSlots = [len(FieldKeys) + 1]int{0, 1, 4, 9, 10, 14, 15}
)

// typedLists is how many of typedFields, from the first, are lists.
const typedLists = 5

// typedFields are the advisory fields the generic reader maps to the
// document's typed fields, as the OSV reader does for the advisory layout
// (so features and structured entities see them, whichever reader or door
// a record takes). A value of another shape stays in Meta.
var typedFields = defaultSlotNames[defaultRoleSlots[len(FieldKeys)]:]

// setTyped sets d's typed field name (one of typedFields) from its decoded
// JSON value; false when v has another shape, which then stays in Meta. A
// single string counts as a list of one, and a reference may be an OSV
// {"url": …} object.
func setTyped(d *document.Document, name string, v any) bool {
	switch name {
	case "assigner", "ecosystem":
		s, ok := v.(string)
		if !ok {
			return v == nil
		}
		if name == "assigner" {
			d.Assigner = s
		} else {
			d.Ecosystem = s
		}
		return true
	}
	list, ok := stringList(v, name == "references")
	if !ok {
		return false
	}
	return setTypedList(d, name, list)
}

// setTypedList sets d's list field name (one of the first typedLists of
// typedFields) from its strings; empty strings (and nulls) are left out.
func setTypedList(d *document.Document, name string, list []string) bool {
	if slices.Contains(list, "") {
		list = slices.DeleteFunc(slices.Clone(list), func(s string) bool { return s == "" })
	}
	if len(list) == 0 {
		list = nil
	}
	switch name {
	case "cwes":
		d.CWEs = nil
		for _, c := range list {
			if c = normaliseCWE(c); c != "" && !contains(d.CWEs, c) {
				d.CWEs = append(d.CWEs, c)
			}
		}
	case "aliases":
		d.Aliases = list
	case "packages":
		d.Packages = list
	case "vendors":
		d.Vendors = list
	case "references":
		d.References = list
	}
	return true
}

// stringList reads a JSON null, string or list of strings (with urls, also
// of {"url": …} objects) as a list.
func stringList(v any, urls bool) ([]string, bool) {
	switch v := v.(type) {
	case nil:
		return nil, true
	case string:
		if v == "" {
			return nil, true
		}
		return []string{v}, true
	case []any:
		if len(v) == 0 {
			return nil, true
		}
		out := make([]string, 0, len(v))
		for _, e := range v {
			switch e := e.(type) {
			case nil:
				out = append(out, "") // as the one walk's stringsAt reads it
			case string:
				out = append(out, e)
			case map[string]any:
				u, ok := e["url"].(string)
				if !urls || !ok {
					return nil, false
				}
				out = append(out, u)
			default:
				return nil, false
			}
		}
		return out, true
	}
	return nil, false
}

// defaultSlot is a member name's place in defaultSlotNames, or -1.
func defaultSlot(key string) int {
	switch key {
	case "id":
		return 0
	case "title":
		return 1
	case "summary":
		return 2
	case "name":
		return 3
	case "text":
		return 4
	case "body":
		return 5
	case "description":
		return 6
	case "details":
		return 7
	case "content":
		return 8
	case "source":
		return 9
	case "published":
		return 10
	case "date":
		return 11
	case "published_at":
		return 12
	case "created":
		return 13
	case "severity":
		return 14
	case "cwes":
		return 15
	case "aliases":
		return 16
	case "packages":
		return 17
	case "vendors":
		return 18
	case "references":
		return 19
	case "assigner":
		return 20
	case "ecosystem":
		return 21
	}
	return -1
}

// decodeDefault is decodeMap for a field map nobody renamed, in one walk:
// the record's members are read onto the stack with their role slots, the
// roles take their values from there, and Meta is made once, at its size,
// from the members left. It gives up (ok false) on malformed JSON and on
// anything decodeMap reports as an error, which decodeMap then words; the
// fuzz test compares the two.
func decodeDefault(data []byte) (d document.Document, ok bool) {
	return decodeRoles(data, true)
}

// decodeRoles is decodeDefault, with Meta left nil and its fields skipped
// unread unless meta is set.
func decodeRoles(data []byte, meta bool) (d document.Document, ok bool) {
	w := newWalker(data)
	i := skipSpace(data, 0)
	var buf [32]kv
	kvs, end, ok := w.members(i, 0, buf[:0], defaultSlot, meta, defaultRoleSlots[len(FieldKeys)], typedLists)
	if !ok || skipSpace(data, end) != len(data) {
		return d, false
	}
	var last [len(defaultSlotNames)]int // member index + 1 of each slot's last occurrence
	for k, e := range kvs {
		if e.slot >= 0 {
			last[e.slot] = k + 1
		}
	}
	var used [len(defaultSlotNames)]bool
	var roles [len(FieldKeys)]string
	for r := range roles {
		for slot := defaultRoleSlots[r]; slot < defaultRoleSlots[r+1]; slot++ {
			k := last[slot]
			if k == 0 {
				continue
			}
			e := &kvs[k-1]
			if e.isStr {
				roles[r], used[slot] = e.str, true
				break
			}
			if e.val == nil {
				continue
			}
			s, err := scalarString(e.val)
			if err != nil {
				return d, false
			}
			roles[r], used[slot] = s, true
			break
		}
	}
	d.ID, d.Title, d.Body, d.Source = strings.TrimSpace(roles[0]), roles[1], roles[2], roles[3]
	pub, sev := roles[4], roles[5]
	if d.Title == "" && d.Body == "" {
		return d, false
	}
	d.Format = string(FormatJSONL)
	var publishedRaw, severityRaw string
	if pub != "" {
		if t, ok := parseTime(pub); ok {
			d.Published = t
		} else {
			publishedRaw = pub
		}
	}
	if sev != "" {
		if d.Severity = normaliseSeverity(sev); d.Severity == "" {
			severityRaw = sev
		}
	}
	for slot := defaultRoleSlots[len(FieldKeys)]; slot < len(defaultSlotNames); slot++ {
		if k := last[slot]; k != 0 {
			if e := &kvs[k-1]; e.isStrs {
				used[slot] = setTypedList(&d, defaultSlotNames[slot], e.strs)
			} else {
				used[slot] = setTyped(&d, defaultSlotNames[slot], e.value())
			}
		}
	}
	if !meta {
		return d, true
	}
	rest := kvs[:0]
	for _, e := range kvs {
		if e.slot < 0 || !used[e.slot] {
			rest = append(rest, e)
		}
	}
	d.Meta = metaMap(rest, publishedRaw, severityRaw)
	return d, true
}

// decodeMap maps one generic JSON object to a document through a decoded
// map: the path for renamed (possibly dotted) fields and for every record
// decodeDefault gives up on.
func (fm fieldMap) decodeMap(data []byte) (document.Document, error) {
	var d document.Document
	m, err := decodeObject(data)
	if err != nil {
		return d, err
	}
	used := map[string]bool{}
	get := func(role string) (string, error) {
		for _, name := range fm.names[role] {
			v, ok := lookup(m, name)
			if !ok || v == nil {
				continue
			}
			used[strings.SplitN(name, ".", 2)[0]] = true
			s, err := scalarString(v)
			if err != nil {
				return "", fmt.Errorf("field %q: %w", name, err)
			}
			return s, nil
		}
		if fm.explicit[role] && role == "text" {
			return "", fmt.Errorf("no field %q", fm.names[role][0])
		}
		return "", nil
	}
	if d.ID, err = get("id"); err != nil {
		return d, err
	}
	if d.Title, err = get("title"); err != nil {
		return d, err
	}
	if d.Body, err = get("text"); err != nil {
		return d, err
	}
	if d.Source, err = get("source"); err != nil {
		return d, err
	}
	pub, err := get("published")
	if err != nil {
		return d, err
	}
	sev, err := get("severity")
	if err != nil {
		return d, err
	}
	d.ID = strings.TrimSpace(d.ID)
	d.Format = string(FormatJSONL)
	d.Meta = map[string]any{}
	if pub != "" {
		t, ok := parseTime(pub)
		if ok {
			d.Published = t
		} else {
			d.Meta["published_raw"] = pub
		}
	}
	if sev != "" {
		if d.Severity = normaliseSeverity(sev); d.Severity == "" {
			d.Meta["severity_raw"] = sev
		}
	}
	for _, k := range typedFields {
		if v, ok := m[k]; ok && !used[k] {
			used[k] = setTyped(&d, k, v)
		}
	}
	for k, v := range m {
		if !used[k] {
			d.Meta[k] = v
		}
	}
	if d.Title == "" && d.Body == "" {
		return d, fmt.Errorf("%w: none of the fields %s", errNoText, strings.Join(fm.names["text"], ", "))
	}
	return d, nil
}

// unmarshalObject decodes data, which must be one JSON object, into v.
func unmarshalObject(data []byte, v any) error {
	i := 0
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n') {
		i++
	}
	if i == len(data) || data[i] != '{' {
		return errors.New("want a JSON object")
	}
	if err := json.Unmarshal(data, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return fmt.Errorf("field %q: want %s, found %s", te.Field, kindName(te.Type), article(te.Value))
		}
		return fmt.Errorf("invalid JSON: %w", err)
	}
	return nil
}

// unmarshalField decodes one member's value into v, wording a type
// mismatch in JSON's terms, never Go's (the message reaches API clients).
func unmarshalField(key string, raw []byte, v any) error {
	if err := json.Unmarshal(raw, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return fmt.Errorf("field %q: want %s, found %s", key, kindName(te.Type), article(te.Value))
		}
		return fmt.Errorf("field %q: invalid JSON: %w", key, err)
	}
	return nil
}

// kindName says what a Go type holds in JSON words.
func kindName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int64, reflect.Float64, reflect.Float32, reflect.Int32,
		reflect.Uint, reflect.Uint64, reflect.Uint32, reflect.Int16, reflect.Int8, reflect.Uint16, reflect.Uint8:
		return "a number"
	}
	return "a value of another kind" // never a Go type name: the message reaches API clients
}

func article(jsonKind string) string {
	switch jsonKind {
	case "array":
		return "a list"
	case "object":
		return "an object"
	}
	return "a " + jsonKind
}

// lookup finds a possibly dotted field name ("data.description") in m.
func lookup(m map[string]any, name string) (any, bool) {
	if v, ok := m[name]; ok {
		return v, true
	}
	cur := m
	parts := strings.Split(name, ".")
	for i, p := range parts {
		v, ok := cur[p]
		if !ok {
			return nil, false
		}
		if i == len(parts)-1 {
			return v, true
		}
		if cur, ok = v.(map[string]any); !ok {
			return nil, false
		}
	}
	return nil, false
}

// scalarString renders a JSON scalar as text; a list of strings is joined by
// line breaks (feeds split long descriptions into paragraphs).
func scalarString(v any) (string, error) {
	switch v := v.(type) {
	case string:
		return v, nil
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1e15 {
			return strconv.FormatInt(int64(v), 10), nil
		}
		return strconv.FormatFloat(v, 'g', -1, 64), nil
	case bool:
		return strconv.FormatBool(v), nil
	case []any:
		parts := make([]string, 0, len(v))
		for _, e := range v {
			s, ok := e.(string)
			if !ok {
				return "", errors.New("is a list of non-strings")
			}
			parts = append(parts, s)
		}
		return strings.Join(parts, "\n"), nil
	}
	return "", errors.New("is an object, want a string")
}

// timeLayouts are the date forms advisories and feeds use, most common first.
var timeLayouts = []string{
	time.RFC3339,
	localSecondLayout,
	"2006-01-02T15:04Z07:00",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05",
	dayLayout,
	time.RFC1123Z,
	time.RFC1123,
	"Mon, 2 Jan 2006 15:04:05 -0700",
	"January 2, 2006",
	"2 January 2006",
	"Jan 2, 2006",
	"2006/01/02",
}

// localSecondLayout is a date and time to the second without a zone;
// dayLayout a date alone.
const (
	localSecondLayout = "2006-01-02T15:04:05"
	dayLayout         = "2006-01-02"
)

// parseCorpusDate reads the advisory corpus's two date forms, a day
// ("2006-01-02") and a local time to the second (localSecondLayout), as
// time.Parse with timeLayouts would — no layout before theirs can read
// them — without the failed attempts of the layouts before (each costs an
// error value) or time.Parse's general layout walk. It takes only what it
// is sure of — every digit in place, every field in range — and leaves the
// rest to the layouts.
func parseCorpusDate(s string) (time.Time, bool) {
	var hour, minute, sec int
	switch {
	case len(s) == len(dayLayout):
	case len(s) == len(localSecondLayout) && s[10] == 'T' && s[13] == ':' && s[16] == ':':
		hour, minute, sec = digitsAt(s, 11, 2), digitsAt(s, 14, 2), digitsAt(s, 17, 2)
	default:
		return time.Time{}, false
	}
	if s[4] != '-' || s[7] != '-' {
		return time.Time{}, false
	}
	year, month, day := digitsAt(s, 0, 4), digitsAt(s, 5, 2), digitsAt(s, 8, 2)
	if year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || sec < 0 || sec > 59 {
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, 0, time.UTC)
	if t.Day() != day { // past the month's end: time.Parse refuses it
		return time.Time{}, false
	}
	return t, true
}

// digitsAt is the number s[i:i+n] spells in decimal digits, or -1.
func digitsAt(s string, i, n int) int {
	v := 0
	for _, c := range []byte(s[i : i+n]) {
		if c < '0' || c > '9' {
			return -1
		}
		v = v*10 + int(c-'0')
	}
	return v
}

// parseTime reads a date in any of timeLayouts (a missing zone is UTC), or
// a Unix time in seconds.
func parseTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	if t, ok := parseCorpusDate(s); ok {
		return t, true
	}
	return parseTimeByLayouts(s)
}

// parseTimeByLayouts is parseTime without its shortcut for the corpus's
// date forms: every layout in order, then Unix seconds.
func parseTimeByLayouts(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	if isDigits(s) && len(s) >= 9 && len(s) <= 10 {
		n, _ := strconv.ParseInt(s, 10, 64)
		return time.Unix(n, 0).UTC(), true
	}
	return time.Time{}, false
}

// normaliseSeverity maps a source's severity word to one of
// document.Severities, the way the training data was labelled: GHSA
// "moderate" and Red Hat "moderate" are medium, Red Hat "important" is high,
// CVSS "none" is informational. Anything else is "" (unlabelled).
func normaliseSeverity(s string) string {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "critical":
		return "critical"
	case "high", "important":
		return "high"
	case "medium", "moderate":
		return "medium"
	case "low":
		return "low"
	case "informational", "info", "none":
		return "informational"
	}
	return ""
}
