package workspace

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/cyberstreams/cyberstreams/labels"
)

// The scores table holds each document's latest score. This file is its one
// owner: every package that reads or writes scores does it through the
// named queries below, so a change to the table (a column, an index) is
// made here and nowhere else. (One more writer: the documents_revised
// trigger of documents migration 5 deletes the score of a document that an
// ingest updated, since it scored the old text.)

// Score is a document's stored score. Probabilities and Explanation are
// the scorer's own JSON (scoring.Probabilities, scoring.Explanation): the
// workspace stores them as given and does not read them.
type Score struct {
	DocID, Model, Severity      string
	Confidence, Margin, Novelty float64
	Probabilities               string
	// Explanation is "" (or "null") when the score was stored without
	// reasons.
	Explanation string
	// ScoredAt is when the score was made; zero in PutScores means now.
	ScoredAt time.Time
	// Basis is what the score was made with (scoring.Scorer.Basis: the
	// model version, the scoring path's version and the workspace's
	// knowledge); a score whose basis is not the current scorer's is
	// stale (Unscored). Documents migration 6.
	Basis string
	// Exploitation is the probability that the document's vulnerability
	// is listed as exploited (CISA KEV) within ExploitationHorizon days of
	// publication, and PatchPriority its expected harm
	// (exploitation.Priority). ExploitationHorizon 0 says the score
	// carries neither. Documents migration 7.
	Exploitation        float64
	ExploitationHorizon int
	PatchPriority       float64
	// NoCVE says the document names no CVE, so its score carries no
	// likelihood over its horizon (exploitation.Prediction.NoCVE):
	// Exploitation and PatchPriority are 0 and mean nothing. Stored as an
	// exploitation of −1, which no probability is (storedNoCVE).
	NoCVE bool
	// Entities, when not nil in PutScores, replace the document's stored
	// entities in the same transaction: the scorer derived them with newer
	// knowledge than the document was stored with (actor and software
	// names learned from the graph since). Score never fills it.
	Entities map[string][]string
}

// storedNoCVE is the exploitation column of a score whose document names
// no CVE (Score.NoCVE).
const storedNoCVE = -1.0

// exploitationColumn is the stored exploitation of s.
func (s *Score) exploitationColumn() float64 {
	if s.NoCVE {
		return storedNoCVE
	}
	return s.Exploitation
}

// readExploitation sets NoCVE from a stored exploitation column just
// scanned into Exploitation.
func (s *Score) readExploitation() {
	s.NoCVE = s.Exploitation == storedNoCVE
	if s.NoCVE {
		s.Exploitation = 0
	}
}

// scoredAtLayout is how scored_at is stored.
const scoredAtLayout = time.RFC3339Nano

