package workspace

import (
	"context"
	"strings"
)

// idChunk bounds the document ids bound into one query (SQLite allows
// 32,766 parameters; smaller chunks keep each statement cheap to prepare).
const idChunk = 500

// eachRow runs a query and calls fn with each row's Scan.
func (w *Workspace) eachRow(ctx context.Context, q string, args []any, fn func(scan func(...any) error) error) error {
	rows, err := w.db.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows.Scan); err != nil {
			return err
		}
	}
	return rows.Err()
}

// eachRowOfIDs runs head + one placeholder per id + tail for each chunk
// of ids (head ends inside "IN ("), with args bound before the ids, and
// calls fn with each row's Scan.
func (w *Workspace) eachRowOfIDs(ctx context.Context, head string, args []any, ids []string, tail string, fn func(scan func(...any) error) error) error {
	for start := 0; start < len(ids); start += idChunk {
		end := min(start+idChunk, len(ids))
		bound := make([]any, 0, len(args)+end-start)
		bound = append(bound, args...)
		for _, id := range ids[start:end] {
			bound = append(bound, id)
		}
		q := head + "?" + strings.Repeat(",?", end-start-1) + tail
		if err := w.eachRow(ctx, q, bound, fn); err != nil {
			return err
		}
	}
	return nil
}
