package model

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/cyberstreams/cyberstreams/core/novelty"
	"github.com/cyberstreams/cyberstreams/internal/atomicfile"
	"github.com/cyberstreams/cyberstreams/internal/gobfile"
	"github.com/cyberstreams/cyberstreams/ml/lgbm"
)

// CompiledFile holds a bundle's trees and novelty model already decoded
// (Go's gob encoding of the values the text files parse into), so that a
// process that scores a few documents starts in milliseconds: parsing the
// ~3 MB model.txt and the novelty JSON was most of a one-document score.
//
// It is a cache, never the truth. It records the SHA-256 of every file it
// was compiled from (their content, uncompressed); a bundle whose files
// do not all match those digests, or whose compiled file is missing,
// damaged or of another format, is loaded from its text files as before.
// What it decodes is checked as the text parsers check it (tree links,
// forest and autoencoder shapes); the bundle-level checks run either way.
const CompiledFile = "compiled.bin"

// compiledFormat changes whenever the compiled encoding or the types it
// holds change: an older compiled file is then ignored, not misread.
const compiledFormat = 2

// compiled is what CompiledFile holds.
type compiled struct {
	Format int
	// The digests of the files it was compiled from ("" for an absent
	// optional file).
	ModelSHA256, FeaturesSHA256, NoveltySHA256, ReferenceSHA256 string
	Trees                                                       *lgbm.Model
	Novelty                                                     *novelty.Model
}

// sources are the digests of a bundle's files as loaded.
type sources struct {
	model, features, novelty, reference string
}

// encodeCompiled writes the compiled form of a bundle's trees and novelty
// model, compiled from files with the digests s.
func encodeCompiled(w io.Writer, trees *lgbm.Model, nov *novelty.Model, s sources) error {
	c := compiled{Format: compiledFormat, ModelSHA256: s.model, FeaturesSHA256: s.features,
		NoveltySHA256: s.novelty, ReferenceSHA256: s.reference, Trees: trees, Novelty: nov}
	if err := gobfile.Encode(w, &c); err != nil {
		return fmt.Errorf("encode %s: %w", CompiledFile, err)
	}
	return nil
}

// decodeCompiled reads a compiled file and checks what it decodes as the
// text parsers would. It returns an error for anything it cannot use: the
// caller then loads the text files.
func decodeCompiled(data []byte) (*compiled, error) {
	c, err := gobfile.Decode[compiled](data, CompiledFile)
	if err != nil {
		return nil, err
	}
	if c.Format != compiledFormat {
		return nil, fmt.Errorf("%s format %d, this cyberstreams reads %d", CompiledFile, c.Format, compiledFormat)
	}
	if c.Trees == nil {
		return nil, fmt.Errorf("%s holds no trees", CompiledFile)
	}
	if err := c.Trees.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", CompiledFile, err)
	}
	if (c.Novelty == nil) != (c.NoveltySHA256 == "") {
		return nil, fmt.Errorf("%s: novelty model and its digest disagree", CompiledFile)
	}
	if c.Novelty != nil {
		if err := c.Novelty.Validate(); err != nil {
			return nil, fmt.Errorf("%s: %w", CompiledFile, err)
		}
	}
	return c, nil
}

// readCompiled is the bundle's compiled form, or nil when it has none that
// this version can use (absent, damaged, another format): a cache miss,
// not an error, as the text files are the bundle.
func readCompiled(open func(name string) (io.Reader, error)) *compiled {
	r, err := open(CompiledFile)
	if err != nil {
		return nil
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil
	}
	c, err := decodeCompiled(data)
	if err != nil {
		return nil
	}
	return c
}

// Compile writes the compiled form of the bundle in dir (loaded from its
// text files, whatever compiled file it holds), so that it loads fast.
// Save writes it with every bundle; `go generate ./core/model` runs this
// (internal/compilemodel) for the embedded default after its files change.
func Compile(dir string) error {
	b, err := load(func(name string) (io.Reader, error) {
		if name == CompiledFile {
			return nil, fmt.Errorf("%s: %w", name, errMissing)
		}
		return openMaybeGzip(os.ReadFile, filepath.Join(dir, name))
	}, dir)
	if err != nil {
		return fmt.Errorf("compile model: %w", err)
	}
	if err := atomicfile.Write(filepath.Join(dir, CompiledFile), 0o644, func(w io.Writer) error {
		return encodeCompiled(w, b.Trees, b.Novelty, b.sources)
	}); err != nil {
		return fmt.Errorf("compile model %s: %w", dir, err)
	}
	return nil
}
