package workspace

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
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
func (w *Workspace) PutDocuments(ctx context.Context, docs []document.Document) (PutResult, error) {
	var res PutResult
	conn, err := w.db.Conn(ctx)
	if err != nil {
		return res, fmt.Errorf("store documents: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `PRAGMA synchronous=NORMAL`); err != nil {
		return res, fmt.Errorf("store documents: %w", err)
	}
	// The connection goes back to the pool with the workspace's default.
	defer conn.ExecContext(context.Background(), `PRAGMA synchronous=FULL`)
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return res, fmt.Errorf("store documents: %w", err)
	}
	defer tx.Rollback()
	ins, err := tx.PrepareContext(ctx, `INSERT INTO documents
		(id, content_hash, source, title, body, published, ingested_at, format, severity, fields, entities, meta)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING`)
	if err != nil {
		return res, fmt.Errorf("store documents: %w", err)
	}
	defer ins.Close()
	ent, err := tx.PrepareContext(ctx, `INSERT OR IGNORE INTO entities(doc_id, type, value) VALUES (?,?,?)`)
	if err != nil {
		return res, fmt.Errorf("store documents: %w", err)
	}
	defer ent.Close()
	now := time.Now().UTC().Format(time.RFC3339Nano)
	for i := range docs {
		d := &docs[i]
		if d.ContentHash == "" {
			d.Finish()
		}
		f, _ := json.Marshal(fields{d.Aliases, d.CWEs, d.Ecosystem, d.Packages, d.Vendors, d.References, d.Assigner})
		e, _ := json.Marshal(nonNil(d.Entities))
		m, err := json.Marshal(nonNilMeta(d.Meta))
		if err != nil {
			return res, fmt.Errorf("store document %s: metadata: %w", d.ID, err)
		}
		r, err := ins.ExecContext(ctx, d.ID, d.ContentHash, d.Source, d.Title, d.Body,
			formatTime(d.Published), now, d.Format, d.Severity, string(f), string(e), string(m))
		if err != nil {
			return res, fmt.Errorf("store document %s: %w", d.ID, err)
		}
		if n, _ := r.RowsAffected(); n == 0 {
			res.Duplicate++
			continue
		}
		res.New++
		res.NewIDs = append(res.NewIDs, d.ID)
		for typ, vals := range d.Entities {
			for _, v := range vals {
				if _, err := ent.ExecContext(ctx, d.ID, typ, v); err != nil {
					return res, fmt.Errorf("store entities of %s: %w", d.ID, err)
				}
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return PutResult{}, fmt.Errorf("store documents: %w", err)
	}
	return res, nil
}

func nonNil(m map[string][]string) map[string][]string {
	if m == nil {
		return map[string][]string{}
	}
	return m
}

func nonNilMeta(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
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
		rows, qerr := w.db.QueryContext(ctx, `SELECT `+docColumns+` FROM documents WHERE id LIKE ? ESCAPE '\' LIMIT 2`,
			escapeLike(id)+"%")
		if qerr != nil {
			return d, fmt.Errorf("document %s: %w", id, qerr)
		}
		defer rows.Close()
		var found []document.Document
		for rows.Next() {
			fd, serr := scanDocument(rows)
			if serr != nil {
				return d, serr
			}
			found = append(found, fd)
		}
		if len(found) == 1 {
			return found[0], nil
		}
		if len(found) > 1 {
			return d, fmt.Errorf("document %s: ambiguous prefix", id)
		}
	}
	if errors.Is(err, sql.ErrNoRows) {
		return d, fmt.Errorf("document %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return d, fmt.Errorf("document %s: %w", id, err)
	}
	return d, nil
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
