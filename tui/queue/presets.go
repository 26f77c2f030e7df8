package queue

import (
	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/triage"
)

// maxSourcePresets is how many sources get a preset of their own; in a
// big workspace the text filter finds the rest.
const maxSourcePresets = 12

// Preset is one filter the `f` key cycles to.
type Preset struct {
	Name   string
	Filter triage.Filter
}

// Presets are the filters `f` cycles through: none, unlabelled, novel
// (unlike the model's training documents), each model class, the first
// sources, confirmed, corrected and contested (teammates' labels differ).
func Presets(sources []string) []Preset {
	ps := []Preset{{"", triage.Filter{}}, {"unlabelled", triage.Filter{Label: triage.OnlyUnlabelled}}, {"novel", triage.Filter{Novel: true}}}
	for _, sev := range document.Severities {
		ps = append(ps, Preset{"model " + sev, triage.Filter{Severity: sev}})
	}
	if len(sources) > maxSourcePresets {
		sources = sources[:maxSourcePresets]
	}
	for _, src := range sources {
		ps = append(ps, Preset{"source " + src, triage.Filter{Source: src}})
	}
	return append(ps, Preset{"confirmed", triage.Filter{Label: triage.OnlyConfirmed}}, Preset{"corrected", triage.Filter{Label: triage.OnlyCorrected}},
		Preset{"contested", triage.Filter{Contested: true}})
}
