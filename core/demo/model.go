package demo

import (
	"context"
	"fmt"

	"github.com/cyberstreams/cyberstreams/core/extract"
	"github.com/cyberstreams/cyberstreams/core/model"
	"github.com/cyberstreams/cyberstreams/core/training"
)

// ModelVersion names the model Model trains.
const ModelVersion = "demo-corpus"

// Model trains a small model on the demo corpus and saves it in dir (which
// also fills the LightGBM text the scorer loads). It stands in for the
// embedded default model in a binary built without one, and in tests: the
// corpus is tiny, so it is a demonstration, not a useful classifier. The
// same call gives the same model (fixed seed).
func Model(ctx context.Context, dir string) (*model.Bundle, error) {
	docs, err := Documents()
	if err != nil {
		return nil, err
	}
	opts := training.DefaultOptions()
	opts.Params.NumIterations = 10
	opts.Params.EarlyStoppingRounds = 0
	opts.Params.MinDataInLeaf = 2
	opts.Features.EntityTypes = extract.Types
	opts.Features.MinDF = 2
	opts.Features.MinCategory = 2
	opts.TuneBias = false
	opts.Version = ModelVersion
	opts.Command = "demo.Model (trained on the embedded demo corpus)"
	res, err := training.Train(ctx, docs, opts)
	if err != nil {
		return nil, fmt.Errorf("train the demo model: %w", err)
	}
	if err := res.Bundle.Save(dir); err != nil {
		return nil, fmt.Errorf("save the demo model: %w", err)
	}
	return res.Bundle, nil
}
