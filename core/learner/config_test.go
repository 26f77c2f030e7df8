package learner

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestParseConfig(t *testing.T) {
	path := filepath.Join("ws", ConfigFile)
	tests := []struct {
		name string
		in   string
		err  string // "" accepted; else a part of the error
		want func(Config) bool
	}{
		{name: "empty object keeps the defaults", in: `{}`, want: func(c Config) bool { return c.MinHoldout == 100 && c.Confidence == 0.95 && c.Resamples == 2000 }},
		{name: "null section keeps the defaults", in: `{"learner": null}`, want: func(c Config) bool { return c.MinNewLabels == 1000 }},
		{name: "other sections are ignored", in: `{"neo4j": {"uri": "x"}, "learner": {"min_holdout": 250}}`, want: func(c Config) bool { return c.MinHoldout == 250 && c.HoldoutShare == 0.2 }},
		{name: "relative paths are taken from the workspace", in: `{"learner": {"base_corpus": ["base.jsonl"], "kev": "/abs/kev.json"}}`,
			want: func(c Config) bool {
				return c.BaseCorpus[0] == filepath.Join("ws", "base.jsonl") && c.KEV == "/abs/kev.json"
			}},
		{name: "syntax error names the file and line", in: "{\n\"learner\": {\n\"min_holdout\": 1,\n}}", err: "ws/config.json: line 4"},
		{name: "type error names the line", in: "{\"learner\": {\n\"min_holdout\": \"many\"}}", err: "line 2"},
		{name: "misspelt setting", in: `{"learner": {"min_holdot": 10}}`, err: `unknown field "min_holdot"`},
		{name: "unknown metric", in: `{"learner": {"metric": "auc"}}`, err: "metric"},
		{name: "no hold-out share", in: `{"learner": {"holdout_share": 0}}`, err: "holdout_share"},
		{name: "whole share held out", in: `{"learner": {"holdout_share": 1}}`, err: "holdout_share"},
		{name: "a vanishing share", in: `{"learner": {"holdout_share": 1e-300}}`, err: "holdout_share"},
		{name: "zero min_holdout would judge on nothing", in: `{"learner": {"min_holdout": 0}}`, err: "min_holdout"},
		{name: "confidence of one", in: `{"learner": {"confidence": 1}}`, err: "confidence"},
		{name: "too few resamples", in: `{"learner": {"resamples": 10}}`, err: "resamples"},
		{name: "negative margin", in: `{"learner": {"margin": -0.1}}`, err: "margin"},
		{name: "negative drift window", in: `{"learner": {"drift_days": -3}}`, err: "drift_days"},
		{name: "not an object", in: `[1, 2]`, err: "ws/config.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseConfig([]byte(tt.in), path)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || !strings.Contains(err.Error(), path) {
					t.Fatalf("err %v, want one naming %s and saying %q", err, path, tt.err)
				}
				return
			}
			if err != nil || !tt.want(got) {
				t.Fatalf("got %+v, %v", got, err)
			}
		})
	}
}

// FuzzParseConfig: any bytes give either an error naming the file or
// settings a judgement can be made with; never a panic.
func FuzzParseConfig(f *testing.F) {
	for _, s := range []string{`{}`, `{"learner": {"min_holdout": 5, "confidence": 0.9}}`, "{\n\"learner\": {\"x\": 1}}",
		`{"learner": {"base_corpus": ["a", "/b"], "holdout_share": 0.5, "resamples": 100}}`, `{"learner": null}`, `nul`, `{"learner": []}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := ParseConfig(data, "ws/config.json")
		if err != nil {
			if !strings.Contains(err.Error(), "ws/config.json") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if verr := cfg.validate(); verr != nil {
			t.Fatalf("accepted settings that do not validate: %v", verr)
		}
		if n := neededLabels(cfg); n < cfg.MinHoldout {
			t.Fatalf("needs %d labels for %d held out", n, cfg.MinHoldout)
		}
	})
}
