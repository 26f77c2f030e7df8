// Package labels is the analyst label store: an append-only history of
// severity labels in the workspace database, the current label of each
// document, undo, import/export, and agreement between analysts.
//
// The store keeps its tables in the workspace's SQLite database and is given
// the *sql.DB by its caller. It relies on that database's connection
// settings (WAL, synchronous=FULL, foreign keys, a busy timeout and
// immediate transactions): with them, a label is on disk when Add returns,
// and two processes writing at once wait for each other instead of failing.
package labels

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Severities in model class order. This must match core/document.Severities
// (the labels package may not import core; a test in cmd checks the two).
var Severities = [...]string{"critical", "high", "medium", "low", "informational"}

// Origins are the channels a label can arrive through.
var Origins = [...]string{"tui", "cli", "import", "api"}

// ErrNothingToUndo is returned by Undo when the analyst has no live label.
var ErrNothingToUndo = errors.New("nothing to undo")

// ParseSeverity accepts a severity name in any case, or its rank as a digit
// 1–5 (1 = critical … 5 = informational, the order of the keys an analyst
// presses), and returns the canonical name.
func ParseSeverity(s string) (string, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	for _, v := range Severities {
		if v == t {
			return v, nil
		}
	}
	if n, err := strconv.Atoi(t); err == nil && n >= 1 && n <= len(Severities) {
		return Severities[n-1], nil
	}
	return "", fmt.Errorf("unknown severity %q: want one of %s or 1-5", s, strings.Join(Severities[:], ", "))
}

// Event is one entry of the label history. A label has a Severity; a
// retraction has an empty Severity and Retracts set to the label it takes
// back.
type Event struct {
	ID           int64     `json:"id"`
	DocID        string    `json:"doc_id"`
	Severity     string    `json:"severity"`
	Analyst      string    `json:"analyst"`
	Note         string    `json:"note,omitempty"`
	ModelVersion string    `json:"model_version,omitempty"`
	Predicted    string    `json:"predicted,omitempty"`
	Origin       string    `json:"origin"`
	CreatedAt    time.Time `json:"created_at"`
	Retracts     int64     `json:"retracts,omitempty"`
}

// Store reads and appends label events.
type Store struct {
	db *sql.DB
	// batch is how many import lines share one transaction: large enough to
	// amortise the fsync of a synchronous=FULL commit, small enough that a
	// crash loses little work and a concurrent writer waits briefly.
	batch int
	// predictions is what the model says about documents; nil: nothing.
	predictions Predictions
}

// Predictions tells the store what the model currently says about
// documents. The scores belong to the workspace, which supplies this: the
// label store never reads them itself.
type Predictions interface {
	// Prediction is a document's latest score: model version and severity;
	// ok is false for an unscored document.
	Prediction(ctx context.Context, docID string) (model, severity string, ok bool, err error)
	// PredictedSeverities maps those of docIDs that are scored to their
	// latest score's severity.
	PredictedSeverities(ctx context.Context, docIDs []string) (map[string]string, error)
}

// New returns a store over a workspace database whose schema includes
// Migrations(). A label added through it records no prediction of its own
// and DisagreeingWithModel compares with the predictions recorded at label
// time; WithPredictions adds the model's current ones.
func New(db *sql.DB) *Store { return &Store{db: db, batch: 1000} }

// WithPredictions makes the store record, with each label, what the model
// said about the document (when the caller does not), and compare labels
// with the model's current severity in DisagreeingWithModel.
func (s *Store) WithPredictions(p Predictions) *Store {
	c := *s
	c.predictions = p
	return &c
}

// timeLayout is fixed-width so that text comparison in SQL is time order
// (RFC 3339 with trimmed fractions is not: "00Z" sorts after "00.5Z").
const timeLayout = "2006-01-02T15:04:05.000000000Z07:00"

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

func parseStoredTime(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}

