package training

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/features"
	"github.com/cyberstreams/cyberstreams/core/model"
	"github.com/cyberstreams/cyberstreams/ml/gbdt"
	"github.com/cyberstreams/cyberstreams/ml/lgbm"
)

// Continue trains a bundle that continues base: base's trees, its features
// (vocabulary, reputations, KEV list) and novelty forest, then more boosting
// rounds fitted to the labelled documents starting from base's margins
// (gbdt's InitScore, LightGBM's init_model), with early stopping on their
// newest slice, and the class offsets tuned afresh on it. It is how a few
// thousand new labels teach a model trained on far more documents without
// it forgetting them: the new trees correct it where the new labels say it
// errs, and early stopping adds none when they say nothing new.
//
// opts is read as by Train for the split (ValidFrom, ValidShare, Until),
// the boosting parameters, the seed, Refit, TuneBias, the graph features
// and the card; opts.Features and DropNumeric do not apply (base's spec is
// kept).
func Continue(ctx context.Context, base *model.Bundle, docs []document.Document, opts Options) (*Result, error) {
	start := time.Now()
	logf := opts.logf()
	baseSHA := base.ModelSHA256()
	if baseSHA == "" {
		baseSHA = "version " + base.Card.Version
	}
	digest, err := InputsDigest(docs, opts, baseSHA)
	if err != nil {
		return nil, fmt.Errorf("continue %s: %w", base.Card.Version, err)
	}
	if opts.Version == "" {
		opts.Version = VersionOf(digest)
	}
	train, valid, validFrom, err := splitLabelled(docs, opts)
	if err != nil {
		return nil, fmt.Errorf("continue %s: %w", base.Card.Version, err)
	}
	logf("train: continuing %s on %d documents, validating on %d (published from %s)\n",
		base.Card.Version, len(train), len(valid), validFrom.Format("2006-01-02"))

	spec := *base.Spec // the offsets are tuned afresh; the rest is base's
	spec.ClassBias = nil
	fz := features.New(&spec, features.WithGraph(opts.Graph))
	xTrain, yTrain := Matrix(fz, train)
	xValid, yValid := Matrix(fz, valid)
	params := opts.Params
	params.Seed = opts.Seed
	params.ClassWeights = classWeights(yTrain, opts.ClassWeightPower)
	params.RowWeights = RecencyWeights(train, opts.RecencyHalfLife)
	params.InitScore, params.ValidInitScore = margins(base.Trees, xTrain), margins(base.Trees, xValid)
	names := spec.Names()
	progress := func(iter int, trainLoss, validLoss float64) {
		if iter%25 == 0 {
			logf("train: round %d  train loss %.4f  valid loss %.4f\n", iter, trainLoss, validLoss)
		}
	}
	added, rep, err := gbdt.Train(ctx, xTrain, yTrain, 5, xValid, yValid, params, names, progress)
	if err != nil {
		return nil, fmt.Errorf("continue %s: %w", base.Card.Version, err)
	}
	// Early stopping measures the first added round against base itself:
	// when base's own validation loss was not beaten, nothing is added.
	rounds := rep.BestIteration
	if rounds < 1 || !(rep.ValidLoss[rounds-1] < logLoss(params.ValidInitScore, yValid)) {
		rounds = 0
	}
	logf("train: %d rounds added to %s's %d\n", rounds, base.Card.Version, len(base.Trees.Trees)/5)
	trees := extend(base.Trees, added, rounds)

	prob := Probabilities(trees, xValid)
	if !opts.TuneBias {
		spec.ClassBias = slices.Clone(base.Spec.ClassBias)
	}
	validation := validate(fz, valid, yValid, prob, opts.TuneBias)
	logf("train: validation accuracy %.4f  macro-F1 %.4f\n", validation.Accuracy, validation.MacroF1)

	if opts.Refit && rounds > 0 {
		all := append(append([]document.Document{}, train...), valid...)
		xAll, yAll := Matrix(fz, all)
		p := params
		p.NumIterations, p.EarlyStoppingRounds = rounds, 0
		p.ClassWeights = classWeights(yAll, opts.ClassWeightPower)
		p.RowWeights = RecencyWeights(all, opts.RecencyHalfLife)
		p.InitScore, p.ValidInitScore = margins(base.Trees, xAll), nil
		logf("train: refit the added rounds on all %d documents\n", len(all))
		added, _, err = gbdt.Train(ctx, xAll, yAll, 5, nil, nil, p, names, progress)
		if err != nil {
			return nil, fmt.Errorf("continue %s: refit: %w", base.Card.Version, err)
		}
		trees = extend(base.Trees, added, rounds)
	}
	b := &model.Bundle{Trees: trees, Spec: &spec, Novelty: base.Novelty}
	b.Card = model.Card{
		Version: opts.Version, Parent: opts.Parent, Created: time.Now().UTC().Truncate(time.Second),
		Command: opts.Command, Seed: opts.Seed, Params: params,
		Data: model.DataPrint{Inputs: opts.Inputs, TrainDocs: len(train), ValidDocs: len(valid), ValidFrom: validFrom,
			TrainUntil: train[len(train)-1].Published, Labels: opts.Labels, MaxLabelID: opts.MaxLabel,
			BestRounds: len(trees.Trees) / 5},
		Validation: &validation, InputsSHA256: digest,
		Notes: []string{fmt.Sprintf("continues %s (%d rounds) with %d rounds fitted to %d newer labelled documents; features, vocabulary and novelty forest are %s's",
			base.Card.Version, len(base.Trees.Trees)/5, rounds, len(train)+len(valid), base.Card.Version)},
	}
	return &Result{Bundle: b, Validation: validation, Duration: time.Since(start)}, nil
}

// margins are the raw scores of a model for every row, row-major.
func margins(trees *lgbm.Model, x *gbdt.Matrix) []float64 {
	out := make([]float64, x.NumRows()*5)
	for i := range x.NumRows() {
		idx, val := x.Row(i)
		trees.PredictRawSparse(idx, val, out[i*5:(i+1)*5])
	}
	return out
}

// extend is base's model followed by the first rounds of added.
func extend(base, added *lgbm.Model, rounds int) *lgbm.Model {
	m := *base
	m.Trees = append(slices.Clip(base.Trees), added.Trees[:rounds*added.NumTreePerIteration]...)
	m.Parameters = added.Parameters
	return &m
}

// logLoss is the mean multi_logloss of raw scores (row-major, 5 classes).
func logLoss(raw []float64, y []int) float64 {
	var s float64
	p := make([]float64, 5)
	for i, c := range y {
		copy(p, raw[i*5:(i+1)*5])
		Softmax(p)
		s -= math.Log(max(p[c], 1e-15))
	}
	return s / float64(len(y))
}
