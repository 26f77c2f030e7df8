//go:build unix

package kgtest

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// LockNeo4j serialises tests of different packages that share the one Neo4j
// in NEO4J_URI (go test runs packages in parallel): some wipe the database,
// others count what they synced. The lock is an flock on a file in the temp
// directory, released when the test ends — or when its process dies.
func LockNeo4j(t testing.TB) {
	t.Helper()
	path := filepath.Join(os.TempDir(), "cyberstreams-neo4j-test.lock")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		t.Fatalf("neo4j test lock %s: %v", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		t.Fatalf("neo4j test lock %s: %v", path, err)
	}
	t.Cleanup(func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	})
}
