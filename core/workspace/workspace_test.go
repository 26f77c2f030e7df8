package workspace

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cyberstreams/cyberstreams/core/document"
)

func openTemp(t *testing.T) *Workspace {
	t.Helper()
	ws, err := Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	return ws
}

func TestPutDocumentsRoundTrip(t *testing.T) {
	ctx := context.Background()
	ws := openTemp(t)
	docs := []document.Document{
		{ID: "a", Title: "One", Body: "first text", Source: "test", Published: time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC),
			CWEs: []string{"CWE-79"}, Entities: map[string][]string{"cve": {"CVE-2024-0001"}}},
		{ID: "b", Title: "Two", Body: "second text"},
		{ID: "c", Title: "One", Body: "first   text"}, // same content as a, re-wrapped: another document
	}
	res, err := ws.PutDocuments(ctx, docs)
	if err != nil {
		t.Fatal(err)
	}
	if res.New != 3 || res.Unchanged != 0 {
		t.Fatalf("first put: got %+v, want 3 new", res)
	}
	res, err = ws.PutDocuments(ctx, docs)
	if err != nil {
		t.Fatal(err)
	}
	if res.New != 0 || res.Updated != 0 || res.Unchanged != 3 {
		t.Fatalf("second put: got %+v, want 3 unchanged", res)
	}
	got, err := ws.Document(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	if got.Title != "One" || got.CWEs[0] != "CWE-79" || got.Entities["cve"][0] != "CVE-2024-0001" || got.Published.Year() != 2024 {
		t.Fatalf("round trip lost fields: %+v", got)
	}
	ids, err := ws.DocumentsWithEntity(ctx, "cve", "CVE-2024-0001", 0)
	if err != nil || len(ids) != 1 || ids[0] != "a" {
		t.Fatalf("entity lookup: %v %v", ids, err)
	}
	if _, err := ws.Document(ctx, "missing-id"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing document: got %v, want ErrNotFound", err)
	}
}

func TestNewerSchemaIsRefused(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	ws, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ws.DB().Exec(`UPDATE schema_versions SET version = 99 WHERE component = 'documents'`); err != nil {
		t.Fatal(err)
	}
	ws.Close()
	_, err = Open(ctx, dir)
	if !errors.Is(err, ErrNewerSchema) {
		t.Fatalf("got %v, want ErrNewerSchema", err)
	}
	if err != nil && !contains(err.Error(), filepath.Join(dir, DBFile)) {
		t.Fatalf("error does not name the database file: %v", err)
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func BenchmarkPutDocuments(b *testing.B) {
	ctx := context.Background()
	ws, err := Open(ctx, b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer ws.Close()
	batch := make([]document.Document, 1000)
	b.ResetTimer()
	n := 0
	for i := 0; i < b.N; i++ {
		for j := range batch {
			n++
			batch[j] = document.Document{ID: "", Title: "advisory", Body: "body text number " + time.Duration(n).String(),
				Entities: map[string][]string{"cve": {"CVE-2024-1234"}}}
			batch[j].Finish()
		}
		if _, err := ws.PutDocuments(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(batch))/b.Elapsed().Seconds(), "docs/s")
}

func TestOpenSaysWhetherItCreated(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	for i, want := range []bool{true, false} {
		ws, err := Open(ctx, dir)
		if err != nil {
			t.Fatal(err)
		}
		ws.Close()
		if ws.Created != want {
			t.Errorf("open %d: Created = %v, want %v", i+1, ws.Created, want)
		}
	}
}
