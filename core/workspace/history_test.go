package workspace

import (
	"context"
	"database/sql"
	"path/filepath"
	"slices"
	"testing"

	"github.com/cyberstreams/cyberstreams/core/document"
)

// TestUpdateKeepsHistory: storing an id again with other content replaces
// the document, keeps the replaced version, re-indexes entities and
// aliases, and drops the score of the old text; storing it unchanged (or
// with only another KEV catalog version) changes nothing.
func TestUpdateKeepsHistory(t *testing.T) {
	ctx := context.Background()
	ws := openTemp(t)
	kev := func(body, catalog string, alias string) document.Document {
		d := document.Document{ID: "KEV-CVE-2024-0001", Title: "Flaw", Body: body, Aliases: []string{alias},
			Meta:     map[string]any{"kev": true, "catalog_version": catalog},
			Entities: map[string][]string{"cve": {alias}, "word": {body}}}
		d.Finish()
		return d
	}
	put := func(d document.Document) Outcome {
		t.Helper()
		res, err := ws.PutDocuments(ctx, []document.Document{d})
		if err != nil {
			t.Fatal(err)
		}
		return res.Outcomes[0]
	}
	if got := put(kev("first", "2024.01.01", "CVE-2024-0001")); got != Added {
		t.Fatalf("first put: %v", got)
	}
	if _, err := ws.DB().ExecContext(ctx, `INSERT INTO scores (doc_id, model, severity, confidence, probabilities, scored_at)
		VALUES ('KEV-CVE-2024-0001', 'm', 'high', 0.9, '{}', '2025-01-01T00:00:00Z')`); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name string
		doc  document.Document
		want Outcome
	}{
		{"same again", kev("first", "2024.01.01", "CVE-2024-0001"), Unchanged},
		{"new catalog release only", kev("first", "2024.02.01", "CVE-2024-0001"), Unchanged},
		{"new text", kev("second", "2024.02.01", "CVE-2024-0001"), Updated},
		{"new alias", kev("second", "2024.02.01", "CVE-2024-0002"), Updated},
	}
	for _, st := range steps {
		if got := put(st.doc); got != st.want {
			t.Fatalf("%s: %v, want %v", st.name, got, st.want)
		}
	}
	hist, err := ws.History(ctx, "KEV-CVE-2024-0001")
	if err != nil {
		t.Fatal(err)
	}
	var bodies []string
	for i, v := range hist {
		bodies = append(bodies, v.Document.Body)
		if v.Version != i+1 || v.StoredAt.IsZero() || (i < len(hist)-1) == v.ReplacedAt.IsZero() {
			t.Errorf("version %d: %+v", i+1, v)
		}
	}
	if !slices.Equal(bodies, []string{"first", "second", "second"}) {
		t.Fatalf("history bodies %v", bodies)
	}
	if got := hist[len(hist)-1].Document.Aliases; !slices.Equal(got, []string{"CVE-2024-0002"}) {
		t.Fatalf("current aliases %v", got)
	}
	var scores int
	if err := ws.DB().QueryRowContext(ctx, `SELECT count(*) FROM scores`).Scan(&scores); err != nil || scores != 0 {
		t.Fatalf("%d scores of the old text left (%v)", scores, err)
	}
	for _, tc := range []struct{ typ, value string }{{"word", "first"}, {"cve", "CVE-2024-0001"}} {
		if hits, err := ws.DocumentsWithEntity(ctx, tc.typ, tc.value, 0); err != nil || len(hits) != 0 {
			t.Errorf("entity %s of an old version still indexed: %v %v", tc.value, hits, err)
		}
	}
	if d, err := ws.Document(ctx, "cve-2024-0002"); err != nil || d.ID != "KEV-CVE-2024-0001" {
		t.Errorf("new alias: %q %v", d.ID, err)
	}
	if _, err := ws.Document(ctx, "CVE-2024-0001"); err == nil {
		t.Errorf("the old alias still finds the document")
	}
}

// TestUpgradeToIDKeys upgrades a workspace written before documents
// migration 5: rows, their order, scores and labels stay, aliases are
// indexed, and two ids may now share a text.
func TestUpgradeToIDKeys(t *testing.T) {
	ctx := context.Background()
	dir := oldWorkspace(t, 4,
		`INSERT INTO documents (id, content_hash, title, ingested_at, fields) VALUES ('z', 'h1', 'Zed', '2025-01-01T00:00:00Z', '{"aliases":["CVE-2020-1"]}')`,
		`INSERT INTO documents (id, content_hash, title, ingested_at) VALUES ('a', 'h2', 'Aye', '2025-01-02T00:00:00Z')`,
		`INSERT INTO entities (doc_id, type, value) VALUES ('z', 'cve', 'CVE-2020-1')`,
		`INSERT INTO scores (doc_id, model, severity, confidence, probabilities, scored_at)
		 VALUES ('z', 'm', 'high', 0.9, '{}', '2025-01-01T00:00:00Z')`)
	ws, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	var order []string
	if err := ws.EachDocument(ctx, ListOptions{}, func(d document.Document) error {
		order = append(order, d.ID)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(order, []string{"z", "a"}) {
		t.Fatalf("documents after the upgrade, in ingest order: %v", order)
	}
	var n int
	if err := ws.DB().QueryRowContext(ctx, `SELECT count(*) FROM scores JOIN entities USING (doc_id)`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("score and entity rows after the upgrade: %d (%v)", n, err)
	}
	if d, err := ws.Document(ctx, "CVE-2020-1"); err != nil || d.ID != "z" {
		t.Fatalf("alias of a stored document: %q %v", d.ID, err)
	}
	docs := []document.Document{{ID: "b", Title: "Aye"}, {ID: "c", Title: "Aye"}}
	docs[0].ContentHash, docs[1].ContentHash = "h2", "h2"
	res, err := ws.PutDocuments(ctx, docs)
	if err != nil || res.New != 2 {
		t.Fatalf("two ids with one text: %+v %v", res, err)
	}
}

// TestPutDocumentsRestoresDurability: the batch's synchronous=NORMAL must
// not outlive it on any pooled connection, or a label committed on that
// connection could be lost on power loss.
func TestPutDocumentsRestoresDurability(t *testing.T) {
	ctx := context.Background()
	ws := openTemp(t)
	for i := range 3 {
		d := document.Document{Title: "t", Body: string(rune('a' + i))}
		if _, err := ws.PutDocuments(ctx, []document.Document{d}); err != nil {
			t.Fatal(err)
		}
	}
	// Hold every pooled connection at once so each is looked at.
	conns := make([]*sql.Conn, 4)
	for i := range conns {
		c, err := ws.DB().Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		conns[i] = c
		var sync int
		if err := c.QueryRowContext(ctx, `PRAGMA synchronous`).Scan(&sync); err != nil {
			t.Fatal(err)
		}
		if sync != 2 {
			t.Errorf("connection %d: synchronous=%d, want 2 (FULL)", i, sync)
		}
	}
}

// oldWorkspace writes a workspace as a binary that knew the first steps
// documents migrations wrote it, holding what queries insert, and returns
// its directory.
func oldWorkspace(t *testing.T, steps int, queries ...string) string {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	db, err := sql.Open("sqlite", DSN(filepath.Join(dir, DBFile)))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := Migrate(ctx, db, "documents", documentMigrations[:steps]); err != nil {
		t.Fatal(err)
	}
	for _, q := range queries {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
