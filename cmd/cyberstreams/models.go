package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/cyberstreams/cyberstreams/core/graphsync"
	"github.com/cyberstreams/cyberstreams/core/learner"
	"github.com/cyberstreams/cyberstreams/core/model"
	"github.com/cyberstreams/cyberstreams/core/registry"
	"github.com/cyberstreams/cyberstreams/core/scoring"
	"github.com/cyberstreams/cyberstreams/core/shadow"
	"github.com/cyberstreams/cyberstreams/core/termsafe"
	"github.com/cyberstreams/cyberstreams/core/workspace"
	"github.com/cyberstreams/cyberstreams/kg/neo4j"
	"github.com/cyberstreams/cyberstreams/ml/metrics"
)

func newModelsCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "models",
		Short: "List, inspect, promote, roll back and compare model versions",
		Long: `The workspace's model registry: every retrained version with its data
fingerprint and validation metrics, the champion (the model that scores) and
the challenger (a candidate that was not promoted, scored in shadow), and the
history of every promotion decision. While no champion is registered the model
embedded in the binary, version "default", scores.`,
		Example: `  cyberstreams models list
  cyberstreams models show champion
  cyberstreams models promote m3f9a2c1b7d04
  cyberstreams models rollback
  cyberstreams models compare --limit 500`,
	}
	cmd.AddCommand(newModelsListCmd(app), newModelsShowCmd(app), newModelsPromoteCmd(app),
		newModelsRollbackCmd(app), newModelsCompareCmd(app))
	return cmd
}

func openRegistry(ctx context.Context, app *App) (*registry.Registry, *workspace.Workspace, error) {
	ws, err := app.Workspace(ctx)
	if err != nil {
		return nil, nil, err
	}
	return app.registry(ws), ws, nil
}

// validation reads the metrics stored with a registry entry.
func validation(e registry.Entry) *metrics.Report {
	var r metrics.Report
	if len(e.Metrics) == 0 || json.Unmarshal(e.Metrics, &r) != nil || r.N == 0 {
		return nil
	}
	return &r
}

func newModelsListCmd(app *App) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List registered model versions, newest first",
		Long: `List every registered model version with its parent, creation time,
validation metrics and aliases (champion, challenger), and last the embedded
default model (version "default"), champion until a retrained model is
promoted and the target of rolling back the first promotion.

TEAM CHAMPION OF names the teammates whose champion a version is, as the last
'graph sync' or 'label pull' found them on the team's Neo4j. A retrained
model's version is the digest of what it learned from (labels, base corpus,
settings, seed), so teammates who retrain on the same labels run the same
version, with byte-identical model files, without sending model files.`,
		Example: "  cyberstreams models list\n  cyberstreams models list --json | jq '.[0].version'",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			reg, _, err := openRegistry(ctx, app)
			if err != nil {
				return err
			}
			entries, err := reg.List(ctx)
			if err != nil {
				return err
			}
			champ, err := reg.ChampionVersion(ctx)
			if err != nil {
				return err
			}
			team, err := reg.TeamChampions(ctx)
			if err != nil {
				return err
			}
			if app.JSON {
				return writeJSON(app.IO.Out, map[string]any{"champion": champ, "models": nonNilSlice(entries), "team": nonNilSlice(team)})
			}
			tw := tabwriter.NewWriter(app.IO.Out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "VERSION\tCREATED\tALIASES\tPARENT\tTRAIN DOCS\tLABELS\tACCURACY\tMACRO-F1\tTEAM CHAMPION OF")
			for _, e := range entries {
				acc, f1 := "-", "-"
				if r := validation(e); r != nil {
					acc, f1 = fmt.Sprintf("%.4f", r.Accuracy), fmt.Sprintf("%.4f", r.MacroF1)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%s\t%s\t%s\n", e.Version, e.CreatedAt.Format("2006-01-02 15:04"),
					joinOr(e.Aliases, "-"), orDash(e.Parent), e.Data.TrainDocs, e.Data.Labels, acc, f1, teamNames(e.Team))
			}
			// The embedded default is always there: the champion of a fresh
			// workspace, and what rollback returns to after the first promotion.
			card, err := model.EmbeddedCard()
			if err != nil {
				return err
			}
			alias, acc, f1 := "-", "-", "-"
			if champ == model.DefaultRef {
				alias = "champion"
			}
			if r := card.Validation; r != nil && r.N > 0 {
				acc, f1 = fmt.Sprintf("%.4f", r.Accuracy), fmt.Sprintf("%.4f", r.MacroF1)
			}
			def := registry.WithTeam([]registry.Entry{{Version: model.DefaultRef, ModelSHA256: card.ModelSHA256}}, team)[0]
			fmt.Fprintf(tw, "default\t(embedded)\t%s\t-\t%d\t%d\t%s\t%s\t%s\n", alias, card.Data.TrainDocs, card.Data.Labels, acc, f1, teamNames(def.Team))
			if err := tw.Flush(); err != nil {
				return err
			}
			return printForeignChampions(app, append(entries, def), team)
		},
	}
}

