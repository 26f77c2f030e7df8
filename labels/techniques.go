package labels

import (
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/cyberstreams/cyberstreams/kg"
)

// TechniqueMigrations are the schema steps of the technique labels, kept
// apart from the severity labels' own steps (the workspace runs them as a
// component of their own, after the labels).
func TechniqueMigrations() []string {
	return []string{
		// 1: analysts' corrections of the ATT&CK techniques of a document,
		// an append-only log like label_events: a label says that the
		// technique is (present = 1) or is not (present = 0) described by
		// the sentence, a 'retract' event takes a label back. The sentence
		// is the evidence the analyst judged (for training the technique
		// model, which reads sentences), stored as its text so that it
		// outlives a re-ingested document.
		`CREATE TABLE technique_label_events (
			id          INTEGER PRIMARY KEY AUTOINCREMENT,
			doc_id      TEXT NOT NULL REFERENCES documents(id),
			kind        TEXT NOT NULL DEFAULT 'label' CHECK (kind IN ('label', 'retract')),
			technique   TEXT NOT NULL,
			present     INTEGER CHECK (present IN (0, 1)),
			sentence    TEXT NOT NULL DEFAULT '',
			analyst     TEXT NOT NULL,
			created_at  TEXT NOT NULL,
			note        TEXT NOT NULL DEFAULT '',
			origin      TEXT NOT NULL CHECK (origin IN ('tui', 'cli', 'import', 'api')),
			retracts    INTEGER NULL REFERENCES technique_label_events(id),
			CHECK ((kind = 'label' AND present IS NOT NULL AND retracts IS NULL)
			    OR (kind = 'retract' AND present IS NULL AND retracts IS NOT NULL))
		);
		CREATE UNIQUE INDEX technique_label_events_retracts ON technique_label_events(retracts) WHERE retracts IS NOT NULL;
		CREATE INDEX technique_label_events_doc ON technique_label_events(doc_id, technique, created_at, id);
		CREATE INDEX technique_label_events_analyst ON technique_label_events(analyst, id);

		-- current_technique_labels: per document, technique and sentence,
		-- the latest label that no retraction points at.
		CREATE VIEW current_technique_labels AS
			SELECT id, doc_id, technique, present, sentence, analyst, created_at, note, origin
			FROM (SELECT e.*, row_number() OVER (PARTITION BY e.doc_id, e.technique, e.sentence
			                                     ORDER BY e.created_at DESC, e.id DESC) AS latest
			      FROM technique_label_events e
			      WHERE e.kind = 'label'
			        AND NOT EXISTS (SELECT 1 FROM technique_label_events r WHERE r.retracts = e.id))
			WHERE latest = 1;`,
		// 2: technique verdicts shared with the team through Neo4j, as
		// severity labels are (labels migration 2): a uid names every event
		// everywhere, workspace is '' for this workspace's own events and
		// the sender's id for pulled ones; technique_share_state and
		// technique_pull_waiting are label_share_state and
		// label_pull_waiting for the technique log. With several analysts,
		// the verdict in force on a technique in a sentence follows the
		// severity labels' rule (labels migration 3) over each analyst's
		// latest live verdict: an adjudicator's (the latest, if several);
		// else the one a strict majority gave (its latest); else the
		// latest. One analyst correcting themselves still gets their latest.
		`ALTER TABLE technique_label_events ADD COLUMN uid TEXT;
		ALTER TABLE technique_label_events ADD COLUMN workspace TEXT NOT NULL DEFAULT '';
		UPDATE technique_label_events SET uid = lower(hex(randomblob(16))) WHERE uid IS NULL;
		CREATE UNIQUE INDEX technique_label_events_uid ON technique_label_events(uid);
		CREATE TRIGGER technique_label_events_uid AFTER INSERT ON technique_label_events WHEN NEW.uid IS NULL
		BEGIN UPDATE technique_label_events SET uid = lower(hex(randomblob(16))) WHERE id = NEW.id; END;
		CREATE TABLE technique_share_state (
			id             INTEGER PRIMARY KEY CHECK (id = 1),
			log            TEXT NOT NULL DEFAULT '',
			pushed_through INTEGER NOT NULL DEFAULT 0,
			pulled_through INTEGER NOT NULL DEFAULT 0
		);
		INSERT INTO technique_share_state (id) VALUES (1);
		CREATE TABLE technique_pull_waiting (
			uid   TEXT PRIMARY KEY,
			seq   INTEGER NOT NULL,
			event TEXT NOT NULL
		);
		DROP VIEW current_technique_labels;
		-- per_analyst_technique_labels: each analyst's latest live verdict
		-- on a technique of a document in a sentence.
		CREATE VIEW per_analyst_technique_labels AS
			SELECT id, doc_id, technique, present, sentence, analyst, created_at, note, origin
			FROM (SELECT e.*, row_number() OVER (PARTITION BY e.doc_id, e.technique, e.sentence, e.analyst
			                                     ORDER BY e.created_at DESC, e.id DESC) AS latest
			      FROM technique_label_events e
			      WHERE e.kind = 'label'
			        AND NOT EXISTS (SELECT 1 FROM technique_label_events r WHERE r.retracts = e.id))
			WHERE latest = 1;
		CREATE VIEW current_technique_labels AS
			WITH votes AS (
				SELECT doc_id, technique, sentence, present, count(*) AS n
				FROM per_analyst_technique_labels GROUP BY doc_id, technique, sentence, present
			), ranked_votes AS (
				SELECT doc_id, technique, sentence, present,
				       rank() OVER (PARTITION BY doc_id, technique, sentence ORDER BY n DESC) AS r,
				       count(*) OVER (PARTITION BY doc_id, technique, sentence, n) AS ties
				FROM votes
			), majority AS (
				SELECT doc_id, technique, sentence, present FROM ranked_votes WHERE r = 1 AND ties = 1
			)
			SELECT id, doc_id, technique, present, sentence, analyst, created_at, note, origin
			FROM (SELECT p.*, row_number() OVER (PARTITION BY p.doc_id, p.technique, p.sentence ORDER BY
			                  (a.analyst IS NOT NULL) DESC,
			                  (a.analyst IS NULL AND m.doc_id IS NOT NULL) DESC,
			                  p.created_at DESC, p.id DESC) AS pick
			      FROM per_analyst_technique_labels p
			      LEFT JOIN label_adjudicators a ON a.analyst = p.analyst
			      LEFT JOIN majority m ON m.doc_id = p.doc_id AND m.technique = p.technique
			                          AND m.sentence = p.sentence AND m.present = p.present)
			WHERE pick = 1;`,
	}
}

