package labels

// Migrations are the label store's versioned schema steps; the workspace
// runs them after its own (the events reference documents(id)). steps[i]
// brings the store to version i+1; a released step is never edited, only
// followed by a new one.
func Migrations() []string {
	return []string{
		// 1: the append-only event log and the views that read it.
		//
		// A label is never updated or deleted: a correction is a newer label
		// and an undo is a 'retract' event that points at the label it takes
		// back. The partial unique index lets each label be retracted once.
		// created_at is stored in a fixed-width UTC layout so that text order
		// is time order.
		`CREATE TABLE label_events (
			id            INTEGER PRIMARY KEY AUTOINCREMENT,
			doc_id        TEXT NOT NULL REFERENCES documents(id),
			kind          TEXT NOT NULL DEFAULT 'label' CHECK (kind IN ('label', 'retract')),
			severity      TEXT CHECK (severity IN ('critical', 'high', 'medium', 'low', 'informational')),
			analyst       TEXT NOT NULL,
			created_at    TEXT NOT NULL,
			note          TEXT NOT NULL DEFAULT '',
			model_version TEXT NOT NULL DEFAULT '',
			predicted     TEXT NOT NULL DEFAULT '',
			origin        TEXT NOT NULL CHECK (origin IN ('tui', 'cli', 'import', 'api')),
			retracts      INTEGER NULL REFERENCES label_events(id),
			import_key    TEXT UNIQUE NULL,
			CHECK ((kind = 'label' AND severity IS NOT NULL AND retracts IS NULL)
			    OR (kind = 'retract' AND severity IS NULL AND retracts IS NOT NULL))
		);
		CREATE UNIQUE INDEX label_events_retracts ON label_events(retracts) WHERE retracts IS NOT NULL;
		CREATE INDEX label_events_doc ON label_events(doc_id, created_at, id);
		CREATE INDEX label_events_analyst ON label_events(analyst, id);

		-- live_labels: label events that no retraction points at.
		CREATE VIEW live_labels AS
			SELECT e.id, e.doc_id, e.severity, e.analyst, e.created_at, e.note,
			       e.model_version, e.predicted, e.origin
			FROM label_events e
			WHERE e.kind = 'label'
			  AND NOT EXISTS (SELECT 1 FROM label_events r WHERE r.retracts = e.id);

		-- current_labels: per document, the latest live label of any analyst
		-- (by created_at, then by id for labels given in the same instant).
		CREATE VIEW current_labels AS
			SELECT id, doc_id, severity, analyst, created_at, note, model_version, predicted, origin
			FROM (SELECT l.*, row_number() OVER (PARTITION BY l.doc_id
			                                     ORDER BY l.created_at DESC, l.id DESC) AS latest
			      FROM live_labels l)
			WHERE latest = 1;`,
		// 2: labels shared with the team through Neo4j (graph sync, label
		// pull). Every event gets a uid that names it everywhere, so that
		// pushing or pulling it twice is harmless. workspace is '' for this
		// workspace's own events and the sending workspace's id for events
		// pulled from teammates. label_share_state remembers the server's
		// label log (its id: a new one means a reset server, and everything
		// is pushed and pulled again), how far this workspace's own events
		// were pushed (by id) and how far the log was pulled (by the
		// server's seq). label_pull_waiting holds pulled events this
		// workspace cannot append yet: a label of a document it does not
		// hold, or an undo of a label it has not received.
		`ALTER TABLE label_events ADD COLUMN uid TEXT;
		ALTER TABLE label_events ADD COLUMN workspace TEXT NOT NULL DEFAULT '';
		UPDATE label_events SET uid = lower(hex(randomblob(16))) WHERE uid IS NULL;
		CREATE UNIQUE INDEX label_events_uid ON label_events(uid);
		CREATE TRIGGER label_events_uid AFTER INSERT ON label_events WHEN NEW.uid IS NULL
		BEGIN UPDATE label_events SET uid = lower(hex(randomblob(16))) WHERE id = NEW.id; END;
		CREATE TABLE label_share_state (
			id             INTEGER PRIMARY KEY CHECK (id = 1),
			log            TEXT NOT NULL DEFAULT '',
			pushed_through INTEGER NOT NULL DEFAULT 0,
			pulled_through INTEGER NOT NULL DEFAULT 0
		);
		INSERT INTO label_share_state (id) VALUES (1);
		CREATE TABLE label_pull_waiting (
			uid   TEXT PRIMARY KEY,
			seq   INTEGER NOT NULL,
			event TEXT NOT NULL
		);`,
		// 3: the training label of a document when several analysts
		// labelled it. current_labels picks, among each analyst's latest
		// live label of the document: an adjudicator's (the latest, if
		// several adjudicators labelled it); else the severity a strict
		// majority of the analysts gave (its latest label); else the latest
		// label. One analyst correcting themselves still gets their latest
		// label, as before.
		`CREATE TABLE label_adjudicators (analyst TEXT PRIMARY KEY);
		-- per_analyst_labels: each analyst's latest live label of a document.
		CREATE VIEW per_analyst_labels AS
			SELECT id, doc_id, severity, analyst, created_at, note, model_version, predicted, origin
			FROM (SELECT l.*, row_number() OVER (PARTITION BY l.doc_id, l.analyst
			                                     ORDER BY l.created_at DESC, l.id DESC) AS latest
			      FROM live_labels l)
			WHERE latest = 1;
		DROP VIEW current_labels;
		CREATE VIEW current_labels AS
			WITH votes AS (
				SELECT doc_id, severity, count(*) AS n FROM per_analyst_labels GROUP BY doc_id, severity
			), ranked_votes AS (
				SELECT doc_id, severity, rank() OVER (PARTITION BY doc_id ORDER BY n DESC) AS r,
				       count(*) OVER (PARTITION BY doc_id, n) AS ties
				FROM votes
			), majority AS (
				SELECT doc_id, severity FROM ranked_votes WHERE r = 1 AND ties = 1
			)
			SELECT id, doc_id, severity, analyst, created_at, note, model_version, predicted, origin
			FROM (SELECT p.*, row_number() OVER (PARTITION BY p.doc_id ORDER BY
			                  (a.analyst IS NOT NULL) DESC,
			                  (a.analyst IS NULL AND m.doc_id IS NOT NULL) DESC,
			                  p.created_at DESC, p.id DESC) AS pick
			      FROM per_analyst_labels p
			      LEFT JOIN label_adjudicators a ON a.analyst = p.analyst
			      LEFT JOIN majority m ON m.doc_id = p.doc_id AND m.severity = p.severity)
			WHERE pick = 1;`,
	}
}
