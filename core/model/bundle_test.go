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
