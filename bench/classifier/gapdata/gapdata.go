// Package gapdata reads the labelled advisories of the time-gap protocol
// (bench/classifier/future_gap.sh) and cuts them by publication date: the
// part a model learns from and the part it is judged on. Measurement
// only: the benches gapstudy and featurestudy share it.
package gapdata

import (
	"context"
	"fmt"
	"time"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/ingest"
	"github.com/cyberstreams/cyberstreams/core/scoring"
	"github.com/cyberstreams/cyberstreams/core/training"
)

// Load reads the documents with a known severity from path, entities
// extracted as scoring does, and returns, in time order, those published
// before until (past) and those published on or after since and, when
// evalUntil is set, before it (judged).
func Load(ctx context.Context, path string, until, since, evalUntil time.Time) (past, judged []document.Document, err error) {
	know := scoring.PlainKnowledge()
	var docs []document.Document
	err = ingest.Read(ctx, []string{path}, know.Reading(ingest.Options{SkipMeta: true}), func(r ingest.Record) error {
		if r.Err == nil && document.SeverityIndex(r.Doc.Severity) >= 0 {
			docs = append(docs, r.Doc.Detach())
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("gap data %s: %w", path, err)
	}
	training.SortByTime(docs)
	for _, d := range docs {
		switch {
		case d.Published.Before(until):
			past = append(past, d)
		case !d.Published.Before(since) && (evalUntil.IsZero() || d.Published.Before(evalUntil)):
			judged = append(judged, d)
		}
	}
	return past, judged, nil
}

// Day parses a YYYY-MM-DD flag value; empty is the zero time (no bound).
func Day(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("date %q: %w", s, err)
	}
	return t, nil
}
