// Package atomicfile replaces a file so that, after a crash at any moment,
// the path holds either the old content or the whole new content: the new
// content goes to a temporary file beside it, which is fsynced, renamed over
// the path, and then the directory is fsynced so that the rename itself is
// on disk (rename(2) is atomic but not durable until its directory entry is
// flushed; see the ext4 "data=ordered" discussion in the Linux kernel's
// Documentation/admin-guide/ext4.rst and PostgreSQL's durable_rename).
package atomicfile

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
)

// Write replaces path with what write writes, with mode perm. When write
// fails, path is left as it was and the temporary file is removed, and its
// error is returned as it is; the caller names path in the error.
func Write(path string, perm os.FileMode, write func(io.Writer) error) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("create temporary file: %w", err)
	}
	defer os.Remove(tmp.Name()) // a no-op after the rename
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("sync: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), perm); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	return SyncDir(dir)
}

// SyncDir flushes a directory's entries (a rename or a new file in it) to
// disk. Windows cannot open a directory for flushing, and NTFS journals
// renames itself, so there it does nothing.
func SyncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	return nil
}
