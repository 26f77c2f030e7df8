// Package gobfile reads and writes the compiled caches of model files:
// a value in Go's gob encoding, written atomically.
package gobfile

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"io"

	"github.com/cyberstreams/cyberstreams/internal/atomicfile"
)

// Decode decodes data, the gob of a T, into a new T; name is the file's,
// for the error.
func Decode[T any](data []byte, name string) (*T, error) {
	v := new(T)
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(v); err != nil {
		return nil, fmt.Errorf("decode %s: %w", name, err)
	}
	return v, nil
}

// Encode writes v's gob to w.
func Encode(w io.Writer, v any) error { return gob.NewEncoder(w).Encode(v) }

// Write writes v's gob to path, whole or not at all.
func Write(path string, v any) error {
	if err := atomicfile.Write(path, 0o644, func(w io.Writer) error { return Encode(w, v) }); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
