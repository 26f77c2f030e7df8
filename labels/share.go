package labels

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/cyberstreams/cyberstreams/kg"
)

// SharedEvent is a label event as teammates exchange it through Neo4j:
// named by its uid everywhere, with the workspace it was made in, and an
// undo naming the label it takes back by that label's uid.
type SharedEvent struct {
	UID          string `json:"uid"`
	Workspace    string `json:"workspace"`
	DocID        string `json:"doc_id"`
	Kind         string `json:"kind"` // label or retract
	Severity     string `json:"severity,omitempty"`
	Analyst      string `json:"analyst"`
	CreatedAt    string `json:"created_at"` // the store's fixed-width UTC layout
	Note         string `json:"note,omitempty"`
	ModelVersion string `json:"model_version,omitempty"`
	Predicted    string `json:"predicted,omitempty"`
	Origin       string `json:"origin"`
	RetractsUID  string `json:"retracts_uid,omitempty"`
	// A technique verdict (the technique log) names the technique, says
	// whether it is present, and carries its evidence sentence.
	Technique string `json:"technique,omitempty"`
	Present   bool   `json:"present,omitempty"`
	Sentence  string `json:"sentence,omitempty"`
}

// sharedLog is one history exchanged with teammates: its state and
// waiting tables, and how a pulled event joins it. Severity labels and
// technique verdicts are two logs, each with its own place on the server.
type sharedLog struct {
	state, waiting string
	append         func(ctx context.Context, tx *sql.Tx, e SharedEvent) (appendOutcome, error)
}

func severityLog() sharedLog {
	return sharedLog{state: "label_share_state", waiting: "label_pull_waiting", append: appendPulled}
}

func techniqueLog() sharedLog {
	return sharedLog{state: "technique_share_state", waiting: "technique_pull_waiting", append: appendPulledTechnique}
}

// ShareState is how far this workspace's label history was exchanged with
// the server's label log named Log.
type ShareState struct {
	Log           string
	PushedThrough int64 // own events with an id up to this are on the server
	PulledThrough int64 // the server's events up to this seq were pulled
	Waiting       int   // pulled events not appended yet
}

// ShareState reads the exchange state.
func (s *Store) ShareState(ctx context.Context) (ShareState, error) {
	return s.shareState(ctx, severityLog())
}

// TechniqueShareState reads the exchange state of the technique verdicts.
func (s *Store) TechniqueShareState(ctx context.Context) (ShareState, error) {
	return s.shareState(ctx, techniqueLog())
}

func (s *Store) shareState(ctx context.Context, l sharedLog) (ShareState, error) {
	var st ShareState
	err := s.db.QueryRowContext(ctx, `SELECT log, pushed_through, pulled_through,
		(SELECT count(*) FROM `+l.waiting+`) FROM `+l.state+` WHERE id = 1`).
		Scan(&st.Log, &st.PushedThrough, &st.PulledThrough, &st.Waiting)
	if err != nil {
		return st, fmt.Errorf("label share state: %w", err)
	}
	return st, nil
}

// StartLog records a server label log that this workspace has not
// exchanged with (a new server, or one reset since): everything is pushed
// and pulled again, which appends nothing twice.
func (s *Store) StartLog(ctx context.Context, log string) error {
	return s.startLog(ctx, severityLog(), log)
}

// StartTechniqueLog is StartLog for the technique verdicts' log.
func (s *Store) StartTechniqueLog(ctx context.Context, log string) error {
	return s.startLog(ctx, techniqueLog(), log)
}

