// Package learner closes the self-learning loop: it decides when the
// champion model needs retraining (Check: enough new analyst labels, falling
// accuracy on recent labels, old age with new labels, data drift), trains a
// candidate on the base corpus plus the analyst labels, judges candidate and
// champion on the newest labels neither trained on, and promotes the
// candidate only when it is not worse (Run). Every decision is recorded in
// the model registry.
package learner

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/cyberstreams/cyberstreams/core/training"
)

// ConfigFile is the workspace's settings file; the learner reads its
// "learner" section.
const ConfigFile = "config.json"

// Config sets the triggers and the retraining. JSON names are those of the
// "learner" section of config.json.
type Config struct {
	// BaseCorpus are labelled document files (JSONL, .gz, OSV, CVE 5, …)
	// every model learns from besides the analyst labels.
	BaseCorpus []string `json:"base_corpus,omitempty"`
	// IgnoreWorkspaceSeverity stops workspace documents that carry their
	// source's severity from counting as base training data (then only
	// BaseCorpus and analyst labels are learned from).
	IgnoreWorkspaceSeverity bool `json:"ignore_workspace_severity,omitempty"`
	// KEV is the CISA KEV catalog for the kev:listed feature (optional).
	KEV string `json:"kev,omitempty"`

	// MinNewLabels fires a retrain once this many documents got a label the
	// champion has not trained on (1000).
	MinNewLabels int `json:"min_new_labels"`
	// RecentLabels is how many of the newest such labels the champion's
	// accuracy is measured on (500); MinRecentLabels is the fewest worth
	// judging (50).
	RecentLabels    int `json:"recent_labels"`
	MinRecentLabels int `json:"min_recent_labels"`
	// AccuracyRatio fires when recent accuracy < ratio × the champion's
	// validation accuracy (0.95).
	AccuracyRatio float64 `json:"accuracy_ratio"`
	// MaxAgeDays fires when the champion is this old and new labels exist (7).
	MaxAgeDays float64 `json:"max_age_days"`
	// Drift turns the drift trigger on (true); DriftDays is the current
	// window: documents published in the last DriftDays days (30).
	Drift     bool `json:"drift"`
	DriftDays int  `json:"drift_days"`

	// HoldoutShare is the newest share (by label time) of the labels the
	// champion has not seen, kept out of the candidate's training to judge
	// both (0.2). MinHoldout is the fewest held-out labels a comparison
	// needs (20).
	HoldoutShare float64 `json:"holdout_share"`
	MinHoldout   int     `json:"min_holdout"`
	// Metric decides promotion: "macro_f1" (default) or "accuracy"; both
	// are recorded.
	Metric string `json:"metric"`
	// Margin is how much worse than the champion the candidate may be and
	// still be promoted (0: it must be at least as good).
	Margin float64 `json:"margin"`
	// Seed and Iterations (0 = training default) of the candidate.
	Seed       int64 `json:"seed"`
	Iterations int   `json:"iterations,omitempty"`

	// Now is the clock (tests pass a fake); nil means time.Now.
	Now func() time.Time `json:"-"`
	// Tune adjusts the training options after the config is applied
	// (tests use it for fast, tiny models); nil leaves them.
	Tune func(*training.Options) `json:"-"`
}

// DefaultConfig is the learner's behaviour when config.json says nothing.
func DefaultConfig() Config {
	return Config{
		MinNewLabels: 1000, RecentLabels: 500, MinRecentLabels: 50, AccuracyRatio: 0.95,
		MaxAgeDays: 7, Drift: true, DriftDays: 30,
		HoldoutShare: 0.2, MinHoldout: 20, Metric: "macro_f1", Seed: 42,
	}
}

// LoadConfig reads the "learner" section of dir/config.json over the
// defaults; a missing file or section gives the defaults. Relative base
// corpus and KEV paths are taken relative to the workspace directory.
func LoadConfig(dir string) (Config, error) {
	cfg := DefaultConfig()
	path := filepath.Join(dir, ConfigFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return cfg, nil
	}
	if err != nil {
		return cfg, fmt.Errorf("learner config: %w", err)
	}
	var file struct {
		Learner json.RawMessage `json:"learner"`
	}
	if err := json.Unmarshal(b, &file); err != nil {
		return cfg, fmt.Errorf("learner config %s: %w", path, err)
	}
	if len(file.Learner) > 0 {
		if err := json.Unmarshal(file.Learner, &cfg); err != nil {
			return cfg, fmt.Errorf("learner config %s: section learner: %w", path, err)
		}
	}
	for i, p := range cfg.BaseCorpus {
		cfg.BaseCorpus[i] = relTo(dir, p)
	}
	if cfg.KEV != "" {
		cfg.KEV = relTo(dir, cfg.KEV)
	}
	return cfg, cfg.validate()
}

func relTo(dir, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}

func (c Config) validate() error {
	switch {
	case c.Metric != "macro_f1" && c.Metric != "accuracy":
		return fmt.Errorf("learner config: metric %q: want macro_f1 or accuracy", c.Metric)
	case c.HoldoutShare < 0 || c.HoldoutShare >= 1:
		return fmt.Errorf("learner config: holdout_share %v: want [0, 1)", c.HoldoutShare)
	case c.Margin < 0:
		return fmt.Errorf("learner config: margin %v: want ≥ 0", c.Margin)
	}
	return nil
}

func (c Config) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}
