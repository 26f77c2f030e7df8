// Package shareddata finds the project's shared test data for tests and
// benchmarks: the directory shared/data beside the repository root (the
// corpus, ATT&CK bundle and KEV catalog are too large to live in the
// repository). When a file is absent the test is skipped with a message
// that names the file, so a skip is never silent about what it missed.
package shareddata

import (
	"os"
	"path/filepath"
	"testing"
)

// Dir returns shared/data beside the repository root that holds the
// current directory, or skips tb when there is none.
func Dir(tb testing.TB) string {
	tb.Helper()
	wd, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			data := filepath.Join(dir, "..", "shared", "data")
			if _, err := os.Stat(data); err != nil {
				tb.Skipf("needs the shared test data in %s, which is absent", data)
			}
			return data
		}
		if filepath.Dir(dir) == dir {
			tb.Skipf("needs the shared test data beside the repository root, but no go.mod is above %s", wd)
		}
	}
}

// File returns the path of name in shared/data, or skips tb naming the
// missing file.
func File(tb testing.TB, name string) string {
	tb.Helper()
	path := filepath.Join(Dir(tb), name)
	if _, err := os.Stat(path); err != nil {
		tb.Skipf("needs the shared test data file %s, which is absent", path)
	}
	return path
}
