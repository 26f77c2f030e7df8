package training_test

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/cyberstreams/cyberstreams/core/features"
	"github.com/cyberstreams/cyberstreams/core/training"
	"github.com/cyberstreams/cyberstreams/core/training/trainingtest"
	"github.com/cyberstreams/cyberstreams/ml/shap"
)

// A bagged ensemble scores every document with the mean of its members'
// margins, and TreeSHAP on it stays exact: base + Σ φ equals that mean.
func TestBagIsTheMembersMeanAndExplainsExactly(t *testing.T) {
	ctx := context.Background()
	docs := trainingtest.Docs(600, 3)
	for _, k := range []int{1, 2, 3} {
		o := trainingtest.Options()
		o.Members = k
		res, err := training.Train(ctx, docs, o)
		if err != nil {
			t.Fatal(err)
		}
		var members []*training.Result
		for m := range k {
			one := trainingtest.Options()
			one.Seed = o.Seed + int64(m)*7919
			r, err := training.Train(ctx, docs, one)
			if err != nil {
				t.Fatal(err)
			}
			members = append(members, r)
		}
		if got, want := len(res.Bundle.Trees.Trees), func() int {
			n := 0
			for _, r := range members {
				n += len(r.Bundle.Trees.Trees)
			}
			return n
		}(); got != want {
			t.Fatalf("k=%d: %d trees, want the members' %d", k, got, want)
		}
		if k > 1 && !strings.Contains(strings.Join(res.Bundle.Card.Notes, "\n"), "seed-bagged ensemble of") {
			t.Fatalf("k=%d: the card does not say it is an ensemble: %q", k, res.Bundle.Card.Notes)
		}
		fz := features.New(res.Bundle.Spec)
		ex := shap.New(res.Bundle.Trees)
		phi := make([][]float64, 5)
		for c := range phi {
			phi[c] = make([]float64, ex.NumFeatures())
		}
		base := make([]float64, 5)
		for i := range 50 {
			row := fz.Transform(&docs[i])
			x := make([]float64, max(fz.Width(), ex.NumFeatures()))
			for j, f := range row.Idx {
				x[f] = row.Val[j]
			}
			got := make([]float64, 5)
			res.Bundle.Trees.PredictRawSparse(row.Idx, row.Val, got)
			want := make([]float64, 5)
			for _, r := range members {
				one := make([]float64, 5)
				r.Bundle.Trees.PredictRawSparse(row.Idx, row.Val, one)
				for c := range want {
					want[c] += one[c] / float64(k)
				}
			}
			ex.Explain(x, phi, base)
			for c := range got {
				if math.Abs(got[c]-want[c]) > 1e-9 {
					t.Fatalf("k=%d doc %d class %d: margin %v, members' mean %v", k, i, c, got[c], want[c])
				}
				sum := base[c]
				for _, v := range phi[c] {
					sum += v
				}
				if math.Abs(sum-got[c]) > 1e-10 {
					t.Fatalf("k=%d doc %d class %d: base + Σφ = %v, margin %v", k, i, c, sum, got[c])
				}
			}
		}
	}
}
