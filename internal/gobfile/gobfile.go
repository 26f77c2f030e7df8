// Package gobfile reads and writes the compiled caches of model files:
// a value in Go's gob encoding, written atomically, after the SHA-256 of
// that encoding. Decode checks the digest first, so that a file damaged in
// place (a flipped byte that still decodes) is refused, not believed.
package gobfile

import (
	"bytes"
	"crypto/sha256"
	"encoding/gob"
	"fmt"
	"io"

	"github.com/cyberstreams/cyberstreams/internal/atomicfile"
)

// Decode decodes data, the digest and gob of a T that Encode wrote, into a
// new T; name is the file's, for the error.
func Decode[T any](data []byte, name string) (*T, error) {
	if len(data) < sha256.Size {
		return nil, fmt.Errorf("decode %s: %d bytes, too short to be one", name, len(data))
	}
	sum, payload := data[:sha256.Size], data[sha256.Size:]
	if got := sha256.Sum256(payload); !bytes.Equal(got[:], sum) {
		return nil, fmt.Errorf("decode %s: its content does not match its checksum (damaged)", name)
	}
	v := new(T)
	if err := gob.NewDecoder(bytes.NewReader(payload)).Decode(v); err != nil {
		return nil, fmt.Errorf("decode %s: %w", name, err)
	}
	return v, nil
}

// Encode writes the SHA-256 of v's gob, then the gob, to w.
func Encode(w io.Writer, v any) error {
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(v); err != nil {
		return err
	}
	sum := sha256.Sum256(buf.Bytes())
	if _, err := w.Write(sum[:]); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// Write writes v's gob to path, whole or not at all.
func Write(path string, v any) error {
	if err := atomicfile.Write(path, 0o644, func(w io.Writer) error { return Encode(w, v) }); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
