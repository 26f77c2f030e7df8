package ingest

import (
	"context"
	"errors"
	"io"
	"regexp"
	"strings"

	"github.com/cyberstreams/cyberstreams/core/document"
)

// stixDocumentTypes are the STIX 2.1 object types that carry prose an
// analyst reads; every other object (relationship, identity,
// marking-definition, x-mitre-*, …) is skipped, not failed.
var stixDocumentTypes = map[string]bool{
	"report": true, "indicator": true, "vulnerability": true, "attack-pattern": true,
	"intrusion-set": true, "malware": true, "campaign": true, "threat-actor": true, "tool": true,
}

// stixObject holds the properties of the document types that become
// document fields (STIX 2.1 §4–§6).
type stixObject struct {
	Type               string   `json:"type"`
	ID                 string   `json:"id"`
	SpecVersion        string   `json:"spec_version"`
	Name               string   `json:"name"`
	Description        string   `json:"description"`
	Created            string   `json:"created"`
	Modified           string   `json:"modified"`
	Published          string   `json:"published"`
	Pattern            string   `json:"pattern"`
	PatternType        string   `json:"pattern_type"`
	ValidFrom          string   `json:"valid_from"`
	Aliases            []string `json:"aliases"`
	Labels             []string `json:"labels"`
	IndicatorTypes     []string `json:"indicator_types"`
	ObjectRefs         []string `json:"object_refs"`
	Revoked            bool     `json:"revoked"`
	Deprecated         bool     `json:"x_mitre_deprecated"`
	Platforms          []string `json:"x_mitre_platforms"`
	ExternalReferences []struct {
		SourceName string `json:"source_name"`
		ExternalID string `json:"external_id"`
		URL        string `json:"url"`
	} `json:"external_references"`
	KillChainPhases []struct {
		KillChainName string `json:"kill_chain_name"`
		PhaseName     string `json:"phase_name"`
	} `json:"kill_chain_phases"`
}

// readSTIXBundle streams a bundle's objects array.
func readSTIXBundle(ctx context.Context, name string, r io.Reader, emit func(rawRecord) error) error {
	_, err := streamMember(ctx, name, r, "objects", func(map[string]string) decodeFunc { return decodeSTIX }, emit)
	return err
}

var attackTechniqueID = regexp.MustCompile(`^T\d{4}(\.\d{3})?$`)

// decodeSTIX maps one STIX object. ATT&CK ids from external references
// (source_name mitre-attack) become aliases, and attack_technique entities
// when they name a technique; an indicator's pattern comparisons become
// entities of the matching types.
func decodeSTIX(data []byte) (document.Document, error) {
	var d document.Document
	var o stixObject
	if err := unmarshalObject(data, &o); err != nil {
		return d, err
	}
	if o.Type == "" || o.ID == "" {
		return d, errors.New("STIX object without type or id")
	}
	if !stixDocumentTypes[o.Type] || o.Revoked {
		return d, errSkip
	}
	d.ID = o.ID
	d.Title = o.Name
	d.Body = o.Description
	d.Source = "stix"
	d.Format = string(FormatSTIX)
	d.Meta = map[string]any{"stix_type": o.Type}
	setMeta := func(k string, v any, present bool) {
		if present {
			d.Meta[k] = v
		}
	}
	setMeta("created", o.Created, o.Created != "")
	setMeta("modified", o.Modified, o.Modified != "")
	setMeta("names", o.Aliases, len(o.Aliases) > 0)
	setMeta("labels", o.Labels, len(o.Labels) > 0)
	setMeta("indicator_types", o.IndicatorTypes, len(o.IndicatorTypes) > 0)
	setMeta("object_refs", len(o.ObjectRefs), len(o.ObjectRefs) > 0)
	setMeta("deprecated", true, o.Deprecated)
	setMeta("platforms", o.Platforms, len(o.Platforms) > 0)
	setMeta("valid_from", o.ValidFrom, o.ValidFrom != "")
	var phases []string
	for _, p := range o.KillChainPhases {
		phases = append(phases, p.PhaseName)
	}
	setMeta("kill_chain_phases", phases, len(phases) > 0)

	published := o.Published
	if published == "" {
		published = o.Created
	}
	if t, ok := parseTime(published); ok {
		d.Published = t
	}
	entities := map[string][]string{}
	for _, ref := range o.ExternalReferences {
		if ref.URL != "" {
			d.References = append(d.References, ref.URL)
		}
		id := strings.TrimSpace(ref.ExternalID)
		if id == "" {
			continue
		}
		switch strings.ToLower(ref.SourceName) {
		case "mitre-attack":
			d.Source = "mitre-attack"
			d.Aliases = append(d.Aliases, id)
			d.Meta["attack_id"] = id
			if attackTechniqueID.MatchString(id) {
				entities[entityTechnique] = append(entities[entityTechnique], id)
			}
		case "cve":
			d.Aliases = append(d.Aliases, id)
		case "cwe":
			if c := normaliseCWE(id); c != "" {
				d.CWEs = append(d.CWEs, c)
			}
		}
	}
	if o.Type == "indicator" && o.Pattern != "" {
		d.Meta["pattern"] = o.Pattern
		d.Meta["pattern_type"] = o.PatternType
		if o.PatternType == "" || o.PatternType == "stix" {
			for typ, vals := range PatternEntities(o.Pattern) {
				entities[typ] = append(entities[typ], vals...)
			}
		}
		if d.Title == "" {
			d.Title = o.Pattern
		}
	}
	if len(entities) > 0 {
		d.Entities = entities
	}
	return d, nil
}

