package triage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/scoring"
	"github.com/cyberstreams/cyberstreams/core/termsafe"
	"github.com/cyberstreams/cyberstreams/core/workspace"
)

// The two halves of the queue. Each reads only the columns a queue row
// needs, which the workspace keeps in a covering index (documents_queue
// and scores_queue, the documents migration 3): the wide rows, which hold
// bodies and explanations — 350 MB at 100,000 documents against 30 MB of
// index — are never read. Documents come in the index's order, by ingest
// time and then id, which costs no sort. Scores come from their owner,
// the workspace (EachQueueScore).
const (
	// titleOrHeadline is what a queue row shows: the title, else the start
	// of the description (workspace migration 4).
	titleOrHeadline     = `CASE WHEN title <> '' THEN title ELSE headline END`
	queueDocumentsQuery = `SELECT id, ` + titleOrHeadline + `, source, published, ingested_at FROM documents ORDER BY ingested_at, id`
)

// Items loads the whole queue, by ingest time and then document id.
// Three reads run at once, each on a connection of its own: the documents,
// their scores (queueDocumentsQuery, Workspace.EachQueueScore) and the current
// labels (labels.Store.CurrentSeverities); each document then
// picks up its score and label by id. Sorting and filtering happen in
// memory afterwards (Queue), which keeps every key press instant.
//
// On one core this costs what one join of the two indexes would; on more,
// the reads overlap (BenchmarkItems100k). Each read sees its own
// snapshot: a document scored or labelled while the queue loads shows
// that score or label or not, just as if it had come a moment later; a
// score whose document the first read did not see is left out with its
// document.
func (s *Session) Items(ctx context.Context) ([]Item, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	db := s.ws.DB()
	var (
		wg      sync.WaitGroup
		items   []Item
		scores  queueScores
		current map[string]string
		contest map[string]bool
		errs    [4]error
	)
	read := func(err *error, f func() error) {
		wg.Go(func() {
			if *err = f(); *err != nil {
				cancel() // the others' work would be thrown away
			}
		})
	}
	read(&errs[0], func() (err error) { items, err = queueDocuments(ctx, db); return err })
	read(&errs[1], func() (err error) { scores, err = readQueueScores(ctx, s.ws); return err })
	read(&errs[2], func() (err error) { current, err = s.labels.CurrentSeverities(ctx); return err })
	read(&errs[3], func() (err error) { contest, err = s.labels.ContestedDocuments(ctx); return err })
	wg.Wait()
	if err := firstCause(errs[:]); err != nil {
		return nil, fmt.Errorf("load the queue: %w", err)
	}
	scorer := s.Scorer()
	for i := range items {
		it := &items[i]
		if j, ok := scores.of[it.DocID]; ok {
			scores.rows[j].fill(it)
			it.Novel = scorer.Novel(it.Novelty)
		}
		it.Gap = gap(it.Probabilities)
		it.Label = current[it.DocID]
		it.LabelState = labelState(it.Severity, it.Label)
		it.Contested = contest[it.DocID]
	}
	if skip := s.skipped(); len(skip) > 0 {
		items = slices.DeleteFunc(items, func(it Item) bool { return skip[it.DocID] })
	}
	return items, nil
}

// firstCause is the first error that is not a cancellation, else the
// first error: when one read fails, the others stop with context.Canceled.
func firstCause(errs []error) error {
	for _, err := range errs {
		if err != nil && !errors.Is(err, context.Canceled) {
			return err
		}
	}
	return errors.Join(errs...)
}

