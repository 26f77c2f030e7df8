package workspace

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/cyberstreams/cyberstreams/core/document"
)

// headlineDB opens a bare SQLite database to evaluate HeadlineSQL on
// given titles and bodies.
func headlineDB(t testing.TB) (*sql.DB, *sql.Stmt) {
	t.Helper()
	db, err := sql.Open("sqlite", DSN(filepath.Join(t.TempDir(), "h.db")))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	st, err := db.Prepare(`SELECT ` + HeadlineSQL + ` FROM (SELECT ? AS title, ? AS body)`)
	if err != nil {
		t.Fatal(err)
	}
	return db, st
}

var headlineCases = []struct{ title, body string }{
	{"Heap overflow in Foo", "Details."},
	{"", "Buffer overflow in POP servers allows root. Upgrade now."},
	{"", "Summary line \r\nmore text"},
	{"", strings.Repeat("é", 130)},
	{"", strings.Repeat("a", 120)},
	{"", strings.Repeat("a", 121)},
	{"", ""},
	{"", "Affects 1.2.3 and later"},
	{"", "  leading spaces. then"},
	{"", "\nstarts with a newline"},
	{"", "ends with a dot."},
	{"", "tabs\tinside. and more"},
	{"", "中文描述。第二句. English"},
}

// TestHeadlineSQLMatchesDocumentHeadline keeps the two definitions of a
// headline — Go for lists, SQL for the triage queue's index — in step.
func TestHeadlineSQLMatchesDocumentHeadline(t *testing.T) {
	_, st := headlineDB(t)
	for _, c := range headlineCases {
		var got string
		if err := st.QueryRow(c.title, c.body).Scan(&got); err != nil {
			t.Fatal(err)
		}
		d := document.Document{Title: c.title, Body: c.body}
		if want := d.Headline(); got != want {
			t.Errorf("title %q body %q: SQL %q, Go %q", c.title, c.body, got, want)
		}
	}
}

func FuzzHeadlineSQL(f *testing.F) {
	for _, c := range headlineCases {
		f.Add(c.title, c.body)
	}
	_, st := headlineDB(f)
	f.Fuzz(func(t *testing.T, title, body string) {
		if !utf8.ValidString(title) || !utf8.ValidString(body) || strings.ContainsRune(title+body, 0) {
			t.Skip("documents are valid UTF-8 without NUL (ingest rejects the rest)")
		}
		var got string
		if err := st.QueryRow(title, body).Scan(&got); err != nil {
			t.Fatal(err)
		}
		d := document.Document{Title: title, Body: body}
		if want := d.Headline(); got != want {
			t.Fatalf("title %q body %q: SQL %q, Go %q", title, body, got, want)
		}
	})
}

// TestHeadlineColumnOnStoredDocuments checks the generated column on
// documents written through PutDocuments.
func TestHeadlineColumnOnStoredDocuments(t *testing.T) {
	ctx := context.Background()
	ws, err := Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	docs := []document.Document{
		{ID: "CVE-1999-0006", Body: "Buffer overflow in POP servers allows root access. More text."},
		{ID: "GHSA-1", Title: "Prototype pollution in foo", Body: "Long text."},
	}
	for i := range docs {
		docs[i].Finish()
	}
	if _, err := ws.PutDocuments(ctx, docs); err != nil {
		t.Fatal(err)
	}
	for _, d := range docs {
		var got string
		if err := ws.DB().QueryRowContext(ctx, `SELECT CASE WHEN title <> '' THEN title ELSE headline END FROM documents WHERE id = ?`, d.ID).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if want := d.Headline(); got != want {
			t.Errorf("%s: headline %q, want %q", d.ID, got, want)
		}
	}
}

// TestHeadlineBackfill upgrades a workspace written before migration 4:
// its untitled documents get their headline from HeadlineSQL.
func TestHeadlineBackfill(t *testing.T) {
	ctx := context.Background()
	body := "Stolen credentials from SSH clients via ssh-agent program. Second sentence."
	dir := oldWorkspace(t, 3,
		`INSERT INTO documents (id, content_hash, title, body, ingested_at) VALUES ('a', 'h1', '', '`+body+`', '2025-01-01T00:00:00Z')`,
		`INSERT INTO documents (id, content_hash, title, body, ingested_at) VALUES ('b', 'h2', 'Titled', 'x', '2025-01-01T00:00:00Z')`)
	ws, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	want := map[string]string{"a": "Stolen credentials from SSH clients via ssh-agent program.", "b": ""}
	for id, w := range want {
		var got string
		if err := ws.DB().QueryRowContext(ctx, `SELECT headline FROM documents WHERE id = ?`, id).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != w {
			t.Errorf("%s: headline %q after the upgrade, want %q", id, got, w)
		}
	}
}
