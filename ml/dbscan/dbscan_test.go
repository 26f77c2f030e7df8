package dbscan

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
)

type point struct{ x, y float64 }

// euclid returns a brute-force eps-neighbourhood over pts (including i).
func euclid(pts []point, eps float64) Neighbors {
	return func(i int, buf []int) []int {
		for j, q := range pts {
			dx, dy := pts[i].x-q.x, pts[i].y-q.y
			if dx*dx+dy*dy <= eps*eps {
				buf = append(buf, j)
			}
		}
		return buf
	}
}

// reference labels points straight from the definitions of Ester et al.
// (1996), Definitions 1–5, with the tie-breaks Cluster documents: core
// points are joined by density-reachability (connected components of the
// core-core graph), components are numbered by their lowest core index,
// and a border point takes the lowest-numbered cluster among its core
// neighbours.
func reference(n, minPts int, nb Neighbors) []int {
	adj := make([][]int, n)
	core := make([]bool, n)
	for i := range n {
		for _, j := range nb(i, nil) {
			if j != i {
				adj[i] = append(adj[i], j)
			}
		}
		core[i] = len(adj[i])+1 >= minPts
	}
	labels := make([]int, n)
	for i := range labels {
		labels[i] = Noise
	}
	next := 0
	for i := range n {
		if !core[i] || labels[i] != Noise {
			continue
		}
		stack := []int{i}
		labels[i] = next
		for len(stack) > 0 {
			p := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for _, q := range adj[p] {
				if core[q] && labels[q] == Noise {
					labels[q] = next
					stack = append(stack, q)
				}
			}
		}
		next++
	}
	for i := range n {
		if core[i] {
			continue
		}
		for _, j := range adj[i] {
			if core[j] && (labels[i] == Noise || labels[j] < labels[i]) {
				labels[i] = labels[j]
			}
		}
	}
	return labels
}

// textbook is the shape of Figure 1 of Ester et al. in small: two dense
// blobs, a bridge point that is a border of both, and scattered noise.
var textbook = []point{
	// blob A: a 3×3 grid with spacing 1
	{0, 0}, {1, 0}, {2, 0}, {0, 1}, {1, 1}, {2, 1}, {0, 2}, {1, 2}, {2, 2},
	// noise far away
	{10, 10},
	// blob B: a 3×3 grid with spacing 1, 4 to the right of A
	{6, 0}, {7, 0}, {8, 0}, {6, 1}, {7, 1}, {8, 1}, {6, 2}, {7, 2}, {8, 2},
	// a bridge half way between the blobs: within eps 2 of A's {2,1} and
	// B's {6,1}, but with only those two neighbours it is no core point
	{4, 1},
	// a border point of B only: next to {8,2}, alone otherwise
	{9.5, 3},
	{-5, 7},
}

func TestClusterTextbook(t *testing.T) {
	nb := euclid(textbook, 2)
	got, err := Cluster(context.Background(), len(textbook), 4, nb)
	if err != nil {
		t.Fatal(err)
	}
	want := []int{
		0, 0, 0, 0, 0, 0, 0, 0, 0,
		Noise,
		1, 1, 1, 1, 1, 1, 1, 1, 1,
		0, // the bridge joins the first cluster that reaches it
		1,
		Noise,
	}
	if !slices.Equal(got, want) {
		t.Errorf("labels\n got %v\nwant %v", got, want)
	}
	if ref := reference(len(textbook), 4, nb); !slices.Equal(got, ref) {
		t.Errorf("labels differ from the brute-force reference\n got %v\n ref %v", got, ref)
	}
	if Count(got) != 2 {
		t.Errorf("Count = %d, want 2", Count(got))
	}
}

