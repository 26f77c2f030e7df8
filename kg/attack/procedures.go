package attack

import (
	"io"
	"regexp"
	"sort"
	"strings"
)

// TechniqueText is a piece of ATT&CK prose tied to one technique: the
// technique's own description, or a procedure example (the description of
// a group's, campaign's or software's `uses` relationship to it).
type TechniqueText struct {
	Technique string `json:"technique"` // ATT&CK id, e.g. T1547.001
	Kind      string `json:"kind"`      // TextDescription or TextProcedure
	Text      string `json:"text"`      // cleaned prose: markdown links and citations removed
	// Source is the ATT&CK id of the group, campaign or software whose
	// procedure example this is (G0007, C0001, S0002); "" for a
	// technique's own description or a user without an ATT&CK id.
	Source string `json:"source,omitempty"`
}

// Kinds of TechniqueText.
const (
	TextDescription = "description"
	TextProcedure   = "procedure"
)

// prose is the part of a STIX object TechniqueTexts keeps.
type prose struct {
	Type         string `json:"type"`
	ID           string `json:"id"`
	Description  string `json:"description"`
	Revoked      bool   `json:"revoked"`
	Deprecated   bool   `json:"x_mitre_deprecated"`
	RelType      string `json:"relationship_type"`
	SourceRef    string `json:"source_ref"`
	TargetRef    string `json:"target_ref"`
	ExternalRefs []struct {
		SourceName string `json:"source_name"`
		ExternalID string `json:"external_id"`
	} `json:"external_references"`
}

// TechniqueTexts reads a STIX bundle (gzip-compressed or not) and returns
// the prose of every live technique: its description and its procedure
// examples, in bundle order. Revoked and deprecated techniques and
// relationships are left out: their prose describes ids analysts no longer
// use.
func TechniqueTexts(r io.Reader) ([]TechniqueText, error) {
	objs, err := readObjects[prose](r)
	if err != nil {
		return nil, err
	}
	ids := map[string]string{}   // STIX id → ATT&CK id of live techniques
	users := map[string]string{} // STIX id → ATT&CK id of groups, campaigns, software
	for i := range objs {
		o := &objs[i]
		if o.Revoked || o.Deprecated {
			continue
		}
		for _, ref := range o.ExternalRefs {
			if ref.SourceName != "mitre-attack" || ref.ExternalID == "" {
				continue
			}
			switch o.Type {
			case "attack-pattern":
				ids[o.ID] = ref.ExternalID
			case "intrusion-set", "campaign", "malware", "tool":
				users[o.ID] = ref.ExternalID
			}
			break
		}
	}
	var out []TechniqueText
	for i := range objs {
		o := &objs[i]
		var id, kind, source string
		switch {
		case o.Type == "attack-pattern":
			id, kind = ids[o.ID], TextDescription
		case o.Type == "relationship" && o.RelType == "uses" && !o.Revoked && !o.Deprecated:
			id, kind, source = ids[o.TargetRef], TextProcedure, users[o.SourceRef]
		}
		if id == "" {
			continue
		}
		if text := CleanProse(o.Description); text != "" {
			out = append(out, TechniqueText{Technique: id, Kind: kind, Text: text, Source: source})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Technique < out[j].Technique })
	return out, nil
}

var (
	citationRE = regexp.MustCompile(`\(Citation:[^)]*\)`)
	linkRE     = regexp.MustCompile(`\[([^\]]*)\]\([^)]*\)`)
	markupRE   = regexp.MustCompile("</?code>|`")
	spaceRE    = regexp.MustCompile(`\s+`)
)

// CleanProse turns ATT&CK's markdown prose into plain text: a link keeps
// its text, citations and code markup go, and runs of white space become
// one space.
func CleanProse(s string) string {
	s = citationRE.ReplaceAllString(s, "")
	s = linkRE.ReplaceAllString(s, "$1")
	s = markupRE.ReplaceAllString(s, "")
	return strings.TrimSpace(spaceRE.ReplaceAllString(s, " "))
}
