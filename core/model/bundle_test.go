package model_test

import (
	"bytes"
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