func nonNilSlice[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// teamNames lists analysts, or "-".
func teamNames(names []string) string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = termsafe.Line(n, 30)
	}
	return joinOr(out, "-")
}

// printForeignChampions says which teammates run a model this workspace
// does not hold.
func printForeignChampions(app *App, entries []registry.Entry, team []registry.TeamChampion) error {
	for _, c := range team {
		here := false
		for _, e := range entries {
			here = here || c.Runs(e.Version, e.ModelSHA256)
		}
		if here {
			continue
		}
		if _, err := fmt.Fprintf(app.IO.Out, "%s's champion is %s, which this workspace does not hold: 'cyberstreams label pull' and 'cyberstreams retrain' on the same labels and base corpus train it here\n",
			termsafe.Line(c.Analyst, 30), termsafe.Line(c.Version, 40)); err != nil {
			return err
		}
	}
	return nil
}

// exchangeModels sends the workspace's promotion records and champion to
// the team's Neo4j and learns the teammates' champions.
func exchangeModels(ctx context.Context, app *App, c *neo4j.Client) (graphsync.ModelExchange, error) {
	ws, err := app.Workspace(ctx)
	if err != nil {
		return graphsync.ModelExchange{}, err
	}
	return graphsync.ExchangeModels(ctx, ws, c, defaultAnalyst(), nil)
}

func printModelExchange(app *App, mx graphsync.ModelExchange) error {
	if mx.Resent {
		fmt.Fprintln(app.IO.ErrOut, "models: the server had lost this workspace's promotion records (reset or restored?): all sent again")
	}
	same := 0
	for _, c := range mx.Team {
		if c.Runs(mx.Champion.Version, mx.Champion.ModelSHA256) {
			same++
		}
	}
	_, err := fmt.Fprintf(app.IO.Out, "models: sent %d promotion records (%d new to the server); champion %s, the same as %d of %d teammates ('models list' says who)\n",
		mx.Pushed, mx.Created, termsafe.Line(mx.Champion.Version, 40), same, len(mx.Team))
	return err
}

func joinOr(s []string, none string) string {
	if len(s) == 0 {
		return none
	}
	out := s[0]
	for _, v := range s[1:] {
		out += "," + v
	}
	return out
}

// resolveVersion turns an alias into the version it points at.
func resolveVersion(ctx context.Context, reg *registry.Registry, ref string) (string, error) {
	switch ref {
	case registry.Champion:
		return reg.ChampionVersion(ctx)
	case registry.Challenger:
		v, ok, err := reg.Alias(ctx, registry.Challenger)
		if err == nil && !ok {
			err = fmt.Errorf("no challenger is set: %w", registry.ErrNotFound)
		}
		return v, err
	}
	return ref, nil
}

