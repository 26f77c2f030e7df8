// Package dbscan groups points by density with DBSCAN (Ester, Kriegel,
// Sander & Xu, "A Density-Based Algorithm for Discovering Clusters in Large
// Spatial Databases with Noise", KDD 1996) over an abstract neighbourhood:
// the caller says which points lie within eps of a point, so any distance
// and any index (a grid, an inverted index, brute force) can serve.
package dbscan

import (
	"context"
	"errors"
	"fmt"
)

// Noise is the label of a point that belongs to no cluster.
const Noise = -1

// Neighbors returns the points within eps of point i, appended to buf[:0]
// (buf may be reused across calls; the caller must not keep it). The
// neighbourhood must be symmetric (j in N(i) iff i in N(j)); whether i
// itself is listed does not matter, as Cluster always counts it.
type Neighbors func(i int, buf []int) []int

// Cluster labels n points 0…n-1 with DBSCAN: a point with at least minPts
// points in its eps-neighbourhood (itself included, as in the paper's
// Definition 2) is a core point; core points within reach of each other
// form a cluster, with the non-core points they reach as its border; every
// other point is Noise.
//
// Points are scanned in index order and each cluster is expanded completely
// before the next one starts, so the result is deterministic: clusters are
// numbered 0, 1, … in the order of their lowest-index core point, and a
// border point within reach of several clusters joins the lowest-numbered
// one (the paper leaves that choice to the order of processing).
// neighbors is called at most once per point. With minPts ≤ 1 every point
// is a core point and noise cannot occur.
//
// ctx is checked between points; on cancellation Cluster returns ctx's error.
func Cluster(ctx context.Context, n, minPts int, neighbors Neighbors) ([]int, error) {
	if n < 0 {
		return nil, fmt.Errorf("dbscan: %d points", n)
	}
	if neighbors == nil {
		return nil, errors.New("dbscan: no neighbourhood function")
	}
	const unvisited = -2
	labels := make([]int, n)
	for i := range labels {
		labels[i] = unvisited
	}
	var buf, seeds []int
	// region returns the neighbours of p other than p itself, and whether
	// p is a core point.
	region := func(p int) ([]int, bool) {
		buf = neighbors(p, buf[:0])
		out := buf[:0]
		for _, q := range buf {
			if q < 0 || q >= n {
				panic(fmt.Sprintf("dbscan: neighbour %d of point %d outside 0…%d", q, p, n-1))
			}
			if q != p {
				out = append(out, q)
			}
		}
		return out, len(out)+1 >= minPts
	}
	next := 0
	for p := range n {
		if labels[p] != unvisited {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		nb, core := region(p)
		if !core {
			labels[p] = Noise // may become a border point of a later cluster
			continue
		}
		c := next
		next++
		labels[p] = c
		// ExpandCluster (the paper's Figure 2): a queue of points whose
		// neighbourhoods are still to be read. Only unvisited points are
		// queued, so every point's neighbourhood is read once.
		// claim puts a core point's neighbours into c: unvisited ones join
		// the queue; noise ones become border points (their
		// neighbourhoods were read already).
		claim := func(nb []int) {
			for _, q := range nb {
				switch labels[q] {
				case unvisited:
					labels[q] = c
					seeds = append(seeds, q)
				case Noise:
					labels[q] = c
				}
			}
		}
		seeds = seeds[:0]
		claim(nb)
		for k := 0; k < len(seeds); k++ {
			if k%1024 == 1023 {
				if err := ctx.Err(); err != nil {
					return nil, err
				}
			}
			nb, core := region(seeds[k])
			if !core {
				continue // a border point: it joins c but does not extend it
			}
			claim(nb)
		}
	}
	return labels, nil
}

// Count returns the number of clusters in labels (the highest label + 1).
func Count(labels []int) int {
	k := 0
	for _, l := range labels {
		k = max(k, l+1)
	}
	return k
}
