package workspace

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/labels"
)

// ErrNotFound is returned when a document id is not in the workspace.
var ErrNotFound = errors.New("not found")

// fields is the JSON shape of a document's structured facts in the
// documents.fields column.
type fields struct {
	Aliases    []string `json:"aliases,omitempty"`
	CWEs       []string `json:"cwes,omitempty"`
	Ecosystem  string   `json:"ecosystem,omitempty"`
	Packages   []string `json:"packages,omitempty"`
	Vendors    []string `json:"vendors,omitempty"`
	References []string `json:"references,omitempty"`
	Assigner   string   `json:"assigner,omitempty"`
}

// Outcome is what storing one document did.
type Outcome uint8

const (
	// Unchanged: the workspace holds the document as it is (for a
	// document without an id of its own: holds its text).
	Unchanged Outcome = iota
	// Added: the id was new.
	Added
	// Updated: the id was stored with other content, now replaced; the
	// replaced version is kept in the document's history.
	Updated
)

func (o Outcome) String() string {
	switch o {
	case Added:
		return "new"
	case Updated:
		return "updated"
	}
	return "unchanged"
}

// PutResult counts what a batch of documents did to the workspace.
type PutResult struct {
	New, Updated, Unchanged int
	// Outcomes holds what happened to each document of the batch, in
	// batch order.
	Outcomes []Outcome
}

// docUpsert stores documents by id. A document with its own id that is
// stored with other content (text, source, dates, severity, structured
// fields or metadata) replaces the stored one and bumps its version, which
// fires the history trigger (documents migration 5). A document without an
// id of its own — its id is "doc-" and the start of its content hash — is
// never updated: the same text again is the same document.
//
// The catalog version a KEV entry carries in its metadata says which
// release of the catalog delivered it, not what the entry says, so a new
// release of an unchanged entry is not an update.
//
// A record identical to one of the document's earlier versions (in
// document_versions) is not applied again: it is unchanged. Without that,
// an input naming one id twice with different content (a CVE 5 record
// beside the advisory with the same CVE id, a feed with two revisions of
// one advisory) would replace the document twice on every ingest and add
// two versions each time, and running the same ingest again would never
// be a no-op. The price: a feed that reverts a document to an exact
// earlier text keeps the later one, which docs show --history lists.
const docUpsert = ` ON CONFLICT(id) DO UPDATE SET content_hash = excluded.content_hash, source = excluded.source,
	title = excluded.title, headline = excluded.headline, body = excluded.body, published = excluded.published,
	format = excluded.format, severity = excluded.severity, fields = excluded.fields, entities = excluded.entities,
	meta = excluded.meta, version = documents.version + 1, updated_at = excluded.ingested_at
WHERE excluded.id <> 'doc-' || substr(excluded.content_hash, 1, 16)
	AND (documents.content_hash <> excluded.content_hash OR documents.source <> excluded.source
	OR documents.published <> excluded.published OR documents.format <> excluded.format
	OR documents.severity <> excluded.severity OR documents.fields <> excluded.fields
	OR (documents.meta <> excluded.meta AND
		json_remove(documents.meta, '$.catalog_version') <> json_remove(excluded.meta, '$.catalog_version')))
	AND NOT EXISTS (SELECT 1 FROM document_versions v WHERE v.doc_id = excluded.id
		AND v.content_hash = excluded.content_hash AND v.source = excluded.source
		AND v.published = excluded.published AND v.format = excluded.format
		AND v.severity = excluded.severity AND v.fields = excluded.fields
		AND json_remove(v.meta, '$.catalog_version') = json_remove(excluded.meta, '$.catalog_version'))
RETURNING id, version`

