// Package forecast is `cyberstreams forecast`'s workbench side: it builds
// the daily count series — from the workspace's documents by published
// date, or from a CSV file of dated counts — and predicts one (Predict:
// fit, forecast with intervals, rolling-origin backtest against the
// seasonal-naive baseline). The Holt-Winters algorithm itself lives in
// ml/forecast.
package forecast

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/workspace"
)

// Day is the layout of the dates in series and CSV files.
const Day = "2006-01-02"

// Total names the series of all documents regardless of severity.
const Total = "total"

// Series is one daily series: Values[i] is the value on Start plus i days.
// Every day in the range is present; days with nothing are 0.
type Series struct {
	Name   string
	Start  time.Time
	Values []float64
}

// Date returns the day of Values[i].
func (s Series) Date(i int) time.Time { return s.Start.AddDate(0, 0, i) }

// End returns the day of the last value (Start − 1 day for an empty series).
func (s Series) End() time.Time { return s.Date(len(s.Values) - 1) }

// WorkspaceCounts returns the daily number of workspace documents by
// published date: first the Total series, then one series per severity in
// model class order. A document's severity is the source's own label when it
// has one, else the latest model score's; documents with neither count only
// in Total. Documents without a published date are left out. All series share
// one range, from the first to the last published day, with zero days filled.
// A source other than "" keeps only that source's documents (the documents'
// source field, compared without regard to case); a source no document has
// is an error that lists the sources there are.
func WorkspaceCounts(ctx context.Context, ws *workspace.Workspace, source string) ([]Series, error) {
	all, err := ws.DailySeverityCounts(ctx)
	if err != nil {
		return nil, err
	}
	counts := all
	if source != "" {
		counts = nil
		seen := map[string]bool{}
		for _, c := range all {
			seen[c.Source] = true
			if strings.EqualFold(c.Source, source) {
				counts = append(counts, c)
			}
		}
		if len(counts) == 0 {
			have := make([]string, 0, len(seen))
			for s := range seen {
				if s != "" {
					have = append(have, strconv.Quote(s))
				}
			}
			sort.Strings(have)
			return nil, fmt.Errorf("daily document counts: no dated workspace document has source %q (sources: %s)", source, strings.Join(have, ", "))
		}
	}
	type cell struct {
		day time.Time
		sev string
		n   float64
	}
	cells := make([]cell, 0, len(counts))
	var first, last time.Time
	for _, c := range counts {
		t, err := time.Parse(Day, c.Day)
		if err != nil {
			return nil, fmt.Errorf("daily document counts: published date %q: %w", c.Day, err)
		}
		if first.IsZero() || t.Before(first) {
			first = t
		}
		if t.After(last) {
			last = t
		}
		cells = append(cells, cell{t, strings.ToLower(c.Severity), float64(c.N)})
	}
	if len(cells) == 0 {
		return nil, errors.New("daily document counts: no workspace document has a published date")
	}
	days := daysBetween(first, last) + 1
	out := make([]Series, 1+len(document.Severities))
	out[0] = Series{Name: Total, Start: first, Values: make([]float64, days)}
	for i, sev := range document.Severities {
		out[i+1] = Series{Name: sev, Start: first, Values: make([]float64, days)}
	}
	for _, c := range cells {
		i := daysBetween(first, c.day)
		out[0].Values[i] += c.n
		if k := document.SeverityIndex(c.sev); k >= 0 {
			out[k+1].Values[i] += c.n
		}
	}
	return out, nil
}

// daysBetween counts calendar days from a to b (both UTC midnights).
func daysBetween(a, b time.Time) int {
	return int(math.Round(b.Sub(a).Hours() / 24))
}

// maxGapDays bounds the zero days filled between two CSV rows, so that a
// typo in a year cannot allocate centuries of zeros.
const maxGapDays = 3660

// ReadCSV reads dated series from a CSV file with a header row: a `date`
// column (YYYY-MM-DD, ascending, no repeats) and one numeric column per
// series, as in the shared ghsa_daily_counts.csv and kev_daily_additions.csv.
// Days missing between two rows are filled with 0, matching how those files
// list zero days. name labels errors, which give the file and line of a bad
// row.
func ReadCSV(r io.Reader, name string) ([]Series, error) {
	cr := csv.NewReader(r)
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: empty file, want a header with a date column", name)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	dateCol := -1
	var cols []int
	var out []Series
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		if strings.EqualFold(h, "date") {
			if dateCol >= 0 {
				return nil, fmt.Errorf("%s:1: two date columns", name)
			}
			dateCol = i
			continue
		}
		cols = append(cols, i)
		out = append(out, Series{Name: h})
	}
	if dateCol < 0 {
		return nil, fmt.Errorf("%s:1: no date column in header %q", name, strings.Join(header, ","))
	}
	if len(cols) == 0 {
		return nil, fmt.Errorf("%s:1: no numeric column besides date", name)
	}
	var prev time.Time
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		line, _ := cr.FieldPos(0)
		day, err := time.Parse(Day, strings.TrimSpace(rec[dateCol]))
		if err != nil {
			return nil, fmt.Errorf("%s:%d: date %q: want YYYY-MM-DD", name, line, rec[dateCol])
		}
		gap := 1
		if prev.IsZero() {
			for i := range out {
				out[i].Start = day
			}
		} else {
			gap = daysBetween(prev, day)
			if gap < 1 {
				return nil, fmt.Errorf("%s:%d: date %s does not follow %s; want ascending days without repeats", name, line, day.Format(Day), prev.Format(Day))
			}
			if gap > maxGapDays {
				return nil, fmt.Errorf("%s:%d: date %s is %d days after %s; too large a gap", name, line, day.Format(Day), gap, prev.Format(Day))
			}
		}
		prev = day
		for k, c := range cols {
			v, err := strconv.ParseFloat(strings.TrimSpace(rec[c]), 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("%s:%d: column %s: %q is not a finite number", name, line, out[k].Name, rec[c])
			}
			for range gap - 1 {
				out[k].Values = append(out[k].Values, 0)
			}
			out[k].Values = append(out[k].Values, v)
		}
	}
	if prev.IsZero() {
		return nil, fmt.Errorf("%s: no data rows", name)
	}
	return out, nil
}
