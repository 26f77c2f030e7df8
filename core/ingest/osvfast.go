package ingest

import (
	"strings"

	"github.com/cyberstreams/cyberstreams/core/document"
)

// osvFromValues is decodeOSVRaw for a record already decoded in one walk
// (fastObject), for the flattened advisory lines that make up the bulk of
// advisory feeds: it builds the same document without decoding each field
// again. It gives up (ok false) on what decodeOSVRaw must handle itself —
// the OSV schema's affected and database_specific objects, reference
// objects, and any field of an unexpected type, whose error decodeOSVRaw
// words — so that either path gives the same document; the fuzz test
// compares them.
func osvFromValues(m map[string]any) (d document.Document, ok bool) {
	if _, has := m["affected"]; has {
		return d, false
	}
	if _, has := m["database_specific"]; has {
		return d, false
	}
	var published, source, ecosystem string
	var cwes []string
	strs := []struct {
		key string
		v   *string
	}{
		{"id", &d.ID}, {"summary", &d.Title}, {"details", &d.Body},
		{"published", &published}, {"source", &source}, {"assigner", &d.Assigner}, {"ecosystem", &ecosystem},
	}
	for _, f := range strs {
		v, has := m[f.key]
		if !has {
			continue
		}
		delete(m, f.key)
		switch v := v.(type) {
		case nil:
		case string:
			*f.v = v
		default:
			return d, false
		}
	}
	lists := []struct {
		key string
		v   *[]string
	}{
		{"aliases", &d.Aliases}, {"cwes", &cwes}, {"packages", &d.Packages}, {"vendors", &d.Vendors}, {"references", &d.References},
	}
	for _, f := range lists {
		v, has := m[f.key]
		if !has {
			continue
		}
		delete(m, f.key)
		if v == nil {
			continue
		}
		list, ok := stringList(v)
		if !ok {
			return d, false
		}
		*f.v = list
	}
	d.Format = string(FormatOSV)
	d.Meta = map[string]any{}
	d.ID = strings.TrimSpace(d.ID)
	d.Ecosystem = ecosystem
	if published != "" {
		if t, ok := parseTime(published); ok {
			d.Published = t
		} else {
			d.Meta["published_raw"] = published
		}
	}
	if v, has := m["severity"]; has {
		// A string or null is the label (null an empty one); anything else
		// (OSV's CVSS list) stays in Meta.
		if label, isString := v.(string); isString || v == nil {
			delete(m, "severity")
			d.Severity = normaliseSeverity(label)
			if d.Severity == "" && label != "" {
				d.Meta["severity_raw"] = label
			}
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
	for k, v := range m {
		d.Meta[k] = v
	}
	if d.ID == "" && d.Title == "" && d.Body == "" {
		return d, false
	}
	return d, true
}

// stringList is what json.Unmarshal into a []string makes of a decoded
// list: null elements become "", an empty list an empty (not nil) slice.
func stringList(v any) ([]string, bool) {
	list, ok := v.([]any)
	if !ok {
		return nil, false
	}
	out := make([]string, len(list))
	for i, e := range list {
		switch e := e.(type) {
		case nil:
		case string:
			out[i] = e
		default:
			return nil, false
		}
	}
	return out, true
}
