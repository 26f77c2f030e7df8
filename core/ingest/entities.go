package ingest

import (
	"regexp"
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
	ex := extract.New(extract.Options{Refang: true})
	return func(text string) map[string][]string { return ex.Extract(text) }
}

var (
	cveID = regexp.MustCompile(`^(?i)CVE-\d{4}-\d{4,}$`)
	cweID = regexp.MustCompile(`^(?i)CWE-\d+$`)
)

// structuredEntities are the CVE and CWE ids a record states in its fields
// (its own id, aliases, CWE list), which the text may not repeat.
func structuredEntities(d *document.Document) map[string][]string {
	out := map[string][]string{}
	for _, id := range append([]string{d.ID}, d.Aliases...) {
		if cveID.MatchString(id) {
			out[entityCVE] = append(out[entityCVE], strings.ToUpper(id))
		}
	}
	for _, c := range d.CWEs {
		if cweID.MatchString(c) {
			out[entityCWE] = append(out[entityCWE], strings.ToUpper(c))
		}
	}
	return out
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
	if cweID.MatchString(s) {
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
