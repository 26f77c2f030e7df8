package model_test

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cyberstreams/cyberstreams/core/model"
	"github.com/cyberstreams/cyberstreams/core/training/trainingtest"
)

func TestSaveLoadRoundTrip(t *testing.T) {
	b := trainingtest.Bundle(t, 300, 1)
	dir := t.TempDir()
	if err := b.Save(dir); err != nil {
		t.Fatal(err)
	}
	got, err := model.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.ModelText, b.ModelText) || got.Spec.NumFeatures() != b.Spec.NumFeatures() || got.Novelty == nil {
		t.Fatal("bundle changed across save and load")
	}
	if got.Card.Version != "test" || got.Card.Validation == nil {
		t.Fatalf("card lost: %+v", got.Card)
	}
	// Saving again gives the same model bytes (deterministic writer).
	dir2 := t.TempDir()
	if err := got.Save(dir2); err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(filepath.Join(dir, model.ModelFile))
	c, _ := os.ReadFile(filepath.Join(dir2, model.ModelFile))
	if !bytes.Equal(a, c) {
		t.Fatal("re-saved model.txt differs")
	}
	if got.DriftReference != nil {
		t.Fatalf("a bundle saved without a drift reference loaded one: %q", got.DriftReference)
	}
}

// A gzipped model.txt loads as the plain one does: the same text, whole
// (its trees are parsed while it is decompressed), and the same trees.
func TestGzippedModelLoadsAsPlain(t *testing.T) {
	b, err := model.Embedded() // megabytes of text: many chunks in flight
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := b.Save(dir); err != nil {
		t.Fatal(err)
	}
	plain, err := model.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, model.ModelFile)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(plain.ModelText)
	zw.Close()
	if err := os.WriteFile(path+".gz", gz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Remove(path)
	got, err := model.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.ModelText, plain.ModelText) || len(got.ModelText) < 100<<10 {
		t.Fatalf("gzipped model text: %d bytes, plain %d", len(got.ModelText), len(plain.ModelText))
	}
	if len(got.Trees.Trees) != len(plain.Trees.Trees) || got.Trees.NumFeatures() != plain.Trees.NumFeatures() {
		t.Fatalf("gzipped model: %d trees over %d features, plain %d over %d",
			len(got.Trees.Trees), got.Trees.NumFeatures(), len(plain.Trees.Trees), plain.Trees.NumFeatures())
	}
}

// The drift reference travels with the bundle: read from reference.json or
// reference.json.gz when present, written back by Save.
func TestDriftReferenceTravelsWithTheBundle(t *testing.T) {
	b := trainingtest.Bundle(t, 300, 1)
	ref := []byte(`{"docs":3,"numeric":{"doc:cwe_count":[0,1,2]}}`)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(ref)
	zw.Close()
	tests := []struct {
		name  string
		write func(dir string) error
	}{
		{"plain", func(dir string) error { return os.WriteFile(filepath.Join(dir, model.ReferenceFile), ref, 0o644) }},
		{"gzipped", func(dir string) error {
			return os.WriteFile(filepath.Join(dir, model.ReferenceFile+".gz"), gz.Bytes(), 0o644)
		}},
		{"saved with the bundle", func(string) error { return nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			c := *b
			if tt.name == "saved with the bundle" {
				c.DriftReference = ref
			}
			if err := c.Save(dir); err != nil {
				t.Fatal(err)
			}
			if err := tt.write(dir); err != nil {
				t.Fatal(err)
			}
			got, err := model.LoadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.DriftReference, ref) {
				t.Fatalf("drift reference %q, want %q", got.DriftReference, ref)
			}
		})
	}
}

func TestBadBundlesGiveErrorsNamingTheFile(t *testing.T) {
	b := trainingtest.Bundle(t, 300, 1)
	tests := []struct {
		name   string
		break_ func(dir string)
		want   string
	}{
		{"corrupt model", func(dir string) {
			os.WriteFile(filepath.Join(dir, model.ModelFile), []byte("tree\nversion=v3\nnum_class=five\n"), 0o644)
		}, model.ModelFile},
		{"missing model", func(dir string) { os.Remove(filepath.Join(dir, model.ModelFile)) }, model.ModelFile},
		{"truncated gzipped model", func(dir string) {
			// Decompression fails part-way, while the trees are being parsed.
			path := filepath.Join(dir, model.ModelFile)
			text, _ := os.ReadFile(path)
			var gz bytes.Buffer
			zw := gzip.NewWriter(&gz)
			zw.Write(text)
			zw.Close()
			os.WriteFile(path+".gz", gz.Bytes()[:gz.Len()/2], 0o644)
			os.Remove(path)
		}, model.ModelFile + ".gz: unexpected EOF"},
		{"gzipped model that is not gzip", func(dir string) {
			path := filepath.Join(dir, model.ModelFile)
			os.WriteFile(path+".gz", []byte("tree\nversion=v3\n"), 0o644)
			os.Remove(path)
		}, model.ModelFile + ".gz"},
		{"corrupt features", func(dir string) {
			os.WriteFile(filepath.Join(dir, model.FeaturesFile), []byte("{not json"), 0o644)
		}, model.FeaturesFile},
		{"features of another model", func(dir string) {
			os.WriteFile(filepath.Join(dir, model.FeaturesFile), []byte(`{"version":1,"terms":[],"idf":[],"numeric":["a"]}`), 0o644)
		}, "do not belong together"},
		{"corrupt novelty", func(dir string) {
			os.WriteFile(filepath.Join(dir, model.NoveltyFile), []byte(`{"trees": 3}`), 0o644)
		}, model.NoveltyFile},
		{"corrupt gzipped drift reference", func(dir string) {
			os.WriteFile(filepath.Join(dir, model.ReferenceFile+".gz"), []byte("not gzip"), 0o644)
		}, model.ReferenceFile},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := b.Save(dir); err != nil {
				t.Fatal(err)
			}
			tt.break_(dir)
			_, err := model.LoadDir(dir)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error mentioning %q", err, tt.want)
			}
		})
	}
}

func TestResolveUnknownModel(t *testing.T) {
	_, err := model.Resolve("no-such-version", t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "no-such-version") {
		t.Fatalf("got %v", err)
	}
}
