package model

import (
	"bytes"
	"os"
	"path/filepath"

	"github.com/cyberstreams/cyberstreams/core/novelty"
	"github.com/cyberstreams/cyberstreams/ml/lgbm"
)

// DecodeCompiled exposes decodeCompiled to the fuzz target.
var DecodeCompiled = func(data []byte) error { _, err := decodeCompiled(data); return err }

// EditCompiled rewrites dir's compiled file with edit applied to what it
// holds, keeping the digests it records: a stand-in that loading must
// take only for the files it was compiled from.
func EditCompiled(dir string, edit func(*lgbm.Model, *novelty.Model)) error {
	data, err := os.ReadFile(filepath.Join(dir, CompiledFile))
	if err != nil {
		return err
	}
	c, err := decodeCompiled(data)
	if err != nil {
		return err
	}
	edit(c.Trees, c.Novelty)
	var buf bytes.Buffer
	if err := encodeCompiled(&buf, c.Trees, c.Novelty, sources{c.ModelSHA256, c.FeaturesSHA256, c.NoveltySHA256, c.ReferenceSHA256}); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, CompiledFile), buf.Bytes(), 0o644)
}

// EmbeddedCompiledIsCurrent says whether the embedded default's compiled
// form was compiled from its files, and decodes to what they parse to.
func EmbeddedCompiledIsCurrent() (bool, string) {
	open := func(name string) ([]byte, error) {
		r, err := openMaybeGzip(func(p string) ([]byte, error) { return defaultFS.ReadFile(p) }, filepath.ToSlash(filepath.Join("default", name)))
		if err != nil {
			return nil, err
		}
		var buf bytes.Buffer
		_, err = buf.ReadFrom(r)
		return buf.Bytes(), err
	}
	raw, err := open(CompiledFile)
	if err != nil {
		return false, err.Error()
	}
	c, err := decodeCompiled(raw)
	if err != nil {
		return false, err.Error()
	}
	for name, want := range map[string]string{ModelFile: c.ModelSHA256, FeaturesFile: c.FeaturesSHA256, NoveltyFile: c.NoveltySHA256, ReferenceFile: c.ReferenceSHA256} {
		data, err := open(name)
		if err != nil {
			return false, err.Error()
		}
		if modelDigest(data) != want {
			return false, name + " is not the file it was compiled from"
		}
	}
	return true, ""
}
