package model

import (
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"path"
)

//go:generate go run ../../internal/compilemodel severity default

// defaultFS holds the default model, trained by `cyberstreams train` on the
// shared advisory corpus (see default/MODEL_CARD.md for the exact command,
// input checksums and licences).
//
//go:embed default
var defaultFS embed.FS

// Embedded loads the default model shipped inside the binary.
func Embedded() (*Bundle, error) {
	b, err := load(func(name string) (io.Reader, error) {
		return openMaybeGzip(func(p string) ([]byte, error) { return fs.ReadFile(defaultFS, p) }, path.Join("default", name))
	}, "embedded:default")
	if err != nil {
		return nil, fmt.Errorf("embedded default model: %w", err)
	}
	if b.Card.Version == "" {
		b.Card.Version = DefaultRef
	}
	return b, nil
}

// EmbeddedCard reads only the default model's card, for listings that
// need its name and metrics without loading its trees.
func EmbeddedCard() (Card, error) {
	var c Card
	data, err := fs.ReadFile(defaultFS, path.Join("default", CardFile))
	if err != nil {
		return c, fmt.Errorf("embedded default model %s: %w", CardFile, err)
	}
	if err := json.Unmarshal(data, &c); err != nil {
		return c, fmt.Errorf("embedded default model %s: %w", CardFile, err)
	}
	if err := checkCard(&c); err != nil {
		return c, fmt.Errorf("embedded default model %s: %w", CardFile, err)
	}
	if c.Version == "" {
		c.Version = DefaultRef
	}
	return c, nil
}
