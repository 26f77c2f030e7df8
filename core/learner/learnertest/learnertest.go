// Package learnertest makes small synthetic advisory corpora and quickly
// trained bundles for the tests of the learning loop (registry, learner,
// drift, report). Each severity class has its own vocabulary, so a model
// can learn it in a few boosting rounds; Shift moves the documents' shape
// (length, references, source) so drift tests have something to find.
package learnertest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/model"
	"github.com/cyberstreams/cyberstreams/core/training"
)

// classWords are the words that give each class away, in class order.
var classWords = [5][]string{
	{"remote", "code", "execution", "unauthenticated", "wormable", "takeover"},
	{"privilege", "escalation", "injection", "bypass", "overflow", "arbitrary"},
	{"cross", "site", "scripting", "redirect", "disclosure", "csrf"},
	{"timing", "leak", "verbose", "minor", "banner", "header"},
	{"unmaintained", "notice", "deprecated", "crate", "archived", "moved"},
}

var filler = []string{"the", "package", "version", "update", "users", "affected", "fixed", "release", "library", "component"}

// Corpus describes a synthetic corpus.
type Corpus struct {
	N     int
	Seed  uint64
	Start time.Time // first publication date; one document every 6 hours
	// Noise is the share of documents whose label is drawn at random
	// instead of from their text (0 = perfectly learnable).
	Noise float64
	// Shift changes the documents' shape as a new feed would: longer texts,
	// many references, packages, aliases and CWE ids, another source and
	// ecosystem, evening publication.
	Shift bool
	// Prefix starts every document id.
	Prefix string
}

// Docs generates the corpus deterministically.
func (c Corpus) Docs() []document.Document {
	r := rand.New(rand.NewPCG(c.Seed, c.Seed^0x9e3779b97f4a7c15))
	if c.Start.IsZero() {
		c.Start = time.Date(2023, 1, 2, 0, 0, 0, 0, time.UTC)
	}
	if c.Prefix == "" {
		c.Prefix = "doc"
	}
	docs := make([]document.Document, c.N)
	for i := range docs {
		cls := r.IntN(5)
		words := 12 + r.IntN(10)
		refs := r.IntN(3)
		source, eco := "feed-a", []string{"npm", "pypi"}[r.IntN(2)]
		if c.Shift {
			words *= 4
			refs += 8
			source, eco = "feed-b", "maven"
		}
		var body []string
		for w := 0; w < words; w++ {
			if r.IntN(3) == 0 {
				body = append(body, classWords[cls][r.IntN(len(classWords[cls]))])
			} else {
				body = append(body, filler[r.IntN(len(filler))])
			}
		}
		label := cls
		if r.Float64() < c.Noise {
			label = r.IntN(5)
		}
		d := document.Document{
			ID:        fmt.Sprintf("%s-%05d", c.Prefix, i),
			Title:     classWords[cls][r.IntN(len(classWords[cls]))] + " in " + filler[r.IntN(len(filler))],
			Body:      strings.Join(body, " "),
			Source:    source,
			Ecosystem: eco,
			Published: c.Start.Add(time.Duration(i) * 6 * time.Hour),
			Severity:  document.Severities[label],
			Entities:  map[string][]string{},
		}
		if c.Shift {
			// A new feed: long titles, package lists, aliases and CWE ids,
			// published in the evening.
			d.Title += " " + strings.Join(body[:6], " ")
			d.Packages = []string{"pkg-" + d.ID, "lib-" + d.ID}
			d.Aliases = []string{"CVE-2024-" + d.ID}
			d.CWEs = []string{"CWE-79", "CWE-89"}
			d.Published = d.Published.Truncate(24 * time.Hour).Add(21 * time.Hour)
		}
		for k := 0; k < refs; k++ {
			d.References = append(d.References, fmt.Sprintf("https://example.org/%s/%d", d.ID, k))
		}
		d.Finish()
		docs[i] = d
	}
	return docs
}

// FastOptions are training options that finish in well under a second on a
// few hundred documents.
func FastOptions() training.Options {
	o := training.DefaultOptions()
	o.Params.NumIterations = 15
	o.Params.EarlyStoppingRounds = 0
	o.Params.NumLeaves = 8
	o.Params.MinDataInLeaf = 3
	o.Features.MinDF = 2
	o.Features.MinCategory = 2
	o.TuneBias = false
	o.Refit = false
	return o
}

// Bundle trains a fast bundle on a default corpus and names it version.
func Bundle(t testing.TB, version string) *model.Bundle {
	t.Helper()
	opts := FastOptions()
	opts.Version = version
	res, err := training.Train(context.Background(), Corpus{N: 300, Seed: 1}.Docs(), opts)
	if err != nil {
		t.Fatalf("train synthetic bundle: %v", err)
	}
	return res.Bundle
}
