package shap

// ExplainClass is ExplainSparse for one output only: it walks just that
// output's trees (a fifth of a five-class model), which is what a scorer
// needs to explain the class it predicted. phi must have at least
// NumFeatures entries and is overwritten; the return value is the output's
// expected margin (the base value).
func (e *Explainer) ExplainClass(idx []int32, val []float64, output int, phi []float64) float64 {
	s := e.scratch.Get().(*scratch)
	clear(phi[:e.numFeatures])
	s.scatter(idx, val)
	for i := output; i < len(e.trees); i += e.numOutputs {
		tc := &e.trees[i]
		tc.route(s)
		tc.explainLinear(s, phi)
	}
	s.unscatter(idx)
	if e.scale != 1 {
		for f := range phi[:e.numFeatures] {
			phi[f] *= e.scale
		}
	}
	e.scratch.Put(s)
	return e.expected[output]
}

// NumFeatures is the width of a contribution vector.
func (e *Explainer) NumFeatures() int { return e.numFeatures }
