// Package report measures, per ISO week, what the model does for the
// analysts: how often its severity at label time matched the analyst's,
// how many medium/low/informational documents it raised to critical/high
// (false-positive rate), how many critical/high ones it caught (detection
// rate), how much of what it scored got feedback, and how long documents
// waited for their first label. It reads the label history (each label
// keeps the model version and the severity it predicted at that moment),
// the workspace's scores and the documents' ingest times.
package report

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/cyberstreams/cyberstreams/core/workspace"
	"github.com/cyberstreams/cyberstreams/labels"
)

// Week is one ISO week's numbers. Rates are nil when undefined (nothing to
// divide by).
type Week struct {
	Week  string    `json:"week"` // ISO 8601 week, e.g. 2024-W18
	Start time.Time `json:"start"`
	// Labels given this week (not retracted); Judged of them had a model
	// prediction recorded at label time.
	Labels int `json:"labels"`
	Judged int `json:"judged"`
	// Accuracy is the share of judged labels whose severity the model had
	// predicted.
	Accuracy *float64 `json:"accuracy"`
	// FalsePositiveRate: of judged labels that are medium, low or
	// informational, the share the model called critical or high.
	FalsePositiveRate *float64 `json:"critical_high_fpr"`
	// DetectionRate: of judged labels that are critical or high, the share
	// the model called critical or high (recall of the group).
	DetectionRate *float64 `json:"detection_rate"`
	// Scored documents this week (by scored_at) and the feedback ratio,
	// labels / scored.
	Scored        int      `json:"scored"`
	FeedbackRatio *float64 `json:"feedback_ratio"`
	// MedianHoursToLabel is the median time from ingest to the first label
	// of documents first labelled this week; labels dated before their
	// document's ingest (imported history) are left out. TimedDocs counts
	// the documents measured.
	MedianHoursToLabel *float64 `json:"median_hours_to_label"`
	TimedDocs          int      `json:"timed_docs"`
}

// Options choose the weeks.
type Options struct {
	// Weeks is how many weeks to show (default 8), ending with End's week.
	Weeks int
	// End is a time in the last week shown; zero means the latest week with
	// any label or score, so a replayed history still shows its weeks.
	End time.Time
}

// isoWeek returns the ISO week key and the Monday 00:00 UTC that starts it.
func isoWeek(t time.Time) (string, time.Time) {
	t = t.UTC()
	y, w := t.ISOWeek()
	day := (int(t.Weekday()) + 6) % 7 // Monday = 0
	start := time.Date(t.Year(), t.Month(), t.Day()-day, 0, 0, 0, 0, time.UTC)
	return fmt.Sprintf("%04d-W%02d", y, w), start
}

var criticalHigh = map[string]bool{"critical": true, "high": true}

type acc struct {
	Week
	correct, negatives, falsePos, positives, caught int
	waits                                           []float64
}

// Weekly computes the report from a workspace.
func Weekly(ctx context.Context, ws *workspace.Workspace, opts Options) ([]Week, error) {
	if opts.Weeks <= 0 {
		opts.Weeks = 8
	}
	weeks := map[string]*acc{}
	get := func(t time.Time) *acc {
		k, start := isoWeek(t)
		a := weeks[k]
		if a == nil {
			a = &acc{Week: Week{Week: k, Start: start}}
			weeks[k] = a
		}
		return a
	}
	var latest time.Time
	seen := func(t time.Time) {
		if t.After(latest) {
			latest = t
		}
	}
	store := ws.Labels()
	err := store.EachLive(ctx, func(l labels.Event) error {
		sev, pred, t := l.Severity, l.Predicted, l.CreatedAt
		seen(t)
		a := get(t)
		a.Labels++
		if pred == "" {
			return nil
		}
		a.Judged++
		if pred == sev {
			a.correct++
		}
		if criticalHigh[sev] {
			a.positives++
			if criticalHigh[pred] {
				a.caught++
			}
		} else {
			a.negatives++
			if criticalHigh[pred] {
				a.falsePos++
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("weekly report: labels: %w", err)
	}
	err = ws.EachScoreTime(ctx, func(t time.Time) error {
		seen(t)
		get(t).Scored++
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("weekly report: %w", err)
	}
	first, err := store.FirstLabelled(ctx)
	if err != nil {
		return nil, fmt.Errorf("weekly report: time to label: %w", err)
	}
	ids := make([]string, 0, len(first))
	for id := range first {
		ids = append(ids, id)
	}
	ingested, err := ws.IngestedAt(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("weekly report: time to label: %w", err)
	}
	for id, f := range first {
		in, ok := ingested[id]
		if !ok || in.IsZero() || f.Before(in) {
			continue
		}
		get(f).waits = append(get(f).waits, f.Sub(in).Hours())
	}
	end := opts.End
	if end.IsZero() {
		end = latest
	}
	if end.IsZero() {
		return nil, nil
	}
	_, last := isoWeek(end)
	out := make([]Week, 0, opts.Weeks)
	for i := opts.Weeks - 1; i >= 0; i-- {
		a := get(last.AddDate(0, 0, -7*i))
		w := a.Week
		w.Accuracy = ratio(a.correct, a.Judged)
		w.FalsePositiveRate = ratio(a.falsePos, a.negatives)
		w.DetectionRate = ratio(a.caught, a.positives)
		w.FeedbackRatio = ratio(a.Labels, a.Scored)
		w.TimedDocs = len(a.waits)
		if len(a.waits) > 0 {
			m := median(a.waits)
			w.MedianHoursToLabel = &m
		}
		out = append(out, w)
	}
	return out, nil
}

func ratio(num, den int) *float64 {
	if den == 0 {
		return nil
	}
	v := float64(num) / float64(den)
	return &v
}

// median of v (v is reordered).
func median(v []float64) float64 {
	sort.Float64s(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}