// PutScores stores scores, replacing each document's previous one, in one
// transaction: one fsync for the batch instead of one per document. A
// score with Entities also replaces its document's entities (the entities
// column and the rows DocumentsWithEntity reads).
func (w *Workspace) PutScores(ctx context.Context, scores []Score) error {
	tx, err := w.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store scores: %w", err)
	}
	defer tx.Rollback()
	st, err := tx.PrepareContext(ctx, `INSERT INTO scores
		(doc_id, model, severity, confidence, margin, novelty, probabilities, explanation, scored_at, basis,
			exploitation, exploitation_horizon, patch_priority)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)
		ON CONFLICT(doc_id) DO UPDATE SET model = excluded.model, severity = excluded.severity,
			confidence = excluded.confidence, margin = excluded.margin, novelty = excluded.novelty,
			probabilities = excluded.probabilities, explanation = excluded.explanation, scored_at = excluded.scored_at,
			basis = excluded.basis, exploitation = excluded.exploitation,
			exploitation_horizon = excluded.exploitation_horizon, patch_priority = excluded.patch_priority`)
	if err != nil {
		return fmt.Errorf("store scores: %w", err)
	}
	defer st.Close()
	ents := entityReplacer{tx: tx}
	defer ents.close()
	now := time.Now().UTC().Format(scoredAtLayout)
	for _, s := range scores {
		at := now
		if !s.ScoredAt.IsZero() {
			at = s.ScoredAt.UTC().Format(scoredAtLayout)
		}
		ex := s.Explanation
		if ex == "" {
			ex = "{}"
		}
		if _, err := st.ExecContext(ctx, s.DocID, s.Model, s.Severity, s.Confidence, s.Margin, s.Novelty, s.Probabilities, ex, at, s.Basis,
			s.exploitationColumn(), s.ExploitationHorizon, s.PatchPriority); err != nil {
			return fmt.Errorf("store score of %s: %w", s.DocID, err)
		}
		if s.Entities != nil {
			if err := ents.replace(ctx, s.DocID, s.Entities); err != nil {
				return fmt.Errorf("store entities of %s: %w", s.DocID, err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store scores: %w", err)
	}
	return nil
}

// entityReplacer replaces the entities of stored documents within a
// transaction, preparing its statements on first use.
type entityReplacer struct {
	tx                 *sql.Tx
	drop, column, rows *sql.Stmt
}

// replace makes ents the document's entities: its entities column, and
// its rows of the entities table. The old rows are found through the old
// column (the table has no index by document since migration 2), as the
// documents_revised trigger finds them.
func (r *entityReplacer) replace(ctx context.Context, docID string, ents map[string][]string) error {
	if r.drop == nil {
		var err error
		if r.drop, err = r.tx.PrepareContext(ctx, `DELETE FROM entities WHERE (type, value, doc_id) IN
			(SELECT t.key, v.value, d.id FROM documents d, json_each(d.entities) t, json_each(t.value) v WHERE d.id = ?)`); err != nil {
			return err
		}
		if r.column, err = r.tx.PrepareContext(ctx, `UPDATE documents SET entities = ? WHERE id = ?`); err != nil {
			return err
		}
		if r.rows, err = r.tx.PrepareContext(ctx, `INSERT OR IGNORE INTO entities(doc_id, type, value) VALUES (?,?,?)`); err != nil {
			return err
		}
	}
	if _, err := r.drop.ExecContext(ctx, docID); err != nil {
		return err
	}
	if _, err := r.column.ExecContext(ctx, string(appendEntities(nil, ents)), docID); err != nil {
		return err
	}
	for typ, vals := range ents {
		for _, v := range vals {
			if _, err := r.rows.ExecContext(ctx, docID, typ, v); err != nil {
				return err
			}
		}
	}
	return nil
}

func (r *entityReplacer) close() {
	for _, st := range []*sql.Stmt{r.drop, r.column, r.rows} {
		if st != nil {
			st.Close()
		}
	}
}

// Score returns a document's stored score; false when it has none.
func (w *Workspace) Score(ctx context.Context, docID string) (Score, bool, error) {
	s := Score{DocID: docID}
	var at string
	err := w.db.QueryRowContext(ctx, `SELECT model, severity, confidence, margin, novelty, probabilities, explanation, scored_at, basis,
			exploitation, exploitation_horizon, patch_priority
		FROM scores WHERE doc_id = ?`, docID).Scan(&s.Model, &s.Severity, &s.Confidence, &s.Margin, &s.Novelty, &s.Probabilities,
		&s.Explanation, &at, &s.Basis, &s.Exploitation, &s.ExploitationHorizon, &s.PatchPriority)
	if errors.Is(err, sql.ErrNoRows) {
		return Score{}, false, nil
	}
	if err != nil {
		return Score{}, false, fmt.Errorf("score of %s: %w", docID, err)
	}
	s.ScoredAt, _ = time.Parse(scoredAtLayout, at)
	s.readExploitation()
	return s, true, nil
}

// ScoreCount is the number of stored scores.
func (w *Workspace) ScoreCount(ctx context.Context) (int, error) {
	var n int
	if err := w.db.QueryRowContext(ctx, `SELECT count(*) FROM scores`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count scores: %w", err)
	}
	return n, nil
}

// queueScoresQuery reads the columns of scores_queue only.
const queueScoresQuery = `SELECT doc_id, severity, confidence, margin, novelty, probabilities,
	exploitation, exploitation_horizon, patch_priority FROM scores`

// EachQueueScore calls fn with the short columns of every stored score —
// DocID, Severity, Confidence, Margin, Novelty, Probabilities and the
// exploitation likelihood (Exploitation, ExploitationHorizon,
// PatchPriority); not Model, Explanation or ScoredAt — in no particular
// order. They are read from the covering index scores_queue (migrations 3
// and 7), never from the wide
// rows, which is what keeps loading a queue of 100,000 documents fast. fn
// gets the same *Score each time: copy what it keeps.
func (w *Workspace) EachQueueScore(ctx context.Context, fn func(*Score) error) error {
	rows, err := w.db.QueryContext(ctx, queueScoresQuery)
	if err != nil {
		return fmt.Errorf("read scores: %w", err)
	}
	defer rows.Close()
	var s Score
	for rows.Next() {
		if err := rows.Scan(&s.DocID, &s.Severity, &s.Confidence, &s.Margin, &s.Novelty, &s.Probabilities,
			&s.Exploitation, &s.ExploitationHorizon, &s.PatchPriority); err != nil {
			return fmt.Errorf("read scores: %w", err)
		}
		s.readExploitation()
		if err := fn(&s); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read scores: %w", err)
	}
	return nil
}

// ScoredSeverities maps each scored document to its latest model severity.
func (w *Workspace) ScoredSeverities(ctx context.Context) (map[string]string, error) {
	rows, err := w.db.QueryContext(ctx, `SELECT doc_id, severity FROM scores`)
	if err != nil {
		return nil, fmt.Errorf("read scored severities: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, sev string
		if err := rows.Scan(&id, &sev); err != nil {
			return nil, fmt.Errorf("read scored severities: %w", err)
		}
		out[id] = sev
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read scored severities: %w", err)
	}
	return out, nil
}

// Prediction is what the model said about a document: its latest score's
// model version and severity; ok is false for an unscored document.
func (w *Workspace) Prediction(ctx context.Context, docID string) (model, severity string, ok bool, err error) {
	err = w.db.QueryRowContext(ctx, `SELECT model, severity FROM scores WHERE doc_id = ?`, docID).Scan(&model, &severity)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", false, nil
	}
	if err != nil {
		return "", "", false, fmt.Errorf("score of %s: %w", docID, err)
	}
	return model, severity, true, nil
}

// PredictedSeverities maps those of docIDs that have a score to its
// severity.
func (w *Workspace) PredictedSeverities(ctx context.Context, docIDs []string) (map[string]string, error) {
	out := make(map[string]string, len(docIDs))
	err := w.eachRowOfIDs(ctx, `SELECT doc_id, severity FROM scores WHERE doc_id IN (`, nil, docIDs, `)`, func(scan func(...any) error) error {
		var id, sev string
		if err := scan(&id, &sev); err != nil {
			return err
		}
		out[id] = sev
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read predicted severities: %w", err)
	}
	return out, nil
}

// Labels is the workspace's label store, which records with each label
// what the workspace's latest score of the document said.
func (w *Workspace) Labels() *labels.Store { return labels.New(w.db).WithPredictions(w) }

// Unscored returns the documents that have no score made on basis (see
// Score.Basis): none at all, or a stale one — from another model version,
// an older scoring path or other graph knowledge.
func (w *Workspace) Unscored(ctx context.Context, basis string) (map[string]bool, error) {
	rows, err := w.db.QueryContext(ctx, `SELECT d.id FROM documents d LEFT JOIN scores s ON s.doc_id = d.id
		WHERE s.doc_id IS NULL OR s.basis <> ?`, basis)
	if err != nil {
		return nil, fmt.Errorf("find unscored documents: %w", err)
	}
	defer rows.Close()
	need := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("find unscored documents: %w", err)
		}
		need[id] = true
	}
	return need, rows.Err()
}

// SeverityCounts counts, by severity, the documents among docIDs whose
// stored score comes from model version; scored is their total.
func (w *Workspace) SeverityCounts(ctx context.Context, version string, docIDs []string) (counts map[string]int, scored int, err error) {
	return w.severityCounts(ctx, `model`, version, docIDs)
}

// SeverityCountsOnBasis is SeverityCounts over the scores made on basis
// (scoring.Scorer.Basis): model, scoring path and workspace knowledge.
func (w *Workspace) SeverityCountsOnBasis(ctx context.Context, basis string, docIDs []string) (counts map[string]int, scored int, err error) {
	return w.severityCounts(ctx, `basis`, basis, docIDs)
}

// severityCounts counts the stored classes of docIDs whose column (model
// or basis, never user input) equals value.
func (w *Workspace) severityCounts(ctx context.Context, column, value string, docIDs []string) (counts map[string]int, scored int, err error) {
	counts = map[string]int{}
	err = w.eachRowOfIDs(ctx, `SELECT severity, count(*) FROM scores WHERE `+column+` = ? AND doc_id IN (`, []any{value}, docIDs, `) GROUP BY severity`,
		func(scan func(...any) error) error {
			var sev string
			var n int
			if err := scan(&sev, &n); err != nil {
				return err
			}
			counts[sev] += n
			scored += n
			return nil
		})
	if err != nil {
		return nil, 0, fmt.Errorf("count scored severities: %w", err)
	}
	return counts, scored, nil
}

// EachScoreTime calls fn with the time of every stored score.
func (w *Workspace) EachScoreTime(ctx context.Context, fn func(time.Time) error) error {
	err := w.eachRow(ctx, `SELECT scored_at FROM scores`, nil, func(scan func(...any) error) error {
		var at string
		if err := scan(&at); err != nil {
			return err
		}
		t, _ := time.Parse(scoredAtLayout, at)
		return fn(t)
	})
	if err != nil {
		return fmt.Errorf("read score times: %w", err)
	}
	return nil
}

// DayCount is how many documents were published on Day (YYYY-MM-DD) with
// Severity: the source's own label, else the latest score's, else "".
type DayCount struct {
	Day, Severity string
	N             int64
	Source        string // the documents' source ("" when none was given)
}

// DailySeverityCounts counts the documents with a published date by day,
// severity and source (see DayCount), in no particular order.
func (w *Workspace) DailySeverityCounts(ctx context.Context) ([]DayCount, error) {
	const q = `SELECT substr(d.published, 1, 10) AS day,
		COALESCE(NULLIF(d.severity, ''), s.severity, '') AS sev,
		count(*), d.source
	FROM documents d LEFT JOIN scores s ON s.doc_id = d.id
	WHERE d.published <> ?
	GROUP BY day, sev, d.source`
	var out []DayCount
	err := w.eachRow(ctx, q, []any{""}, func(scan func(...any) error) error {
		var c DayCount
		if err := scan(&c.Day, &c.Severity, &c.N, &c.Source); err != nil {
			return err
		}
		out = append(out, c)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("daily document counts: %w", err)
	}
	return out, nil
}
