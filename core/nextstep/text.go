package nextstep

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"github.com/cyberstreams/cyberstreams/core/ingest"
	"github.com/cyberstreams/cyberstreams/core/techniques"
	"github.com/cyberstreams/cyberstreams/kg"
	"github.com/cyberstreams/cyberstreams/kg/attack"
)

// SeenInText finds the techniques an incident's documents describe, with
// the technique tagger (ids written in the text, and techniques the model
// reads in the prose): each technique once, with its most confident tag,
// most confident first. A document that cannot be read is returned as a
// failure; the others are still tagged.
func SeenInText(ctx context.Context, m *techniques.Model, paths []string, opts ingest.Options) ([]techniques.Tag, []ingest.Failure, error) {
	best := map[string]techniques.Tag{}
	var failures []ingest.Failure
	err := techniques.TagStream(ctx, m, paths, opts, false, func(t techniques.Tagged) error {
		if t.Failure != nil {
			failures = append(failures, *t.Failure)
			return nil
		}
		for _, g := range t.Techniques {
			if b, ok := best[g.Technique]; !ok || g.Confidence > b.Confidence {
				best[g.Technique] = g
			}
		}
		return nil
	})
	if err != nil {
		return nil, failures, err
	}
	tags := make([]techniques.Tag, 0, len(best))
	for _, g := range best {
		tags = append(tags, g)
	}
	slices.SortFunc(tags, func(a, b techniques.Tag) int {
		if c := cmp.Compare(b.Confidence, a.Confidence); c != 0 {
			return c
		}
		return cmp.Compare(a.Technique, b.Technique)
	})
	return tags, failures, nil
}

// Procedures are ATT&CK's procedure examples by user and technique: the
// descriptions of a group's (campaign's, software's) `uses` relationships,
// as kg/attack.TechniqueTexts reads them.
type Procedures map[string]map[string][]string

// ProceduresOf groups the procedure examples of texts by their source.
func ProceduresOf(texts []attack.TechniqueText) Procedures {
	p := Procedures{}
	for _, x := range texts {
		if x.Kind != attack.TextProcedure || x.Source == "" {
			continue
		}
		if p[x.Source] == nil {
			p[x.Source] = map[string][]string{}
		}
		p[x.Source][x.Technique] = append(p[x.Source][x.Technique], x.Text)
	}
	return p
}

// Incident is the text of an incident made of a user's procedure examples
// for the given techniques, in the order given; a technique the user has
// no example for adds nothing.
func (p Procedures) Incident(user string, techniques []string) string {
	var b strings.Builder
	for _, t := range techniques {
		for _, s := range p[user][t] {
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(s)
		}
	}
	return b.String()
}

// TextReveal is the text protocol's Reveal (Protocol.Reveal): a held-out
// actor's earlier techniques are not given as ids but as its procedure
// examples for them, and the ranker is given what the technique tagger
// finds in that text. It counts what the tagger found.
type TextReveal struct {
	Tagger *techniques.Model
	Procs  Procedures
	Stats  TextStats
}

// TextStats count the text protocol's tagging over held-out actors: the
// earlier techniques, those with procedure text, the techniques found, and
// the found ones that are among the earlier techniques; Empty counts the
// actors for whom the tagger found nothing.
type TextStats struct {
	Actors, Earlier, WithText, Found, FoundEarlier, Empty int
}

// Reveal tags the actor's incident text and returns the found techniques.
func (r *TextReveal) Reveal(actor string, earlier []string) []string {
	r.Stats.Actors++
	r.Stats.Earlier += len(earlier)
	for _, t := range earlier {
		if len(r.Procs[actor][t]) > 0 {
			r.Stats.WithText++
		}
	}
	var found []string
	for _, g := range r.Tagger.Tag(r.Procs.Incident(actor, earlier), false).Techniques {
		k := kg.TechniqueKey(g.Technique)
		if k == "" || slices.Contains(found, k) {
			continue
		}
		found = append(found, k)
		if slices.Contains(earlier, k) {
			r.Stats.FoundEarlier++
		}
	}
	r.Stats.Found += len(found)
	if len(found) == 0 {
		r.Stats.Empty++
	}
	return found
}
