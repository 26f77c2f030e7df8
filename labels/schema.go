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
	}
}
