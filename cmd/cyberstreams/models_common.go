package main

import (
	"context"
	"fmt"

	"github.com/cyberstreams/cyberstreams/core/extract"
	"github.com/cyberstreams/cyberstreams/core/model"
	"github.com/cyberstreams/cyberstreams/core/scoring"
)

// loadScorer resolves --model and prepares a scorer with the extractor.
func (a *App) loadScorer(ctx context.Context, ref string) (*scoring.Scorer, error) {
	b, err := a.loadBundle(ctx, ref)
	if err != nil {
		return nil, err
	}
	s, err := scoring.New(b, extract.New(extract.Options{Refang: true}))
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", ref, err)
	}
	return s, nil
}

func (a *App) loadBundle(ctx context.Context, ref string) (*model.Bundle, error) {
	modelsDir := ""
	if ref != "" && ref != model.DefaultRef {
		if ws, err := a.Workspace(ctx); err == nil {
			modelsDir = ws.ModelsDir()
		}
	}
	return model.Resolve(ref, modelsDir)
}