// queueDocuments reads the document half of every queue row. The slice is
// sized from a count first: growing a slice of 100,000 items by doubling
// copies it about twice over.
func queueDocuments(ctx context.Context, db *sql.DB) ([]Item, error) {
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM documents`).Scan(&n); err != nil {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, queueDocumentsQuery)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]Item, 0, n+n/16) // room for documents ingested meanwhile
	var pub, ing string
	for rows.Next() {
		out = append(out, Item{})
		it := &out[len(out)-1]
		if err := rows.Scan(&it.DocID, &it.Title, &it.Source, &pub, &ing); err != nil {
			return nil, err
		}
		it.setDocument(pub, ing)
	}
	return out, rows.Err()
}

// setDocument finishes the document half of a row scanned with the
// stored published and ingested_at times: titles and sources lose their
// escape sequences, times are parsed (an unparsable one reads as zero).
func (it *Item) setDocument(published, ingestedAt string) {
	it.Title = termsafe.Strip(it.Title)
	it.Source = termsafe.Strip(it.Source)
	if published != "" {
		it.Published = parseTime(published, time.RFC3339)
	}
	it.IngestedAt = parseTime(ingestedAt, time.RFC3339Nano)
}

// storedScore is the score half of a queue row.
type storedScore struct {
	docID, severity             string
	confidence, margin, novelty float64
	probabilities               [5]float64
	exploitation, patch         float64
	horizon                     int
	noCVE                       bool
}

// newStoredScore is the score half of a queue row read from s, all but
// the probabilities (setProbabilities).
func newStoredScore(s *workspace.Score) storedScore {
	return storedScore{docID: s.DocID, severity: s.Severity, confidence: s.Confidence, margin: s.Margin, novelty: s.Novelty,
		exploitation: s.Exploitation, patch: s.PatchPriority, horizon: s.ExploitationHorizon, noCVE: s.NoCVE}
}

func (sc *storedScore) fill(it *Item) {
	it.Severity, it.Confidence, it.Margin, it.Novelty = sc.severity, sc.confidence, sc.margin, sc.novelty
	it.Probabilities = sc.probabilities
	it.Exploitation, it.ExploitationHorizon, it.PatchPriority, it.NoCVE = sc.exploitation, sc.horizon, sc.patch, sc.noCVE
}

// setProbabilities parses the stored probabilities ("" for none).
func (sc *storedScore) setProbabilities(stored string) error {
	if stored == "" {
		return nil
	}
	p, err := parseProbabilities(stored)
	if err != nil {
		return fmt.Errorf("document %s: probabilities: %w", sc.docID, err)
	}
	sc.probabilities = p
	return nil
}

// queueScores are the score halves of the queue rows, indexed by
// document id.
type queueScores struct {
	rows []storedScore
	of   map[string]int32 // document id → position in rows
}

// readQueueScores reads the score half of every queue row. The index by
// document id is built here, while the documents are still being read.
func readQueueScores(ctx context.Context, ws *workspace.Workspace) (queueScores, error) {
	n, err := ws.ScoreCount(ctx)
	if err != nil {
		return queueScores{}, err
	}
	out := queueScores{rows: make([]storedScore, 0, n+n/16), of: make(map[string]int32, n+n/16)}
	err = ws.EachQueueScore(ctx, func(s *workspace.Score) error {
		out.rows = append(out.rows, newStoredScore(s))
		sc := &out.rows[len(out.rows)-1]
		if err := sc.setProbabilities(s.Probabilities); err != nil {
			return err
		}
		out.of[sc.docID] = int32(len(out.rows) - 1)
		return nil
	})
	return out, err
}

// itemDocumentQuery reads the document half of one queue row.
const itemDocumentQuery = `SELECT id, ` + titleOrHeadline + `, source, published, ingested_at FROM documents WHERE id = ?`

// Item reloads one queue row, e.g. after a label or an undo changed it.
func (s *Session) Item(ctx context.Context, docID string) (Item, error) {
	var it Item
	var pub, ing string
	err := s.ws.DB().QueryRowContext(ctx, itemDocumentQuery, docID).Scan(&it.DocID, &it.Title, &it.Source, &pub, &ing)
	if err != nil {
		return it, fmt.Errorf("queue row %s: %w", docID, err)
	}
	it.setDocument(pub, ing)
	stored, ok, err := s.ws.Score(ctx, docID)
	if err != nil {
		return it, fmt.Errorf("queue row %s: %w", docID, err)
	}
	if ok {
		sc := newStoredScore(&stored)
		if err := sc.setProbabilities(stored.Probabilities); err != nil {
			return it, fmt.Errorf("queue row %s: %w", docID, err)
		}
		sc.fill(&it)
		it.Novel = s.Scorer().Novel(it.Novelty)
	}
	it.Gap = gap(it.Probabilities)
	label, labelled, err := s.labels.Current(ctx, docID)
	if err != nil {
		return it, fmt.Errorf("queue row %s: %w", docID, err)
	}
	if labelled {
		it.Label = label.Severity
	}
	it.LabelState = labelState(it.Severity, it.Label)
	return it, nil
}

// parseTime is time.Parse(layout, s) with an error read as the zero time,
// and a fast path for what the workspace stores: UTC in RFC 3339 with a
// "Z" and up to nine fraction digits ("2025-01-01T00:00:00Z",
// "2025-06-01T12:34:56.123456789Z"). time.Parse spends most of its time
// on the generality of the layout, and the queue parses two times a row.
func parseTime(s, layout string) time.Time {
	if t, ok := parseUTC(s); ok {
		return t
	}
	t, _ := time.Parse(layout, s)
	return t
}

// parseUTC parses YYYY-MM-DDTHH:MM:SS[.fffffffff]Z; ok is false for
// anything else, including a field out of range, which time.Parse then
// judges.
func parseUTC(s string) (t time.Time, ok bool) {
	if len(s) < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[len(s)-1] != 'Z' {
		return t, false
	}
	digits := func(lo, hi int) int { // -1 unless s[lo:hi] is all digits
		n := 0
		for i := lo; i < hi; i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return -1
			}
			n = n*10 + int(c-'0')
		}
		return n
	}
	year, month, day := digits(0, 4), digits(5, 7), digits(8, 10)
	hour, minute, sec := digits(11, 13), digits(14, 16), digits(17, 19)
	nsec := 0
	switch frac := s[19 : len(s)-1]; {
	case frac == "":
	case len(frac) >= 2 && len(frac) <= 10 && frac[0] == '.':
		nsec = digits(20, len(s)-1)
		for range 10 - len(frac) {
			nsec *= 10
		}
	default:
		return t, false
	}
	if year < 0 || month < 1 || month > 12 || day < 1 || day > daysIn(month, year) ||
		hour < 0 || hour > 23 || minute < 0 || minute > 59 || sec < 0 || sec > 59 || nsec < 0 {
		return t, false
	}
	return time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC), true
}

// daysIn is the number of days in a month of the Gregorian calendar.
func daysIn(month, year int) int {
	switch {
	case month == 2 && year%4 == 0 && (year%100 != 0 || year%400 == 0):
		return 29
	case month == 2:
		return 28
	case month == 4 || month == 6 || month == 9 || month == 11:
		return 30
	}
	return 31
}

// parseProbabilities reads the stored {"critical":p,…} object. The stored
// form is always the one scoring.Probabilities writes (keys in class order,
// plain numbers), which a hand scan reads ten times faster than
// json_extract or encoding/json — it matters at 100,000 rows. Anything
// else goes through encoding/json.
func parseProbabilities(s string) ([5]float64, error) {
	var p [5]float64
	rest := s
	ok := len(rest) > 1 && rest[0] == '{'
	if ok {
		rest = rest[1:]
	}
	for i, name := range document.Severities {
		if !ok {
			break
		}
		key := `"` + name + `":`
		if !strings.HasPrefix(rest, key) {
			ok = false
			break
		}
		rest = rest[len(key):]
		end := strings.IndexAny(rest, ",}")
		if end < 0 {
			ok = false
			break
		}
		v, err := strconv.ParseFloat(rest[:end], 64)
		if err != nil {
			ok = false
			break
		}
		p[i] = v
		rest = rest[end+1:]
	}
	if ok && rest == "" {
		return p, nil
	}
	var sp scoring.Probabilities
	if err := json.Unmarshal([]byte(s), &sp); err != nil {
		return p, err
	}
	return sp, nil
}