// PutDocuments stores a batch in one transaction. Documents are keyed by
// id: documents with different ids are different documents, whatever their
// text. A document whose id is stored is unchanged when its content is the
// same and an update otherwise (docUpsert); the result says which, per
// document. A batch that names one id twice applies them in order.
//
// The batch commits with synchronous=NORMAL rather than the workspace's
// FULL: in WAL mode that can lose only the last batches on power loss,
// never corrupt the database, and ingest is idempotent — running it again
// restores them — while an fsync per batch would halve ingest speed.
// Labels, which an analyst cannot re-create, keep FULL: the connection
// goes back to the pool with FULL restored, or is closed.
//
// Two more connection settings hold for the batch only. temp_store=MEMORY
// keeps the statement journal, which SQLite writes for every multi-row
// statement that could abort halfway, off a temporary file (it was a third
// of the store's write calls). A 64 MiB page cache holds a 5,000-document
// batch, so pages are not spilled to the WAL before the commit.
//
// Rows go in as multi-row INSERT statements (up to docRowsPerInsert
// documents, entityRowsPerInsert entity rows each), prepared once per
// batch, and the entity rows in primary-key order; both spare per-row
// statement overhead and B-tree descents.
func (w *Workspace) PutDocuments(ctx context.Context, docs []document.Document) (res PutResult, err error) {
	conn, err := w.db.Conn(ctx)
	if err != nil {
		return res, fmt.Errorf("store documents: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `PRAGMA synchronous=NORMAL; PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY`); err != nil {
		discard(conn)
		return res, fmt.Errorf("store documents: %w", err)
	}
	defer restoreDefaults(conn)
	res, err = putDocuments(ctx, conn, docs)
	if err != nil {
		return PutResult{}, err
	}
	return res, nil
}

// restoreDefaults puts back the workspace's connection settings (and
// SQLite's 2 MB page cache) before conn returns to the pool. A connection
// that cannot be restored is closed instead: handed on, it would commit a
// label with synchronous=NORMAL, which a power cut can lose.
func restoreDefaults(conn *sql.Conn) {
	if _, err := conn.ExecContext(context.Background(), `PRAGMA synchronous=FULL; PRAGMA cache_size=-2000; PRAGMA temp_store=DEFAULT`); err != nil {
		discard(conn)
	}
}

// discard closes conn instead of returning it to the pool.
func discard(conn *sql.Conn) {
	conn.Raw(func(any) error { return driver.ErrBadConn })
}

func putDocuments(ctx context.Context, conn *sql.Conn, docs []document.Document) (PutResult, error) {
	res := PutResult{Outcomes: make([]Outcome, len(docs))}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return res, fmt.Errorf("store documents: %w", err)
	}
	defer tx.Rollback()

	docIns := newMultiInsert(tx, `INSERT INTO documents
		(id, content_hash, source, title, headline, body, published, ingested_at, format, severity, fields, entities, meta) VALUES `,
		13, docUpsert)
	defer docIns.close()
	entIns := newMultiInsert(tx, `INSERT OR IGNORE INTO entities(doc_id, type, value) VALUES `, 3, ``)
	defer entIns.close()
	aliasIns := newMultiInsert(tx, `INSERT OR IGNORE INTO document_aliases(alias, doc_id) VALUES `, 2, ``)
	defer aliasIns.close()

	now := time.Now().UTC().Format(time.RFC3339Nano)
	args := make([]any, 0, 13*docRowsPerInsert)
	stored := map[string]int{} // id → version, of the rows one statement stored
	inGroup := map[string]bool{}
	var buf []byte
	for lo := 0; lo < len(docs); {
		// A statement holds each id once, so that what it returns maps to
		// its documents; a repeated id starts the next statement.
		args = args[:0]
		clear(inGroup)
		hi := lo
		for ; hi < len(docs) && hi-lo < docRowsPerInsert; hi++ {
			d := &docs[hi]
			if d.ContentHash == "" || d.ID == "" {
				d.Finish()
			}
			if inGroup[d.ID] {
				break
			}
			inGroup[d.ID] = true
			buf = appendFields(buf[:0], d)
			f := string(buf)
			buf = appendEntities(buf[:0], d.Entities)
			e := string(buf)
			m := "{}"
			if len(d.Meta) > 0 {
				mb, err := json.Marshal(d.Meta)
				if err != nil {
					return res, fmt.Errorf("store document %s: metadata: %w", d.ID, err)
				}
				m = string(mb)
			}
			headline := "" // the queue shows the title when there is one
			if d.Title == "" {
				headline = d.Headline()
			}
			args = append(args, d.ID, d.ContentHash, d.Source, d.Title, headline, d.Body,
				formatTime(d.Published), now, d.Format, d.Severity, f, e, m)
		}
		group := docs[lo:hi]
		st, err := docIns.stmt(ctx, len(group))
		if err != nil {
			return res, fmt.Errorf("store documents: %w", err)
		}
		clear(stored)
		if err := collectStored(ctx, st, args, stored); err != nil {
			return res, fmt.Errorf("store documents %s…%s: %w", group[0].ID, group[len(group)-1].ID, err)
		}
		for i := range group {
			switch v, ok := stored[group[i].ID]; {
			case !ok:
				res.Unchanged++
			case v == 1:
				res.New++
				res.Outcomes[lo+i] = Added
			default:
				res.Updated++
				res.Outcomes[lo+i] = Updated
			}
		}
		lo = hi
	}
	ents, aliases := indexRows(docs, res.Outcomes)
	if err := putEntities(ctx, entIns, ents); err != nil {
		return res, fmt.Errorf("store entities: %w", err)
	}
	if err := putAliases(ctx, aliasIns, aliases); err != nil {
		return res, fmt.Errorf("store aliases: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return PutResult{}, fmt.Errorf("store documents: %w", err)
	}
	return res, nil
}

// indexRows lists the entity and alias rows of the documents a batch
// stored. When the batch stored one id twice, the later document is the
// one stored, and only its rows are written.
func indexRows(docs []document.Document, outcomes []Outcome) ([]entityRow, []aliasRow) {
	var ents []entityRow
	var aliases []aliasRow
	var later map[string]bool // ids stored again further on in the batch
	for i := len(docs) - 1; i >= 0; i-- {
		d := &docs[i]
		if outcomes[i] == Unchanged {
			continue
		}
		if later[d.ID] {
			continue
		}
		if later == nil {
			later = map[string]bool{}
		}
		later[d.ID] = true
		for typ, vals := range d.Entities {
			for _, v := range vals {
				ents = append(ents, entityRow{typ, v, d.ID})
			}
		}
		for _, a := range d.Aliases {
			if a != "" {
				aliases = append(aliases, aliasRow{AliasKey(a), d.ID})
			}
		}
	}
	return ents, aliases
}

// collectStored runs a documents upsert … RETURNING id, version and records
// the version of every row it inserted or updated.
func collectStored(ctx context.Context, st *sql.Stmt, args []any, stored map[string]int) error {
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	var id string
	var version int
	for rows.Next() {
		if err := rows.Scan(&id, &version); err != nil {
			return err
		}
		stored[id] = version
	}
	return rows.Err()
}

// Rows per multi-row INSERT: enough to spread the per-statement cost thin,
// few enough that the bound parameters (12 and 3 a row) stay far below
// SQLite's limit of 32,766.
const (
	docRowsPerInsert    = 64
	entityRowsPerInsert = 256
)

// multiInsert prepares "head (?,…),(?,…)… tail" statements for a fixed
// number of rows, once per row count within a transaction.
type multiInsert struct {
	tx         *sql.Tx
	head, tail string
	cols       int
	stmts      map[int]*sql.Stmt
}

func newMultiInsert(tx *sql.Tx, head string, cols int, tail string) *multiInsert {
	return &multiInsert{tx: tx, head: head, tail: tail, cols: cols, stmts: map[int]*sql.Stmt{}}
}

func (m *multiInsert) stmt(ctx context.Context, rows int) (*sql.Stmt, error) {
	if st, ok := m.stmts[rows]; ok {
		return st, nil
	}
	row := "(" + strings.Repeat("?,", m.cols-1) + "?)"
	var b strings.Builder
	b.Grow(len(m.head) + rows*(len(row)+1) + len(m.tail))
	b.WriteString(m.head)
	for i := range rows {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(row)
	}
	b.WriteString(m.tail)
	st, err := m.tx.PrepareContext(ctx, b.String())
	if err != nil {
		return nil, err
	}
	m.stmts[rows] = st
	return st, nil
}

func (m *multiInsert) close() {
	for _, st := range m.stmts {
		st.Close()
	}
}

// aliasRow is one row of the document_aliases table.
type aliasRow struct{ alias, docID string }

// AliasKey is how an alias is indexed and looked up: upper-cased ASCII
// letters (CVE and GHSA ids are ASCII), as SQLite's upper() does.
func AliasKey(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

func putAliases(ctx context.Context, ins *multiInsert, rows []aliasRow) error {
	slices.SortFunc(rows, func(a, b aliasRow) int { // primary-key order, as putEntities
		if c := strings.Compare(a.alias, b.alias); c != 0 {
			return c
		}
		return strings.Compare(a.docID, b.docID)
	})
	return insertRows(ctx, ins, rows, func(args []any, r aliasRow) []any { return append(args, r.alias, r.docID) },
		func(r aliasRow) string { return r.alias + " of " + r.docID })
}

// insertRows writes rows through ins, entityRowsPerInsert to a statement;
// appendArgs appends a row's values, name says which row a failing
// statement started with.
func insertRows[T any](ctx context.Context, ins *multiInsert, rows []T, appendArgs func([]any, T) []any, name func(T) string) error {
	args := make([]any, 0, ins.cols*min(len(rows), entityRowsPerInsert))
	for lo := 0; lo < len(rows); lo += entityRowsPerInsert {
		group := rows[lo:min(lo+entityRowsPerInsert, len(rows))]
		args = args[:0]
		for _, r := range group {
			args = appendArgs(args, r)
		}
		st, err := ins.stmt(ctx, len(group))
		if err != nil {
			return err
		}
		if _, err := st.ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("%s…: %w", name(group[0]), err)
		}
	}
	return nil
}

// entityRow is one row of the entities table.
type entityRow struct{ typ, value, docID string }

// putEntities inserts the entity rows of a batch in primary-key order
// (type, value, doc_id): consecutive rows then land on the same B-tree
// pages, which stay in the page cache, instead of each touching a page
// picked by the value's hash-like spread.
func putEntities(ctx context.Context, ins *multiInsert, ents []entityRow) error {
	slices.SortFunc(ents, func(a, b entityRow) int {
		if c := strings.Compare(a.typ, b.typ); c != 0 {
			return c
		}
		if c := strings.Compare(a.value, b.value); c != 0 {
			return c
		}
		return strings.Compare(a.docID, b.docID)
	})
	return insertRows(ctx, ins, ents, func(args []any, e entityRow) []any { return append(args, e.docID, e.typ, e.value) },
		func(e entityRow) string { return e.typ + " " + e.value + " of " + e.docID })
}

// appendFields appends the fields column of d: what json.Marshal of the
// fields struct writes, without reflection.
func appendFields(b []byte, d *document.Document) []byte {
	b = append(b, '{')
	list := func(name string, vals []string) {
		if len(vals) == 0 {
			return
		}
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, name...)
		b = append(b, `":`...)
		b = appendStrings(b, vals)
	}
	str := func(name, val string) {
		if val == "" {
			return
		}
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, name...)
		b = append(b, `":`...)
		b = appendString(b, val)
	}
	list("aliases", d.Aliases)
	list("cwes", d.CWEs)
	str("ecosystem", d.Ecosystem)
	list("packages", d.Packages)
	list("vendors", d.Vendors)
	list("references", d.References)
	str("assigner", d.Assigner)
	return append(b, '}')
}

