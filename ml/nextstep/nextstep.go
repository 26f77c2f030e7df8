// Package nextstep ranks the items a basket is likely to hold besides the
// ones already seen, learned from other baskets: the algorithms behind the
// next-attack-step model, with no knowledge of ATT&CK. Items are 0..n-1;
// a basket is a set of items with a weight (how much one basket of its kind
// counts).
package nextstep

import (
	"fmt"
	"math"
	"sort"

	"gonum.org/v1/gonum/mat"
)

// Basket is one set of items seen together, such as the techniques one
// actor uses.
type Basket struct {
	Items  []int
	Weight float64
}

// Scorer scores every item for the given ones; higher ranks first.
type Scorer interface {
	Scores(given []int) []float64
}

// Popularity scores an item by the weight of the baskets holding it; it
// ignores what was given.
type Popularity struct{ count []float64 }

// NewPopularity counts item weights over baskets.
func NewPopularity(baskets []Basket, n int) *Popularity {
	p := &Popularity{count: make([]float64, n)}
	for _, b := range baskets {
		for _, i := range b.Items {
			p.count[i] += b.Weight
		}
	}
	return p
}

// Scores returns the weighted counts.
func (p *Popularity) Scores([]int) []float64 { return append([]float64(nil), p.count...) }

// cooccurrence returns the weighted item counts and the item×item
// co-occurrence matrix (diagonal = counts).
func cooccurrence(baskets []Basket, n int) *mat.SymDense {
	c := mat.NewSymDense(n, nil)
	for _, b := range baskets {
		for x, i := range b.Items {
			for _, j := range b.Items[x:] {
				c.SetSym(i, j, c.At(i, j)+b.Weight)
			}
		}
	}
	return c
}

// ItemCosine scores item j by Σ over given i of cos(i, j), the cosine of
// their basket-incidence vectors (Sarwar et al., "Item-based collaborative
// filtering recommendation algorithms", WWW 2001, §3.1.1). IDF, when set,
// multiplies each given item's row by log(N / df(i)) so a rare given item
// says more than one everybody uses.
type ItemCosine struct {
	sim *mat.Dense
}

// NewItemCosine builds the item-item cosine matrix; idf weights given items
// by inverse basket frequency.
func NewItemCosine(baskets []Basket, n int, idf bool) *ItemCosine {
	c := cooccurrence(baskets, n)
	var total float64
	for _, b := range baskets {
		total += b.Weight
	}
	sim := mat.NewDense(n, n, nil)
	for i := 0; i < n; i++ {
		ci := c.At(i, i)
		if ci == 0 {
			continue
		}
		w := 1.0
		if idf {
			w = math.Log(1 + total/ci)
		}
		for j := 0; j < n; j++ {
			if cj := c.At(j, j); cj > 0 && i != j {
				sim.Set(i, j, w*c.At(i, j)/math.Sqrt(ci*cj))
			}
		}
	}
	return &ItemCosine{sim: sim}
}

// Scores sums the given items' similarity rows.
func (m *ItemCosine) Scores(given []int) []float64 { return sumRows(m.sim, given) }

// sumRows adds the given rows of an item × item matrix.
func sumRows(m *mat.Dense, rows []int) []float64 {
	_, n := m.Dims()
	out := make([]float64, n)
	for _, i := range rows {
		for j, v := range m.RawRowView(i) {
			out[j] += v
		}
	}
	return out
}

// Neighbours is basket-based nearest neighbours: the baskets most like the
// given items vote for what else they hold, each by its similarity to the
// given set raised to Alpha (Alpha > 1 lets the closest baskets dominate;
// Aiolli, "Efficient top-N recommendation for very large scale binary rated
// datasets", RecSys 2013, uses the same locality exponent). Similarity is
// |given ∩ b| / (|given|^½ · |b|^Beta).
type Neighbours struct {
	baskets     []Basket
	n           int
	Alpha, Beta float64
	K           int // only the K most similar baskets vote (0 = all)
}

// NewNeighbours keeps the baskets to compare against.
func NewNeighbours(baskets []Basket, n int, alpha, beta float64, k int) *Neighbours {
	return &Neighbours{baskets: baskets, n: n, Alpha: alpha, Beta: beta, K: k}
}

// Scores lets the neighbours vote.
func (m *Neighbours) Scores(given []int) []float64 {
	in := make([]bool, m.n)
	for _, i := range given {
		in[i] = true
	}
	type vote struct {
		b   int
		sim float64
	}
	var votes []vote
	for bi, b := range m.baskets {
		common := 0
		for _, i := range b.Items {
			if in[i] {
				common++
			}
		}
		if common == 0 || len(b.Items) == 0 {
			continue
		}
		s := float64(common) / (math.Sqrt(float64(len(given))) * math.Pow(float64(len(b.Items)), m.Beta))
		votes = append(votes, vote{bi, b.Weight * math.Pow(s, m.Alpha)})
	}
	if m.K > 0 && len(votes) > m.K {
		sort.Slice(votes, func(i, j int) bool {
			if votes[i].sim != votes[j].sim {
				return votes[i].sim > votes[j].sim
			}
			return votes[i].b < votes[j].b
		})
		votes = votes[:m.K]
	}
	out := make([]float64, m.n)
	for _, v := range votes {
		for _, i := range m.baskets[v.b].Items {
			out[i] += v.sim
		}
	}
	return out
}

