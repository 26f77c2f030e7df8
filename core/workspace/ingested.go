package workspace

import (
	"context"
	"fmt"
	"time"
)

// IngestedAt maps those of docIDs that are in the workspace to when they
// were first ingested.
func (w *Workspace) IngestedAt(ctx context.Context, docIDs []string) (map[string]time.Time, error) {
	out := make(map[string]time.Time, len(docIDs))
	err := w.eachRowOfIDs(ctx, `SELECT id, ingested_at FROM documents WHERE id IN (`, nil, docIDs, `)`, func(scan func(...any) error) error {
		var id, at string
		if err := scan(&id, &at); err != nil {
			return err
		}
		t, _ := time.Parse(time.RFC3339Nano, at)
		out[id] = t
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("ingest times: %w", err)
	}
	return out, nil
}
