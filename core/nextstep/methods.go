package nextstep

import (
	"fmt"
	"slices"

	ml "github.com/cyberstreams/cyberstreams/ml/nextstep"
)

// Neighbours is basket nearest neighbours (ml/nextstep.Neighbours) over
// actors, campaigns and software weighted as given.
func Neighbours(actor, campaign, software, alpha, beta float64, k int) Method {
	return Method{
		Name:  fmt.Sprintf("neighbours(a=%g,b=%g,k=%d;A%g,C%g,S%g)", alpha, beta, k, actor, campaign, software),
		Actor: actor, Campaign: campaign, Software: software,
		build: func(d trainData) (ml.Scorer, error) {
			return ml.NewNeighbours(d.baskets, d.n, alpha, beta, k), nil
		},
	}
}

// ItemCosineOf is item cosine over the weighted baskets; idf weights each
// given technique by log(1 + N/df), so a rare one says more.
func ItemCosineOf(actor, campaign, software float64, idf bool) Method {
	name := "item-cosine"
	if idf {
		name = "item-cosine-idf"
	}
	return Method{
		Name:  fmt.Sprintf("%s(A%g,C%g,S%g)", name, actor, campaign, software),
		Actor: actor, Campaign: campaign, Software: software,
		build: func(d trainData) (ml.Scorer, error) {
			return ml.NewItemCosine(d.baskets, d.n, idf), nil
		},
	}
}

// EASE is the ridge item-item autoencoder over the weighted baskets.
func EASE(actor, campaign, software, lambda float64) Method {
	return Method{
		Name:  fmt.Sprintf("ease(l=%g;A%g,C%g,S%g)", lambda, actor, campaign, software),
		Actor: actor, Campaign: campaign, Software: software,
		build: func(d trainData) (ml.Scorer, error) {
			return ml.NewEASE(d.baskets, d.n, lambda)
		},
	}
}

// Blended adds a with popularity (how many actors use a technique, as
// Popularity counts it) at weight pop, each scaled to a maximum of 1.
func Blended(a Method, pop float64) Method {
	return Method{
		Name:  fmt.Sprintf("%s+%g*popularity", a.Name, pop),
		Actor: a.Actor, Campaign: a.Campaign, Software: a.Software,
		build: func(d trainData) (ml.Scorer, error) {
			s, err := a.build(d)
			if err != nil {
				return nil, err
			}
			var actors []ml.Basket
			for i, b := range d.baskets {
				if d.isActor[i] {
					actors = append(actors, ml.Basket{Items: b.Items, Weight: 1})
				}
			}
			return &ml.Blend{Parts: []ml.Scorer{s, ml.NewPopularity(actors, d.n)}, Weights: []float64{1, pop}}, nil
		},
	}
}

// Baselines are the three rankings the model is measured against.
func Baselines() []Method {
	return []Method{Popularity(), CoUsage(false), CoUsage(true), ItemCosine()}
}

// EASETuned is EASE with its ridge strength chosen among lambdas on the
// training actors alone (nested): each training actor with MinEach = 3
// techniques on each side of the split tactic is left out in turn, with
// its campaigns and software, and ranks its later techniques from its
// earlier ones; the strength with the best mean recall@10 is fitted on
// every training basket (the middle strength when no actor has enough
// techniques to tune on). A held-out actor of Benchmark is never among the
// baskets, so never among the folds.
func EASETuned(actor, campaign, software float64, lambdas []float64) Method {
	return Method{
		Name:  fmt.Sprintf("ease-nested(l=%v;A%g,C%g,S%g)", lambdas, actor, campaign, software),
		Actor: actor, Campaign: campaign, Software: software,
		build: func(d trainData) (ml.Scorer, error) {
			lambda := lambdas[len(lambdas)/2]
			if folds := d.innerFolds(3); len(folds) > 0 {
				var err error
				if lambda, _, err = ml.TuneEASE(d.baskets, d.n, folds, lambdas, 10); err != nil {
					return nil, err
				}
			}
			return ml.NewEASE(d.baskets, d.n, lambda)
		},
	}
}

// innerFolds are the training actors with minEach techniques on each side
// of the split, each with the baskets it owns to leave out.
func (d trainData) innerFolds(minEach int) []ml.Fold {
	var cands []int
	for i, s := range d.stage {
		if s >= d.split {
			cands = append(cands, i)
		}
	}
	var out []ml.Fold
	for a, b := range d.baskets {
		if len(d.owners[a]) != 1 || !d.isActor[a] {
			continue
		}
		f := ml.Fold{}
		for _, i := range b.Items {
			switch s := d.stage[i]; {
			case s < 0:
			case s < d.split:
				f.Given = append(f.Given, i)
			default:
				f.Truth = append(f.Truth, i)
			}
		}
		if len(f.Given) < minEach || len(f.Truth) < minEach {
			continue
		}
		for c, o := range d.owners {
			if slices.Contains(o, d.owners[a][0]) {
				f.Leave = append(f.Leave, c)
			}
		}
		for _, i := range cands {
			if !slices.Contains(f.Given, i) {
				f.Candidates = append(f.Candidates, i)
			}
		}
		out = append(out, f)
	}
	return out
}

