// Package triagetest builds triage sessions for tests: a workspace in a
// temporary directory holding the demo corpus, scored by a small model
// trained on that corpus in the test (a few boosting rounds, milliseconds),
// so that tests do not depend on the embedded default model.
package triagetest

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cyberstreams/cyberstreams/core/demo"
	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/exploitation"
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
	sc, err := scoring.PlainKnowledge().Scorer(Model(tb))
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

// Synthetic opens a workspace in dir holding n documents with stored
// scores — ids doc-000000, doc-000001, …, one minute apart, the model's
// class cycling through the five severities at confidences spread over
// [0.5, 1) with the rest on the next class, novelty spread over [0, 1), a 30-day exploitation likelihood over [0, 0.1) —
// every 20th already labelled "high" by another
// analyst, and a session for analyst "tester" scored by Scorer. It is the
// queue size the triage screen must stay fast at (100,000 in the
// benchmarks). Scores are written straight to the workspace's scores table,
// on the session scorer's basis (so ScoreMissing finds none stale):
// scoring n documents for real would dominate the set-up.
func Synthetic(tb testing.TB, dir string, n int) *triage.Session {
	tb.Helper()
	ctx := context.Background()
	ws, err := workspace.Open(ctx, dir)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { ws.Close() })
	sc := Scorer(tb)
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	const batch = 5000
	for start := 0; start < n; start += batch {
		end := min(start+batch, n)
		docs := make([]document.Document, 0, end-start)
		for i := start; i < end; i++ {
			d := document.Document{ID: fmt.Sprintf("doc-%06d", i), Title: fmt.Sprintf("Advisory %d: remote code execution in Example Product", i),
				Body: syntheticBody, Source: fmt.Sprintf("feed%d.example.com", i%7), Published: base.Add(time.Duration(i) * time.Minute)}
			d.Finish()
			docs = append(docs, d)
		}
		if _, err := ws.PutDocuments(ctx, docs); err != nil {
			tb.Fatal(err)
		}
		if err := syntheticScores(ctx, ws, docs, start, sc.Basis()); err != nil {
			tb.Fatal(err)
		}
	}
	// Labels in one transaction (labels.Store.Add commits each label on
	// its own, which would make the set-up slow).
	tx, err := ws.DB().BeginTx(ctx, nil)
	if err != nil {
		tb.Fatal(err)
	}
	defer tx.Rollback()
	for i := 0; i < n; i += 20 {
		if _, err := tx.ExecContext(ctx, `INSERT INTO label_events (doc_id, severity, analyst, created_at, origin)
			VALUES (?, 'high', 'other', '2025-06-01T00:00:00.000000000Z', 'import')`, fmt.Sprintf("doc-%06d", i)); err != nil {
			tb.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		tb.Fatal(err)
	}
	s, err := triage.New(ws, sc, "tester")
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func syntheticScores(ctx context.Context, ws *workspace.Workspace, docs []document.Document, first int, basis string) error {
	ex := scoring.Explanation{Base: -1.2, Margin: 0.4}
	for k := range triage.ExplainTop {
		ex.Contributions = append(ex.Contributions, scoring.Contribution{Feature: fmt.Sprintf("tfidf:remote code execution %d", k), Value: 0.12, SHAP: 0.08})
	}
	scoredAt := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	scores := make([]workspace.Score, 0, len(docs))
	for j, d := range docs {
		i := first + j
		var p scoring.Probabilities
		top := 0.5 + 0.5*float64(i%97)/97
		p[i%5], p[(i+1)%5] = top, 1-top
		prob, err := json.Marshal(p)
		if err != nil {
			return err
		}
		ex.Class = document.Severities[i%5]
		exj, err := json.Marshal(ex)
		if err != nil {
			return err
		}
		exploited := float64(i%31) / 310 // [0, 0.1): a rare event, as KEV listings are
		scores = append(scores, workspace.Score{DocID: d.ID, Model: "synthetic", Severity: ex.Class, Confidence: top, Margin: 0.4,
			Novelty: float64(i%13) / 13, Probabilities: string(prob), Explanation: string(exj), ScoredAt: scoredAt, Basis: basis,
			Exploitation: exploited, ExploitationHorizon: exploitation.DefaultHorizon, PatchPriority: exploitation.Priority(p, exploited)})
	}
	return ws.PutScores(ctx, scores)
}

// syntheticBody is about a kilobyte of advisory text.
var syntheticBody = strings.Repeat("A remote attacker can send a crafted request to the management interface and execute code. ", 10)
