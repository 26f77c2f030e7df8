package drift

import (
	"context"
	"fmt"
	"time"

	"github.com/cyberstreams/cyberstreams/core/document"
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
func Predicted(ctx context.Context, ws *workspace.Workspace, b *model.Bundle, docs []document.Document, opts Options) (map[string]int, error) {
	mix, scored, err := scoredMix(ctx, ws, b.Card.Version, opts.Basis, docs)
	if err != nil {
		return nil, err
	}
	if len(docs) > 0 && 2*scored >= len(docs) {
		return mix, nil
	}
	fz := opts.featurizer(b.Spec)
	x, _ := training.Matrix(fz, docs)
	out := map[string]int{}
	for i, p := range training.Probabilities(b.Trees, x) {
		out[document.Severities[training.Decide(p, training.OffsetsFor(fz, &docs[i]))]]++
	}
	return out, nil
}

func scoredMix(ctx context.Context, ws *workspace.Workspace, version, basis string, docs []document.Document) (map[string]int, int, error) {
	ids := make([]string, len(docs))
	for i, d := range docs {
		ids[i] = d.ID
	}
	count := ws.SeverityCounts
	if basis != "" {
		version, count = basis, ws.SeverityCountsOnBasis
	}
	mix, scored, err := count(ctx, version, ids)
	if err != nil {
		return nil, 0, fmt.Errorf("predicted-class mix: %w", err)
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
	mix, err := Predicted(ctx, ws, b, docs, opts)
	if err != nil {
		return Report{}, err
	}
	return Compare(ref, opts.featurizer(b.Spec), Window{Docs: docs, Predicted: mix}, opts), nil
}

// DetectBundle compares the current window (see DetectReference) with the
// reference the bundle carries: reference.json beside a trained model,
// inside the binary for the embedded default. A bundle without one says
// how to make one.
func DetectBundle(ctx context.Context, ws *workspace.Workspace, b *model.Bundle, since time.Time, opts Options) (Report, error) {
	ref, err := BundleReference(b)
	if err != nil {
		return Report{}, fmt.Errorf("drift: %w; retrain to make one ('cyberstreams retrain')", err)
	}
	return DetectReference(ctx, ws, b, ref, since, opts)
}