func newModelsShowCmd(app *App) *cobra.Command {
	return &cobra.Command{
		Use:     "show VERSION",
		Short:   "Show a model's card, fingerprint and promotion history",
		Long:    `Show one version (or the champion/challenger alias): its model card, data fingerprint, validation metrics and every promotion decision that names it.`,
		Example: "  cyberstreams models show champion\n  cyberstreams models show m20261126-004241 --json",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			reg, _, err := openRegistry(ctx, app)
			if err != nil {
				return err
			}
			v, err := resolveVersion(ctx, reg, args[0])
			if err != nil {
				return err
			}
			var entry *registry.Entry
			if e, err := reg.Get(ctx, v); err == nil {
				entry = &e
			} else if !errors.Is(err, registry.ErrNotFound) || v != model.DefaultRef {
				return err
			}
			b, err := reg.Resolve(ctx, v)
			if err != nil {
				return err
			}
			h, err := reg.History(ctx)
			if err != nil {
				return err
			}
			var mine []registry.Promotion
			for _, p := range h {
				if p.Version == v || p.Previous == v {
					mine = append(mine, p)
				}
			}
			if app.JSON {
				return writeJSON(app.IO.Out, map[string]any{"version": v, "registry": entry, "card": b.Card, "history": nonNilSlice(mine)})
			}
			out := app.IO.Out
			c := b.Card
			fmt.Fprintf(out, "model %s\n", v)
			if entry != nil {
				fmt.Fprintf(out, "  path       %s\n  aliases    %s\n", entry.Path, joinOr(entry.Aliases, "-"))
			}
			fmt.Fprintf(out, "  created    %s\n  parent     %s\n", c.Created.Format(time.RFC3339), orDash(c.Parent))
			fmt.Fprintf(out, "  trained on %d documents (%d labelled by analysts, last label event %d), validated on %d from %s\n",
				c.Data.TrainDocs, c.Data.Labels, c.Data.MaxLabelID, c.Data.ValidDocs, c.Data.ValidFrom.Format("2006-01-02"))
			for _, in := range c.Data.Inputs {
				fmt.Fprintf(out, "  input      %s sha256:%s (%d bytes)\n", in.Path, in.SHA256, in.Bytes)
			}
			for _, n := range c.Notes {
				fmt.Fprintf(out, "  note       %s\n", n)
			}
			if c.Validation != nil {
				fmt.Fprintln(out)
				printReport(out, *c.Validation)
			}
			if len(mine) > 0 {
				fmt.Fprintln(out, "\nhistory:")
				printHistory(app, mine)
			}
			return nil
		},
	}
}

func printHistory(app *App, h []registry.Promotion) {
	tw := tabwriter.NewWriter(app.IO.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "AT\tDECISION\tVERSION\tPREVIOUS\tCANDIDATE\tCHAMPION\tREASON")
	for _, p := range h {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", p.At.Format("2006-01-02 15:04"), p.Decision, p.Version,
			p.Previous, score(p.CandidateScore), score(p.ChampionScore), termsafe.Line(p.Reason, 200))
	}
	tw.Flush()
}

func score(p *float64) string {
	if p == nil {
		return "-"
	}
	return fmt.Sprintf("%.4f", *p)
}

