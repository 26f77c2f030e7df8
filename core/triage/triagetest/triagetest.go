// Package triagetest builds triage sessions for tests: a workspace in a
// temporary directory holding the demo corpus, scored by a small model
// trained on that corpus in the test (a few boosting rounds, milliseconds),
// so that tests do not depend on the embedded default model.
package triagetest

import (
	"context"
	"testing"

	"github.com/cyberstreams/cyberstreams/core/demo"
	"github.com/cyberstreams/cyberstreams/core/extract"
	"github.com/cyberstreams/cyberstreams/core/model"
	"github.com/cyberstreams/cyberstreams/core/scoring"
	"github.com/cyberstreams/cyberstreams/core/triage"
	"github.com/cyberstreams/cyberstreams/core/workspace"
)

// Model trains a small model on the demo corpus (demo.Model). The same
// call gives the same model.
func Model(tb testing.TB) *model.Bundle {
	tb.Helper()
	b, err := demo.Model(context.Background(), tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// Scorer returns a scorer over Model.
func Scorer(tb testing.TB) *scoring.Scorer {
	tb.Helper()
	sc, err := scoring.New(Model(tb), extract.New(extract.Options{Refang: true}))
	if err != nil {
		tb.Fatal(err)
	}
	return sc
}

// Demo opens a workspace in dir with the demo corpus loaded and scored,
// and a session for analyst "tester" over it. The workspace closes when the
// test ends.
func Demo(tb testing.TB, dir string) *triage.Session {
	tb.Helper()
	ctx := context.Background()
	ws, err := workspace.Open(ctx, dir)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { ws.Close() })
	if _, err := demo.Load(ctx, ws); err != nil {
		tb.Fatal(err)
	}
	s, err := triage.New(ws, Scorer(tb), "tester")
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := s.ScoreMissing(ctx, nil); err != nil {
		tb.Fatal(err)
	}
	return s
}
