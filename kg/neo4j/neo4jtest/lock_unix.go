//go:build unix

package neo4jtest

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// lock serialises tests of different packages that share the one test
// server (go test runs packages in parallel): some wipe the database,
// others count what they synced. The lock is an flock on a file in the temp
// directory, released when the test ends — or when its process dies.
func lock(tb testing.TB) {
	tb.Helper()
	path := filepath.Join(os.TempDir(), "cyberstreams-neo4j-test.lock")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		tb.Fatalf("neo4j test lock %s: %v", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		tb.Fatalf("neo4j test lock %s: %v", path, err)
	}
	tb.Cleanup(func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	})
}
