// Package trainingtest gives tests across the workbench small labelled
// corpora and quickly trained model bundles.
package trainingtest

import (
	"context"
	"fmt"
	"math/rand"
	"testing"
	"time"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/extract"
	"github.com/cyberstreams/cyberstreams/core/model"
	"github.com/cyberstreams/cyberstreams/core/training"
)

// Docs makes n labelled advisories whose wording and CWE depend on
// the class, with some noise, spread over time.
func Docs(n int, seed int64) []document.Document {
	rng := rand.New(rand.NewSource(seed))
	phrases := [][]string{
		{"unauthenticated remote code execution", "pre-auth command injection as root"},
		{"authenticated remote code execution", "sql injection allows database takeover"},
		{"stored cross-site scripting in admin page", "server-side request forgery to internal services"},
		{"information disclosure of version banner", "open redirect after login"},
		{"package is unmaintained", "maintenance notice without security impact"},
	}
	cwes := []string{"CWE-78", "CWE-89", "CWE-79", "CWE-200", ""}
	filler := []string{"the vendor released a fix", "users should upgrade", "reported by a researcher", "affects versions before 2.1"}
	docs := make([]document.Document, n)
	for i := range docs {
		c := rng.Intn(5)
		if rng.Float64() < 0.1 { // label noise, as across scorers
			c = rng.Intn(5)
		}
		p := phrases[c][rng.Intn(2)]
		docs[i] = document.Document{
			ID: fmt.Sprintf("SYN-%04d", i), Title: p, Severity: document.Severities[c],
			Body:      p + ". " + filler[rng.Intn(len(filler))] + ". " + filler[rng.Intn(len(filler))] + ".",
			Source:    []string{"feed-a", "feed-b"}[rng.Intn(2)],
			Published: time.Date(2024, 1, 1, rng.Intn(24), 0, 0, 0, time.UTC).AddDate(0, 0, i/4),
		}
		if cwes[c] != "" {
			docs[i].CWEs = []string{cwes[c]}
		}
		docs[i].Entities = extract.New(extract.Options{Refang: true}).Extract(docs[i].Text())
	}
	return docs
}

// Options are training options small enough for a unit test.
func Options() training.Options {
	o := training.DefaultOptions()
	o.Params.NumIterations = 30
	o.Params.NumLeaves = 8
	o.Params.EarlyStoppingRounds = 10
	o.Features.EntityTypes = extract.Types
	o.Features.MinDF = 2
	o.Version = "test"
	return o
}

// Bundle trains a small model on Docs(n, seed).
func Bundle(t testing.TB, n int, seed int64) *model.Bundle {
	t.Helper()
	res, err := training.Train(context.Background(), Docs(n, seed), Options())
	if err != nil {
		t.Fatal(err)
	}
	return res.Bundle
}
