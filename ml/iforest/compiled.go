package iforest

import (
	"fmt"
	"math"
)

// Compiled is a Forest laid out for scoring many vectors: every tree's
// nodes in one array of 24-byte cells (the JSON Node is 40), and each
// leaf's path-length term c(Size) computed once. Score gives exactly
// Forest.Score's value.
type Compiled struct {
	cells       []compiledCell
	roots       []int32
	numFeatures int
	norm        float64 // c(ψ)
}

// compiledCell is a split (feature ≥ 0: values ≤ value go to left) or a
// leaf (feature < 0) whose value is c(Size).
type compiledCell struct {
	value       float64
	feature     int32
	left, right int32
}

// Compile lays f out for scoring. f must not change afterwards.
func (f *Forest) Compile() *Compiled {
	c := &Compiled{numFeatures: f.NumFeatures, norm: averagePathLength(f.SampleSize)}
	for _, t := range f.Trees {
		base := int32(len(c.cells))
		c.roots = append(c.roots, base)
		for _, n := range t.Nodes {
			if n.Feature == leaf {
				v := averagePathLength(n.Size)
				if n.Size < len(averagePathLengths) {
					v = averagePathLengths[n.Size]
				}
				c.cells = append(c.cells, compiledCell{value: v, feature: -1})
				continue
			}
			c.cells = append(c.cells, compiledCell{value: n.Split, feature: int32(n.Feature), left: base + n.Left, right: base + n.Right})
		}
	}
	return c
}

// Score is Forest.Score on the compiled layout.
func (c *Compiled) Score(x []float64) float64 {
	if len(x) != c.numFeatures {
		panic(fmt.Sprintf("iforest: vector has %d features, forest was trained on %d", len(x), c.numFeatures))
	}
	var total float64
	for _, r := range c.roots {
		n := &c.cells[r]
		edges := 0
		for n.feature >= 0 {
			next := n.right
			if x[n.feature] <= n.value {
				next = n.left
			}
			n = &c.cells[next]
			edges++
		}
		total += float64(edges) + n.value
	}
	mean := total / float64(len(c.roots))
	return math.Exp2(-mean / c.norm)
}