// RP3beta is the random walk item → basket → item (ml/nextstep.RP3beta)
// over the weighted baskets.
func RP3beta(actor, campaign, software, alpha, beta float64) Method {
	return Method{
		Name:  fmt.Sprintf("rp3beta(a=%g,b=%g;A%g,C%g,S%g)", alpha, beta, actor, campaign, software),
		Actor: actor, Campaign: campaign, Software: software,
		build: func(d trainData) (ml.Scorer, error) {
			return ml.NewRP3beta(d.baskets, d.n, alpha, beta), nil
		},
	}
}

// Default is the method `graph query next-steps` uses: item cosine over
// the co-usage of actors, their campaigns and software (malware and tools)
// at weight 0.3, the software the held-out actor uses left out when it is
// measured. Of the Candidates it has the best recall@10 averaged over four
// split tactics (bench/next_step -grid), and it beats item cosine without
// software on average over five further splits; the margins are small
// (bench/next_step/README.md).
func Default() Method { return ItemCosineOf(1, 1, 0.3, false) }

// DefaultForText is the method `graph query next-steps` uses when any
// technique was found in text by the technique tagger (Query.Found): the
// Default plus 0.25 × popularity. The tagger finds under half of an
// incident's techniques and slips on some, so what the found ones come
// with is weaker evidence than given ids, and the blend leans on how
// common a technique is. Through the tagger it beats the Default on
// average over four split tactics and five further ones, with and without
// --from, and at credential-access (0.310 against 0.304 with --from,
// 0.268 against 0.259 without); with ids given it loses (0.356 against
// 0.359 on average), so ids keep the Default (bench/next_step/README.md).
func DefaultForText() Method { return Blended(Default(), 0.25) }

// MethodFor is the method a query is answered with: DefaultForText when
// any of its techniques was found in text, else Default.
func MethodFor(q Query) Method {
	if len(q.Found) > 0 {
		return DefaultForText()
	}
	return Default()
}

// Candidates are the methods tried when choosing Default.
func Candidates() []Method {
	var out []Method
	for _, w := range [][3]float64{{1, 0, 0}, {1, 1, 0}, {1, 1, 0.1}, {1, 1, 1}} {
		out = append(out, ItemCosineOf(w[0], w[1], w[2], false))
	}
	out = append(out, ItemCosineOf(1, 1, 0, true), ItemCosineOf(1, 1, 0.3, true))
	for _, w := range [][3]float64{{1, 1, 0}, {1, 1, 0.3}} {
		out = append(out,
			Neighbours(w[0], w[1], w[2], 2, 0, 0), Neighbours(w[0], w[1], w[2], 3, 0.5, 0),
			RP3beta(w[0], w[1], w[2], 0.5, 0.6), RP3beta(w[0], w[1], w[2], 1, 0))
	}
	for _, l := range []float64{50, 300, 1000} {
		out = append(out, EASE(1, 1, 0, l))
	}
	out = append(out, EASETuned(1, 1, 0, []float64{30, 100, 300, 1000, 3000}))
	out = append(out, Blended(EASE(1, 1, 0, 300), 0.5), Blended(EASE(1, 1, 0, 100), 1),
		Ridge(1, 1, 0, 30), Blended(ItemCosine(), 0.25), Blended(Default(), 0.25))
	return out
}

// Ridge is multi-output ridge regression (ml/nextstep.Ridge) from the
// techniques before the split tactic to those at or after it, trained on
// every weighted basket split the same way.
func Ridge(actor, campaign, software, lambda float64) Method {
	return Method{
		Name:  fmt.Sprintf("ridge(l=%g;A%g,C%g,S%g)", lambda, actor, campaign, software),
		Actor: actor, Campaign: campaign, Software: software,
		build: func(d trainData) (ml.Scorer, error) {
			ex := make([]ml.Example, 0, len(d.baskets))
			for _, b := range d.baskets {
				e := ml.Example{Weight: b.Weight}
				for _, i := range b.Items {
					if d.stage[i] < d.split {
						e.In = append(e.In, i)
					} else {
						e.Out = append(e.Out, i)
					}
				}
				ex = append(ex, e)
			}
			return ml.NewRidge(ex, d.n, lambda)
		},
	}
}