func (s *Store) startLog(ctx context.Context, l sharedLog, log string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE `+l.state+` SET log = ?, pushed_through = 0, pulled_through = 0 WHERE id = 1`, log)
	if err != nil {
		return fmt.Errorf("label share state: %w", err)
	}
	return nil
}

// Unpushed returns up to limit of this workspace's own events not yet on
// the server, in the order they were made, stamped with workspace.
func (s *Store) Unpushed(ctx context.Context, workspace string, limit int) ([]SharedEvent, int64, error) {
	return s.unpushed(ctx, `SELECT e.id, e.uid, e.doc_id, e.kind, coalesce(e.severity, ''), e.analyst, e.created_at,
		e.note, e.model_version, e.predicted, e.origin, coalesce(r.uid, '')
		FROM label_events e LEFT JOIN label_events r ON r.id = e.retracts
		WHERE e.workspace = '' AND e.id > (SELECT pushed_through FROM label_share_state WHERE id = 1)
		ORDER BY e.id LIMIT ?`, workspace, limit, func(e *SharedEvent) []any {
		return []any{&e.UID, &e.DocID, &e.Kind, &e.Severity, &e.Analyst, &e.CreatedAt,
			&e.Note, &e.ModelVersion, &e.Predicted, &e.Origin, &e.RetractsUID}
	})
}

// UnpushedTechniques is Unpushed for the technique verdicts.
func (s *Store) UnpushedTechniques(ctx context.Context, workspace string, limit int) ([]SharedEvent, int64, error) {
	return s.unpushed(ctx, `SELECT e.id, e.uid, e.doc_id, e.kind, e.technique, coalesce(e.present, 0), e.sentence,
		e.analyst, e.created_at, e.note, e.origin, coalesce(r.uid, '')
		FROM technique_label_events e LEFT JOIN technique_label_events r ON r.id = e.retracts
		WHERE e.workspace = '' AND e.id > (SELECT pushed_through FROM technique_share_state WHERE id = 1)
		ORDER BY e.id LIMIT ?`, workspace, limit, func(e *SharedEvent) []any {
		return []any{&e.UID, &e.DocID, &e.Kind, &e.Technique, &e.Present, &e.Sentence,
			&e.Analyst, &e.CreatedAt, &e.Note, &e.Origin, &e.RetractsUID}
	})
}

// unpushed runs query, whose rows are an event's id and then the fields
// that fields points at, and returns the events and the last id.
func (s *Store) unpushed(ctx context.Context, query, workspace string, limit int, fields func(*SharedEvent) []any) ([]SharedEvent, int64, error) {
	rows, err := s.db.QueryContext(ctx, query, limit)
	if err != nil {
		return nil, 0, fmt.Errorf("labels to push: %w", err)
	}
	defer rows.Close()
	var out []SharedEvent
	var last int64
	for rows.Next() {
		e := SharedEvent{Workspace: workspace}
		if err := rows.Scan(append([]any{&last}, fields(&e)...)...); err != nil {
			return nil, 0, fmt.Errorf("labels to push: %w", err)
		}
		out = append(out, e)
	}
	return out, last, rows.Err()
}

// MarkPushed records that own events up to id are on the server.
func (s *Store) MarkPushed(ctx context.Context, id int64) error {
	return s.markPushed(ctx, severityLog(), id)
}

// MarkTechniquesPushed records that own technique events up to id are on
// the server.
func (s *Store) MarkTechniquesPushed(ctx context.Context, id int64) error {
	return s.markPushed(ctx, techniqueLog(), id)
}

func (s *Store) markPushed(ctx context.Context, l sharedLog, id int64) error {
	_, err := s.db.ExecContext(ctx, `UPDATE `+l.state+` SET pushed_through = max(pushed_through, ?) WHERE id = 1`, id)
	if err != nil {
		return fmt.Errorf("label share state: %w", err)
	}
	return nil
}

// PulledEvent is a teammate's event with its place in the server's log.
type PulledEvent struct {
	Seq int64
	SharedEvent
}

// AppendResult counts what a pull appended.
type AppendResult struct {
	Appended int `json:"appended"`
	// Already counts events this workspace held (pulled before, or
	// imported from a file with the same content).
	Already int `json:"already_present"`
	// Waiting counts events kept aside for a document this workspace does
	// not hold or an undo of a label it has not received; every pull tries
	// them again.
	Waiting int `json:"waiting"`
	// Failed counts events that are no label event this store accepts.
	Failed int `json:"failed"`
}

// AppendPulled appends teammates' events to the history in the server's
// order, then tries again the events that were waiting, and records
// through as pulled; all in one transaction. An event already here (by
// uid, or by content for a label imported from a file) is not appended
// again.
func (s *Store) AppendPulled(ctx context.Context, evs []PulledEvent, through int64) (AppendResult, error) {
	return s.appendPulled(ctx, severityLog(), evs, through)
}

// AppendPulledTechniques is AppendPulled for teammates' technique
// verdicts: appended once (by uid), an undo after the verdict it takes
// back, a verdict on a document this workspace lacks kept waiting.
func (s *Store) AppendPulledTechniques(ctx context.Context, evs []PulledEvent, through int64) (AppendResult, error) {
	return s.appendPulled(ctx, techniqueLog(), evs, through)
}

func (s *Store) appendPulled(ctx context.Context, l sharedLog, evs []PulledEvent, through int64) (AppendResult, error) {
	var res AppendResult
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return res, fmt.Errorf("label pull: %w", err)
	}
	defer tx.Rollback()
	waiting, err := waitingEvents(ctx, tx, l.waiting)
	if err != nil {
		return res, err
	}
	// Waiting events come first (they are older), then the new ones; then
	// what still waits is tried again while a pass appends something, for
	// an undo that arrived before the label it takes back.
	pass := append(waiting, evs...)
	for {
		var again []PulledEvent
		progress := false
		for _, e := range pass {
			ok, err := l.append(ctx, tx, e.SharedEvent)
			if errors.Is(err, errBadShared) {
				// One malformed event (another version's, or hand-made on the
				// server) never stops the others; it is counted and dropped.
				res.Failed++
				ok, err = dropped, nil
			}
			if err != nil {
				return res, fmt.Errorf("label pull: event %s of %s: %w", e.UID, e.DocID, err)
			}
			switch ok {
			case appended:
				res.Appended++
				progress = true
			case already:
				res.Already++
			case wait:
				again = append(again, e)
				continue
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+l.waiting+` WHERE uid = ?`, e.UID); err != nil {
				return res, fmt.Errorf("label pull: %w", err)
			}
		}
		if !progress || len(again) == 0 {
			for _, e := range again {
				b, err := json.Marshal(e.SharedEvent)
				if err != nil {
					return res, err
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO `+l.waiting+` (uid, seq, event) VALUES (?, ?, ?)
					ON CONFLICT (uid) DO NOTHING`, e.UID, e.Seq, string(b)); err != nil {
					return res, fmt.Errorf("label pull: %w", err)
				}
			}
			break
		}
		pass = again
	}
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM `+l.waiting).Scan(&res.Waiting); err != nil {
		return res, fmt.Errorf("label pull: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE `+l.state+` SET pulled_through = max(pulled_through, ?) WHERE id = 1`, through); err != nil {
		return res, fmt.Errorf("label pull: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return res, fmt.Errorf("label pull: %w", err)
	}
	return res, nil
}

