package workspace

import (
	"strings"

	"github.com/cyberstreams/cyberstreams/core/registry"
	"github.com/cyberstreams/cyberstreams/kg"
	"github.com/cyberstreams/cyberstreams/labels"
)

type component struct {
	name  string
	steps []string
}

// components lists every part of the workbench that keeps tables in the
// workspace database, in the order their migrations run.
func components() []component {
	return []component{
		{"documents", documentMigrations},
		{"graph", kg.Migrations()},
		{"labels", labels.Migrations()},
		{"technique-labels", labels.TechniqueMigrations()},
		{"registry", registry.Migrations()},
	}
}

// HeadlineSQL is document.Headline in SQLite, over the columns title and
// body: the title, else the body's first line up to its first sentence
// end, at most 120 characters. The documents migration 4 fills the
// headline column of stored documents with it; headline_test checks that
// it agrees with document.Headline.
var HeadlineSQL = headlineSQL()

func headlineSQL() string {
	line := `rtrim(CASE WHEN instr(body, char(10)) > 0 THEN substr(body, 1, instr(body, char(10)) - 1) ELSE body END, ' ' || char(13))`
	sentence := strings.ReplaceAll(
		`trim(CASE WHEN instr({line}, '. ') > 0 THEN substr({line}, 1, instr({line}, '. ')) ELSE {line} END, ' ')`, "{line}", line)
	return strings.ReplaceAll(
		`CASE WHEN title <> '' THEN title WHEN length({s}) > 120 THEN substr({s}, 1, 119) || '…' ELSE {s} END`, "{s}", sentence)
}

