package workspace

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cyberstreams/cyberstreams/core/document"
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

// PutResult counts what a batch of documents did to the workspace.
type PutResult struct {
	New, Duplicate int
	// NewIDs lists the ids that were inserted, in batch order.
	NewIDs []string
}

// PutDocuments stores a batch in one transaction. A document whose id or
// content hash is already present counts as a duplicate and changes nothing.
//
// The batch commits with synchronous=NORMAL rather than the workspace's
// FULL: in WAL mode that can lose only the last batches on power loss,
// never corrupt the database, and ingest is idempotent — running it again
// restores them — while an fsync per batch would halve ingest speed.
// Labels, which an analyst cannot re-create, keep FULL.
//
// Two more connection settings hold for the batch only. temp_store=MEMORY
// keeps the statement journal, which SQLite writes for every multi-row
// statement that could abort halfway, off a temporary file (it was a third
// of the store's write calls). A 64 MiB page cache holds a 5,000-document
// batch, so pages are not spilled to the WAL before the commit.
//
// Rows go in as multi-row INSERT statements (docRowsPerInsert documents,
// entityRowsPerInsert entity rows each), prepared once per batch, and the
// entity rows in primary-key order; both spare per-row statement overhead
// and B-tree descents.
func (w *Workspace) PutDocuments(ctx context.Context, docs []document.Document) (PutResult, error) {
	var res PutResult
	conn, err := w.db.Conn(ctx)
	if err != nil {
		return res, fmt.Errorf("store documents: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `PRAGMA synchronous=NORMAL; PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY`); err != nil {
		return res, fmt.Errorf("store documents: %w", err)
	}
	// The connection goes back to the pool with the workspace's defaults
	// (and its page cache shrunk back to SQLite's 2 MB).
	defer conn.ExecContext(context.Background(), `PRAGMA synchronous=FULL; PRAGMA cache_size=-2000; PRAGMA temp_store=DEFAULT`)
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return res, fmt.Errorf("store documents: %w", err)
	}
	defer tx.Rollback()

	docIns := newMultiInsert(tx, `INSERT INTO documents
		(id, content_hash, source, title, headline, body, published, ingested_at, format, severity, fields, entities, meta) VALUES `,
		13, ` ON CONFLICT DO NOTHING RETURNING id, content_hash`)
	defer docIns.close()
	entIns := newMultiInsert(tx, `INSERT OR IGNORE INTO entities(doc_id, type, value) VALUES `, 3, ``)
	defer entIns.close()

	now := time.Now().UTC().Format(time.RFC3339Nano)
	args := make([]any, 0, 13*docRowsPerInsert)
	var ents []entityRow
	inserted := map[string]bool{}
	var buf []byte
	for lo := 0; lo < len(docs); lo += docRowsPerInsert {
		group := docs[lo:min(lo+docRowsPerInsert, len(docs))]
		args = args[:0]
		for i := range group {
			d := &group[i]
			if d.ContentHash == "" {
				d.Finish()
			}
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
		st, err := docIns.stmt(ctx, len(group))
		if err != nil {
			return res, fmt.Errorf("store documents: %w", err)
		}
		clear(inserted)
		if err := collectInserted(ctx, st, args, inserted); err != nil {
			return res, fmt.Errorf("store documents %s…%s: %w", group[0].ID, group[len(group)-1].ID, err)
		}
		for i := range group {
			d := &group[i]
			// The statement inserts rows in order and skips conflicting
			// ones, so of several documents with one id and hash only the
			// first can be the row that went in.
			key := d.ID + "\x00" + d.ContentHash
			if !inserted[key] {
				res.Duplicate++
				continue
			}
			delete(inserted, key)
			res.New++
			res.NewIDs = append(res.NewIDs, d.ID)
			for typ, vals := range d.Entities {
				for _, v := range vals {
					ents = append(ents, entityRow{typ, v, d.ID})
				}
			}
		}
	}
	if err := putEntities(ctx, entIns, ents); err != nil {
		return res, fmt.Errorf("store entities: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return PutResult{}, fmt.Errorf("store documents: %w", err)
	}
	return res, nil
}

// Rows per multi-row INSERT: enough to spread the per-statement cost thin,
// few enough that the bound parameters (12 and 3 a row) stay far below
// SQLite's limit of 32,766.
const (
	docRowsPerInsert    = 64
	entityRowsPerInsert = 256
)

// collectInserted runs a documents INSERT … RETURNING id, content_hash and
// records "id\x00hash" of every row it inserted.
func collectInserted(ctx context.Context, st *sql.Stmt, args []any, inserted map[string]bool) error {
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	var id, hash string
	for rows.Next() {
		if err := rows.Scan(&id, &hash); err != nil {
			return err
		}
		inserted[id+"\x00"+hash] = true
	}
	return rows.Err()
}

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
	args := make([]any, 0, 3*min(len(ents), entityRowsPerInsert))
	for lo := 0; lo < len(ents); lo += entityRowsPerInsert {
		group := ents[lo:min(lo+entityRowsPerInsert, len(ents))]
		args = args[:0]
		for _, e := range group {
			args = append(args, e.docID, e.typ, e.value)
		}
		st, err := ins.stmt(ctx, len(group))
		if err != nil {
			return err
		}
		if _, err := st.ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("%s %s of %s…: %w", group[0].typ, group[0].value, group[0].docID, err)
		}
	}
	return nil
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

// Document returns one document by id (or by a unique id prefix of at least
// 6 characters, for typing convenience).
func (w *Workspace) Document(ctx context.Context, id string) (document.Document, error) {
	d, err := scanDocument(w.db.QueryRowContext(ctx, `SELECT `+docColumns+` FROM documents WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) && len(id) >= 6 {
		found, qerr := w.queryDocuments(ctx, `SELECT `+docColumns+` FROM documents WHERE id LIKE ? ESCAPE '\' LIMIT 2`,
			escapeLike(id)+"%")
		if qerr != nil {
			return d, fmt.Errorf("document %s: %w", id, qerr)
		}
		if len(found) == 1 {
			return found[0], nil
		}
		if len(found) > 1 {
			return d, fmt.Errorf("document %s: ambiguous prefix", id)
		}
	}
	if errors.Is(err, sql.ErrNoRows) {
		return w.documentByAlias(ctx, id)
	}
	if err != nil {
		return d, fmt.Errorf("document %s: %w", id, err)
	}
	return d, nil
}

// documentByAlias finds the document an analyst means by a CVE (or other)
// id that is not a document id: one that lists it among its aliases (a
// GHSA advisory for its CVE) or whose id ends in it (KEV-CVE-…). The
// candidates come from the entity index, so this costs a look-up, not a
// scan. Several matches are an error that names them.
func (w *Workspace) documentByAlias(ctx context.Context, id string) (document.Document, error) {
	var d document.Document
	cands, err := w.queryDocuments(ctx, `SELECT `+docColumns+` FROM documents
		WHERE id IN (SELECT doc_id FROM entities WHERE type = 'cve' AND value = ?) ORDER BY id`, strings.ToUpper(id))
	if err != nil {
		return d, fmt.Errorf("document %s: %w", id, err)
	}
	var found []document.Document
	for _, fd := range cands {
		if strings.HasSuffix(strings.ToUpper(fd.ID), "-"+strings.ToUpper(id)) || slices.ContainsFunc(fd.Aliases, func(a string) bool {
			return strings.EqualFold(a, id)
		}) {
			found = append(found, fd)
		}
	}
	switch len(found) {
	case 0:
		return d, fmt.Errorf("document %s: %w", id, ErrNotFound)
	case 1:
		return found[0], nil
	}
	ids := make([]string, len(found))
	for i, f := range found {
		ids[i] = f.ID
	}
	return d, fmt.Errorf("document %s: not a document id; it is an alias of %s (give one of those)", id, strings.Join(ids, ", "))
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

// EachDocument calls fn for every document matching opts, in ingest order,
// streaming rows so that large workspaces never sit in memory at once.
func (w *Workspace) EachDocument(ctx context.Context, opts ListOptions, fn func(document.Document) error) error {
	q := `SELECT ` + docColumns + ` FROM documents WHERE 1=1`
	var args []any
	if opts.Source != "" {
		q += ` AND source = ?`
		args = append(args, opts.Source)
	}
	if !opts.Since.IsZero() {
		q += ` AND published >= ?`
		args = append(args, formatTime(opts.Since))
	}
	q += ` ORDER BY rowid`
	if opts.Limit > 0 {
		q += ` LIMIT ? OFFSET ?`
		args = append(args, opts.Limit, opts.Offset)
	}
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