// appendEntities appends the entities column: what json.Marshal writes for
// the map (keys sorted, a nil list as null), "{}" for none.
func appendEntities(b []byte, ents map[string][]string) []byte {
	b = append(b, '{')
	for i, typ := range sortedKeys(ents) {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, typ)
		b = append(b, ':')
		if vals := ents[typ]; vals == nil {
			b = append(b, "null"...)
		} else {
			b = appendStrings(b, vals)
		}
	}
	return append(b, '}')
}

func appendStrings(b []byte, vals []string) []byte {
	b = append(b, '[')
	for i, v := range vals {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, v)
	}
	return append(b, ']')
}

// appendString appends s as a JSON string exactly as encoding/json writes
// it: a string of plain printable ASCII is copied between quotes, anything
// else (escapes, HTML characters, non-ASCII) is left to json.Marshal.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

const docColumns = `id, content_hash, source, title, body, published, format, severity, fields, entities, meta`

type rowScanner interface{ Scan(...any) error }

func scanDocument(r rowScanner) (document.Document, error) {
	var d document.Document
	var published, f, e, m string
	if err := r.Scan(&d.ID, &d.ContentHash, &d.Source, &d.Title, &d.Body, &published, &d.Format, &d.Severity, &f, &e, &m); err != nil {
		return d, err
	}
	if published != "" {
		d.Published, _ = time.Parse(time.RFC3339, published)
	}
	var fl fields
	if err := json.Unmarshal([]byte(f), &fl); err != nil {
		return d, fmt.Errorf("document %s fields: %w", d.ID, err)
	}
	d.Aliases, d.CWEs, d.Ecosystem, d.Packages, d.Vendors, d.References, d.Assigner =
		fl.Aliases, fl.CWEs, fl.Ecosystem, fl.Packages, fl.Vendors, fl.References, fl.Assigner
	if err := json.Unmarshal([]byte(e), &d.Entities); err != nil {
		return d, fmt.Errorf("document %s entities: %w", d.ID, err)
	}
	if err := json.Unmarshal([]byte(m), &d.Meta); err != nil {
		return d, fmt.Errorf("document %s metadata: %w", d.ID, err)
	}
	return d, nil
}