// Add appends a label. It checks the severity and that the document exists,
// fills CreatedAt (now), Origin ("api") and, when the workspace holds a
// score for the document, ModelVersion and Predicted from it if the caller
// left them empty. The label is committed when Add returns.
func (s *Store) Add(ctx context.Context, e Event) (Event, error) {
	sev, err := ParseSeverity(e.Severity)
	if err != nil {
		return Event{}, fmt.Errorf("label %s: %w", e.DocID, err)
	}
	e.Severity = sev
	e.Analyst = strings.TrimSpace(e.Analyst)
	if e.Analyst == "" {
		return Event{}, fmt.Errorf("label %s: an analyst name is required", e.DocID)
	}
	if e.Origin == "" {
		e.Origin = "api"
	}
	if !validOrigin(e.Origin) {
		return Event{}, fmt.Errorf("label %s: unknown origin %q", e.DocID, e.Origin)
	}
	if e.CreatedAt.IsZero() {
		e.CreatedAt = time.Now()
	}
	e.CreatedAt = e.CreatedAt.UTC()
	e.Retracts = 0
	ok, err := documentExists(ctx, s.db, e.DocID)
	if err != nil {
		return Event{}, fmt.Errorf("label %s: %w", e.DocID, err)
	}
	if !ok {
		return Event{}, fmt.Errorf("label: unknown document %s", e.DocID)
	}
	if e.ModelVersion == "" && e.Predicted == "" {
		if e.ModelVersion, e.Predicted, err = s.modelScore(ctx, e.DocID); err != nil {
			return Event{}, fmt.Errorf("label %s: %w", e.DocID, err)
		}
	}
	// One autocommit statement: durable (synchronous=FULL) once it returns.
	// The content key is set on every label, not only imported ones, so an
	// export re-imported into the same workspace adds nothing.
	stamp := formatTime(e.CreatedAt)
	err = s.db.QueryRowContext(ctx, `INSERT INTO label_events
		(doc_id, kind, severity, analyst, created_at, note, model_version, predicted, origin, import_key)
		VALUES (?, 'label', ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		e.DocID, e.Severity, e.Analyst, stamp, e.Note, e.ModelVersion, e.Predicted, e.Origin,
		importKey(e.DocID, e.Severity, e.Analyst, stamp, e.Note)).Scan(&e.ID)
	if err != nil {
		return Event{}, fmt.Errorf("label %s: %w", e.DocID, err)
	}
	return e, nil
}

func validOrigin(o string) bool {
	for _, v := range Origins {
		if v == o {
			return true
		}
	}
	return false
}

type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func documentExists(ctx context.Context, q queryer, id string) (bool, error) {
	var one int
	err := q.QueryRowContext(ctx, `SELECT 1 FROM documents WHERE id = ?`, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// modelScore is what the model says about a document now, so that a label
// records what the model said when the analyst disagreed or agreed. A
// store without predictions, or an unscored document, gives "".
func (s *Store) modelScore(ctx context.Context, docID string) (model, severity string, err error) {
	if s.predictions == nil {
		return "", "", nil
	}
	model, severity, _, err = s.predictions.Prediction(ctx, docID)
	return model, severity, err
}

// Undo retracts the analyst's most recently entered label that is still
// live, among those made in this workspace (a teammate's label pulled
// under the same name is theirs to undo), and returns that label. Undoing again goes one label further back.
// The retraction is an event of its own with the retracted label's origin.
func (s *Store) Undo(ctx context.Context, analyst string) (Event, error) {
	// One INSERT … SELECT picks and retracts the label atomically; the unique
	// index on retracts refuses a second retraction of the same label if two
	// undos race.
	var retracted int64
	err := s.db.QueryRowContext(ctx, `INSERT INTO label_events (doc_id, kind, analyst, created_at, origin, retracts)
		SELECT doc_id, 'retract', analyst, ?, origin, id FROM live_labels
		WHERE analyst = ? AND id IN (SELECT id FROM label_events WHERE workspace = '') ORDER BY id DESC LIMIT 1
		RETURNING retracts`, formatTime(time.Now()), analyst).Scan(&retracted)
	if errors.Is(err, sql.ErrNoRows) {
		return Event{}, fmt.Errorf("undo for %s: %w", analyst, ErrNothingToUndo)
	}
	if err != nil {
		return Event{}, fmt.Errorf("undo for %s: %w", analyst, err)
	}
	e, err := scanEvent(s.db.QueryRowContext(ctx, `SELECT `+eventColumns+` FROM label_events WHERE id = ?`, retracted))
	if err != nil {
		return Event{}, fmt.Errorf("undo for %s: read label %d: %w", analyst, retracted, err)
	}
	return e, nil
}

const eventColumns = `id, doc_id, coalesce(severity, ''), analyst, created_at, note, model_version, predicted, origin, coalesce(retracts, 0)`

// liveColumns are eventColumns for the views, which hold labels only.
const liveColumns = `id, doc_id, severity, analyst, created_at, note, model_version, predicted, origin, 0`

type rowScanner interface{ Scan(...any) error }

func scanEvent(r rowScanner) (Event, error) {
	var e Event
	var created string
	err := r.Scan(&e.ID, &e.DocID, &e.Severity, &e.Analyst, &created, &e.Note, &e.ModelVersion, &e.Predicted, &e.Origin, &e.Retracts)
	e.CreatedAt = parseStoredTime(created)
	return e, err
}

// Current returns the current label of a document: its latest label (by
// time given, then entry order) that has not been retracted, whoever gave it.
func (s *Store) Current(ctx context.Context, docID string) (Event, bool, error) {
	e, err := scanEvent(s.db.QueryRowContext(ctx, `SELECT `+liveColumns+` FROM live_labels
		WHERE doc_id = ? ORDER BY created_at DESC, id DESC LIMIT 1`, docID))
	if errors.Is(err, sql.ErrNoRows) {
		return Event{}, false, nil
	}
	if err != nil {
		return Event{}, false, fmt.Errorf("current label of %s: %w", docID, err)
	}
	return e, true, nil
}

// LabelledBy returns the documents with a live label made in this
// workspace (mine) and those with a live label pulled from a teammate's
// workspace (theirs, with the analyst).
func (s *Store) LabelledBy(ctx context.Context) (mine map[string]bool, theirs map[string]string, err error) {
	rows, err := s.db.QueryContext(ctx, `SELECT e.doc_id, e.analyst, e.workspace FROM label_events e
		WHERE e.kind = 'label' AND NOT EXISTS (SELECT 1 FROM label_events r WHERE r.retracts = e.id)`)
	if err != nil {
		return nil, nil, fmt.Errorf("labelled documents: %w", err)
	}
	defer rows.Close()
	mine, theirs = map[string]bool{}, map[string]string{}
	for rows.Next() {
		var doc, who, ws string
		if err := rows.Scan(&doc, &who, &ws); err != nil {
			return nil, nil, fmt.Errorf("labelled documents: %w", err)
		}
		if ws == "" {
			mine[doc] = true
		} else {
			theirs[doc] = who
		}
	}
	return mine, theirs, rows.Err()
}

// ContestedDocuments is the set of documents whose analysts' latest live
// labels differ (Filter.Contested), for the triage queue's mark.
func (s *Store) ContestedDocuments(ctx context.Context) (map[string]bool, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT doc_id FROM per_analyst_labels GROUP BY doc_id HAVING count(DISTINCT severity) > 1`)
	if err != nil {
		return nil, fmt.Errorf("contested documents: %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("contested documents: %w", err)
		}
		out[id] = true
	}
	return out, rows.Err()
}

