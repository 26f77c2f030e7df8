package api

import (
	"context"
	"fmt"
	"time"

	"github.com/cyberstreams/cyberstreams/core/registry"
	"github.com/cyberstreams/cyberstreams/core/scoring"
	"github.com/cyberstreams/cyberstreams/core/workspace"
)

// Champion is where a following server's model comes from: the version
// promoted now, and the scorer of a version.
type Champion struct {
	Version func(ctx context.Context) (string, error)
	Scorer  func(ctx context.Context, version string) (*scoring.Scorer, error)
}

// WorkspaceChampion follows the workspace's registered champion: a
// promotion or rollback by `retrain`, `triage --session` or `models
// promote`/`rollback` in any process moves the champion alias in the
// workspace database, which Version reads. The scorer is built by the one
// constructor every entry point uses (scoring.ForWorkspace), so the
// workspace's knowledge is read afresh with each new model.
func WorkspaceChampion(ws *workspace.Workspace) Champion {
	reg := registry.New(ws.DB(), ws.ModelsDir(), nil)
	return Champion{
		Version: reg.ChampionVersion,
		Scorer: func(ctx context.Context, version string) (*scoring.Scorer, error) {
			b, err := reg.Resolve(ctx, version)
			if err != nil {
				return nil, err
			}
			return scoring.ForWorkspace(ctx, ws, b)
		},
	}
}

// Follow checks the champion every interval until ctx ends and, when it
// has changed from serving (the champion version the server was started
// with), loads the new one beside the old and swaps it in between
// requests (Swap): requests running finish on the model they started
// with, none waits for the load, and none fails. A champion that cannot
// be loaded leaves the current model serving; logf says why, and the next
// check tries again.
func (s *Server) Follow(ctx context.Context, c Champion, serving string, interval time.Duration, logf func(format string, args ...any)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := s.followOnce(ctx, c, &serving, logf); err != nil && ctx.Err() == nil {
			logf("serve: champion: %v (still serving %s)\n", err, s.Scorer().Version())
		}
	}
}

// followOnce swaps in the champion if it is not the one being served.
func (s *Server) followOnce(ctx context.Context, c Champion, serving *string, logf func(format string, args ...any)) error {
	v, err := c.Version(ctx)
	if err != nil {
		return fmt.Errorf("read the champion: %w", err)
	}
	if v == *serving {
		return nil
	}
	cur := s.Scorer()
	next, err := c.Scorer(ctx, v)
	if err != nil {
		return fmt.Errorf("load model %s: %w", v, err)
	}
	s.Swap(next)
	*serving = v
	from := "none"
	if cur != nil {
		from = cur.Version()
	}
	logf("serve: now scoring with model %s (was %s)\n", next.Version(), from)
	return nil
}
