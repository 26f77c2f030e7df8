package shareddata

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// recorder is a testing.TB that records a skip instead of stopping.
type recorder struct {
	testing.TB
	skipped string
}

func (r *recorder) Helper() {}

func (r *recorder) Skipf(format string, args ...any) {
	r.skipped = format
	for _, a := range args {
		r.skipped += " " + a.(string)
	}
	panic(r)
}

// skipOf runs fn and returns the message it skipped with ("" if none).
func skipOf(t *testing.T, fn func(testing.TB)) (msg string) {
	r := &recorder{TB: t}
	defer func() {
		if p := recover(); p != nil && p != any(r) {
			panic(p)
		}
		msg = r.skipped
	}()
	fn(r)
	return ""
}

func TestSkipsNameWhatIsMissing(t *testing.T) {
	root := t.TempDir()
	repo := filepath.Join(root, "repo")
	pkg := filepath.Join(repo, "pkg")
	if err := os.MkdirAll(pkg, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(repo, "go.mod"), []byte("module x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(pkg)
	if msg := skipOf(t, func(tb testing.TB) { File(tb, "kev.json") }); !strings.Contains(msg, filepath.Join(root, "shared", "data")) {
		t.Fatalf("no shared/data: skipped with %q", msg)
	}
	data := filepath.Join(root, "shared", "data")
	if err := os.MkdirAll(data, 0o755); err != nil {
		t.Fatal(err)
	}
	if msg := skipOf(t, func(tb testing.TB) { File(tb, "kev.json") }); !strings.Contains(msg, filepath.Join(data, "kev.json")) {
		t.Fatalf("no kev.json: skipped with %q", msg)
	}
	if err := os.WriteFile(filepath.Join(data, "kev.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	var got string
	if msg := skipOf(t, func(tb testing.TB) { got = File(tb, "kev.json") }); msg != "" || got != filepath.Join(data, "kev.json") {
		t.Fatalf("present file: %q, skipped with %q", got, msg)
	}
}
