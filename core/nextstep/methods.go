package nextstep

import (
	"fmt"

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

// Blended adds a with popularity (actors only) at weight pop, each scaled
// to a maximum of 1.
func Blended(a Method, pop float64) Method {
	return Method{
		Name:  fmt.Sprintf("%s+%g*popularity", a.Name, pop),
		Actor: a.Actor, Campaign: a.Campaign, Software: a.Software,
		build: func(d trainData) (ml.Scorer, error) {
			s, err := a.build(d)
			if err != nil {
				return nil, err
			}
			return &ml.Blend{Parts: []ml.Scorer{s, ml.NewPopularity(d.baskets, d.n)}, Weights: []float64{1, pop}}, nil
		},
	}
}

// Baselines are the three rankings the model is measured against.
func Baselines() []Method {
	return []Method{Popularity(), CoUsage(false), CoUsage(true), ItemCosine()}
}

// Default is the method `graph query next-steps` uses: item cosine over
// the co-usage of actors and their campaigns. Of the Candidates it has the
// best recall@10 averaged over four split tactics (bench/next_step -grid),
// tied with plain item cosine over actors; see bench/next_step/README.md.
func Default() Method { return ItemCosineOf(1, 1, 0, false) }

// Candidates are the methods tried when choosing Default.
func Candidates() []Method {
	var out []Method
	for _, w := range [][3]float64{{1, 0, 0}, {1, 1, 0}, {1, 1, 1}} {
		out = append(out, ItemCosineOf(w[0], w[1], w[2], false), ItemCosineOf(w[0], w[1], w[2], true))
		for _, a := range []float64{2, 3} {
			out = append(out, Neighbours(w[0], w[1], w[2], a, 0.5, 0), Neighbours(w[0], w[1], w[2], a, 0, 0))
		}
	}
	out = append(out, EASE(1, 0, 0, 50), EASE(1, 1, 0, 50), Ridge(1, 0, 0, 30), Ridge(1, 1, 0, 30),
		Blended(ItemCosine(), 0.25), Blended(Neighbours(1, 1, 0, 3, 0.5, 0), 0.25))
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
