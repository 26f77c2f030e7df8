package ingest

import (
	"slices"
	"strings"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/extract"
)

// Entity type names, as core/extract names them.
const (
	entityCVE       = "cve"
	entityCWE       = "cwe"
	entityTechnique = "attack_technique"
)

// defaultExtractor is the workbench's entity extractor with refanging on, so
// that stored indicators are the values an analyst pivots on.
func defaultExtractor() func(string) map[string][]string {
	return extractWith(extract.New(extract.Options{Refang: true}))
}

// extractWith runs an extractor, whose results are fresh maps of sorted,
// unique values (processor.ownExtract).
func extractWith(ex *extract.Extractor) func(string) map[string][]string {
	return func(text string) map[string][]string { return ex.Extract(text) }
}

// structuredEntities are the CVE and CWE ids a record states in its fields
// (its own id, aliases, CWE list), which the text may not repeat; nil when
// there are none.
func structuredEntities(d *document.Document) map[string][]string {
	var cves, cwes []string
	if isCVEID(d.ID) {
		cves = append(cves, strings.ToUpper(d.ID))
	}
	for _, id := range d.Aliases {
		if isCVEID(id) {
			cves = append(cves, strings.ToUpper(id))
		}
	}
	for _, c := range d.CWEs {
		if isCWEID(c) {
			cwes = append(cwes, strings.ToUpper(c))
		}
	}
	if cves == nil && cwes == nil {
		return nil
	}
	out := make(map[string][]string, 2)
	if cves != nil {
		out[entityCVE] = cves
	}
	if cwes != nil {
		out[entityCWE] = cwes
	}
	return out
}

// Entities are the entities ex gives a stored document now: what it finds
// in the text, with the entities the document already has (those its
// record stated, and those an earlier extractor found) and the CVE and
// CWE ids of its fields — what ingesting the record again would store,
// for as long as knowledge only grows (the names a graph import adds).
// Values are sorted and unique; nil when there are none.
func Entities(ex *extract.Extractor, d *document.Document) map[string][]string {
	return mergeEntities(ex.Extract(d.Text()), d.Entities, structuredEntities(d))
}

// isCVEID matches (?i)^CVE-\d{4}-\d{4,}$.
func isCVEID(s string) bool {
	return len(s) >= 13 && hasPrefixFold(s, "CVE-") && isDigits(s[4:8]) && s[8] == '-' && isDigits(s[9:])
}

// isCWEID matches (?i)^CWE-\d+$.
func isCWEID(s string) bool {
	return len(s) >= 5 && hasPrefixFold(s, "CWE-") && isDigits(s[4:])
}

// hasPrefixFold reports whether s starts with the upper-case ASCII prefix
// in either case. (Regular expressions' (?i) folds C, E, V and W to their
// ASCII pair only, unlike K and S.)
func hasPrefixFold(s, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		if c != prefix[i] {
			return false
		}
	}
	return true
}

// addStructured adds a document's structured entities to ents, the fresh
// result of the workbench's extractor, whose values are sorted and unique
// type by type, in place: it gives what mergeEntities(ents,
// structuredEntities(d)) gives without the two maps and the copies of
// every value of the merge, which were a tenth of the cost of reading an
// advisory line.
func addStructured(ents map[string][]string, d *document.Document) map[string][]string {
	if isCVEID(d.ID) {
		ents = addEntity(ents, entityCVE, strings.ToUpper(d.ID))
	}
	for _, id := range d.Aliases {
		if isCVEID(id) {
			ents = addEntity(ents, entityCVE, strings.ToUpper(id))
		}
	}
	for _, c := range d.CWEs {
		if isCWEID(c) {
			ents = addEntity(ents, entityCWE, strings.ToUpper(c))
		}
	}
	if len(ents) == 0 {
		return nil
	}
	return ents
}

// addEntity inserts v into ents[typ] where it sorts, unless it is there.
func addEntity(ents map[string][]string, typ, v string) map[string][]string {
	if ents == nil {
		ents = map[string][]string{}
	}
	vals := ents[typ]
	if i, found := slices.BinarySearch(vals, v); !found {
		ents[typ] = slices.Insert(vals, i, v)
	}
	return ents
}

// mergeEntities unions entity maps; every type's values come out sorted and
// unique. It returns nil when there are none.
func mergeEntities(maps ...map[string][]string) map[string][]string {
	var out map[string][]string
	for _, m := range maps {
		for typ, vals := range m {
			if len(vals) == 0 {
				continue
			}
			if out == nil {
				out = map[string][]string{}
			}
			out[typ] = append(out[typ], vals...)
		}
	}
	for typ, vals := range out {
		slices.Sort(vals)
		out[typ] = slices.Compact(vals)
	}
	return out
}

// normaliseCWE turns "79", "CWE-79" and "cwe-79" into "CWE-79"; other
// strings (NVD-CWE-Other, NVD-CWE-noinfo) come back unchanged.
func normaliseCWE(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	if isDigits(s) {
		return "CWE-" + s
	}
	if isCWEID(s) {
		return strings.ToUpper(s)
	}
	return s
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