func waitingEvents(ctx context.Context, tx *sql.Tx, table string) ([]PulledEvent, error) {
	rows, err := tx.QueryContext(ctx, `SELECT seq, event FROM `+table+` ORDER BY seq`)
	if err != nil {
		return nil, fmt.Errorf("label pull: %w", err)
	}
	defer rows.Close()
	var out []PulledEvent
	for rows.Next() {
		var e PulledEvent
		var b string
		if err := rows.Scan(&e.Seq, &b); err != nil {
			return nil, fmt.Errorf("label pull: %w", err)
		}
		if err := json.Unmarshal([]byte(b), &e.SharedEvent); err != nil {
			return nil, fmt.Errorf("label pull: waiting event: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

type appendOutcome int

const (
	appended appendOutcome = iota
	already
	wait
	dropped
)

// errBadShared is a pulled event this store would never accept.
var errBadShared = errors.New("not a label event")

func appendPulled(ctx context.Context, tx *sql.Tx, e SharedEvent) (appendOutcome, error) {
	return appendShared(ctx, tx, "label_events", e, func() (sql.Result, error) {
		if severityRank(e.Severity) < 0 {
			return nil, fmt.Errorf("%w: severity %q", errBadShared, e.Severity)
		}
		return tx.ExecContext(ctx, `INSERT OR IGNORE INTO label_events
			(doc_id, kind, severity, analyst, created_at, note, model_version, predicted, origin, import_key, uid, workspace)
			VALUES (?, 'label', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			e.DocID, e.Severity, e.Analyst, e.CreatedAt, e.Note, e.ModelVersion, e.Predicted, e.Origin,
			importKey(e.DocID, e.Severity, e.Analyst, e.CreatedAt, e.Note), e.UID, e.Workspace)
	}, func(target int64) (sql.Result, error) {
		return tx.ExecContext(ctx, `INSERT OR IGNORE INTO label_events
			(doc_id, kind, analyst, created_at, note, origin, retracts, uid, workspace)
			VALUES (?, 'retract', ?, ?, ?, ?, ?, ?, ?)`,
			e.DocID, e.Analyst, e.CreatedAt, e.Note, e.Origin, target, e.UID, e.Workspace)
	})
}

// appendPulledTechnique appends one teammate's technique event, as
// appendPulled does a severity event.
func appendPulledTechnique(ctx context.Context, tx *sql.Tx, e SharedEvent) (appendOutcome, error) {
	technique := kg.TechniqueKey(e.Technique)
	return appendShared(ctx, tx, "technique_label_events", e, func() (sql.Result, error) {
		if technique == "" {
			return nil, fmt.Errorf("%w: technique %q", errBadShared, e.Technique)
		}
		return tx.ExecContext(ctx, `INSERT OR IGNORE INTO technique_label_events
			(doc_id, kind, technique, present, sentence, analyst, created_at, note, origin, uid, workspace)
			VALUES (?, 'label', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			e.DocID, technique, e.Present, e.Sentence, e.Analyst, e.CreatedAt, e.Note, e.Origin, e.UID, e.Workspace)
	}, func(target int64) (sql.Result, error) {
		return tx.ExecContext(ctx, `INSERT OR IGNORE INTO technique_label_events
			(doc_id, kind, technique, analyst, created_at, note, origin, retracts, uid, workspace)
			VALUES (?, 'retract', (SELECT technique FROM technique_label_events WHERE id = ?), ?, ?, ?, ?, ?, ?, ?)`,
			e.DocID, target, e.Analyst, e.CreatedAt, e.Note, e.Origin, target, e.UID, e.Workspace)
	})
}

// appendShared appends a pulled event to the events table: not at all
// when an event with its uid is there; after checking what every event
// carries; waiting while its document, or the label an undo takes back,
// is missing. label and retract insert a label, or an undo of the label
// with id target.
func appendShared(ctx context.Context, tx *sql.Tx, table string, e SharedEvent,
	label func() (sql.Result, error), retract func(target int64) (sql.Result, error)) (appendOutcome, error) {
	var one int
	switch err := tx.QueryRowContext(ctx, `SELECT 1 FROM `+table+` WHERE uid = ?`, e.UID).Scan(&one); {
	case err == nil:
		return already, nil
	case !errors.Is(err, sql.ErrNoRows):
		return 0, err
	}
	if e.UID == "" || e.Workspace == "" || e.Analyst == "" || !validOrigin(e.Origin) || parseStoredTime(e.CreatedAt).IsZero() {
		return 0, fmt.Errorf("%w: %+v", errBadShared, e)
	}
	ok, err := documentExists(ctx, tx, e.DocID)
	if err != nil || !ok {
		return wait, err
	}
	var r sql.Result
	switch e.Kind {
	case "label":
		r, err = label()
	case "retract":
		var target int64
		switch err := tx.QueryRowContext(ctx, `SELECT id FROM `+table+` WHERE uid = ? AND kind = 'label'`, e.RetractsUID).Scan(&target); {
		case errors.Is(err, sql.ErrNoRows):
			return wait, nil
		case err != nil:
			return 0, err
		}
		r, err = retract(target)
	default:
		return 0, fmt.Errorf("%w: kind %q", errBadShared, e.Kind)
	}
	if err != nil {
		return 0, err
	}
	if n, _ := r.RowsAffected(); n == 0 {
		return already, nil // the same label imported from a file, or the label retracted already
	}
	return appended, nil
}