// CurrentSeverities maps every labelled document to its current label's
// severity, reading the two short columns only (the triage queue loads it
// for every document at once).
func (s *Store) CurrentSeverities(ctx context.Context) (map[string]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT doc_id, severity FROM current_labels`)
	if err != nil {
		return nil, fmt.Errorf("current labels: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, sev string
		if err := rows.Scan(&id, &sev); err != nil {
			return nil, fmt.Errorf("current labels: %w", err)
		}
		out[id] = sev
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("current labels: %w", err)
	}
	return out, nil
}

// EachLive calls fn with every live label — given and not retracted, of
// any analyst, current or since replaced — in no particular order.
func (s *Store) EachLive(ctx context.Context, fn func(Event) error) error {
	rows, err := s.db.QueryContext(ctx, `SELECT `+liveColumns+` FROM live_labels`)
	if err != nil {
		return fmt.Errorf("live labels: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return fmt.Errorf("live labels: %w", err)
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("live labels: %w", err)
	}
	return nil
}

// FirstLabelled maps every document with a live label to the time of its
// first one.
func (s *Store) FirstLabelled(ctx context.Context) (map[string]time.Time, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT doc_id, min(created_at) FROM live_labels GROUP BY doc_id`)
	if err != nil {
		return nil, fmt.Errorf("first labels: %w", err)
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var id, at string
		if err := rows.Scan(&id, &at); err != nil {
			return nil, fmt.Errorf("first labels: %w", err)
		}
		out[id] = parseStoredTime(at)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("first labels: %w", err)
	}
	return out, nil
}

