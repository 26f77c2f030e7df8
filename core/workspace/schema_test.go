package workspace

import (
	"context"
	"slices"
	"testing"
)

// TestQueueIndexesReachEveryWorkspace checks that the triage queue's
// covering indexes exist both in a new workspace and in one written before
// them (documents at version 2, already holding a scored document), and
// that the upgrade keeps the rows.
func TestQueueIndexesReachEveryWorkspace(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name     string
		existing int // documents migrations already applied; 0 = new workspace
		rows     int
	}{
		{"new workspace", 0, 0},
		{"written before the indexes", 2, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if tc.existing > 0 {
				dir = oldWorkspace(t, tc.existing,
					`INSERT INTO documents (id, content_hash, title, ingested_at) VALUES ('a', 'h', 'Old', '2025-01-01T00:00:00Z')`,
					`INSERT INTO scores (doc_id, model, severity, confidence, probabilities, scored_at)
					 VALUES ('a', 'm', 'high', 0.9, '{}', '2025-01-01T00:00:00Z')`)
			}
			ws, err := Open(ctx, dir)
			if err != nil {
				t.Fatal(err)
			}
			defer ws.Close()
			var version, rows int
			if err := ws.DB().QueryRowContext(ctx, `SELECT version FROM schema_versions WHERE component = 'documents'`).Scan(&version); err != nil {
				t.Fatal(err)
			}
			if version != len(documentMigrations) {
				t.Errorf("documents at version %d, want %d", version, len(documentMigrations))
			}
			var indexes []string
			r, err := ws.DB().QueryContext(ctx, `SELECT name FROM sqlite_schema WHERE type = 'index' AND name IN ('documents_queue', 'scores_queue') ORDER BY name`)
			if err != nil {
				t.Fatal(err)
			}
			for r.Next() {
				var name string
				if err := r.Scan(&name); err != nil {
					t.Fatal(err)
				}
				indexes = append(indexes, name)
			}
			r.Close()
			if want := []string{"documents_queue", "scores_queue"}; !slices.Equal(indexes, want) {
				t.Errorf("indexes %v, want %v", indexes, want)
			}
			if err := ws.DB().QueryRowContext(ctx, `SELECT count(*) FROM documents JOIN scores ON scores.doc_id = documents.id`).Scan(&rows); err != nil {
				t.Fatal(err)
			}
			if rows != tc.rows {
				t.Errorf("%d scored documents after the upgrade, want %d", rows, tc.rows)
			}
		})
	}
}
