package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/cyberstreams/cyberstreams/core/model"
	"github.com/cyberstreams/cyberstreams/core/registry"
	"github.com/cyberstreams/cyberstreams/core/scoring"
	"github.com/cyberstreams/cyberstreams/core/workspace"
)

// loadScorer resolves --model and prepares its scorer with the workspace's
// knowledge, as every command that scores does (scoring.Knowledge).
func (a *App) loadScorer(ctx context.Context, ref string) (*scoring.Scorer, error) {
	b, err := a.loadBundle(ctx, ref)
	if err != nil {
		return nil, err
	}
	k, err := a.knowledge(ctx)
	if err != nil {
		return nil, err
	}
	s, err := k.Scorer(b)
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", ref, err)
	}
	return s, nil
}

// loadBundle resolves a --model REF: "" or "champion" is the workspace's
// champion when one is registered, else the embedded default; "challenger"
// the model scored in shadow; "default" the embedded model; otherwise a
// registered version, a version directory under models/, or a bundle path.
// An empty REF never creates a workspace that does not exist yet.
func (a *App) loadBundle(ctx context.Context, ref string) (*model.Bundle, error) {
	switch ref {
	case model.DefaultRef:
		return model.Embedded()
	case "":
		if !a.workspaceExists() {
			return model.Embedded()
		}
	case registry.Champion, registry.Challenger:
	default:
		if _, err := os.Stat(ref); err == nil {
			return model.Resolve(ref, "")
		}
	}
	ws, err := a.Workspace(ctx)
	if err != nil {
		return nil, err
	}
	return a.registry(ws).Resolve(ctx, ref)
}

// workspaceExists reports whether the workspace database is already there.
func (a *App) workspaceExists() bool {
	if a.ws != nil {
		return true
	}
	dir, err := workspace.ResolveDir(a.WorkspaceFlag)
	if err != nil {
		return false
	}
	_, err = os.Stat(filepath.Join(dir, workspace.DBFile))
	return err == nil
}

// registry is the workspace's model registry.
func (a *App) registry(ws *workspace.Workspace) *registry.Registry {
	return registry.New(ws.DB(), ws.ModelsDir(), nil)
}
