package nextstep

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/cyberstreams/cyberstreams/kg"
)

// Protocol is the leave-one-actor-out measurement: for every actor with at
// least MinEach techniques whose earliest tactic comes before Split and
// MinEach at Split or later, train on everything but that actor and its
// campaigns, reveal its earlier techniques and rank the techniques starting
// at Split or later; its later techniques are the truth.
type Protocol struct {
	Split   string
	MinEach int
	K       int
	// Reveal, when set, replaces what the ranker is given: from the held-out
	// actor and its techniques before Split, the techniques it is shown
	// (e.g. those the technique tagger finds in the actor's procedure text,
	// TextReveal). Those outside the graph are left out.
	Reveal func(actor string, earlier []string) []string
	// DropLater ranks the revealed techniques that start at Split or
	// later (a tagger's slips into later tactics) instead of giving them,
	// unless nothing else is revealed: what `next-steps --text --from
	// SPLIT` does (Model.withoutSlips).
	DropLater bool
	// FromShown starts the ranking where `next-steps` does without --from
	// instead of at Split: after the furthest tactic a given id starts in,
	// or, with Reveal, that two found techniques start in
	// (furthestFound); the truth before it cannot be found.
	FromShown bool
	// Only, when set, keeps the held-out actors it holds (a subset).
	Only map[string]bool
}

// Result is one method's score under a protocol: macro averages over the
// held-out actors of recall@K (share of the truth in the top K), hit@K (at
// least one in the top K) and MRR (1 / rank of the first true technique).
type Result struct {
	Method string  `json:"method"`
	Split  string  `json:"split"`
	Actors int     `json:"actors"`
	Recall float64 `json:"recall_at_k"`
	Hit    float64 `json:"hit_at_k"`
	MRR    float64 `json:"mrr"`
}

type heldOut struct {
	actor        string
	given, truth []string
}

// folds lists the actors the protocol holds out, in key order.
func (p Protocol) folds(u kg.TechniqueUsage) ([]heldOut, int, error) {
	split := TacticIndex(p.Split)
	if split < 0 {
		return nil, 0, fmt.Errorf("unknown tactic %q", p.Split)
	}
	stage := map[string]int{}
	for _, t := range u.Techniques {
		stage[t.Key] = stageOf(t.Tactics)
	}
	var out []heldOut
	for _, usr := range u.Users {
		if usr.Label != kg.Actor {
			continue
		}
		h := heldOut{actor: usr.Key}
		for _, t := range usr.Techniques {
			s, ok := stage[t]
			switch {
			case !ok || s < 0:
			case s < split:
				h.given = append(h.given, t)
			default:
				h.truth = append(h.truth, t)
			}
		}
		if len(h.given) >= p.MinEach && len(h.truth) >= p.MinEach && (p.Only == nil || p.Only[usr.Key]) {
			out = append(out, h)
		}
	}
	return out, split, nil
}

// HeldOut lists the actors the protocol holds out, in key order.
func (p Protocol) HeldOut(u kg.TechniqueUsage) ([]string, error) {
	folds, _, err := p.folds(u)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(folds))
	for i, f := range folds {
		out[i] = f.actor
	}
	return out, nil
}

// Benchmark runs the protocol for each method. With Reveal set, a
// technique the actor is shown but that starts at Split or later is given
// too, so it is not ranked: a tagger's slip costs recall, unless
// DropLater.
func Benchmark(ctx context.Context, u kg.TechniqueUsage, p Protocol, methods []Method) ([]Result, error) {
	folds, split, err := p.folds(u)
	if err != nil {
		return nil, err
	}
	if len(folds) == 0 {
		return nil, fmt.Errorf("no actor has %d techniques on each side of %s", p.MinEach, p.Split)
	}
	res := make([]Result, len(methods))
	for mi, m := range methods {
		res[mi] = Result{Method: m.Name, Split: p.Split, Actors: len(folds)}
	}
	for _, f := range folds {
		shown := f.given
		if p.Reveal != nil {
			shown = p.Reveal(f.actor, f.given)
		}
		leave := func(usr kg.TechniqueUser) bool {
			return usr.Key == f.actor || slices.Contains(usr.Actors, f.actor)
		}
		for mi, m := range methods {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			md, err := train(u, m, leave)
			if err != nil {
				return nil, err
			}
			var given []int
			for _, t := range shown {
				if i, ok := md.index[t]; ok && !slices.Contains(given, i) {
					given = append(given, i)
				}
			}
			if p.DropLater {
				given = md.withoutSlips(given, given, split)
			}
			truth := map[int]bool{}
			for _, t := range f.truth {
				truth[md.index[t]] = true
			}
			from := split
			if p.FromShown && len(given) > 0 {
				var stages []int
				for _, i := range given {
					stages = append(stages, md.stage[i])
				}
				if p.Reveal != nil {
					from = furthestFound(stages) + 1
					given = md.withoutSlips(given, given, from)
				} else {
					from = slices.Max(stages) + 1
				}
			}
			ranked, _, err := md.rank(given, from)
			if err != nil {
				return nil, err
			}
			res[mi].add(ranked, truth, p.K)
		}
	}
	for i := range res {
		res[i].average(len(folds))
	}
	return res, nil
}

// add sums one held-out actor's recall@k, hit@k and reciprocal rank.
func (r *Result) add(ranked []int, truth map[int]bool, k int) {
	hits, first := 0, true
	for at, i := range ranked {
		if !truth[i] {
			continue
		}
		if first {
			r.MRR += 1 / float64(at+1)
			first = false
		}
		if at < k {
			hits++
		}
	}
	r.Recall += float64(hits) / float64(len(truth))
	if hits > 0 {
		r.Hit++
	}
}

// average turns the sums over n held-out actors into means.
func (r *Result) average(n int) {
	r.Recall /= float64(n)
	r.Hit /= float64(n)
	r.MRR /= float64(n)
}

// HindsightList is a yardstick, not a method: the one list of techniques
// that, given to every held-out actor of p alike, has the best mean
// recall@K, chosen with the held-out actors' own later techniques in hand.
// Recall@K of a fixed list is the sum over its first K techniques of
// Σ_actors [technique in the actor's truth] / |truth|, so ranking every
// candidate by that sum is optimal. No ranking that ignores what it is
// given can beat it (bench/next_step: popularity reaches it at
// credential-access); what a method gains above it is what the given
// techniques told it. Hit@K and MRR are those of the same list.
func HindsightList(u kg.TechniqueUsage, p Protocol) (Result, error) {
	folds, split, err := p.folds(u)
	if err != nil {
		return Result{}, err
	}
	if len(folds) == 0 {
		return Result{}, fmt.Errorf("no actor has %d techniques on each side of %s", p.MinEach, p.Split)
	}
	index := map[string]int{}
	value := make([]float64, len(u.Techniques))
	var list []int
	for i, t := range u.Techniques {
		index[t.Key] = i
		if stageOf(t.Tactics) >= split {
			list = append(list, i)
		}
	}
	truths := make([]map[int]bool, len(folds))
	for fi, f := range folds {
		truths[fi] = map[int]bool{}
		for _, t := range f.truth {
			truths[fi][index[t]] = true
			value[index[t]] += 1 / float64(len(f.truth))
		}
	}
	slices.SortStableFunc(list, func(a, b int) int { return cmp.Compare(value[b], value[a]) })
	res := Result{Method: "hindsight-list(yardstick)", Split: p.Split, Actors: len(folds)}
	for _, truth := range truths {
		res.add(list, truth, p.K)
	}
	res.average(len(folds))
	return res, nil
}