// Document returns one document by id (or by its id in capitals, for a
// CVE or GHSA id typed in lower case); else the one document that carries
// id as an alias (a CVE or GHSA id an advisory or KEV entry is also known
// by); else the one whose id starts with id, for an id of at least 6
// characters. When several documents carry the alias, or share the
// prefix, the error names them.
func (w *Workspace) Document(ctx context.Context, id string) (document.Document, error) {
	d, err := scanDocument(w.db.QueryRowContext(ctx, `SELECT `+docColumns+` FROM documents WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) && AliasKey(id) != id {
		// cve-2024-3094 for CVE-2024-3094: ids of that kind are upper-case.
		d, err = scanDocument(w.db.QueryRowContext(ctx, `SELECT `+docColumns+` FROM documents WHERE id = ?`, AliasKey(id)))
	}
	if err == nil {
		return d, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return d, fmt.Errorf("document %s: %w", id, err)
	}
	found, err := w.queryDocuments(ctx, `SELECT `+docColumns+` FROM documents
		WHERE id IN (SELECT doc_id FROM document_aliases WHERE alias = ?) ORDER BY id LIMIT 21`, AliasKey(id))
	if err != nil {
		return d, fmt.Errorf("document %s: %w", id, err)
	}
	if len(found) > 1 {
		return d, fmt.Errorf("document %s: not a document id, and %s carry it as an alias (give one of those)",
			id, candidates(found))
	}
	if len(found) == 0 && len(id) >= 6 {
		found, err = w.queryDocuments(ctx, `SELECT `+docColumns+` FROM documents WHERE id LIKE ? ESCAPE '\' ORDER BY id LIMIT 21`,
			escapeLike(id)+"%")
		if err != nil {
			return d, fmt.Errorf("document %s: %w", id, err)
		}
		if len(found) > 1 {
			return d, fmt.Errorf("document %s: ambiguous prefix of %s (give one of those)", id, candidates(found))
		}
	}
	if len(found) == 0 {
		return d, fmt.Errorf("document %s: %w", id, ErrNotFound)
	}
	return found[0], nil
}

