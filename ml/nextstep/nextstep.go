// Package nextstep ranks the items a basket is likely to hold besides the
// ones already seen, learned from other baskets: the algorithms behind the
// next-attack-step model, with no knowledge of ATT&CK. Items are 0..n-1;
// a basket is a set of items with a weight (how much one basket of its kind
// counts).
package nextstep

import (
	"fmt"
	"math"
	"slices"
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
// B = I − P·diag(1/diag(P)) with P = (XᵀWX + λI)⁻¹ and a zero diagonal, so
// each item is predicted from the others by ridge regression. With fewer
// baskets than items it is solved in the dual (Woodbury):
// P = (I − XᵀK⁻¹X)/λ with K = λW⁻¹ + XXᵀ, so item j scores
// Σ_{g given, g≠j} B(g,j) = (s − x_j[j given])ᵀK⁻¹x_j / (1 − x_jᵀK⁻¹x_j),
// s the given items' count per basket and x_j the baskets holding j.
type EASE struct {
	holds [][]int // the baskets holding each item
	kinv  *mat.SymDense
	quad  []float64 // x_jᵀK⁻¹x_j
}

// NewEASE fits the item weights with ridge strength lambda.
func NewEASE(baskets []Basket, n int, lambda float64) (*EASE, error) {
	holds, xxt := basketGram(baskets, n)
	kinv, err := easeDualInverse(baskets, xxt, lambda)
	if err != nil {
		return nil, err
	}
	m := &EASE{holds: holds, kinv: kinv, quad: make([]float64, n)}
	for j, h := range holds {
		for _, a := range h {
			for _, b := range h {
				m.quad[j] += kinv.At(a, b)
			}
		}
	}
	return m, nil
}

// Scores sums the given items' weight columns.
func (m *EASE) Scores(given []int) []float64 {
	mb, _ := m.kinv.Dims()
	s := make([]float64, mb)
	for _, g := range given {
		for _, a := range m.holds[g] {
			s[a]++
		}
	}
	t := make([]float64, mb)
	for a, v := range s {
		if v == 0 {
			continue
		}
		for b := range t {
			t[b] += m.kinv.At(b, a) * v
		}
	}
	out := make([]float64, len(m.holds))
	for j, h := range m.holds {
		if len(h) == 0 {
			continue
		}
		var lin float64
		for _, a := range h {
			lin += t[a]
		}
		if slices.Contains(given, j) {
			lin -= m.quad[j]
		}
		out[j] = lin / (1 - m.quad[j])
	}
	return out
}

// basketGram lists the baskets holding each item and the basket × basket
// matrix XXᵀ of shared items.
func basketGram(baskets []Basket, n int) ([][]int, *mat.SymDense) {
	m := len(baskets)
	holds := make([][]int, n)
	for a, b := range baskets {
		for _, i := range b.Items {
			holds[i] = append(holds[i], a)
		}
	}
	xxt := mat.NewSymDense(m, nil)
	for _, h := range holds {
		for x, a := range h {
			for _, b := range h[x:] {
				xxt.SetSym(a, b, xxt.At(a, b)+1)
			}
		}
	}
	return holds, xxt
}

// easeDualInverse is K⁻¹ = (λW⁻¹ + XXᵀ)⁻¹.
func easeDualInverse(baskets []Basket, xxt *mat.SymDense, lambda float64) (*mat.SymDense, error) {
	m := len(baskets)
	k := mat.NewSymDense(m, nil)
	k.CopySym(xxt)
	for a, b := range baskets {
		if b.Weight <= 0 {
			return nil, fmt.Errorf("ease: basket %d has weight %g, want > 0", a, b.Weight)
		}
		k.SetSym(a, a, k.At(a, a)+lambda/b.Weight)
	}
	var ch mat.Cholesky
	if !ch.Factorize(k) {
		return nil, fmt.Errorf("ease: λW⁻¹ + XXᵀ at λ %g is not positive definite", lambda)
	}
	kinv := mat.NewSymDense(m, nil)
	if err := ch.InverseTo(kinv); err != nil {
		return nil, fmt.Errorf("ease: λ %g: inverse: %w", lambda, err)
	}
	return kinv, nil
}

// RP3beta is the three-step random walk item → basket → item of Paudel
// et al., "Updatable, accurate, diverse, and scalable recommendations for
// interactive applications" (ACM TiiS 2017, §4): the probability of
// walking from item i to item j through a basket holding both,
// W(i,j) = Σ_b P(b | i)·P(j | b), each transition raised to Alpha, then
// divided by j's weight raised to Beta so the walk's pull to popular items
// is tempered (Beta 0 keeps it: P(j | b) already favours them).
type RP3beta struct{ w *mat.Dense }

// NewRP3beta fits the walk's item-item weights.
func NewRP3beta(baskets []Basket, n int, alpha, beta float64) *RP3beta {
	deg := make([]float64, n)
	for _, b := range baskets {
		for _, i := range b.Items {
			deg[i] += b.Weight
		}
	}
	w := mat.NewDense(n, n, nil)
	for _, b := range baskets {
		if len(b.Items) == 0 {
			continue
		}
		// P(j | b) = 1/|b|; P(b | i) = weight(b)/deg(i).
		toItem := math.Pow(1/float64(len(b.Items)), alpha)
		for _, i := range b.Items {
			toBasket := math.Pow(b.Weight/deg[i], alpha)
			row := w.RawRowView(i)
			for _, j := range b.Items {
				row[j] += toBasket * toItem
			}
		}
	}
	for i := 0; i < n; i++ {
		row := w.RawRowView(i)
		row[i] = 0
		for j := range row {
			if row[j] != 0 {
				row[j] /= math.Pow(deg[j], beta)
			}
		}
	}
	return &RP3beta{w: w}
}

// Scores sums the given items' walk rows.
func (m *RP3beta) Scores(given []int) []float64 { return sumRows(m.w, given) }

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

// Fold is one inner held-out case for tuning: the baskets to leave out of
// training (the held-out owner's own and those attributed to it), the items
// it is given, the items it should rank high and the candidates it ranks.
type Fold struct {
	Leave, Given, Truth, Candidates []int
}

// TuneEASE picks EASE's ridge strength by leaving each fold's baskets out
// in turn, ranking its candidates with EASE fitted on the rest and
// averaging recall@k; it returns the best of lambdas (the first on ties)
// and each one's mean recall. Refitting per fold is cheap in the dual:
// with X the m × n basket matrix and W the basket weights,
// (XᵀWX + λI)⁻¹ = (I − Xᵀ K⁻¹ X)/λ with K = λW⁻¹ + XXᵀ (Woodbury), so an
// item j outside the given set scores Σ_g B(g,j) = sᵀK⁻¹x_j / (1 − x_jᵀK⁻¹x_j),
// s the given items' count per basket and x_j the baskets holding j, and
// leaving baskets R out only downdates K⁻¹ by its R block (the Schur
// complement), never refactoring.
func TuneEASE(baskets []Basket, n int, folds []Fold, lambdas []float64, k int) (float64, []float64, error) {
	if len(lambdas) == 0 || len(folds) == 0 {
		return 0, nil, fmt.Errorf("ease tuning: %d ridge strengths, %d folds", len(lambdas), len(folds))
	}
	holds, xxt := basketGram(baskets, n)
	recall := make([]float64, len(lambdas))
	for li, lambda := range lambdas {
		kinv, err := easeDualInverse(baskets, xxt, lambda)
		if err != nil {
			return 0, nil, fmt.Errorf("ease tuning: %w", err)
		}
		for _, f := range folds {
			scores, err := easeFoldScores(kinv, holds, f)
			if err != nil {
				return 0, nil, fmt.Errorf("ease tuning: λ %g: %w", lambda, err)
			}
			recall[li] += recallAt(scores, f, k) / float64(len(folds))
		}
	}
	best := 0
	for i, r := range recall {
		if r > recall[best] {
			best = i
		}
	}
	return lambdas[best], recall, nil
}

// easeFoldScores scores one fold's candidates with the downdated inverse
// K₋R⁻¹ = K⁻¹ − K⁻¹[:,R] (K⁻¹[R,R])⁻¹ K⁻¹[R,:], applied to vectors that are
// zero on R.
func easeFoldScores(kinv *mat.SymDense, holds [][]int, f Fold) ([]float64, error) {
	m, _ := kinv.Dims()
	left := make([]bool, m)
	for _, a := range f.Leave {
		left[a] = true
	}
	nr := len(f.Leave)
	var qinv mat.Dense
	if nr > 0 {
		q := mat.NewDense(nr, nr, nil)
		for x, a := range f.Leave {
			for y, b := range f.Leave {
				q.Set(x, y, kinv.At(a, b))
			}
		}
		if err := qinv.Inverse(q); err != nil {
			return nil, fmt.Errorf("downdate: %w", err)
		}
	}
	// The given items' count per kept basket, and K⁻¹ applied to it.
	s := make([]float64, m)
	for _, g := range f.Given {
		for _, a := range holds[g] {
			if !left[a] {
				s[a]++
			}
		}
	}
	// kinvS = K⁻¹s and its R entries, for the downdate.
	kinvS := make([]float64, m)
	for a := 0; a < m; a++ {
		if s[a] == 0 {
			continue
		}
		for b := 0; b < m; b++ {
			kinvS[b] += kinv.At(b, a) * s[a]
		}
	}
	sR := make([]float64, nr)
	for x, a := range f.Leave {
		sR[x] = kinvS[a]
	}
	scores := make([]float64, len(holds))
	for _, j := range f.Candidates {
		var lin, quad float64
		rj := make([]float64, nr)
		var kept []int
		for _, a := range holds[j] {
			if !left[a] {
				kept = append(kept, a)
			}
		}
		if len(kept) == 0 {
			continue
		}
		for _, a := range kept {
			lin += kinvS[a]
			for _, b := range kept {
				quad += kinv.At(a, b)
			}
			for x, r := range f.Leave {
				rj[x] += kinv.At(r, a)
			}
		}
		if nr > 0 {
			// Subtract the R block's share: uᵀK⁻¹[:,R] Q⁻¹ K⁻¹[R,:]v.
			var qs, qq float64
			for x := 0; x < nr; x++ {
				for y := 0; y < nr; y++ {
					qs += sR[x] * qinv.At(x, y) * rj[y]
					qq += rj[x] * qinv.At(x, y) * rj[y]
				}
			}
			lin -= qs
			quad -= qq
		}
		scores[j] = lin / (1 - quad)
	}
	return scores, nil
}

// recallAt is the share of the fold's truth among its k best candidates.
func recallAt(scores []float64, f Fold, k int) float64 {
	truth := map[int]bool{}
	for _, t := range f.Truth {
		truth[t] = true
	}
	hits := 0
	for r, j := range Rank(scores, f.Candidates) {
		if r == k {
			break
		}
		if truth[j] {
			hits++
		}
	}
	return float64(hits) / float64(len(f.Truth))
}
