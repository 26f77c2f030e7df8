package training_test

import (
	"testing"
	"time"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/features"
	"github.com/cyberstreams/cyberstreams/core/training"
	"github.com/cyberstreams/cyberstreams/core/training/trainingtest"
)

// The digest changes with every input that changes the model, and with
// nothing that does not: the order documents come in, the card's words,
// the number of threads.
func TestInputsDigest(t *testing.T) {
	base := trainingtest.Docs(60, 2)
	opts := training.DefaultOptions()
	want, err := training.InputsDigest(base, opts, "")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		edit func(docs []document.Document, o *training.Options) string
		same bool
	}{
		{"documents in another order", func(d []document.Document, o *training.Options) string {
			d[0], d[59] = d[59], d[0]
			return ""
		}, true},
		{"card words, progress and threads", func(d []document.Document, o *training.Options) string {
			o.Version, o.Parent, o.Command, o.Labels, o.MaxLabel = "x", "y", "z", 3, 99
			o.Params.Threads = 1
			o.Progress = func(string, ...any) {}
			return ""
		}, true},
		{"an unlabelled document", func(d []document.Document, o *training.Options) string {
			d[3].Severity = ""
			return ""
		}, false},
		{"one label", func(d []document.Document, o *training.Options) string {
			d[3].Severity = document.Severities[(document.SeverityIndex(d[3].Severity)+1)%5]
			return ""
		}, false},
		{"one word of a text", func(d []document.Document, o *training.Options) string {
			d[7].Body += " again"
			return ""
		}, false},
		{"the seed", func(d []document.Document, o *training.Options) string { o.Seed++; return "" }, false},
		{"ensemble members", func(d []document.Document, o *training.Options) string { o.Members = 2; return "" }, false},
		{"a boosting setting", func(d []document.Document, o *training.Options) string { o.Params.NumLeaves++; return "" }, false},
		{"the validation date", func(d []document.Document, o *training.Options) string {
			o.ValidFrom = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
			return ""
		}, false},
		{"graph answers", func(d []document.Document, o *training.Options) string {
			o.Graph = func(map[string][]string) features.GraphFacts { return features.GraphFacts{KnownActors: 1} }
			return ""
		}, false},
		{"a continued base model", func(d []document.Document, o *training.Options) string { return "abc" }, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			docs := append([]document.Document(nil), base...)
			o := training.DefaultOptions()
			baseSHA := c.edit(docs, &o)
			got, err := training.InputsDigest(docs, o, baseSHA)
			if err != nil {
				t.Fatal(err)
			}
			if (got == want) != c.same {
				t.Errorf("digest same = %v, want %v", got == want, c.same)
			}
		})
	}
	if v := training.VersionOf(want); len(v) != 13 || v[0] != 'm' {
		t.Errorf("VersionOf = %q", v)
	}
}
