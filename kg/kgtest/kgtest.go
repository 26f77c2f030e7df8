// Package kgtest gives graph tests a fresh store in a temporary SQLite
// database with the same connection settings as a workspace, and the path
// of the shared test data.
package kgtest

import (
	"database/sql"
	"os"
	"path/filepath"
	"testing"

	_ "modernc.org/sqlite" // pure-Go SQLite driver, registered as "sqlite"

	"github.com/cyberstreams/cyberstreams/kg"
)

// OpenStore returns a store over a new database in t.TempDir(), migrated.
func OpenStore(t testing.TB) *kg.Store {
	t.Helper()
	path := filepath.Join(t.TempDir(), "graph.db")
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)"+
		"&_pragma=busy_timeout(10000)&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(4)
	t.Cleanup(func() { db.Close() })
	for i, step := range kg.Migrations() {
		if _, err := db.Exec(step); err != nil {
			t.Fatalf("graph migration %d: %v", i+1, err)
		}
	}
	return kg.NewStore(db)
}

// DataFile returns the path of a file in shared/data (next to the
// repository), or skips the test when it is absent.
func DataFile(t testing.TB, name string) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			p := filepath.Join(dir, "..", "shared", "data", name)
			if _, err := os.Stat(p); err != nil {
				t.Skipf("%s not found: the shared test data is absent", p)
			}
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skipf("shared/data/%s: repository root not found", name)
		}
		dir = parent
	}
}
