package learner

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/cyberstreams/cyberstreams/core/learner/learnertest"
	"github.com/cyberstreams/cyberstreams/core/model"
	"github.com/cyberstreams/cyberstreams/core/scoring"
	"github.com/cyberstreams/cyberstreams/core/training"
)

func TestJudge(t *testing.T) {
	ctx := context.Background()
	train := learnertest.Corpus{N: 400, Seed: 5}.Docs()
	fit := func(version string, tune func(*training.Options)) *model.Bundle {
		o := learnertest.FastOptions()
		o.Version = version
		if tune != nil {
			tune(&o)
		}
		res, err := training.Train(ctx, train, o)
		if err != nil {
			t.Fatal(err)
		}
		return res.Bundle
	}
	good := fit("good", nil)
	twin := fit("twin", func(o *training.Options) { o.Seed = 99 })
	weak := fit("weak", func(o *training.Options) { o.Params.NumIterations, o.Features.MaxTerms = 1, 1 })
	hold := learnertest.Corpus{N: 300, Seed: 6, Prefix: "hold"}.Docs()
	noisy := learnertest.Corpus{N: 300, Seed: 6, Prefix: "hold", Noise: 1}.Docs()
	tests := []struct {
		name        string
		champ, cand *model.Bundle
		hold        int
		noisy       bool
		metric      string
		better      bool
		says        string
	}{
		{"better candidate", weak, good, 300, false, "macro_f1", true, "better: the lower bound stays above the margin −0.0200"},
		{"better on accuracy too", weak, good, 300, false, "accuracy", true, "accuracy on 300 held-out labels"},
		{"worse candidate", good, weak, 300, false, "macro_f1", false, "the candidate is not better; good is kept"},
		{"the same model is never better", good, good, 300, false, "macro_f1", false, "difference +0.0000"},
		{"too few labels", weak, good, 99, false, "macro_f1", false, "only 99 held-out labels"},
		// Labels drawn at random: two models that learned the same thing
		// differ by chance only, which the test must not take for a gain.
		{"equal models on labels that are noise", good, twin, 300, true, "macro_f1", false, "good is kept"},
		{"equal models on labels that are noise, accuracy", good, twin, 300, true, "accuracy", false, "good is kept"},
	}
	for _, tt := range tests {
		for _, seed := range []int64{1, 2, 3} {
			t.Run(fmt.Sprintf("%s/seed %d", tt.name, seed), func(t *testing.T) {
				cfg := DefaultConfig()
				cfg.Metric, cfg.Seed = tt.metric, seed
				docs := hold[:tt.hold]
				if tt.noisy {
					docs = noisy[:tt.hold]
				}
				j := Judge(scoring.PlainKnowledge(), tt.champ, tt.cand, docs, cfg)
				if j.Better != tt.better || !strings.Contains(j.Reason, tt.says) {
					t.Fatalf("better %v, want %v; reason %q does not say %q", j.Better, tt.better, j.Reason, tt.says)
				}
				if j.N != tt.hold || j.MinN != 100 {
					t.Fatalf("n %d of %d", j.N, j.MinN)
				}
				if j.ChampionReport == nil {
					return
				}
				d := j.Difference
				if d.Estimate != j.CandidateScore-j.ChampionScore || !(d.Low <= d.High) || d.Resamples != 2000 || d.Seed != uint64(seed) {
					t.Fatalf("difference %+v for scores %v → %v", d, j.ChampionScore, j.CandidateScore)
				}
				if again := Judge(scoring.PlainKnowledge(), tt.champ, tt.cand, docs, cfg); again.Difference != d {
					t.Fatalf("the same seed judged differently: %+v vs %+v", again.Difference, d)
				}
			})
		}
	}
}

// TestJudgeFalsePromotions checks the test's level: two models that learned
// the same thing, judged on 40 sets of labels drawn at random, must be
// called different about 5 % of the time (confidence 0.95), not more. With
// a true rate of 5 %, 7 or more of 40 happens with probability 0.003.
func TestJudgeFalsePromotions(t *testing.T) {
	ctx := context.Background()
	train := learnertest.Corpus{N: 400, Seed: 5}.Docs()
	var models [2]*model.Bundle
	for i := range models {
		o := learnertest.FastOptions()
		o.Seed, o.Version = int64(i+1), fmt.Sprintf("m%d", i)
		res, err := training.Train(ctx, train, o)
		if err != nil {
			t.Fatal(err)
		}
		models[i] = res.Bundle
	}
	cfg := DefaultConfig()
	cfg.Resamples, cfg.MinHoldout = 500, 100
	promoted := 0
	for s := range 40 {
		hold := learnertest.Corpus{N: 200, Seed: uint64(100 + s), Prefix: "hold", Noise: 1}.Docs()
		if Judge(scoring.PlainKnowledge(), models[0], models[1], hold, cfg).Better {
			promoted++
		}
	}
	t.Logf("promoted on %d of 40 sets of random labels", promoted)
	if promoted > 6 {
		t.Fatalf("promoted on %d of 40 sets of random labels: the test is not at its level", promoted)
	}
}