// TechniqueLabel is an analyst's verdict on one ATT&CK technique of a
// document: present or not, in the evidence sentence.
type TechniqueLabel struct {
	ID        int64     `json:"id"`
	DocID     string    `json:"doc_id"`
	Technique string    `json:"technique"`
	Present   bool      `json:"present"`
	Sentence  string    `json:"sentence"`
	Analyst   string    `json:"analyst"`
	Note      string    `json:"note,omitempty"`
	Origin    string    `json:"origin"`
	CreatedAt time.Time `json:"created_at"`
	Retracts  int64     `json:"retracts,omitempty"`
}

// AddTechnique appends a technique label. It checks the technique id
// (T1234 or T1234.001, any case), the analyst and that the document
// exists, and fills CreatedAt (now) and Origin ("api"). The label is
// committed when it returns.
func (s *Store) AddTechnique(ctx context.Context, l TechniqueLabel) (TechniqueLabel, error) {
	id := kg.TechniqueKey(l.Technique)
	if id == "" {
		return TechniqueLabel{}, fmt.Errorf("technique label %s: %q is not an ATT&CK technique id (T1234 or T1234.001)", l.DocID, l.Technique)
	}
	l.Technique = id
	l.Analyst = strings.TrimSpace(l.Analyst)
	if l.Analyst == "" {
		return TechniqueLabel{}, fmt.Errorf("technique label %s: an analyst name is required", l.DocID)
	}
	l.Sentence = strings.TrimSpace(l.Sentence)
	if l.Origin == "" {
		l.Origin = "api"
	}
	if !validOrigin(l.Origin) {
		return TechniqueLabel{}, fmt.Errorf("technique label %s: unknown origin %q", l.DocID, l.Origin)
	}
	if l.CreatedAt.IsZero() {
		l.CreatedAt = time.Now()
	}
	l.CreatedAt = l.CreatedAt.UTC()
	l.Retracts = 0
	ok, err := documentExists(ctx, s.db, l.DocID)
	if err != nil {
		return TechniqueLabel{}, fmt.Errorf("technique label %s: %w", l.DocID, err)
	}
	if !ok {
		return TechniqueLabel{}, fmt.Errorf("technique label: unknown document %s", l.DocID)
	}
	err = s.db.QueryRowContext(ctx, `INSERT INTO technique_label_events
		(doc_id, kind, technique, present, sentence, analyst, created_at, note, origin)
		VALUES (?, 'label', ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		l.DocID, l.Technique, l.Present, l.Sentence, l.Analyst, formatTime(l.CreatedAt), l.Note, l.Origin).Scan(&l.ID)
	if err != nil {
		return TechniqueLabel{}, fmt.Errorf("technique label %s: %w", l.DocID, err)
	}
	return l, nil
}

// UndoTechnique retracts the analyst's most recently entered technique
// label that is still live and returns it; again goes one further back.
// Teammates' verdicts pulled from the team's server are theirs to undo.
func (s *Store) UndoTechnique(ctx context.Context, analyst string) (TechniqueLabel, error) {
	var retracted int64
	err := s.db.QueryRowContext(ctx, `INSERT INTO technique_label_events (doc_id, kind, technique, analyst, created_at, origin, retracts)
		SELECT e.doc_id, 'retract', e.technique, e.analyst, ?, e.origin, e.id FROM technique_label_events e
		WHERE e.analyst = ? AND e.kind = 'label' AND e.workspace = ''
		  AND NOT EXISTS (SELECT 1 FROM technique_label_events r WHERE r.retracts = e.id)
		ORDER BY e.id DESC LIMIT 1
		RETURNING retracts`, formatTime(time.Now()), analyst).Scan(&retracted)
	if errors.Is(err, sql.ErrNoRows) {
		return TechniqueLabel{}, fmt.Errorf("technique undo for %s: %w", analyst, ErrNothingToUndo)
	}
	if err != nil {
		return TechniqueLabel{}, fmt.Errorf("technique undo for %s: %w", analyst, err)
	}
	l, err := scanTechniqueLabel(s.db.QueryRowContext(ctx, `SELECT `+techniqueColumns+` FROM technique_label_events WHERE id = ?`, retracted))
	if err != nil {
		return TechniqueLabel{}, fmt.Errorf("technique undo for %s: read label %d: %w", analyst, retracted, err)
	}
	return l, nil
}

const techniqueColumns = `id, doc_id, technique, coalesce(present, 0), sentence, analyst, created_at, note, origin, coalesce(retracts, 0)`

func scanTechniqueLabel(r rowScanner) (TechniqueLabel, error) {
	var l TechniqueLabel
	var created string
	err := r.Scan(&l.ID, &l.DocID, &l.Technique, &l.Present, &l.Sentence, &l.Analyst, &created, &l.Note, &l.Origin, &l.Retracts)
	l.CreatedAt = parseStoredTime(created)
	return l, err
}

// CurrentTechniques calls fn with the current technique labels (per
// document, technique and sentence the latest live one), oldest first;
// docID "" means every document's.
func (s *Store) CurrentTechniques(ctx context.Context, docID string, fn func(TechniqueLabel) error) error {
	q := `SELECT id, doc_id, technique, present, sentence, analyst, created_at, note, origin, 0
		FROM current_technique_labels`
	var args []any
	if docID != "" {
		q += ` WHERE doc_id = ?`
		args = append(args, docID)
	}
	return s.eachTechnique(ctx, q+` ORDER BY created_at, id`, args, fn)
}

// eachTechniqueEvent calls fn with every technique event, retractions
// included, in entry order.
func (s *Store) eachTechniqueEvent(ctx context.Context, fn func(TechniqueLabel) error) error {
	return s.eachTechnique(ctx, `SELECT `+techniqueColumns+` FROM technique_label_events ORDER BY id`, nil, fn)
}

func (s *Store) eachTechnique(ctx context.Context, q string, args []any, fn func(TechniqueLabel) error) error {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("technique labels: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		l, err := scanTechniqueLabel(rows)
		if err != nil {
			return fmt.Errorf("technique labels: %w", err)
		}
		if err := fn(l); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("technique labels: %w", err)
	}
	return nil
}

// techniqueCSVHeader are the columns of ExportTechniques' CSV.
var techniqueCSVHeader = []string{"doc_id", "technique", "present", "sentence", "analyst", "created_at", "note", "origin", "id", "retracts"}

// ExportTechniques writes the current technique labels (with all, every
// event, retractions included) as "jsonl" or "csv", oldest first.
func (s *Store) ExportTechniques(ctx context.Context, w io.Writer, format string, all bool) error {
	var put func(TechniqueLabel) error
	var flush func() error
	switch format {
	case "jsonl":
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		put = func(l TechniqueLabel) error { return enc.Encode(l) }
		flush = func() error { return nil }
	case "csv":
		cw := csv.NewWriter(w)
		if err := cw.Write(techniqueCSVHeader); err != nil {
			return fmt.Errorf("export technique labels: %w", err)
		}
		put = func(l TechniqueLabel) error {
			retracts := ""
			if l.Retracts != 0 {
				retracts = strconv.FormatInt(l.Retracts, 10)
			}
			return cw.Write([]string{l.DocID, l.Technique, strconv.FormatBool(l.Present), l.Sentence, l.Analyst,
				l.CreatedAt.UTC().Format(time.RFC3339Nano), l.Note, l.Origin, strconv.FormatInt(l.ID, 10), retracts})
		}
		flush = func() error { cw.Flush(); return cw.Error() }
	default:
		return fmt.Errorf("export technique labels: unknown format %q: want jsonl or csv", format)
	}
	var err error
	if all {
		err = s.eachTechniqueEvent(ctx, put)
	} else {
		err = s.CurrentTechniques(ctx, "", put)
	}
	if err != nil {
		return fmt.Errorf("export technique labels: %w", err)
	}
	if err := flush(); err != nil {
		return fmt.Errorf("export technique labels: %w", err)
	}
	return nil
}
