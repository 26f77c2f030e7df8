package ingest

import (
	"strings"

	"github.com/cyberstreams/cyberstreams/core/document"
)

// osvFast is decodeOSVRaw in one walk over the record, for the flattened
// advisory lines that make up the bulk of advisory feeds: the known fields
// are decoded straight into the document (lists into []string, without a
// generic []any first) and only the others into Meta values. It gives up
// (ok false) on what decodeOSVRaw must handle itself — the OSV schema's
// affected and database_specific objects, reference objects, malformed
// JSON, and any field of an unexpected type, whose error decodeOSVRaw
// words — so that either path gives the same document; the fuzz test
// compares them.
func osvFast(data []byte) (d document.Document, ok bool) {
	return osvWalk(data, true)
}

// osvWalk is osvFast, with Meta left nil and its fields skipped unread
// unless meta is set.
func osvWalk(data []byte, meta bool) (d document.Document, ok bool) {
	w := newWalker(data)
	var buf [32]kv
	rest := buf[:0] // the members that go to Meta
	var published, source, ecosystem string
	var cwes []string
	var severity any
	hasSeverity := false

	i, done, ok := w.objectStart(skipSpace(data, 0))
	for ok && !done {
		var key string
		var v int
		if key, v, ok = w.member(i); !ok {
			return d, false
		}
		var s *string
		var list *[]string
		switch key {
		case "affected", "database_specific":
			return d, false
		case "id":
			s = &d.ID
		case "summary":
			s = &d.Title
		case "details":
			s = &d.Body
		case "published":
			s = &published
		case "source":
			s = &source
		case "assigner":
			s = &d.Assigner
		case "ecosystem":
			s = &ecosystem
		case "aliases":
			list = &d.Aliases
		case "cwes":
			list = &cwes
		case "packages":
			list = &d.Packages
		case "vendors":
			list = &d.Vendors
		case "references":
			list = &d.References
		}
		// A repeated key counts with its last value, as in a decoded map.
		switch {
		case s != nil && data[v] == '"':
			*s, i, ok = w.str(v)
		case list != nil && data[v] == '[':
			*list, i, ok = w.stringsAt(v)
		case s != nil || list != nil:
			if _, i, ok = literal(data, v, "null", nil); ok {
				if s != nil {
					*s = ""
				} else {
					*list = nil
				}
			}
		case key == "severity":
			severity, i, ok = w.value(v, 1)
			hasSeverity = true
		case !meta:
			i, ok = w.skip(v, 1)
		default:
			var e kv
			e.key, e.slot = key, -1
			e.val, i, ok = w.value(v, 1)
			rest = append(rest, e)
		}
		if !ok {
			return d, false
		}
		i, done, ok = w.memberEnd(i)
	}
	if !ok || skipSpace(data, i) != len(data) {
		return d, false
	}

	d.Format = string(FormatOSV)
	d.ID = strings.TrimSpace(d.ID)
	d.Ecosystem = ecosystem
	var publishedRaw, severityRaw string
	if published != "" {
		if t, ok := parseTime(published); ok {
			d.Published = t
		} else {
			publishedRaw = published
		}
	}
	if hasSeverity {
		// A string or null is the label (null an empty one); anything else
		// (OSV's CVSS list) stays in Meta.
		if label, isString := severity.(string); isString || severity == nil {
			d.Severity = normaliseSeverity(label)
			if d.Severity == "" && label != "" {
				severityRaw = label
			}
		} else {
			rest = append(rest, kv{key: "severity", val: severity, slot: -1})
		}
	}
	for _, c := range cwes {
		if c = normaliseCWE(c); c != "" && !contains(d.CWEs, c) {
			d.CWEs = append(d.CWEs, c)
		}
	}
	if source == "" {
		source = osvSource(d.ID)
	}
	d.Source = source
	if meta {
		d.Meta = metaMap(rest, publishedRaw, severityRaw)
	}
	if d.ID == "" && d.Title == "" && d.Body == "" {
		return d, false
	}
	return d, true
}

// metaMap is a document's Meta: the record's fields no role took (a
// repeated key with its last value), and the raw published date and
// severity word when they could not be read, unless the record has fields
// of those names itself.
func metaMap(kvs []kv, publishedRaw, severityRaw string) map[string]any {
	n := len(kvs)
	if publishedRaw != "" {
		n++
	}
	if severityRaw != "" {
		n++
	}
	m := make(map[string]any, n)
	for _, e := range kvs {
		m[e.key] = e.value()
	}
	if publishedRaw != "" {
		if _, has := m["published_raw"]; !has {
			m["published_raw"] = publishedRaw
		}
	}
	if severityRaw != "" {
		if _, has := m["severity_raw"]; !has {
			m["severity_raw"] = severityRaw
		}
	}
	return m
}
