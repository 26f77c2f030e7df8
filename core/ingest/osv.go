package ingest

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/cyberstreams/cyberstreams/core/document"
)

// decodeOSV maps an advisory in either of two shapes to a document:
//
//   - the OSV schema (https://ossf.github.io/osv-schema/): summary, details,
//     aliases, affected[].package{ecosystem,name}, references[].url,
//     database_specific.{cwe_ids,severity};
//   - the flattened advisory lines of the training data: summary, details,
//     severity (the label), cwes, ecosystem, packages, vendors, references,
//     source, assigner.
//
// Title is the summary and Body the details. The severity label goes to
// Severity (training only). Every score the label was derived from (CVSS
// vectors and scores, upstream severities, the leak hint) stays in Meta,
// where features do not look, and so does every other field.
func decodeOSV(data []byte) (document.Document, error) {
	if d, ok := osvFast(data); ok {
		return d, nil
	}
	return decodeOSVRaw(data)
}

// decodeOSVSkipMeta is decodeOSV for Options.SkipMeta: Meta's fields are
// skipped, not decoded, on the one-walk path (process drops the Meta of
// the other).
func decodeOSVSkipMeta(data []byte) (document.Document, error) {
	if d, ok := osvWalk(data, false); ok {
		return d, nil
	}
	return decodeOSVRaw(data)
}

// decodeOSVRaw is decodeOSV field by field with encoding/json: the path for
// the OSV schema's nested objects and for every record with a field of an
// unexpected type, whose error it words.
func decodeOSVRaw(data []byte) (document.Document, error) {
	var d document.Document
	var m map[string]json.RawMessage
	if err := unmarshalObject(data, &m); err != nil {
		return d, err
	}
	take := func(key string, v any) error {
		raw, ok := m[key]
		if !ok {
			return nil
		}
		delete(m, key)
		if string(raw) == "null" {
			return nil
		}
		return unmarshalField(key, raw, v)
	}
	var published, source, ecosystem string
	var cwes, packages, vendors []string
	steps := []struct {
		key string
		v   any
	}{
		{"id", &d.ID}, {"summary", &d.Title}, {"details", &d.Body}, {"aliases", &d.Aliases},
		{"published", &published}, {"source", &source}, {"assigner", &d.Assigner},
		{"cwes", &cwes}, {"ecosystem", &ecosystem}, {"packages", &packages}, {"vendors", &vendors},
	}
	for _, s := range steps {
		if err := take(s.key, s.v); err != nil {
			return d, err
		}
	}
	d.Format = string(FormatOSV)
	d.Meta = map[string]any{}
	d.ID = strings.TrimSpace(d.ID)
	d.Ecosystem = ecosystem
	d.Vendors = vendors
	d.Packages = packages
	if published != "" {
		if t, ok := parseTime(published); ok {
			d.Published = t
		} else {
			d.Meta["published_raw"] = published
		}
	}

	// severity: the label (a string) in the flattened lines; in OSV a list
	// of {type, score} CVSS vectors, which must stay in Meta.
	if raw, ok := m["severity"]; ok {
		var label string
		if json.Unmarshal(raw, &label) == nil {
			delete(m, "severity")
			d.Severity = normaliseSeverity(label)
			if d.Severity == "" && label != "" {
				d.Meta["severity_raw"] = label
			}
		}
	}

	// references: URLs, or OSV's [{type, url}].
	if raw, ok := m["references"]; ok {
		delete(m, "references")
		refs, err := referenceURLs(raw)
		if err != nil {
			return d, fmt.Errorf("field \"references\": %w", err)
		}
		d.References = refs
	}

	// affected: OSV packages.
	if raw, ok := m["affected"]; ok {
		var affected []struct {
			Package struct {
				Ecosystem string `json:"ecosystem"`
				Name      string `json:"name"`
			} `json:"package"`
		}
		if err := unmarshalField("affected", raw, &affected); err != nil {
			return d, err
		}
		delete(m, "affected")
		var ecos []string
		for _, a := range affected {
			if a.Package.Name != "" && !contains(d.Packages, a.Package.Name) {
				d.Packages = append(d.Packages, a.Package.Name)
			}
			if e := a.Package.Ecosystem; e != "" && !contains(ecos, e) {
				ecos = append(ecos, e)
			}
		}
		if d.Ecosystem == "" {
			d.Ecosystem = strings.Join(ecos, ",")
		}
	}

	// database_specific: GHSA's cwe_ids and severity word. The whole object
	// also stays in Meta.
	if raw, ok := m["database_specific"]; ok {
		var ds struct {
			CWEIDs   []string `json:"cwe_ids"`
			Severity string   `json:"severity"`
		}
		if json.Unmarshal(raw, &ds) == nil {
			cwes = append(cwes, ds.CWEIDs...)
			if d.Severity == "" {
				d.Severity = normaliseSeverity(ds.Severity)
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
	for k, raw := range m {
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return d, fmt.Errorf("field %q: %w", k, err)
		}
		d.Meta[k] = v
	}
	if d.ID == "" && d.Title == "" && d.Body == "" {
		return d, errors.New("not an advisory: no id, summary or details")
	}
	return d, nil
}

// referenceURLs reads a reference list written as URLs or as OSV objects.
func referenceURLs(raw json.RawMessage) ([]string, error) {
	if string(raw) == "null" {
		return nil, nil
	}
	var urls []string
	if json.Unmarshal(raw, &urls) == nil {
		return urls, nil
	}
	urls = nil
	var objs []struct {
		URL string `json:"url"`
	}
	if err := json.Unmarshal(raw, &objs); err != nil {
		return nil, errors.New("want a list of URLs or of {url} objects")
	}
	for _, o := range objs {
		if o.URL != "" {
			urls = append(urls, o.URL)
		}
	}
	return urls, nil
}

// osvSource names the database an OSV id comes from by its prefix
// (GHSA-…, RUSTSEC-…, PYSEC-…), lower-cased.
func osvSource(id string) string {
	if i := strings.IndexByte(id, '-'); i > 0 {
		return strings.ToLower(id[:i])
	}
	return "osv"
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