// SetAdjudicators replaces the analysts whose label decides a document's
// current (training) label when analysts disagree.
func (s *Store) SetAdjudicators(ctx context.Context, analysts []string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("adjudicators: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM label_adjudicators`); err != nil {
		return fmt.Errorf("adjudicators: %w", err)
	}
	for _, a := range analysts {
		if a = strings.TrimSpace(a); a == "" {
			return errors.New("adjudicators: an empty analyst name")
		}
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO label_adjudicators (analyst) VALUES (?)`, a); err != nil {
			return fmt.Errorf("adjudicators: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("adjudicators: %w", err)
	}
	return nil
}

// Adjudicators lists the adjudicating analysts, by name.
func (s *Store) Adjudicators(ctx context.Context) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT analyst FROM label_adjudicators ORDER BY analyst`)
	if err != nil {
		return nil, fmt.Errorf("adjudicators: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			return nil, fmt.Errorf("adjudicators: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Filter narrows CurrentAll. Zero values mean "any".
type Filter struct {
	Analyst  string
	Severity string
	Since    time.Time // labelled at or after
	// DisagreeingWithModel keeps labels that differ from the model: from the
	// document's score in the workspace, or, for a document with no score,
	// from the prediction recorded when it was labelled.
	DisagreeingWithModel bool
	// Contested keeps documents whose analysts' latest live labels differ
	// (teammates disagree).
	Contested bool
	Limit     int // 0 = all
}

// CurrentAll lists current labels matching the filter, newest first.
func (s *Store) CurrentAll(ctx context.Context, f Filter) ([]Event, error) {
	var out []Event
	err := s.eachCurrent(ctx, f, "c.created_at DESC, c.id DESC", func(e Event) error {
		out = append(out, e)
		return nil
	})
	return out, err
}

func (s *Store) eachCurrent(ctx context.Context, f Filter, order string, fn func(Event) error) error {
	q := `SELECT c.id, c.doc_id, c.severity, c.analyst, c.created_at, c.note, c.model_version, c.predicted, c.origin, 0
		FROM current_labels c`
	var where []string
	var args []any
	// With the model's current predictions, disagreement is judged in Go
	// after the rows are read (and the limit with it); without them, in SQL
	// on the predictions recorded at label time.
	judge := f.DisagreeingWithModel && s.predictions != nil
	if f.DisagreeingWithModel && !judge {
		where = append(where, `c.predicted <> '' AND c.predicted <> c.severity`)
	}
	if f.Contested {
		where = append(where, `c.doc_id IN (SELECT doc_id FROM per_analyst_labels GROUP BY doc_id HAVING count(DISTINCT severity) > 1)`)
	}
	if f.Analyst != "" {
		where = append(where, `c.analyst = ?`)
		args = append(args, f.Analyst)
	}
	if f.Severity != "" {
		sev, err := ParseSeverity(f.Severity)
		if err != nil {
			return err
		}
		where = append(where, `c.severity = ?`)
		args = append(args, sev)
	}
	if !f.Since.IsZero() {
		where = append(where, `c.created_at >= ?`)
		args = append(args, formatTime(f.Since))
	}
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	q += ` ORDER BY ` + order
	if f.Limit > 0 && !judge {
		q += ` LIMIT ?`
		args = append(args, f.Limit)
	}
	if judge {
		return s.eachDisagreeing(ctx, q, args, f.Limit, fn)
	}
	return s.queryEvents(ctx, q, args, fn)
}

func (s *Store) queryEvents(ctx context.Context, q string, args []any, fn func(Event) error) error {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("current labels: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return fmt.Errorf("current labels: %w", err)
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("current labels: %w", err)
	}
	return nil
}

// eachDisagreeing passes on the labels of query q that differ from the
// model: from its current severity for the document, or, for a document
// with no score, from the prediction recorded with the label. At most
// limit of them (0: all), in the query's order.
func (s *Store) eachDisagreeing(ctx context.Context, q string, args []any, limit int, fn func(Event) error) error {
	var events []Event
	if err := s.queryEvents(ctx, q, args, func(e Event) error { events = append(events, e); return nil }); err != nil {
		return err
	}
	ids := make([]string, len(events))
	for i, e := range events {
		ids[i] = e.DocID
	}
	current, err := s.predictions.PredictedSeverities(ctx, ids)
	if err != nil {
		return fmt.Errorf("current labels: %w", err)
	}
	n := 0
	for _, e := range events {
		model, ok := current[e.DocID]
		if !ok {
			model = e.Predicted
		}
		if model == "" || model == e.Severity {
			continue
		}
		if err := fn(e); err != nil {
			return err
		}
		if n++; limit > 0 && n == limit {
			break
		}
	}
	return nil
}

// AnalystStats counts one analyst's work.
type AnalystStats struct {
	Analyst   string `json:"analyst"`
	Labels    int    `json:"labels"`    // label events given
	Retracted int    `json:"retracted"` // of which taken back
	Current   int    `json:"current"`   // documents whose current label is theirs
}

// Stats summarises the store; MaxEventID lets a learner remember how far it
// has read (see Since).
type Stats struct {
	Events     int            `json:"events"`
	Labels     int            `json:"labels"`
	Retracts   int            `json:"retractions"`
	Current    int            `json:"current"`
	MaxEventID int64          `json:"max_event_id"`
	Analysts   []AnalystStats `json:"analysts"`
}

// Stats counts events, current labels and each analyst's share.
func (s *Store) Stats(ctx context.Context) (Stats, error) {
	var st Stats
	err := s.db.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(kind = 'label'), 0),
		coalesce(sum(kind = 'retract'), 0), coalesce(max(id), 0) FROM label_events`).
		Scan(&st.Events, &st.Labels, &st.Retracts, &st.MaxEventID)
	if err != nil {
		return st, fmt.Errorf("label stats: %w", err)
	}
	rows, err := s.db.QueryContext(ctx, `
		WITH given AS (
			SELECT e.analyst, count(*) AS labels, count(r.id) AS retracted
			FROM label_events e LEFT JOIN label_events r ON r.retracts = e.id
			WHERE e.kind = 'label' GROUP BY e.analyst),
		cur AS (SELECT analyst, count(*) AS current FROM current_labels GROUP BY analyst)
		SELECT g.analyst, g.labels, g.retracted, coalesce(c.current, 0)
		FROM given g LEFT JOIN cur c ON c.analyst = g.analyst ORDER BY g.analyst`)
	if err != nil {
		return st, fmt.Errorf("label stats: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var a AnalystStats
		if err := rows.Scan(&a.Analyst, &a.Labels, &a.Retracted, &a.Current); err != nil {
			return st, fmt.Errorf("label stats: %w", err)
		}
		st.Current += a.Current
		st.Analysts = append(st.Analysts, a)
	}
	if err := rows.Err(); err != nil {
		return st, fmt.Errorf("label stats: %w", err)
	}
	return st, nil
}

// Since returns, for every document touched by an event after afterEventID,
// its current label — in the order the documents were last touched. A
// document whose labels were all retracted comes back with an empty Severity
// and the id of its last event, so a learner can drop it from its training
// set. Pass Stats().MaxEventID from the last read to get only what changed.
func (s *Store) Since(ctx context.Context, afterEventID int64) ([]Event, error) {
	rows, err := s.db.QueryContext(ctx, `
		WITH touched AS (SELECT doc_id, max(id) AS last FROM label_events WHERE id > ? GROUP BY doc_id)
		SELECT coalesce(c.id, t.last), t.doc_id, coalesce(c.severity, ''), coalesce(c.analyst, ''),
		       coalesce(c.created_at, ''), coalesce(c.note, ''), coalesce(c.model_version, ''),
		       coalesce(c.predicted, ''), coalesce(c.origin, ''), 0
		FROM touched t LEFT JOIN current_labels c ON c.doc_id = t.doc_id
		ORDER BY t.last`, afterEventID)
	if err != nil {
		return nil, fmt.Errorf("labels since event %d: %w", afterEventID, err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, fmt.Errorf("labels since event %d: %w", afterEventID, err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("labels since event %d: %w", afterEventID, err)
	}
	return out, nil
}

// DocumentLabel is one label an analyst gave a document, whether it was
// taken back since, and whether it is the document's current label.
type DocumentLabel struct {
	Event
	Retracted bool `json:"retracted"`
	Current   bool `json:"current"`
}

// OfDocument lists every label given to a document, oldest first, with
// the notes that came with them; retracted ones are marked, and so is the
// current label (the latest one not retracted, as Current picks it).
func (s *Store) OfDocument(ctx context.Context, docID string) ([]DocumentLabel, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT e.id, e.doc_id, e.severity, e.analyst, e.created_at, e.note,
			e.model_version, e.predicted, e.origin, 0,
			EXISTS (SELECT 1 FROM label_events r WHERE r.retracts = e.id)
		FROM label_events e WHERE e.doc_id = ? AND e.kind = 'label' ORDER BY e.created_at, e.id`, docID)
	if err != nil {
		return nil, fmt.Errorf("labels of %s: %w", docID, err)
	}
	defer rows.Close()
	var out []DocumentLabel
	for rows.Next() {
		var l DocumentLabel
		var err error
		l.Event, err = scanEvent(retractedScanner{rows, &l.Retracted})
		if err != nil {
			return nil, fmt.Errorf("labels of %s: %w", docID, err)
		}
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("labels of %s: %w", docID, err)
	}
	for i := len(out) - 1; i >= 0; i-- {
		if !out[i].Retracted {
			out[i].Current = true
			break
		}
	}
	return out, nil
}

// retractedScanner scans an event row followed by a "retracted" column.
type retractedScanner struct {
	r         rowScanner
	retracted *bool
}

func (s retractedScanner) Scan(dest ...any) error { return s.r.Scan(append(dest, s.retracted)...) }