var documentMigrations = []string{
	// 1: documents and the latest score of each.
	`CREATE TABLE documents (
		id           TEXT PRIMARY KEY,
		content_hash TEXT NOT NULL UNIQUE,
		source       TEXT NOT NULL DEFAULT '',
		title        TEXT NOT NULL DEFAULT '',
		body         TEXT NOT NULL DEFAULT '',
		published    TEXT NOT NULL DEFAULT '',
		ingested_at  TEXT NOT NULL,
		format       TEXT NOT NULL DEFAULT '',
		severity     TEXT NOT NULL DEFAULT '',
		fields       TEXT NOT NULL DEFAULT '{}',
		entities     TEXT NOT NULL DEFAULT '{}',
		meta         TEXT NOT NULL DEFAULT '{}'
	);
	CREATE INDEX documents_published ON documents(published);
	CREATE INDEX documents_source ON documents(source);
	CREATE TABLE entities (
		doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
		type   TEXT NOT NULL,
		value  TEXT NOT NULL,
		PRIMARY KEY (type, value, doc_id)
	) WITHOUT ROWID;
	CREATE INDEX entities_doc ON entities(doc_id);
	CREATE TABLE scores (
		doc_id        TEXT PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,
		model         TEXT NOT NULL,
		severity      TEXT NOT NULL,
		confidence    REAL NOT NULL,
		margin        REAL NOT NULL DEFAULT 0,
		novelty       REAL NOT NULL DEFAULT 0,
		probabilities TEXT NOT NULL,
		explanation   TEXT NOT NULL DEFAULT '{}',
		scored_at     TEXT NOT NULL
	);
	CREATE INDEX scores_severity ON scores(severity);`,
	// 2: no index of entities by document. Every entity row paid a second
	// B-tree insert for it — a seventh of the CPU time of ingesting the
	// training advisories — and nothing reads entities by document: the
	// document row carries its own entities, and DocumentsWithEntity looks
	// rows up by value. What it served is ON DELETE CASCADE, which now
	// scans the entities table once per deleted document; nothing deletes
	// documents today, and a bulk delete can drop the entities first.
	`DROP INDEX IF EXISTS entities_doc;`,
	// 3: covering indexes for the triage queue (triage.Session.Items), which
	// reads a few short columns of every document and of every score. The
	// rows themselves are wide — a document carries its body, a score its
	// explanation — so a scan of either table reads all of it (350 MB at
	// 100,000 synthetic documents) for a tenth of the bytes. These indexes
	// hold just those columns (30 MB). The documents one leads with
	// ingested_at so that ingest appends to it: led by id, it cost a quarter
	// of PutDocuments' speed (BenchmarkPutDocuments), this way 4%. Building
	// them on an existing workspace of 100,000 documents takes under a
	// second, once.
	`CREATE INDEX documents_queue ON documents(ingested_at, id, title, source, published);
	CREATE INDEX scores_queue ON scores(doc_id, severity, confidence, margin, novelty, probabilities);`,
	// 4: a headline for documents without a title. A fifth of the shared
	// advisories (CVE records) have only a description and showed as blank
	// rows in the triage queue. headline holds the start of the
	// description (document.Headline; HeadlineSQL for the rows already
	// there) when the title is empty, else nothing, and the queue's
	// covering index holds it beside the title. (A virtual generated
	// column would need no backfill, but SQLite does not count an index
	// on one as covering, and reading the rows is what the index avoids.)
	`ALTER TABLE documents ADD COLUMN headline TEXT NOT NULL DEFAULT '';
	UPDATE documents SET headline = (` + HeadlineSQL + `) WHERE title = '';
	DROP INDEX documents_queue;
	CREATE INDEX documents_queue ON documents(ingested_at, id, title, headline, source, published);`,
	// 5: documents with different ids are different documents. Migration 1
	// made content_hash UNIQUE, so two KEV entries for different CVEs with
	// the same description text were one document and the second CVE could
	// not be found (71 of the 1,126 entries of the catalog). The key is now
	// the id alone; a document without an id of its own gets one from its
	// content ("doc-" and 16 hex digits of the hash), so id-less copies of
	// one text still merge. SQLite cannot drop a constraint, so the table
	// is rebuilt (Migrate runs steps with foreign keys off; rowids keep
	// ingest order) without an index on content_hash, which nothing looks
	// documents up by any more.
	//
	// A document stored again under its id with other content is an update:
	// version counts them, and the trigger keeps every replaced version in
	// document_versions, drops the entity rows of the old text (the new
	// ones are written by PutDocuments) and the old text's score, which no
	// longer describes the document (triage scores it again).
	//
	// document_aliases indexes the ids a document is also known by (a
	// GHSA advisory's CVE, a KEV entry's CVE), upper-cased, so that an
	// analyst can name a document by either.
	`CREATE TABLE documents_v5 (
		id           TEXT PRIMARY KEY,
		content_hash TEXT NOT NULL,
		source       TEXT NOT NULL DEFAULT '',
		title        TEXT NOT NULL DEFAULT '',
		body         TEXT NOT NULL DEFAULT '',
		published    TEXT NOT NULL DEFAULT '',
		ingested_at  TEXT NOT NULL,
		format       TEXT NOT NULL DEFAULT '',
		severity     TEXT NOT NULL DEFAULT '',
		fields       TEXT NOT NULL DEFAULT '{}',
		entities     TEXT NOT NULL DEFAULT '{}',
		meta         TEXT NOT NULL DEFAULT '{}',
		headline     TEXT NOT NULL DEFAULT '',
		version      INTEGER NOT NULL DEFAULT 1,
		updated_at   TEXT NOT NULL DEFAULT ''
	);
	INSERT INTO documents_v5 (id, content_hash, source, title, body, published, ingested_at, format, severity,
			fields, entities, meta, headline)
		SELECT id, content_hash, source, title, body, published, ingested_at, format, severity,
			fields, entities, meta, headline
		FROM documents ORDER BY rowid;
	DROP TABLE documents;
	ALTER TABLE documents_v5 RENAME TO documents;
	CREATE INDEX documents_published ON documents(published);
	CREATE INDEX documents_source ON documents(source);
	CREATE INDEX documents_queue ON documents(ingested_at, id, title, headline, source, published);
	CREATE TABLE document_aliases (
		alias  TEXT NOT NULL,
		doc_id TEXT NOT NULL,
		PRIMARY KEY (alias, doc_id)
	) WITHOUT ROWID;
	INSERT OR IGNORE INTO document_aliases (alias, doc_id)
		SELECT upper(a.value), d.id FROM documents d, json_each(d.fields, '$.aliases') a WHERE a.value <> '';
	CREATE TABLE document_versions (
		doc_id       TEXT NOT NULL,
		version      INTEGER NOT NULL,
		content_hash TEXT NOT NULL,
		source       TEXT NOT NULL,
		title        TEXT NOT NULL,
		body         TEXT NOT NULL,
		published    TEXT NOT NULL,
		format       TEXT NOT NULL,
		severity     TEXT NOT NULL,
		fields       TEXT NOT NULL,
		meta         TEXT NOT NULL,
		stored_at    TEXT NOT NULL,
		replaced_at  TEXT NOT NULL,
		PRIMARY KEY (doc_id, version)
	);
	CREATE TRIGGER documents_revised AFTER UPDATE OF version ON documents
	WHEN NEW.version <> OLD.version
	BEGIN
		INSERT INTO document_versions (doc_id, version, content_hash, source, title, body, published, format,
				severity, fields, meta, stored_at, replaced_at)
			VALUES (OLD.id, OLD.version, OLD.content_hash, OLD.source, OLD.title, OLD.body, OLD.published, OLD.format,
				OLD.severity, OLD.fields, OLD.meta,
				CASE WHEN OLD.updated_at <> '' THEN OLD.updated_at ELSE OLD.ingested_at END, NEW.updated_at);
		DELETE FROM entities WHERE (type, value, doc_id) IN
			(SELECT t.key, v.value, OLD.id FROM json_each(OLD.entities) t, json_each(t.value) v);
		DELETE FROM document_aliases WHERE (alias, doc_id) IN
			(SELECT upper(a.value), OLD.id FROM json_each(OLD.fields, '$.aliases') a);
		DELETE FROM scores WHERE doc_id = OLD.id;
	END;`,
	// 6: what a stored score was made with. A score depends on more than
	// its model version: on how the scorer turns the model's output into
	// the shown class and probabilities (the per-class decision offsets
	// are folded into the probabilities since this column exists) and on
	// the workspace's knowledge (the graph's names and facts, which change
	// with graph import-attack or graph build). basis holds all three
	// (scoring.Scorer.Basis); a score whose basis is not the current
	// scorer's is stale and triage scores the document again. Scores
	// stored before have none, so every one of them is made again once.
	`ALTER TABLE scores ADD COLUMN basis TEXT NOT NULL DEFAULT '';`,
	// 7: the exploitation likelihood and patch priority of a stored score,
	// which the triage queue shows in a column and sorts by. exploitation
	// is the probability of a KEV listing within exploitation_horizon days
	// of publication, patch_priority the expected harm
	// (exploitation.Priority); a horizon of 0 says the score carries
	// neither, as every score stored before does. Those are stale anyway:
	// scoring.PathVersion 2 (scores carry the likelihood) changes their
	// basis, so triage scores them again. The queue reads the three from
	// its covering index, which is rebuilt with them (under a second at
	// 100,000 scores, once).
	`ALTER TABLE scores ADD COLUMN exploitation REAL NOT NULL DEFAULT 0;
	ALTER TABLE scores ADD COLUMN exploitation_horizon INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE scores ADD COLUMN patch_priority REAL NOT NULL DEFAULT 0;
	DROP INDEX scores_queue;
	CREATE INDEX scores_queue ON scores(doc_id, severity, confidence, margin, novelty, probabilities,
		exploitation, exploitation_horizon, patch_priority);`,
}
