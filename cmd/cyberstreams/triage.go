package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/cyberstreams/cyberstreams/core/demo"
	"github.com/cyberstreams/cyberstreams/core/model"
	"github.com/cyberstreams/cyberstreams/core/scoring"
	"github.com/cyberstreams/cyberstreams/core/triage"
	"github.com/cyberstreams/cyberstreams/core/workspace"
	"github.com/cyberstreams/cyberstreams/kg/neo4j"
	"github.com/cyberstreams/cyberstreams/tui"
)

type triageOptions struct {
	Demo, Session, Mouse bool
	Model, Analyst       string
	// Overlap, Lease and Claim shape a team session (triage.TeamOptions).
	Overlap bool
	Lease   time.Duration
	Claim   int
}

func newTriageCmd(app *App) *cobra.Command {
	o := &triageOptions{}
	cmd := &cobra.Command{
		Use:   "triage",
		Short: "Open the triage queue: read, label and pivot in the terminal",
		Long: `Triage opens the workspace's documents as a queue, worst first: each with its
severity, confidence, novelty and the reasons for its score. One key labels a
document (1 critical … 5 informational, a accepts the model's class) and the
label is on disk before the cursor moves; u undoes; ? lists every key. t
opens verdicts on the shown document's ATT&CK techniques: y confirms the
chosen one, n rejects it, + adds one by id (with a few words of its
sentence), u takes the last verdict back, esc ends; each verdict is the
technique label 'label techniques add' records.

--demo loads the embedded demo documents into the workspace in use first.
--session starts a labeling session: the documents that teach the model most
come first, and the model retrains in the background when a trigger fires.

With a team's Neo4j configured (NEO4J_URI, as for graph sync), a session
leaves to teammates the documents they labelled or hold, and holds the first
--claim documents of its own order for --lease (a lease on the server, on the
server's clock), so two analysts never label the same documents by accident;
at the end it sends its labels (technique verdicts too) and gives its leases up. --overlap keeps
teammates' documents in the queue, to label them too and measure agreement
('label agreement'). When the server cannot be reached the session works
locally and says so. In the queue, ≠ marks a document teammates labelled
differently; f cycles to the "contested" filter.`,
		Example: `  cyberstreams triage --demo --workspace /tmp/demo
  cyberstreams triage --session --analyst alice
  cyberstreams triage --session --analyst bob --overlap`,
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
	f.BoolVar(&o.Overlap, "overlap", false, "team session: keep documents teammates labelled or hold, to measure agreement")
	f.DurationVar(&o.Lease, "lease", triage.DefaultLease, "team session: how long the documents it is about to show are held")
	f.IntVar(&o.Claim, "claim", triage.DefaultClaim, "team session: how many documents, first in its order, it holds")
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
	var team *neo4j.Client
	var plan triage.TeamPlan
	if o.Session {
		team, plan = teamSession(ctx, app, ws, s, o, opts.Seed)
		if team != nil {
			defer team.Close(ctx)
		}
		if plan.Offline != "" || team != nil {
			app.Logf("%s\n", plan.Summary())
			opts.Banner = plan.Summary()
		}
	}
	stop := func() {}
	if team != nil {
		// While the screen is open, labels go to the team and the leases
		// are renewed every few minutes, well inside the lease; it stops
		// before the session's end sends the rest.
		tctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); keepTeam(tctx, s, team, plan.Claimed, o.Lease) }()
		stop = func() { cancel(); <-done }
	}
	err = tui.Run(ctx, s, opts, app.IO.In, app.IO.Out)
	stop()
	if err != nil {
		return err
	}
	if team != nil {
		lx, err := s.EndTeam(context.WithoutCancel(ctx), team)
		if err != nil {
			fmt.Fprintf(app.IO.ErrOut, "%v\n", err)
			return nil
		}
		app.Logf("team session: sent %d label events (%d new to the server) and %d technique verdicts (%d new); leases given up\n",
			lx.Pushed, lx.Created, lx.Techniques.Pushed, lx.Techniques.Created)
	}
	return nil
}

// keepTeam runs triage.Session.RefreshTeam every lease/6 (at most every
// 5 minutes) until ctx ends; a failure waits for the next tick (the
// session's end sends everything again).
func keepTeam(ctx context.Context, s *triage.Session, c *neo4j.Client, claimed []string, lease time.Duration) {
	every := min(lease/6, 5*time.Minute)
	if every <= 0 {
		every = 5 * time.Minute
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if held, err := s.RefreshTeam(ctx, c, claimed, lease); err == nil {
				claimed = held
			}
		}
	}
}

// teamSession connects a labeling session to the team's Neo4j, when one
// is configured, and shares the work (triage.Session.Team). The client is
// nil when there is no team or it cannot be reached (the plan says why).
func teamSession(ctx context.Context, app *App, ws *workspace.Workspace, s *triage.Session, o *triageOptions, seed uint64) (*neo4j.Client, triage.TeamPlan) {
	topts := triage.TeamOptions{Overlap: o.Overlap, Lease: o.Lease, Claim: o.Claim, Seed: seed}
	cfg, err := neo4j.ConfigFromEnv(ws.Dir)
	if errors.Is(err, neo4j.ErrNotConfigured) {
		return nil, triage.TeamPlan{} // an analyst on their own
	}
	if err != nil {
		return nil, s.Team(ctx, nil, err, topts)
	}
	// A session never waits long for a server that is away.
	cfg.RetryFor = 5 * time.Second
	cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	c, err := neo4j.Connect(cctx, cfg)
	if err != nil {
		return nil, s.Team(ctx, nil, err, topts)
	}
	plan := s.Team(cctx, c, nil, topts)
	if plan.Offline != "" {
		c.Close(ctx)
		return nil, plan
	}
	return c, plan
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
