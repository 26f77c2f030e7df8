package drift

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/features"
	"github.com/cyberstreams/cyberstreams/core/model"
	"github.com/cyberstreams/cyberstreams/core/training"
	"github.com/cyberstreams/cyberstreams/core/workspace"
)

// DefaultLatest is how many of the newest ingested documents form the
// current window when none was published in the requested period (for
// example when documents carry no dates).
const DefaultLatest = 1000

// Current returns the workspace documents published on or after since, or,
// when there are none, the latest documents ingested.
func Current(ctx context.Context, ws *workspace.Workspace, since time.Time, latest int) ([]document.Document, error) {
	if latest <= 0 {
		latest = DefaultLatest
	}
	var docs []document.Document
	collect := func(d document.Document) error { docs = append(docs, d); return nil }
	if !since.IsZero() {
		if err := ws.EachDocument(ctx, workspace.ListOptions{Since: since}, collect); err != nil {
			return nil, fmt.Errorf("drift window: %w", err)
		}
		if len(docs) > 0 {
			return docs, nil
		}
	}
	n, err := ws.CountDocuments(ctx)
	if err != nil {
		return nil, fmt.Errorf("drift window: %w", err)
	}
	if err := ws.EachDocument(ctx, workspace.ListOptions{Limit: latest, Offset: max(n-latest, 0)}, collect); err != nil {
		return nil, fmt.Errorf("drift window: %w", err)
	}
	return docs, nil
}

// Predicted counts the champion's predicted class over docs: from the scores
// table when at least half of them were scored by that model, otherwise by
// predicting with the bundle (the scores table may be stale or empty).
func Predicted(ctx context.Context, ws *workspace.Workspace, b *model.Bundle, docs []document.Document) (map[string]int, error) {
	mix, scored, err := scoredMix(ctx, ws, b.Card.Version, docs)
	if err != nil {
		return nil, err
	}
	if len(docs) > 0 && 2*scored >= len(docs) {
		return mix, nil
	}
	fz := features.New(b.Spec)
	x, _ := training.Matrix(fz, docs)
	out := map[string]int{}
	for _, p := range training.Probabilities(b.Trees, x) {
		out[document.Severities[training.Decide(p, b.Spec.ClassBias)]]++
	}
	return out, nil
}

func scoredMix(ctx context.Context, ws *workspace.Workspace, version string, docs []document.Document) (map[string]int, int, error) {
	mix := map[string]int{}
	scored := 0
	const chunk = 500
	for start := 0; start < len(docs); start += chunk {
		end := min(start+chunk, len(docs))
		args := []any{version}
		for _, d := range docs[start:end] {
			args = append(args, d.ID)
		}
		q := `SELECT severity, count(*) FROM scores WHERE model = ? AND doc_id IN (?` +
			strings.Repeat(",?", end-start-1) + `) GROUP BY severity`
		rows, err := ws.DB().QueryContext(ctx, q, args...)
		if err != nil {
			return nil, 0, fmt.Errorf("predicted-class mix: %w", err)
		}
		for rows.Next() {
			var sev string
			var n int
			if err := rows.Scan(&sev, &n); err != nil {
				rows.Close()
				return nil, 0, fmt.Errorf("predicted-class mix: %w", err)
			}
			mix[sev] += n
			scored += n
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, 0, fmt.Errorf("predicted-class mix: %w", err)
		}
	}
	return mix, scored, nil
}

// Detect compares the workspace's current window with a model's reference.
// dir is the model's bundle directory (where reference.json lives).
func Detect(ctx context.Context, ws *workspace.Workspace, b *model.Bundle, dir string, since time.Time, opts Options) (Report, error) {
	ref, err := LoadReference(dir)
	if err != nil {
		return Report{}, fmt.Errorf("model %s: %w", b.Card.Version, err)
	}
	return DetectReference(ctx, ws, b, ref, since, opts)
}

// DetectReference compares the workspace's current window with a reference
// already loaded, such as BundleReference's for the embedded default model.
func DetectReference(ctx context.Context, ws *workspace.Workspace, b *model.Bundle, ref Reference, since time.Time, opts Options) (Report, error) {
	docs, err := Current(ctx, ws, since, DefaultLatest)
	if err != nil {
		return Report{}, err
	}
	if len(docs) == 0 {
		return Report{}, fmt.Errorf("drift: the workspace has no documents to compare")
	}
	mix, err := Predicted(ctx, ws, b, docs)
	if err != nil {
		return Report{}, err
	}
	return Compare(ref, features.New(b.Spec), Window{Docs: docs, Predicted: mix}, opts), nil
}
