package nextstep

import (
	"cmp"
	"context"
	"slices"

	"github.com/cyberstreams/cyberstreams/core/ingest"
	"github.com/cyberstreams/cyberstreams/core/techniques"
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
