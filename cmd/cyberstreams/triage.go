package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/cyberstreams/cyberstreams/core/demo"
	"github.com/cyberstreams/cyberstreams/core/model"
	"github.com/cyberstreams/cyberstreams/core/scoring"
	"github.com/cyberstreams/cyberstreams/core/triage"
	"github.com/cyberstreams/cyberstreams/core/workspace"
	"github.com/cyberstreams/cyberstreams/tui"
)

type triageOptions struct {
	Demo, Session, Mouse bool
	Model, Analyst       string
}

func newTriageCmd(app *App) *cobra.Command {
	o := &triageOptions{}
	cmd := &cobra.Command{
		Use:   "triage",
		Short: "Open the triage queue: read, label and pivot in the terminal",
		Long: `Triage opens the workspace's documents as a queue, worst first: each with its
severity, confidence, novelty and the reasons for its score. One key labels a
document (1 critical … 5 informational, a accepts the model's class) and the
label is on disk before the cursor moves; u undoes; ? lists every key.

--demo loads the embedded demo documents into the workspace in use first.
--session starts a labeling session: the documents that teach the model most
come first, and the model retrains in the background when a trigger fires.`,
		Example: `  cyberstreams triage --demo --workspace /tmp/demo
  cyberstreams triage --session --analyst alice`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runTriage(cmd.Context(), app, o)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.Demo, "demo", false, "load the embedded demo documents into the workspace first")
	f.BoolVar(&o.Session, "session", false, "labeling session: active-learning order and background retraining")
	f.StringVar(&o.Model, "model", "", "model to score with: default, a version in the workspace, or a bundle directory")
	f.StringVar(&o.Analyst, "analyst", defaultAnalyst(), "name labels are recorded under")
	f.BoolVar(&o.Mouse, "mouse", false, "scroll the queue with the mouse wheel")
	return cmd
}

func runTriage(ctx context.Context, app *App, o *triageOptions) error {
	ws, err := app.Workspace(ctx)
	if err != nil {
		return err
	}
	if o.Demo {
		res, err := demo.Load(ctx, ws)
		if err != nil {
			return err
		}
		app.Logf("demo: %d documents added to %s (%d already there)\n", res.New, ws.Dir, res.Unchanged)
	}
	sc, err := triageScorer(ctx, app, ws, o)
	if err != nil {
		return err
	}
	s, err := triage.New(ws, sc, o.Analyst)
	if err != nil {
		return err
	}
	n, err := s.ScoreMissing(ctx, func(p triage.Progress) {
		if p.Total >= 1000 {
			app.Logf("\rscoring %d/%d", p.Done, p.Total)
		}
	})
	if err != nil {
		return err
	}
	if n >= 1000 {
		app.Logf("\n")
	}
	opts := tui.Options{Session: o.Session, Color: !app.NoColor && !colorDisabled(), Mouse: o.Mouse, Seed: 1}
	return tui.Run(ctx, s, opts, app.IO.In, app.IO.Out)
}

// triageScorer loads --model. A binary built without the embedded default
// model still opens --demo: it trains a small model on the demo documents
// (kept in the workspace's models/ for the next run) and says so.
func triageScorer(ctx context.Context, app *App, ws *workspace.Workspace, o *triageOptions) (*scoring.Scorer, error) {
	sc, err := app.loadScorer(ctx, o.Model)
	if err == nil || !o.Demo || (o.Model != "" && o.Model != model.DefaultRef) {
		return sc, err
	}
	dir := filepath.Join(ws.ModelsDir(), demo.ModelVersion)
	b, lerr := model.LoadDir(dir)
	if lerr != nil {
		app.Logf("demo: no embedded model in this build (%v); training a small one on the demo documents\n", err)
		if b, err = demo.Model(ctx, dir); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	}
	sc, err = scoring.ForWorkspace(ctx, ws, b)
	if err != nil {
		return nil, fmt.Errorf("demo model: %w", err)
	}
	return sc, nil
}
