package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/drift"
	"github.com/cyberstreams/cyberstreams/core/extract"
	"github.com/cyberstreams/cyberstreams/core/features"
	"github.com/cyberstreams/cyberstreams/core/ingest"
	"github.com/cyberstreams/cyberstreams/core/model"
	"github.com/cyberstreams/cyberstreams/core/novelty"
	"github.com/cyberstreams/cyberstreams/core/scoring"
	"github.com/cyberstreams/cyberstreams/core/training"
	"github.com/cyberstreams/cyberstreams/core/workspace"
)

type trainOptions struct {
	Data       []string
	Out        string
	Seed       int64
	ValidFrom  string
	KEV        string
	Iterations int
	NoRefit    bool
	WeightPow  float64
	MaxDepth   int
	Leaves     int
	Version    string
	// Until, HalfLife (days), DropNumeric, MinLeaf and FeatureFrac feed
	// the options of the same names in core/training and ml/gbdt.
	Until       string
	HalfLife    float64
	DropNumeric []string
	MinLeaf     int
	FeatureFrac float64
	// NoveltyFPR is the novelty flag's target false-positive rate.
	NoveltyFPR float64
	Members    int
}

func newTrainCmd(app *App) *cobra.Command {
	var o trainOptions
	cmd := &cobra.Command{
		Use:   "train --data PATH",
		Short: "Train a severity model from labelled documents",
		Long: `Train a gradient-boosted severity classifier from labelled documents
(JSONL or JSONL.gz with a "severity" field, advisory, OSV, CVE 5 or STIX input).

Documents are split by publication time: the model learns from the older ones
and is judged on the newest slice (--valid-from, default: the newest 15%), then
refit on everything for the best number of rounds. The model is written in
LightGBM's text format with its feature spec, novelty model (an isolation
forest and an autoencoder, whose novel flag is calibrated on the validation
slice for --novelty-fpr), a model card
and the drift reference summary of its training data (reference.json).
The same command with the same --seed writes byte-identical model files.`,
		Example: `  cyberstreams train --data ../shared/data/advisories_train.jsonl.gz --out ./model --seed 42
  cyberstreams train --data labelled.jsonl --valid-from 2024-01-01 --kev kev.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if len(o.Data) == 0 {
				return usagef("train needs --data PATH")
			}
			ctx := cmd.Context()
			opts := training.DefaultOptions()
			opts.Seed = o.Seed
			opts.Refit = !o.NoRefit
			if o.MaxDepth != 0 {
				opts.Params.MaxDepth = o.MaxDepth
			}
			if o.Leaves > 0 {
				opts.Params.NumLeaves = o.Leaves
			}
			if cmd.Flags().Changed("class-weight-power") {
				opts.ClassWeightPower = o.WeightPow
			}
			if o.Iterations > 0 {
				opts.Params.NumIterations = o.Iterations
			}
			if o.MinLeaf > 0 {
				opts.Params.MinDataInLeaf = o.MinLeaf
			}
			if o.Members < 1 {
				return usagef("--members %d: want 1 (one model) or more", o.Members)
			}
			opts.Members = o.Members
			if cmd.Flags().Changed("feature-fraction") {
				if !(o.FeatureFrac > 0 && o.FeatureFrac <= 1) {
					return usagef("--feature-fraction %v: want a share in (0, 1]", o.FeatureFrac)
				}
				opts.Params.FeatureFraction = o.FeatureFrac
			}
			if o.HalfLife < 0 {
				return usagef("--recency-half-life %v: want days >= 0 (0: no recency weighting)", o.HalfLife)
			}
			opts.RecencyHalfLife = time.Duration(o.HalfLife * 24 * float64(time.Hour))
			opts.DropNumeric = o.DropNumeric
			if !(o.NoveltyFPR > 0 && o.NoveltyFPR < 1) {
				return usagef("--novelty-fpr %v: want a share in (0, 1)", o.NoveltyFPR)
			}
			opts.Novelty.TargetFPR = o.NoveltyFPR
			for _, d := range []struct {
				flag, value string
				dst         *time.Time
			}{{"--valid-from", o.ValidFrom, &opts.ValidFrom}, {"--train-until", o.Until, &opts.Until}} {
				if d.value == "" {
					continue
				}
				t, err := time.Parse("2006-01-02", d.value)
				if err != nil {
					return usagef("%s %q: want YYYY-MM-DD", d.flag, d.value)
				}
				*d.dst = t
			}
			opts.Features.EntityTypes = extract.Types
			if o.KEV != "" {
				kev, err := features.ReadKEVFile(o.KEV)
				if err != nil {
					return err
				}
				opts.Features.KEV = kev
			}
			opts.Command = "cyberstreams " + strings.Join(os.Args[1:], " ")
			for _, p := range append(append([]string{}, o.Data...), nonEmpty(o.KEV)...) {
				in, err := checksum(p)
				if err != nil {
					return err
				}
				opts.Inputs = append(opts.Inputs, in)
			}
			if !app.Quiet {
				opts.Progress = func(format string, args ...any) { app.Logf(format, args...) }
			}
			// The features and entities the model will be scored with.
			know, err := app.knowledge(ctx)
			if err != nil {
				return err
			}
			if opts.Graph = know.Graph; know.HasGraph() {
				app.Logf("train: adding graph-aware features from the workspace graph\n")
			}
			docs, failed, err := readLabelled(cmd, app, know, o.Data)
			if err != nil {
				return err
			}
			app.Logf("train: read %d documents (%d failed)\n", len(docs), failed)
			// Without --version the model is named by the digest of its
			// inputs (training.VersionOf): the same data, settings and seed
			// give the same version and the same model files anywhere.
			opts.Version = o.Version
			res, err := training.Train(ctx, docs, opts)
			if err != nil {
				return err
			}
			res.Bundle.Card.Created = buildTime()
			opts.Version = res.Bundle.Card.Version
			out := o.Out
			var ws *workspace.Workspace
			if out == "" || app.workspaceExists() {
				if ws, err = app.Workspace(ctx); err != nil {
					return err
				}
			}
			if out == "" {
				out = filepath.Join(ws.ModelsDir(), opts.Version)
			}
			if err := res.Bundle.Save(out); err != nil {
				return err
			}
			if err := driftReference(docs, res, o.Seed, know).Save(out); err != nil {
				return err
			}
			app.Logf("train: done in %s; model written to %s\n", res.Duration.Round(time.Millisecond), out)
			// A model written into the workspace is registered at once, so
			// that 'models list' and 'models show' see it and 'models
			// promote' can judge it; it does not score until promoted.
			registered := false
			if ws != nil && within(ws.ModelsDir(), out) {
				if _, err := app.registry(ws).Register(ctx, out); err != nil {
					return err
				}
				registered = true
			}
			if app.JSON {
				return writeJSON(app.IO.Out, map[string]any{"model": out, "version": opts.Version, "registered": registered,
					"validation": res.Validation, "seconds": res.Duration.Seconds()})
			}
			fmt.Fprintf(app.IO.Out, "model %s written to %s\n", opts.Version, out)
			if registered {
				fmt.Fprintf(app.IO.Out, "registered in the workspace; it scores once 'cyberstreams models promote %s' judges it better than the champion\n", opts.Version)
			}
			printReport(app.IO.Out, res.Validation)
			if failed > 0 {
				return silentExit(exitError)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&o.Data, "data", nil, "labelled documents (repeatable; .gz is read transparently)")
	f.StringVar(&o.Out, "out", "", "directory to write the model to (default: the workspace's models/<version>)")
	f.Int64Var(&o.Seed, "seed", 42, "random seed: the same seed gives the same model")
	f.StringVar(&o.ValidFrom, "valid-from", "", "validate on documents published on or after this date (YYYY-MM-DD)")
	f.StringVar(&o.KEV, "kev", "", "CISA KEV catalog (known_exploited_vulnerabilities.json) for the kev:listed feature")
	f.IntVar(&o.Iterations, "iterations", 0, "maximum boosting rounds (default 600, early stopping decides)")
	f.BoolVar(&o.NoRefit, "no-refit", false, "ship the model trained without the validation slice")
	f.IntVar(&o.MaxDepth, "max-depth", 0, "tree depth limit (default: the built-in setting; -1 none)")
	f.IntVar(&o.Leaves, "leaves", 0, "leaves per tree (default: the built-in setting)")
	f.Float64Var(&o.WeightPow, "class-weight-power", training.DefaultOptions().ClassWeightPower,
		"class c weighs (n/(5·n_c))^power: 0 unweighted, 1 balanced")
	f.StringVar(&o.Version, "version", "", "model version name (default: m and 12 hex digits of the digest of the inputs, settings and seed)")
	f.StringVar(&o.Until, "train-until", "", "leave out documents published on or after this date (YYYY-MM-DD), to train as of a past date")
	f.Float64Var(&o.HalfLife, "recency-half-life", 0, "weigh training documents by 0.5^(age/DAYS), age from the newest (0: all equal)")
	f.StringArrayVar(&o.DropNumeric, "drop-numeric", nil, "leave a numeric feature out of the model, e.g. doc:alias_count (repeatable)")
	f.Float64Var(&o.NoveltyFPR, "novelty-fpr", novelty.DefaultTargetFPR,
		"share of validation documents the novel flag may mark (its threshold is picked on them)")
	f.IntVar(&o.MinLeaf, "min-data-in-leaf", 0, "fewest documents per leaf (default: the built-in setting)")
	f.IntVar(&o.Members, "members", 1, "models in a seed-bagged ensemble, averaged in log-odds as one tree sum (each costs a training; scoring slows in proportion)")
	f.Float64Var(&o.FeatureFrac, "feature-fraction", training.DefaultOptions().Params.FeatureFraction,
		"share of features each tree may split on")
	return cmd
}

// driftReference summarises the training documents for 'cyberstreams drift'
// the way retrain does: all the documents the model was trained on, the
// predicted-class mix on its validation slice, the training seed. The
// documents are put in time order first (a copy: Train gets them as read),
// so the numeric sample does not depend on the order of the input files,
// just as the model does not.
func driftReference(docs []document.Document, res *training.Result, seed int64, know scoring.Knowledge) drift.Reference {
	sorted := slices.Clone(docs)
	training.SortByTime(sorted)
	return drift.Summarize(know.Featurizer(res.Bundle.Spec), sorted, drift.PredictedMix(res.Validation.Confusion), uint64(seed))
}

// within reports whether path lies inside dir.
func within(dir, path string) bool {
	d, err1 := filepath.Abs(dir)
	p, err2 := filepath.Abs(path)
	if err1 != nil || err2 != nil {
		return false
	}
	rel, err := filepath.Rel(d, p)
	return err == nil && rel != "." && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

// buildTime honours SOURCE_DATE_EPOCH so that reproducible builds of a model
// card carry a fixed date.
func buildTime() time.Time {
	if v := os.Getenv("SOURCE_DATE_EPOCH"); v != "" {
		if sec, err := strconv.ParseInt(v, 10, 64); err == nil {
			return time.Unix(sec, 0).UTC()
		}
	}
	return time.Now().UTC().Truncate(time.Second)
}

// readLabelled reads the documents with a severity into memory.
func readLabelled(cmd *cobra.Command, app *App, know scoring.Knowledge, paths []string) ([]document.Document, int, error) {
	var docs []document.Document
	failed, err := eachLabelled(cmd, app, know, paths, func(d *document.Document) {
		// Held for the whole run: its own copy, not its read block's.
		docs = append(docs, d.Detach())
	})
	return docs, failed, err
}

// eachLabelled streams the documents with a severity through fn, with the
// workspace knowledge's extractor; unreadable records are reported on
// stderr with file and line and counted.
func eachLabelled(cmd *cobra.Command, app *App, know scoring.Knowledge, paths []string, fn func(*document.Document)) (failed int, err error) {
	unlabelled := 0
	// Training and evaluation never read the raw record's other fields.
	in := know.Reading(ingest.Options{Stdin: app.IO.In, SkipMeta: true})
	err = ingest.Read(cmd.Context(), paths, in, func(r ingest.Record) error {
		switch {
		case r.Err != nil:
			failed++
			app.Failuref("%s", r.Failure().Error())
		case document.SeverityIndex(r.Doc.Severity) < 0:
			unlabelled++
		default:
			fn(&r.Doc)
		}
		return nil
	})
	if unlabelled > 0 {
		app.Logf("skipped %d documents without a severity label\n", unlabelled)
	}
	return failed, err
}

func checksum(path string) (model.Input, error) {
	f, err := os.Open(path)
	if err != nil {
		return model.Input{}, fmt.Errorf("checksum %s: %w", path, err)
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return model.Input{}, fmt.Errorf("checksum %s: %w", path, err)
	}
	return model.Input{Path: filepath.Base(path), SHA256: hex.EncodeToString(h.Sum(nil)), Bytes: n}, nil
}
