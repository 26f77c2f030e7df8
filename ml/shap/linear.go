package shap

import "math"

// This file computes the same path-dependent TreeSHAP values as Algorithm 2
// in O(nodes × D) per tree instead of O(leaves × D²), which matters for the
// deep, chain-like trees LightGBM grows on sparse text features (31 leaves,
// depth up to 30).
//
// For one leaf with value v whose path holds the unique features j with
// zero fraction z_j (product of cover ratios of j's splits on the path) and
// one fraction o_j (1 if the row takes all of them), the Shapley value of
// feature i in the leaf's game v·Π_{j∈S} o_j·Π_{j∉S} z_j is
//
//	φ_i = (o_i − z_i)·v·Σ_k c_k·k!(d−k−1)!/d!,   c_k = [y^k] Π_{j≠i}(z_j + o_j·y)
//	    = (o_i − z_i)·v·∫₀¹ Π_{j≠i}(z_j(1−t) + o_j·t) dt
//
// using k!(d−k−1)!/d! = ∫₀¹ t^k(1−t)^(d−k−1) dt. The integrand is a
// polynomial of degree < d, so Gauss–Legendre quadrature with ⌈d/2⌉ points
// is exact. Writing P_l(t) = Π_j f_j(t), f_j(t) = z_j(1−t) + o_j·t, for the
// leaf's full product, φ_i = (o_i − z_i)·v·Σ_q w_q·P_l(t_q)/f_i(t_q), so the
// leaves sharing feature i's deepest split on their path can be summed
// first: every edge below a split on i adds (o − z)·Σ_q w_q·(H(t_q) −
// D(t_q))/f(t_q), where H sums v_l·P_l over the leaves below the edge and D
// over those that split on i again deeper down (their element for i is a
// different one). This is the idea of Linear TreeShap (Yu, Jiang, Lin & Yu,
// NeurIPS 2022), here with quadrature instead of their polynomial bases.

// quadrature holds Gauss–Legendre nodes t and weights w on [0, 1], and
// w/(1−t), the weight of a cold edge (one fraction 0), whose factor is
// z(1−t).
type quadrature struct {
	t, w, wCold []float64
}

// gaussLegendre returns the m-point rule, exact for polynomials of degree
// up to 2m−1. Nodes are found by Newton's method on the Legendre
// polynomial P_m from the usual cosine first guesses.
func gaussLegendre(m int) quadrature {
	q := quadrature{t: make([]float64, m), w: make([]float64, m), wCold: make([]float64, m)}
	for i := 0; i < m; i++ {
		x := math.Cos(math.Pi * (float64(i) + 0.75) / (float64(m) + 0.5))
		var dp float64
		for iter := 0; iter < 100; iter++ {
			p0, p1 := 1.0, x
			for k := 2; k <= m; k++ {
				p0, p1 = p1, (float64(2*k-1)*x*p1-float64(k-1)*p0)/float64(k)
			}
			if m == 1 {
				p0 = 1
			}
			dp = float64(m) * (x*p1 - p0) / (x*x - 1)
			dx := p1 / dp
			x -= dx
			if math.Abs(dx) < 1e-16 {
				break
			}
		}
		// re-evaluate the derivative at the converged node
		p0, p1 := 1.0, x
		for k := 2; k <= m; k++ {
			p0, p1 = p1, (float64(2*k-1)*x*p1-float64(k-1)*p0)/float64(k)
		}
		dp = float64(m) * (x*p1 - p0) / (x*x - 1)
		q.t[i] = (1 + x) / 2
		q.w[i] = 1 / ((1 - x*x) * dp * dp) // (2/((1−x²)P'²)) / 2 for [0,1]
		q.wCold[i] = q.w[i] / (1 - q.t[i])
	}
	return q
}

// edgeState is what the walk keeps per depth: the combined element of the
// split feature on the edge just taken, and the sum D of v·P over the
// leaves below that split the same feature again.
type edgeState struct {
	z, o float64
	acc  []float64
}

// linearScratch is the per-call memory of the linear walk.
type linearScratch struct {
	edges     []edgeState
	p, h      [][]float64 // per depth: product values and leaf sums, m each
	featLevel []int32     // depth of the open edge splitting on a feature, or -1
}

