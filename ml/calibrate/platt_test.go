package calibrate

import (
	"math"
	"math/rand/v2"
	"testing"
)

// Margins drawn from a known logistic model: Platt scaling must recover
// its slope and intercept.
func TestFitPlattRecoversAKnownMap(t *testing.T) {
	for _, c := range []struct{ a, b float64 }{{1, -4}, {0.5, -2}, {2, 1}} {
		rng := rand.New(rand.NewPCG(1, 2))
		n := 40000
		m := make([]float64, n)
		y := make([]bool, n)
		for i := range m {
			m[i] = rng.NormFloat64() * 2
			y[i] = rng.Float64() < Sigmoid(c.a*m[i]+c.b)
		}
		p, err := FitPlatt(m, y)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(p.A-c.a) > 0.1*math.Abs(c.a) || math.Abs(p.B-c.b) > 0.15*math.Abs(c.b)+0.05 {
			t.Errorf("fit (%.3f, %.3f), want about (%v, %v)", p.A, p.B, c.a, c.b)
		}
	}
}

func TestFitPlattRefusesOneOutcome(t *testing.T) {
	for _, y := range [][]bool{{true, true}, {false, false}, {}} {
		if _, err := FitPlatt(make([]float64, len(y)), y); err == nil {
			t.Errorf("outcomes %v: no error", y)
		}
	}
	if _, err := FitPlatt([]float64{1}, []bool{true, false}); err == nil {
		t.Error("mismatched lengths: no error")
	}
}

func TestSigmoidIsStable(t *testing.T) {
	for _, c := range []struct{ x, want float64 }{{0, 0.5}, {-800, 0}, {800, 1}, {math.Log(3), 0.75}} {
		if got := Sigmoid(c.x); math.Abs(got-c.want) > 1e-12 || math.IsNaN(got) {
			t.Errorf("Sigmoid(%v) = %v, want %v", c.x, got, c.want)
		}
	}
}
