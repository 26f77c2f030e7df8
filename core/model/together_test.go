package model_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/drift"
	"github.com/cyberstreams/cyberstreams/core/features"
	"github.com/cyberstreams/cyberstreams/core/model"
	"github.com/cyberstreams/cyberstreams/core/scoring"
	"github.com/cyberstreams/cyberstreams/core/training"
	"github.com/cyberstreams/cyberstreams/core/training/trainingtest"
	"github.com/cyberstreams/cyberstreams/ml/iforest"
)

// bundleFiles is a small trained bundle as the bytes of its files, with a
// drift reference over its numeric features; trained once per test binary.
var bundleFiles = sync.OnceValues(func() (map[string][]byte, error) {
	// Small enough to train in each fuzzing worker in a second.
	opts := trainingtest.Options()
	opts.Params.NumIterations, opts.Params.NumLeaves = 4, 4
	res, err := training.Train(context.Background(), trainingtest.Docs(120, 1), opts)
	if err != nil {
		return nil, err
	}
	b := res.Bundle
	ref := map[string]any{"docs": 120, "numeric": map[string][]float64{b.Spec.Numeric[0]: {0, 1, 2}},
		"categorical": map[string]map[string]int{"source": {"feed-a": 160, "feed-b": 140}},
		"predicted":   map[string]int{"critical": 10, "low": 20}}
	if b.DriftReference, err = json.Marshal(ref); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "bundle-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	if err := b.Save(dir); err != nil {
		return nil, err
	}
	files := map[string][]byte{}
	for _, name := range []string{model.ModelFile, model.FeaturesFile, model.NoveltyFile, model.CardFile, model.ReferenceFile} {
		if files[name], err = os.ReadFile(filepath.Join(dir, name)); err != nil {
			return nil, err
		}
	}
	return files, nil
})

func validFiles(t testing.TB) map[string][]byte {
	t.Helper()
	files, err := bundleFiles()
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[string][]byte, len(files))
	for k, v := range files {
		out[k] = bytes.Clone(v)
	}
	return out
}