// candidates names the documents an ambiguous id could mean (at most 20).
func candidates(docs []document.Document) string {
	ids := make([]string, 0, len(docs))
	for i, d := range docs {
		if i == 20 {
			ids = append(ids, "…")
			break
		}
		ids = append(ids, d.ID)
	}
	return strings.Join(ids, ", ")
}

// queryDocuments runs a query of docColumns and reads every row.
func (w *Workspace) queryDocuments(ctx context.Context, q string, args ...any) ([]document.Document, error) {
	rows, err := w.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []document.Document
	for rows.Next() {
		d, err := scanDocument(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

func escapeLike(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}

// ListOptions filters and pages a document listing.
type ListOptions struct {
	Source string
	Since  time.Time // published on or after
	Limit  int       // 0 = all
	Offset int
}

// where is the WHERE … ORDER BY … LIMIT clause of opts over documents d.
func (opts ListOptions) where() (string, []any) {
	q := ` WHERE 1=1`
	var args []any
	if opts.Source != "" {
		q += ` AND d.source = ?`
		args = append(args, opts.Source)
	}
	if !opts.Since.IsZero() {
		q += ` AND d.published >= ?`
		args = append(args, formatTime(opts.Since))
	}
	q += ` ORDER BY d.rowid`
	if opts.Limit > 0 {
		q += ` LIMIT ? OFFSET ?`
		args = append(args, opts.Limit, opts.Offset)
	}
	return q, args
}

// EachDocument calls fn for every document matching opts, in ingest order,
// streaming rows so that large workspaces never sit in memory at once.
func (w *Workspace) EachDocument(ctx context.Context, opts ListOptions, fn func(document.Document) error) error {
	where, args := opts.where()
	q := `SELECT ` + docColumns + ` FROM documents d` + where
	rows, err := w.db.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("list documents: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		d, err := scanDocument(rows)
		if err != nil {
			return fmt.Errorf("list documents: %w", err)
		}
		if err := fn(d); err != nil {
			return err
		}
	}
	return rows.Err()
}

// CountDocuments returns the number of documents in the workspace.
func (w *Workspace) CountDocuments(ctx context.Context) (int, error) {
	var n int
	err := w.db.QueryRowContext(ctx, `SELECT count(*) FROM documents`).Scan(&n)
	return n, err
}

// DocumentsWithEntity returns the ids of documents that mention an entity
// value (any type when typ is empty), newest first.
func (w *Workspace) DocumentsWithEntity(ctx context.Context, typ, value string, limit int) ([]string, error) {
	q := `SELECT e.doc_id FROM entities e JOIN documents d ON d.id = e.doc_id WHERE e.value = ?`
	args := []any{value}
	if typ != "" {
		q += ` AND e.type = ?`
		args = append(args, typ)
	}
	q += ` ORDER BY d.published DESC, d.rowid DESC`
	if limit > 0 {
		q += ` LIMIT ?`
		args = append(args, limit)
	}
	rows, err := w.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("documents with %s: %w", value, err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// sortedKeys lists an entity map's types in order, as encoding/json writes
// a map.
func sortedKeys(m map[string][]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Version is one version of a document: what was stored under its id from
// StoredAt until ReplacedAt (zero for the version stored now).
type Version struct {
	Version    int               `json:"version"`
	StoredAt   time.Time         `json:"stored_at"`
	ReplacedAt time.Time         `json:"replaced_at,omitzero"`
	Document   document.Document `json:"document"`
}

// History lists every version of a document, oldest first; the last is the
// one stored now. Entities are kept for the current version only.
func (w *Workspace) History(ctx context.Context, id string) ([]Version, error) {
	rows, err := w.db.QueryContext(ctx, `
		SELECT version, stored_at, replaced_at, id, content_hash, source, title, body, published, format, severity, fields, '{}', meta
		FROM (SELECT version, stored_at, replaced_at, doc_id AS id, content_hash, source, title, body, published, format,
				severity, fields, meta FROM document_versions WHERE doc_id = ?1
			UNION ALL
			SELECT version, CASE WHEN updated_at <> '' THEN updated_at ELSE ingested_at END, '', id, content_hash, source,
				title, body, published, format, severity, fields, meta FROM documents WHERE id = ?1)
		ORDER BY version`, id)
	if err != nil {
		return nil, fmt.Errorf("history of %s: %w", id, err)
	}
	defer rows.Close()
	var out []Version
	for rows.Next() {
		var v Version
		var stored, replaced string
		v.Document, err = scanDocument(prefixScanner{rows, []any{&v.Version, &stored, &replaced}})
		if err != nil {
			return nil, fmt.Errorf("history of %s: %w", id, err)
		}
		v.StoredAt, _ = time.Parse(time.RFC3339Nano, stored)
		v.ReplacedAt, _ = time.Parse(time.RFC3339Nano, replaced)
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("history of %s: %w", id, err)
	}
	if len(out) > 0 {
		cur, err := w.Document(ctx, id)
		if err != nil {
			return nil, err
		}
		out[len(out)-1].Document = cur
	}
	return out, nil
}

// prefixScanner scans a row whose first columns go to head and the rest to
// what Scan is given.
type prefixScanner struct {
	r    rowScanner
	head []any
}

func (p prefixScanner) Scan(dest ...any) error {
	return p.r.Scan(append(slices.Clip(p.head), dest...)...)
}

// Listing is one row of a document listing: what the source, the model and
// the analysts say the document's severity is, three separate things.
type Listing struct {
	ID        string    `json:"id"`
	Published time.Time `json:"published,omitzero"`
	Source    string    `json:"source"`
	Headline  string    `json:"headline"`
	// SourceSeverity is the label the source gave ("" for none).
	SourceSeverity string `json:"source_severity,omitempty"`
	// ModelClass is the class of the document's stored score ("" when
	// it has not been scored).
	ModelClass string `json:"model_class,omitempty"`
	// AnalystLabel is the document's current label ("" when unlabelled).
	AnalystLabel string `json:"analyst_label,omitempty"`
}

// EachListing calls fn for every document matching opts, in ingest order,
// with its stored score's class and its current analyst label.
func (w *Workspace) EachListing(ctx context.Context, opts ListOptions, fn func(Listing) error) error {
	scored, labelled, err := w.assessments(ctx)
	if err != nil {
		return err
	}
	where, args := opts.where()
	q := `SELECT d.id, d.published, d.source, CASE WHEN d.title <> '' THEN d.title ELSE d.headline END, d.severity
		FROM documents d` + where
	return w.eachRow(ctx, q, args, func(scan func(...any) error) error {
		var l Listing
		var published string
		if err := scan(&l.ID, &published, &l.Source, &l.Headline, &l.SourceSeverity); err != nil {
			return fmt.Errorf("list documents: %w", err)
		}
		if published != "" {
			l.Published, _ = time.Parse(time.RFC3339, published)
		}
		l.ModelClass, l.AnalystLabel = scored[l.ID], labelled[l.ID]
		return fn(l)
	})
}

// AssessedDocument is a document with what the model and the analysts say
// of its severity; its Severity field is what the source said.
type AssessedDocument struct {
	document.Document
	ModelClass   string `json:"model_class,omitempty"`
	AnalystLabel string `json:"analyst_label,omitempty"`
}

// EachAssessedDocument is EachDocument with each document's stored score
// class and current analyst label.
func (w *Workspace) EachAssessedDocument(ctx context.Context, opts ListOptions, fn func(AssessedDocument) error) error {
	scored, labelled, err := w.assessments(ctx)
	if err != nil {
		return err
	}
	return w.EachDocument(ctx, opts, func(d document.Document) error {
		return fn(AssessedDocument{Document: d, ModelClass: scored[d.ID], AnalystLabel: labelled[d.ID]})
	})
}

// assessments maps documents to their stored score class and to their
// current analyst label, read once through their owners (ScoredSeverities,
// the label store) rather than joined per row.
func (w *Workspace) assessments(ctx context.Context) (scored, labelled map[string]string, err error) {
	scored, err = w.ScoredSeverities(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("list documents: %w", err)
	}
	current, err := w.Labels().CurrentAll(ctx, labels.Filter{})
	if err != nil {
		return nil, nil, fmt.Errorf("list documents: %w", err)
	}
	labelled = make(map[string]string, len(current))
	for _, e := range current {
		labelled[e.DocID] = e.Severity
	}
	return scored, labelled, nil
}