func TestClusterCases(t *testing.T) {
	line := []point{{0, 0}, {1, 0}, {2, 0}, {3, 0}, {4, 0}}
	tests := []struct {
		name   string
		pts    []point
		eps    float64
		minPts int
		want   []int
	}{
		{"empty", nil, 1, 3, []int{}},
		{"all noise: points too far apart", []point{{0, 0}, {5, 0}, {10, 0}}, 1, 2, []int{Noise, Noise, Noise}},
		{"all noise: minPts above n", line, 10, 6, []int{Noise, Noise, Noise, Noise, Noise}},
		{"single cluster: a chain of core points", line, 1, 2, []int{0, 0, 0, 0, 0}},
		{"ends of a chain are border points", line, 1, 3, []int{0, 0, 0, 0, 0}},
		{"minPts 1: every point its own cluster", []point{{0, 0}, {5, 0}, {5.5, 0}, {10, 0}}, 1, 1, []int{0, 1, 1, 2}},
		{"minPts 0 behaves as 1", []point{{0, 0}, {5, 0}}, 1, 0, []int{0, 1}},
		{"minPts 2: pairs cluster, singles are noise", []point{{0, 0}, {0.5, 0}, {5, 0}, {9, 0}, {9.5, 0}}, 1, 2, []int{0, 0, Noise, 1, 1}},
		// A border point scanned before its core point is noise at first
		// and must be relabelled when the cluster reaches it.
		{"noise first, border later", []point{{-1, 0}, {0, 0}, {0.5, 0}, {0, 0.5}}, 1, 4, []int{0, 0, 0, 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			nb := euclid(tc.pts, tc.eps)
			got, err := Cluster(context.Background(), len(tc.pts), tc.minPts, nb)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("labels = %v, want %v", got, tc.want)
			}
			if ref := reference(len(tc.pts), tc.minPts, nb); !slices.Equal(got, ref) {
				t.Errorf("labels = %v, reference %v", got, ref)
			}
		})
	}
}

// TestClusterRandomAgainstReference compares Cluster with the reference on
// random blobs, and checks that every point's neighbourhood is read once.
func TestClusterRandomAgainstReference(t *testing.T) {
	for seed := range uint64(30) {
		r := rand.New(rand.NewPCG(seed, 7))
		n := 20 + r.IntN(200)
		pts := make([]point, n)
		for i := range pts {
			cx, cy := float64(r.IntN(4))*6, float64(r.IntN(3))*6
			pts[i] = point{cx + r.NormFloat64()*1.5, cy + r.NormFloat64()*1.5}
		}
		eps := 0.5 + r.Float64()*1.5
		minPts := 1 + r.IntN(8)
		calls := make([]int, n)
		nb := euclid(pts, eps)
		counted := func(i int, buf []int) []int { calls[i]++; return nb(i, buf) }
		got, err := Cluster(context.Background(), n, minPts, counted)
		if err != nil {
			t.Fatal(err)
		}
		if ref := reference(n, minPts, nb); !slices.Equal(got, ref) {
			t.Fatalf("seed %d (n=%d eps=%.2f minPts=%d): labels differ\n got %v\n ref %v", seed, n, eps, minPts, got, ref)
		}
		for i, c := range calls {
			if c != 1 {
				t.Fatalf("seed %d: neighbourhood of %d read %d times", seed, i, c)
			}
		}
	}
}

func TestClusterErrors(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	nb := euclid(textbook, 2)
	if _, err := Cluster(ctx, len(textbook), 4, nb); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v", err)
	}
	if _, err := Cluster(context.Background(), 3, 2, nil); err == nil {
		t.Error("nil neighbourhood: no error")
	}
	if _, err := Cluster(context.Background(), -1, 2, nb); err == nil {
		t.Error("negative n: no error")
	}
}

// BenchmarkCluster measures the algorithm's own bookkeeping: neighbours come
// from a precomputed grid-adjacency list, so the index costs nothing.
func BenchmarkCluster(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	const n = 50000
	adj := make([][]int, n)
	for i := range adj {
		// a sparse symmetric graph: each point linked to a few others nearby
		for range 3 {
			j := i + 1 + r.IntN(20)
			if j < n {
				adj[i] = append(adj[i], j)
				adj[j] = append(adj[j], i)
			}
		}
	}
	nb := func(i int, buf []int) []int { return append(buf, adj[i]...) }
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Cluster(context.Background(), n, 5, nb); err != nil {
			b.Fatal(err)
		}
	}
}