// stixComparison matches one comparison of a STIX pattern (STIX 2.1 §9):
// object type, object path, operator, and a quoted string literal.
var stixComparison = regexp.MustCompile(`([a-z0-9-]+):([A-Za-z0-9_.'\-]+)\s*(=|!=|LIKE|MATCHES|IN)\s*'((?:[^'\\]|\\.)*)'`)

// PatternEntities returns the indicator values a STIX pattern tests for
// equality, by entity type: "[ipv4-addr:value = '198.51.100.7']" gives
// {"ipv4": ["198.51.100.7"]}. Comparisons with other operators (LIKE,
// MATCHES, !=) describe families of values, not values, and are left out.
func PatternEntities(pattern string) map[string][]string {
	out := map[string][]string{}
	for _, m := range stixComparison.FindAllStringSubmatch(pattern, -1) {
		if m[3] != "=" {
			continue
		}
		value := unescapeSTIX(m[4])
		typ := patternEntityType(m[1], m[2])
		if typ == "" || value == "" {
			continue
		}
		switch typ {
		case "domain", "email", "md5", "sha1", "sha256", "sha512", "mac":
			value = strings.ToLower(value)
		case "ipv4", "ipv6":
			if strings.Contains(value, "/") { // a network, not an address
				continue
			}
		}
		if !contains(out[typ], value) {
			out[typ] = append(out[typ], value)
		}
	}
	return out
}

// patternEntityType maps a STIX cyber-observable path to an entity type.
func patternEntityType(object, path string) string {
	switch object {
	case "ipv4-addr":
		return ifPath(path, "value", "ipv4")
	case "ipv6-addr":
		return ifPath(path, "value", "ipv6")
	case "domain-name":
		return ifPath(path, "value", "domain")
	case "url":
		return ifPath(path, "value", "url")
	case "email-addr":
		return ifPath(path, "value", "email")
	case "mac-addr":
		return ifPath(path, "value", "mac")
	case "windows-registry-key":
		return ifPath(path, "key", "registry_key")
	case "file", "artifact":
		hash, ok := strings.CutPrefix(path, "hashes.")
		if !ok {
			return ""
		}
		switch strings.ToUpper(strings.ReplaceAll(strings.Trim(hash, "'"), "-", "")) {
		case "MD5":
			return "md5"
		case "SHA1":
			return "sha1"
		case "SHA256":
			return "sha256"
		case "SHA512":
			return "sha512"
		}
	}
	return ""
}

func ifPath(path, want, typ string) string {
	if path == want {
		return typ
	}
	return ""
}

// unescapeSTIX undoes the two escapes of a STIX string literal (\' and \\).
func unescapeSTIX(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