func newModelsPromoteCmd(app *App) *cobra.Command {
	var reason string
	var force bool
	cmd := &cobra.Command{
		Use:   "promote VERSION",
		Short: "Make a registered version the champion, if judged better",
		Long: `Make VERSION the champion by hand. VERSION must be registered ('models list'
shows them; 'train' and 'retrain' register the models they write to the
workspace). It is first judged against the champion, as retrain judges a
candidate, on every current label that neither model can have trained on
(given after both were made and after the newest label either learned): it is
promoted only with at least min_holdout such labels, a higher score and a
paired bootstrap lower bound (one-sided, 95%) on the difference above zero. Otherwise the
judgement is printed and nothing changes, unless --force: then it is promoted
as a manual decision whose reason keeps the judgement. Every promotion is
recorded and can be undone with rollback.`,
		Example: `  cyberstreams models promote m20261126-004241
  cyberstreams models promote m20261126-004241 --force --reason "analyst review of last week's criticals"`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			reg, ws, err := openRegistry(ctx, app)
			if err != nil {
				return err
			}
			v, err := resolveVersion(ctx, reg, args[0])
			if err != nil {
				return err
			}
			if v == model.DefaultRef {
				return usagef("promote: the embedded default scores when no champion is set; use 'models rollback' to return to it")
			}
			if _, err := reg.Get(ctx, v); errors.Is(err, registry.ErrNotFound) {
				return fmt.Errorf("promote %s: not a registered version ('models list' shows them; 'train' registers the models it writes to the workspace)", v)
			} else if err != nil {
				return err
			}
			cfg, err := learner.LoadConfig(ws.Dir)
			if err != nil {
				return err
			}
			j, p, err := learner.Promote(ctx, ws, cfg, v, reason, force)
			if app.JSON {
				if jerr := writeJSON(app.IO.Out, map[string]any{"promoted": err == nil, "judgement": j, "promotion": p}); jerr != nil {
					return jerr
				}
			} else if j.Candidate != "" {
				fmt.Fprintf(app.IO.Out, "%s vs champion %s:\n", v, j.Champion)
				printJudgement(app.IO.Out, j)
			}
			if err != nil {
				return err
			}
			if !app.JSON {
				fmt.Fprintf(app.IO.Out, "champion is now %s (was %s; %s)\n", p.Version, p.Previous, p.Decision)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why, for the history")
	cmd.Flags().BoolVar(&force, "force", false, "promote even when not judged better (recorded as a manual decision with the judgement)")
	return cmd
}

func newModelsRollbackCmd(app *App) *cobra.Command {
	var reason string
	cmd := &cobra.Command{
		Use:     "rollback",
		Short:   "Restore the previous champion",
		Long:    `Restore the champion that the current one replaced (the embedded default after the first promotion is undone). Repeated rollbacks walk further back.`,
		Example: `  cyberstreams models rollback --reason "too many false criticals"`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			reg, _, err := openRegistry(ctx, app)
			if err != nil {
				return err
			}
			p, err := reg.Rollback(ctx, reason)
			if err != nil {
				return err
			}
			if app.JSON {
				return writeJSON(app.IO.Out, p)
			}
			fmt.Fprintf(app.IO.Out, "champion is now %s (rolled back from %s)\n", p.Version, p.Previous)
			return nil
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why, for the history")
	return cmd
}

func newModelsCompareCmd(app *App) *cobra.Command {
	var limit, show int
	cmd := &cobra.Command{
		Use:   "compare",
		Short: "Shadow-score workspace documents with champion and challenger",
		Long: `Score the latest workspace documents with both the champion and the challenger
(shadow scoring: the challenger's severities are never stored) and show where
they disagree. Where analysts labelled the documents, both models' accuracy on
those labels is shown too.`,
		Example: "  cyberstreams models compare --limit 2000 --show 30",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			reg, ws, err := openRegistry(ctx, app)
			if err != nil {
				return err
			}
			champ, err := reg.Resolve(ctx, registry.Champion)
			if err != nil {
				return err
			}
			chal, err := reg.Resolve(ctx, registry.Challenger)
			if err != nil {
				return err
			}
			// Both with the workspace's knowledge: the models differ, nothing else.
			know, err := scoring.KnowledgeOf(ctx, ws)
			if err != nil {
				return err
			}
			champScorer, err := know.Scorer(champ)
			if err != nil {
				return err
			}
			chalScorer, err := know.Scorer(chal)
			if err != nil {
				return err
			}
			c, err := shadow.Compare(ctx, ws, champScorer, chalScorer, limit)
			if err != nil {
				return err
			}
			if show >= 0 && len(c.Disagreements) > show {
				c.Disagreements = c.Disagreements[:show]
			}
			if app.JSON {
				c.Disagreements = nonNilSlice(c.Disagreements)
				return writeJSON(app.IO.Out, c)
			}
			out := app.IO.Out
			fmt.Fprintf(out, "champion %s vs challenger %s on the latest %d documents: agree on %.1f%%\n",
				c.Champion, c.Challenger, c.Documents, 100*c.Agreement)
			if c.Labelled > 0 {
				fmt.Fprintf(out, "on %d labelled documents: champion accuracy %s, challenger %s\n", c.Labelled, score(c.ChampionAccuracy), score(c.ChallengerAccuracy))
			}
			for _, k := range sortedKeys(c.Changes) {
				fmt.Fprintf(out, "  %-28s %d\n", k, c.Changes[k])
			}
			if len(c.Disagreements) > 0 {
				fmt.Fprintln(out)
				tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tCHAMPION\tCHALLENGER\tLABEL\tTITLE")
				for _, d := range c.Disagreements {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", termsafe.Line(d.ID, 40), d.Champion, d.Challenger, orDash(d.Label), termsafe.Line(d.Title, 60))
				}
				tw.Flush()
			}
			return nil
		},
	}
	cmd.Flags().IntVar(&limit, "limit", 1000, "how many of the latest ingested documents to score")
	cmd.Flags().IntVar(&show, "show", 20, "how many disagreements to list (-1: all)")
	return cmd
}