// EASE is the closed-form shallow autoencoder of Steck, "Embarrassingly
// shallow autoencoders for sparse data" (WWW 2019): item weights
// B = I − P·diag(1/diag(P)) with P = (XᵀX + λI)⁻¹ and a zero diagonal, so
// each item is predicted from the others by ridge regression.
type EASE struct{ b *mat.Dense }

// NewEASE fits the item weights with ridge strength lambda.
func NewEASE(baskets []Basket, n int, lambda float64) (*EASE, error) {
	g := cooccurrence(baskets, n)
	for i := 0; i < n; i++ {
		g.SetSym(i, i, g.At(i, i)+lambda)
	}
	var ch mat.Cholesky
	if !ch.Factorize(g) {
		return nil, fmt.Errorf("ease: XᵀX + %gI is not positive definite", lambda)
	}
	var p mat.SymDense
	if err := ch.InverseTo(&p); err != nil {
		return nil, fmt.Errorf("ease: inverse: %w", err)
	}
	b := mat.NewDense(n, n, nil)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			if i != j {
				b.Set(i, j, -p.At(i, j)/p.At(j, j))
			}
		}
	}
	return &EASE{b: b}, nil
}

// Scores sums the given items' weight rows.
func (m *EASE) Scores(given []int) []float64 { return sumRows(m.b, given) }

// Blend adds its parts' scores, each first scaled to a maximum of 1 over
// the candidates (so weights compare parts, not their units).
type Blend struct {
	Parts   []Scorer
	Weights []float64
}

// Scores blends the parts.
func (m *Blend) Scores(given []int) []float64 {
	var out []float64
	for k, p := range m.Parts {
		s := p.Scores(given)
		if out == nil {
			out = make([]float64, len(s))
		}
		max := 0.0
		for _, v := range s {
			max = math.Max(max, v)
		}
		if max <= 0 {
			continue
		}
		for i, v := range s {
			out[i] += m.Weights[k] * v / max
		}
	}
	return out
}

// Rank returns the candidates ordered by score, highest first, ties by
// item number.
func Rank(scores []float64, candidates []int) []int {
	out := append([]int(nil), candidates...)
	sort.SliceStable(out, func(a, b int) bool {
		sa, sb := scores[out[a]], scores[out[b]]
		if sa != sb {
			return sa > sb
		}
		return out[a] < out[b]
	})
	return out
}

// Example is one training pair for Ridge: the items visible (In) and the
// items to predict (Out) of one basket, split as queries will be.
type Example struct {
	In, Out []int
	Weight  float64
}

// Ridge is multi-output ridge regression from the visible items to the
// items that follow, solved in its dual (kernel) form since there are fewer
// examples than items: with centred inputs X and outputs Y,
// scores(x) = ȳ + (x − x̄)ᵀ Xᵀ (XXᵀ + λW⁻¹)⁻¹ Y, W the example weights
// (Hastie, Tibshirani and Friedman, The Elements of Statistical Learning,
// §3.4.1 and §5.8). Centring makes an absent item evidence too.
type Ridge struct {
	n     int
	xMean []float64
	yMean []float64
	x     *mat.Dense // centred inputs, examples × items
	alpha *mat.Dense // (XXᵀ + λW⁻¹)⁻¹ Y, examples × items
}

// NewRidge fits the regression with ridge strength lambda.
func NewRidge(examples []Example, n int, lambda float64) (*Ridge, error) {
	m := len(examples)
	if m == 0 {
		return nil, fmt.Errorf("ridge: no examples")
	}
	x := mat.NewDense(m, n, nil)
	y := mat.NewDense(m, n, nil)
	r := &Ridge{n: n, xMean: make([]float64, n), yMean: make([]float64, n)}
	var total float64
	for e, ex := range examples {
		total += ex.Weight
		for _, i := range ex.In {
			x.Set(e, i, 1)
			r.xMean[i] += ex.Weight
		}
		for _, i := range ex.Out {
			y.Set(e, i, 1)
			r.yMean[i] += ex.Weight
		}
	}
	for i := 0; i < n; i++ {
		r.xMean[i] /= total
		r.yMean[i] /= total
	}
	for e := 0; e < m; e++ {
		xr, yr := x.RawRowView(e), y.RawRowView(e)
		for i := 0; i < n; i++ {
			xr[i] -= r.xMean[i]
			yr[i] -= r.yMean[i]
		}
	}
	var k mat.Dense
	k.Mul(x, x.T())
	for e, ex := range examples {
		k.Set(e, e, k.At(e, e)+lambda/ex.Weight)
	}
	var a mat.Dense
	if err := a.Solve(&k, y); err != nil {
		return nil, fmt.Errorf("ridge: %w", err)
	}
	r.x, r.alpha = x, &a
	return r, nil
}

// Scores predicts every item's score from the given ones.
func (r *Ridge) Scores(given []int) []float64 {
	q := make([]float64, r.n)
	for i := range q {
		q[i] = -r.xMean[i]
	}
	for _, i := range given {
		q[i]++
	}
	m, _ := r.x.Dims()
	kq := mat.NewVecDense(m, nil)
	kq.MulVec(r.x, mat.NewVecDense(r.n, q))
	out := mat.NewVecDense(r.n, nil)
	out.MulVec(r.alpha.T(), kq)
	s := make([]float64, r.n)
	for i := range s {
		s[i] = r.yMean[i] + out.AtVec(i)
	}
	return s
}
