package model_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/cyberstreams/cyberstreams/core/model"
	"github.com/cyberstreams/cyberstreams/core/novelty"
	"github.com/cyberstreams/cyberstreams/core/training/trainingtest"
	"github.com/cyberstreams/cyberstreams/ml/lgbm"
)

// The embedded default's compiled form must be the one of its files, or
// every start parses the text (correct, but slow): after changing them,
// run `go generate ./core/model`.
func TestEmbeddedCompiledIsCurrent(t *testing.T) {
	if ok, why := model.EmbeddedCompiledIsCurrent(); !ok {
		t.Fatalf("core/model/default/%s is stale (%s): run go generate ./core/model", model.CompiledFile, why)
	}
	b, err := model.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := b.Save(dir); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(dir, model.CompiledFile))
	parsed, err := model.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(parsed.Trees, b.Trees) || !reflect.DeepEqual(parsed.Novelty, b.Novelty) {
		t.Fatal("the embedded compiled form decodes to other trees or another novelty model than its text files parse to")
	}
}

// A compiled form stands in for exactly the files it was compiled from:
// any other file, or a compiled file that is damaged or of another
// format, is read from its text, and the load succeeds either way.
func TestCompiledStandsInOnlyForItsFiles(t *testing.T) {
	b := trainingtest.Bundle(t, 300, 1)
	const marked = 1234.5 // a leaf value and a threshold no model has
	mark := func(trees *lgbm.Model, nov *novelty.Model) {
		trees.Trees[0].LeafValue[0] = marked
		nov.Threshold = marked
	}
	for _, tc := range []struct {
		name            string
		change          func(t *testing.T, dir string)
		compiledTrees   bool
		compiledNovelty bool
	}{
		{"as compiled", func(t *testing.T, dir string) {}, true, true},
		{"model.txt changed", func(t *testing.T, dir string) {
			appendTo(t, filepath.Join(dir, model.ModelFile), "\n")
			// The card names the model it describes: name the new text.
			text, _ := os.ReadFile(filepath.Join(dir, model.ModelFile))
			sum := sha256.Sum256(text)
			card, _ := os.ReadFile(filepath.Join(dir, model.CardFile))
			var c map[string]any
			if err := json.Unmarshal(card, &c); err != nil {
				t.Fatal(err)
			}
			c["model_sha256"] = hex.EncodeToString(sum[:])
			card, _ = json.Marshal(c)
			os.WriteFile(filepath.Join(dir, model.CardFile), card, 0o644)
		}, false, true},
		{"novelty.json changed", func(t *testing.T, dir string) {
			appendTo(t, filepath.Join(dir, model.NoveltyFile), "\n")
		}, true, false},
		{"features.json changed", func(t *testing.T, dir string) {
			appendTo(t, filepath.Join(dir, model.FeaturesFile), "\n")
		}, true, false},
		{"compiled file damaged", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, model.CompiledFile), []byte("not a compiled model"), 0o644)
		}, false, false},
		{"compiled file damaged in place", func(t *testing.T, dir string) {
			data, _ := os.ReadFile(filepath.Join(dir, model.CompiledFile))
			data[len(data)*2/3] ^= 0x01 // decodes, but to other values
			os.WriteFile(filepath.Join(dir, model.CompiledFile), data, 0o644)
		}, false, false},
		{"compiled file truncated", func(t *testing.T, dir string) {
			data, _ := os.ReadFile(filepath.Join(dir, model.CompiledFile))
			os.WriteFile(filepath.Join(dir, model.CompiledFile), data[:len(data)/2], 0o644)
		}, false, false},
		{"no compiled file", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, model.CompiledFile))
		}, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := b.Save(dir); err != nil {
				t.Fatal(err)
			}
			if err := model.EditCompiled(dir, mark); err != nil {
				t.Fatal(err)
			}
			tc.change(t, dir)
			got, err := model.LoadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			if fromCompiled := got.Trees.Trees[0].LeafValue[0] == marked; fromCompiled != tc.compiledTrees {
				t.Errorf("trees from the compiled form: %v, want %v", fromCompiled, tc.compiledTrees)
			}
			if fromCompiled := got.Novelty.Threshold == marked; fromCompiled != tc.compiledNovelty {
				t.Errorf("novelty model from the compiled form: %v, want %v", fromCompiled, tc.compiledNovelty)
			}
		})
	}
}

// Trees a compiled file holds are checked as the text parser checks them:
// a compiled file whose trees link outside themselves is not used.
func TestCompiledTreesAreChecked(t *testing.T) {
	b := trainingtest.Bundle(t, 300, 1)
	dir := t.TempDir()
	if err := b.Save(dir); err != nil {
		t.Fatal(err)
	}
	if err := model.EditCompiled(dir, func(trees *lgbm.Model, _ *novelty.Model) {
		trees.Trees[0].LeftChild[0] = 1 << 20
	}); err != nil {
		t.Fatal(err)
	}
	if err := model.DecodeCompiled(mustRead(t, filepath.Join(dir, model.CompiledFile))); err == nil {
		t.Fatal("a compiled file with a tree linking outside itself decoded")
	}
	got, err := model.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Trees, b.Trees) {
		t.Fatal("the bundle's trees changed")
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func appendTo(t *testing.T, path, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
}

func FuzzDecodeCompiled(f *testing.F) {
	b := trainingtest.Bundle(f, 120, 1)
	dir := f.TempDir()
	if err := b.Save(dir); err != nil {
		f.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, model.CompiledFile))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add(data[:len(data)/3])
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		model.DecodeCompiled(data) // must not panic; what it accepts, it has checked
	})
}