func newLinearScratch(maxDepth, maxM, numFeatures int) linearScratch {
	s := linearScratch{
		edges:     make([]edgeState, maxDepth+1),
		p:         make([][]float64, maxDepth+2),
		h:         make([][]float64, maxDepth+2),
		featLevel: make([]int32, numFeatures),
	}
	for d := range s.edges {
		s.edges[d].acc = make([]float64, maxM)
	}
	for d := range s.p {
		s.p[d] = make([]float64, maxM)
		s.h[d] = make([]float64, maxM)
	}
	for f := range s.featLevel {
		s.featLevel[f] = -1
	}
	return s
}

type linearWalker struct {
	tc  *treeCover
	hot []int
	s   *linearScratch
	q   quadrature
	phi []float64
}

// explainLinear adds the tree's contributions to phi by the quadrature
// walk; s.hot holds the child the row takes at every internal node.
func (tc *treeCover) explainLinear(s *scratch, phi []float64) {
	if tc.tree.NumLeaves <= 1 {
		return // a constant tree only adds to the expected value
	}
	q := tc.quad
	m := len(q.t)
	p := s.linear.p[0][:m]
	for i := range p {
		p[i] = 1
	}
	w := linearWalker{tc: tc, hot: s.hot, s: &s.linear, q: q, phi: phi}
	w.visit(0, 0, p, s.linear.h[0][:m])
}

// visit walks the subtree of node, reached with path product values p, and
// writes into h the sum over its leaves of value·P_leaf at the nodes.
func (w *linearWalker) visit(node, level int, p, h []float64) {
	t := w.tc.tree
	if node < 0 {
		v := t.LeafValue[^node]
		for i, x := range p {
			h[i] = v * x
		}
		return
	}
	m := len(p)
	qt, qw := w.q.t, w.q.w
	f := t.SplitFeature[node]
	prev := w.s.featLevel[f]
	zPrev, oPrev := 1.0, 1.0
	if prev >= 0 {
		zPrev, oPrev = w.s.edges[prev].z, w.s.edges[prev].o
	}
	cover := w.tc.nodeCover[node]
	hot := w.hot[node]
	clear(h)
	edge := &w.s.edges[level]
	pc := w.s.p[level+1][:m]
	hc := w.s.h[level+1][:m]
	acc := edge.acc[:m]
	w.s.featLevel[f] = int32(level)
	for _, child := range [2]int{t.LeftChild[node], t.RightChild[node]} {
		ratio := 0.5
		if cover > 0 {
			ratio = w.tc.cover(child) / cover
		}
		z := zPrev * ratio
		o := 0.0
		if child == hot {
			o = oPrev
		}
		if z == 0 && o == 0 {
			continue // every leaf below has weight 0
		}
		edge.z, edge.o = z, o
		clear(acc)
		switch {
		case prev < 0: // first split on f: nothing to divide out
			for i, ti := range qt[:m] {
				pc[i] = p[i] * (z*(1-ti) + o*ti)
			}
		default:
			for i, ti := range qt[:m] {
				pc[i] = p[i] / (zPrev*(1-ti) + oPrev*ti) * (z*(1-ti) + o*ti)
			}
		}
		w.visit(child, level+1, pc, hc)
		sum := 0.0
		if o == 0 {
			// (0 − z)·Σ w(H−D)/(z(1−t)) = −Σ w/(1−t)·(H−D)
			for i, wc := range w.q.wCold[:m] {
				sum += wc * (hc[i] - acc[i])
				h[i] += hc[i]
			}
			w.phi[f] -= sum
			continue
		}
		for i, ti := range qt[:m] {
			sum += qw[i] * (hc[i] - acc[i]) / (z*(1-ti) + o*ti)
			h[i] += hc[i]
		}
		w.phi[f] += (o - z) * sum
	}
	w.s.featLevel[f] = prev
	// All leaves below split on f again deeper than the enclosing edge on f.
	if prev >= 0 {
		outer := w.s.edges[prev].acc[:m]
		for i, x := range h {
			outer[i] += x
		}
	}
}