// writeBundle writes files into a new directory; a nil file is left out.
func writeBundle(t testing.TB, dir string, files map[string][]byte) {
	t.Helper()
	for name, data := range files {
		if data == nil {
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// editJSON decodes a bundle file into a generic value, lets edit change it
// and encodes it again.
func editJSON(t testing.TB, data []byte, edit func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// editModel rewrites header lines of model.txt (key=value).
func editModel(data []byte, from, to string) []byte {
	return bytes.Replace(data, []byte("\n"+from+"\n"), []byte("\n"+to+"\n"), 1)
}

// Every way a bundle's files can disagree with each other is refused at
// load with an error that names the file at fault and what is wrong.
func TestBundleFilesMustBelongTogether(t *testing.T) {
	v := validFiles(t)
	var spec features.Spec
	if err := json.Unmarshal(v[model.FeaturesFile], &spec); err != nil {
		t.Fatal(err)
	}
	forest3 := iforest.Fit([][]float64{{0, 1, 2}, {1, 2, 3}, {2, 0, 1}}, iforest.Params{Trees: 2, Seed: 1})
	novelty3, err := json.Marshal(forest3)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		file  string // the file replaced
		data  func() []byte
		wants []string // the error mentions each
	}{
		{"novelty forest over other features", model.NoveltyFile, func() []byte { return novelty3 },
			[]string{model.NoveltyFile, "forest does not read", "do not belong together"}},
		{"features of a narrower model", model.FeaturesFile, func() []byte {
			return editJSON(t, v[model.FeaturesFile], func(m map[string]any) {
				m["terms"], m["idf"] = m["terms"].([]any)[1:], m["idf"].([]any)[1:]
			})
		}, []string{model.ModelFile, model.FeaturesFile, "do not belong together"}},
		{"features of another model of the same width", model.FeaturesFile, func() []byte {
			return editJSON(t, v[model.FeaturesFile], func(m map[string]any) {
				num := m["numeric"].([]any)
				num[0], num[1] = num[1], num[0]
			})
		}, []string{model.ModelFile, model.FeaturesFile, "do not belong together", spec.Numeric[1]}},
		{"class bias of three classes", model.FeaturesFile, func() []byte {
			return editJSON(t, v[model.FeaturesFile], func(m map[string]any) { m["class_bias"] = []float64{0, 1, 2} })
		}, []string{model.FeaturesFile, "class_bias has 3 values"}},
		{"idf weights missing", model.FeaturesFile, func() []byte {
			return editJSON(t, v[model.FeaturesFile], func(m map[string]any) { m["idf"] = []float64{} })
		}, []string{model.FeaturesFile, "idf weights"}},
		{"one tree per iteration", model.ModelFile, func() []byte {
			return editModel(v[model.ModelFile], "num_tree_per_iteration=5", "num_tree_per_iteration=1")
		}, []string{model.ModelFile, "1 trees per iteration"}},
		{"averaged output", model.ModelFile, func() []byte {
			return editModel(v[model.ModelFile], "objective=multiclass num_class:5", "objective=multiclass num_class:5\naverage_output")
		}, []string{model.ModelFile, "average_output"}},
		{"card of another model", model.CardFile, func() []byte {
			return editJSON(t, v[model.CardFile], func(m map[string]any) {
				m["model_sha256"] = "59d47779156c306242c32873026a17bc84fef5b8011eed46793be484c6871f8b"
			})
		}, []string{model.CardFile, "describes another model", "do not belong together"}},
		{"drift reference of other features", model.ReferenceFile, func() []byte {
			return []byte(`{"docs":3,"numeric":{"doc:page_count":[1,2,3]}}`)
		}, []string{model.ReferenceFile, "doc:page_count", "do not belong together"}},
		{"drift reference of no documents", model.ReferenceFile, func() []byte {
			return []byte(`{"docs":0,"numeric":{"doc:cwe_count":[1]}}`)
		}, []string{model.ReferenceFile, "not a drift reference"}},
		{"drift reference of an unknown class", model.ReferenceFile, func() []byte {
			return []byte(`{"docs":3,"numeric":{"doc:cwe_count":[1]},"predicted":{"severe":3}}`)
		}, []string{model.ReferenceFile, `"severe"`}},
		{"drift reference with negative counts", model.ReferenceFile, func() []byte {
			return []byte(`{"docs":3,"numeric":{"doc:cwe_count":[1]},"categorical":{"source":{"a":-1}}}`)
		}, []string{model.ReferenceFile, "-1"}},
		{"drift reference that is no JSON", model.ReferenceFile, func() []byte { return []byte(`{"docs":`) },
			[]string{model.ReferenceFile, "unexpected end"}},
		{"card that is no JSON", model.CardFile, func() []byte { return []byte(`{"version":`) },
			[]string{model.CardFile, "unexpected end"}},
		{"card version with terminal escapes", model.CardFile, func() []byte {
			return editJSON(t, v[model.CardFile], func(m map[string]any) { m["version"] = "v1\x1b[2J" })
		}, []string{model.CardFile, "not a plain name"}},
		{"card validation over other classes", model.CardFile, func() []byte {
			return editJSON(t, v[model.CardFile], func(m map[string]any) {
				m["validation"].(map[string]any)["classes"] = []string{"bad", "good"}
			})
		}, []string{model.CardFile, "validation classes"}},
		{"card confusion with a sixth row", model.CardFile, func() []byte {
			return editJSON(t, v[model.CardFile], func(m map[string]any) {
				val := m["validation"].(map[string]any)
				val["confusion"] = append(val["confusion"].([]any), []int{0, 0, 0, 0, 0})
			})
		}, []string{model.CardFile, "6 rows"}},
		{"card confusion with a short row", model.CardFile, func() []byte {
			return editJSON(t, v[model.CardFile], func(m map[string]any) {
				val := m["validation"].(map[string]any)
				val["confusion"].([]any)[2] = []int{1}
			})
		}, []string{model.CardFile, "row 2 has 1 columns"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := validFiles(t)
			files[tt.file] = tt.data()
			dir := t.TempDir()
			writeBundle(t, dir, files)
			_, err := model.LoadDir(dir)
			if err == nil {
				t.Fatal("loaded")
			}
			for _, w := range tt.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

// The files as saved load, and so do bundles without the optional ones.
func TestBundleWithoutOptionalFilesLoads(t *testing.T) {
	for _, missing := range []string{"", model.NoveltyFile, model.CardFile, model.ReferenceFile} {
		name := "every file"
		if missing != "" {
			name = "without " + missing
		}
		t.Run(name, func(t *testing.T) {
			files := validFiles(t)
			delete(files, missing)
			dir := t.TempDir()
			writeBundle(t, dir, files)
			if _, err := model.LoadDir(dir); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// scoreAll uses everything of a loaded bundle a command would: a scorer
// with explanations and novelty drivers, the drift reference compared with
// the scored documents, and the card's validation as printed.
func scoreAll(t *testing.T, b *model.Bundle) {
	s, err := scoring.New(b, scoring.PlainKnowledge())
	if err != nil {
		return // refused when the scorer is built: an error, not a panic
	}
	docs := trainingtest.Docs(8, 2)
	docs = append(docs, document.Document{}, document.Document{Title: "x", Body: strings.Repeat("remote code execution ", 50)})
	for i := range docs {
		for _, k := range []int{-1, 0, 3} {
			r := s.Score(&docs[i], scoring.Options{Explain: k})
			if r.Severity == "" {
				t.Fatalf("document %d scored without a class", i)
			}
		}
	}
	if ref, err := drift.BundleReference(b); err == nil {
		drift.Compare(ref, features.New(b.Spec), drift.Window{Docs: docs, Predicted: map[string]int{"low": 1}}, drift.Options{})
	}
	if v := b.Card.Validation; v != nil {
		for i, row := range v.Confusion {
			_ = v.Classes[i]
			for p := range row {
				_ = document.Severities[p]
			}
		}
	}
}

// No bundle that loads can panic when it is used: any features.json,
// novelty.json, card.json or reference.json beside a valid model.txt either
// fails to load (or to make a scorer) with an error, or scores documents.
func FuzzLoadBundle(f *testing.F) {
	v := validFiles(f)
	f.Add(v[model.FeaturesFile], v[model.NoveltyFile], v[model.CardFile], v[model.ReferenceFile])
	f.Add(v[model.FeaturesFile], []byte(nil), []byte(nil), []byte(nil))
	f.Add([]byte(`{"version":1,"terms":["a b c"],"idf":[1],"numeric":["time:hour","time:hour"],"groups":[{"name":"cwe","values":["a","a"]}]}`),
		[]byte(`{"num_features":1,"sample_size":2,"trees":[{"nodes":[{"f":-1,"n":2}]}]}`),
		[]byte(`{"version":"v","validation":{"classes":["critical","high","medium","low","informational"],"per_class":[{}],"confusion":[]}}`),
		[]byte(`{"docs":1,"numeric":{"time:hour":[]},"predicted":{"low":0}}`))
	f.Fuzz(func(t *testing.T, spec, novelty, card, ref []byte) {
		files := map[string][]byte{model.ModelFile: v[model.ModelFile], model.FeaturesFile: spec}
		for name, data := range map[string][]byte{model.NoveltyFile: novelty, model.CardFile: card, model.ReferenceFile: ref} {
			if len(data) > 0 { // empty: the file is absent
				files[name] = data
			}
		}
		loadAndScore(t, files)
	})
}

// loadAndScore loads files as a bundle and, when they load, uses it.
func loadAndScore(t *testing.T, files map[string][]byte) {
	dir := t.TempDir()
	writeBundle(t, dir, files)
	b, err := model.LoadDir(dir)
	if err != nil {
		if !strings.Contains(err.Error(), dir) {
			t.Fatalf("error %q does not name the bundle", err)
		}
		return
	}
	scoreAll(t, b)
}

// The same for model.txt: any model text beside valid other files fails to
// load, or to make a scorer (leaves reads it too), or scores documents.
func FuzzLoadBundleModel(f *testing.F) {
	v := validFiles(f)
	f.Add(v[model.ModelFile])
	f.Add(editModel(v[model.ModelFile], "num_tree_per_iteration=5", "num_tree_per_iteration=1"))
	f.Add(bytes.ReplaceAll(v[model.ModelFile], []byte("decision_type=2"), []byte("decision_type=10")))
	f.Fuzz(func(t *testing.T, text []byte) {
		files := validFiles(t)
		files[model.ModelFile] = text
		loadAndScore(t, files)
	})
}
