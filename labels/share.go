package labels

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
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
	var st ShareState
	err := s.db.QueryRowContext(ctx, `SELECT log, pushed_through, pulled_through,
		(SELECT count(*) FROM label_pull_waiting) FROM label_share_state WHERE id = 1`).
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
	_, err := s.db.ExecContext(ctx, `UPDATE label_share_state SET log = ?, pushed_through = 0, pulled_through = 0 WHERE id = 1`, log)
	if err != nil {
		return fmt.Errorf("label share state: %w", err)
	}
	return nil
}

// Unpushed returns up to limit of this workspace's own events not yet on
// the server, in the order they were made, stamped with workspace.
func (s *Store) Unpushed(ctx context.Context, workspace string, limit int) ([]SharedEvent, int64, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT e.id, e.uid, e.doc_id, e.kind, coalesce(e.severity, ''), e.analyst, e.created_at,
		e.note, e.model_version, e.predicted, e.origin, coalesce(r.uid, '')
		FROM label_events e LEFT JOIN label_events r ON r.id = e.retracts
		WHERE e.workspace = '' AND e.id > (SELECT pushed_through FROM label_share_state WHERE id = 1)
		ORDER BY e.id LIMIT ?`, limit)
	if err != nil {
		return nil, 0, fmt.Errorf("labels to push: %w", err)
	}
	defer rows.Close()
	var out []SharedEvent
	var last int64
	for rows.Next() {
		e := SharedEvent{Workspace: workspace}
		if err := rows.Scan(&last, &e.UID, &e.DocID, &e.Kind, &e.Severity, &e.Analyst, &e.CreatedAt,
			&e.Note, &e.ModelVersion, &e.Predicted, &e.Origin, &e.RetractsUID); err != nil {
			return nil, 0, fmt.Errorf("labels to push: %w", err)
		}
		out = append(out, e)
	}
	return out, last, rows.Err()
}

// MarkPushed records that own events up to id are on the server.
func (s *Store) MarkPushed(ctx context.Context, id int64) error {
	_, err := s.db.ExecContext(ctx, `UPDATE label_share_state SET pushed_through = max(pushed_through, ?) WHERE id = 1`, id)
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
	var res AppendResult
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return res, fmt.Errorf("label pull: %w", err)
	}
	defer tx.Rollback()
	waiting, err := waitingEvents(ctx, tx)
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
			ok, err := appendPulled(ctx, tx, e.SharedEvent)
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
			if _, err := tx.ExecContext(ctx, `DELETE FROM label_pull_waiting WHERE uid = ?`, e.UID); err != nil {
				return res, fmt.Errorf("label pull: %w", err)
			}
		}
		if !progress || len(again) == 0 {
			for _, e := range again {
				b, err := json.Marshal(e.SharedEvent)
				if err != nil {
					return res, err
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO label_pull_waiting (uid, seq, event) VALUES (?, ?, ?)
					ON CONFLICT (uid) DO NOTHING`, e.UID, e.Seq, string(b)); err != nil {
					return res, fmt.Errorf("label pull: %w", err)
				}
			}
			break
		}
		pass = again
	}
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM label_pull_waiting`).Scan(&res.Waiting); err != nil {
		return res, fmt.Errorf("label pull: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE label_share_state SET pulled_through = max(pulled_through, ?) WHERE id = 1`, through); err != nil {
		return res, fmt.Errorf("label pull: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return res, fmt.Errorf("label pull: %w", err)
	}
	return res, nil
}

func waitingEvents(ctx context.Context, tx *sql.Tx) ([]PulledEvent, error) {
	rows, err := tx.QueryContext(ctx, `SELECT seq, event FROM label_pull_waiting ORDER BY seq`)
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
	var one int
	switch err := tx.QueryRowContext(ctx, `SELECT 1 FROM label_events WHERE uid = ?`, e.UID).Scan(&one); {
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
		if severityRank(e.Severity) < 0 {
			return 0, fmt.Errorf("%w: severity %q", errBadShared, e.Severity)
		}
		r, err = tx.ExecContext(ctx, `INSERT OR IGNORE INTO label_events
			(doc_id, kind, severity, analyst, created_at, note, model_version, predicted, origin, import_key, uid, workspace)
			VALUES (?, 'label', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			e.DocID, e.Severity, e.Analyst, e.CreatedAt, e.Note, e.ModelVersion, e.Predicted, e.Origin,
			importKey(e.DocID, e.Severity, e.Analyst, e.CreatedAt, e.Note), e.UID, e.Workspace)
	case "retract":
		var target int64
		switch err := tx.QueryRowContext(ctx, `SELECT id FROM label_events WHERE uid = ? AND kind = 'label'`, e.RetractsUID).Scan(&target); {
		case errors.Is(err, sql.ErrNoRows):
			return wait, nil
		case err != nil:
			return 0, err
		}
		r, err = tx.ExecContext(ctx, `INSERT OR IGNORE INTO label_events
			(doc_id, kind, analyst, created_at, note, origin, retracts, uid, workspace)
			VALUES (?, 'retract', ?, ?, ?, ?, ?, ?, ?)`,
			e.DocID, e.Analyst, e.CreatedAt, e.Note, e.Origin, target, e.UID, e.Workspace)
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
