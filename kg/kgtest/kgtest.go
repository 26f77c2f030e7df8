// Package kgtest gives graph tests a fresh store in a temporary SQLite
// database with the same connection settings as a workspace, and the path
// of the shared test data.
package kgtest

import (
	"database/sql"
	"path/filepath"
	"testing"

	_ "modernc.org/sqlite" // pure-Go SQLite driver, registered as "sqlite"

	"github.com/cyberstreams/cyberstreams/internal/shareddata"
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
// repository), or skips the test naming the missing file.
func DataFile(t testing.TB, name string) string {
	t.Helper()
	return shareddata.File(t, name)
}
