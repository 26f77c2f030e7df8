package fpgrowth

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// hanTx is the AllElectronics example of Han, Kamber & Pei, "Data Mining:
// Concepts and Techniques" (3rd ed.), Table 6.1, mined there with
// min_sup = 2 (Figure 6.7, Table 6.2).
var hanTx = [][]string{
	{"I1", "I2", "I5"},
	{"I2", "I4"},
	{"I2", "I3"},
	{"I1", "I2", "I4"},
	{"I1", "I3"},
	{"I2", "I3"},
	{"I1", "I3"},
	{"I1", "I2", "I3", "I5"},
	{"I1", "I2", "I3"},
}

func TestMineTextbook(t *testing.T) {
	all := []Itemset{
		{[]string{"I2"}, 7},
		{[]string{"I1"}, 6},
		{[]string{"I3"}, 6},
		{[]string{"I1", "I2"}, 4},
		{[]string{"I1", "I3"}, 4},
		{[]string{"I2", "I3"}, 4},
		{[]string{"I1", "I2", "I3"}, 2},
		{[]string{"I1", "I2", "I5"}, 2},
		{[]string{"I1", "I5"}, 2},
		{[]string{"I2", "I4"}, 2},
		{[]string{"I2", "I5"}, 2},
		{[]string{"I4"}, 2},
		{[]string{"I5"}, 2},
	}
	tests := []struct {
		name       string
		minSupport int
		maxLen     int
		want       []Itemset
	}{
		{"min_sup 2, any length", 2, 0, all},
		{"pairs at most", 2, 2, filter(all, func(s Itemset) bool { return len(s.Items) <= 2 })},
		{"singletons", 2, 1, filter(all, func(s Itemset) bool { return len(s.Items) == 1 })},
		{"min_sup 4", 4, 0, filter(all, func(s Itemset) bool { return s.Support >= 4 })},
		{"min_sup above every item", 8, 0, nil},
		{"min_sup 0 counts as 1", 0, 0, bruteForce(hanTx, 1, 0)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Mine(hanTx, tc.minSupport, tc.maxLen)
			if !equalSets(got, tc.want) {
				t.Errorf("Mine = %v\nwant    %v", got, tc.want)
			}
		})
	}
}

func TestMineDuplicateItemsCountOnce(t *testing.T) {
	got := Mine([][]string{{"a", "a", "b"}, {"a", "b", "b"}}, 1, 0)
	want := []Itemset{{[]string{"a"}, 2}, {[]string{"a", "b"}, 2}, {[]string{"b"}, 2}}
	if !equalSets(got, want) {
		t.Errorf("Mine = %v, want %v", got, want)
	}
}

func TestRulesTextbook(t *testing.T) {
	// Han et al. §6.2.2 (Example 6.4): the rules from {I1, I2, I5}.
	sets := Mine(hanTx, 2, 0)
	rules := Rules(sets, len(hanTx), 0)
	want := []struct {
		ante, cons string
		conf       float64
	}{
		{"I1,I2", "I5", 2.0 / 4},
		{"I1,I5", "I2", 1},
		{"I2,I5", "I1", 1},
		{"I1", "I2,I5", 2.0 / 6},
		{"I2", "I1,I5", 2.0 / 7},
		{"I5", "I1,I2", 1},
	}
	for _, w := range want {
		r, ok := findRule(rules, w.ante, w.cons)
		if !ok {
			t.Errorf("rule %s => %s missing", w.ante, w.cons)
			continue
		}
		if math.Abs(r.Confidence-w.conf) > 1e-12 || r.Support != 2 {
			t.Errorf("rule %s => %s: support %d confidence %g, want 2 and %g", w.ante, w.cons, r.Support, r.Confidence, w.conf)
		}
	}
	// I5 => {I1, I2}: confidence 1 over P({I1, I2}) = 4/9 gives lift 9/4.
	if r, _ := findRule(rules, "I5", "I1,I2"); math.Abs(r.Lift-2.25) > 1e-12 {
		t.Errorf("lift of I5 => I1,I2 = %g, want 2.25", r.Lift)
	}
	strong := Rules(sets, len(hanTx), 0.7)
	for _, r := range strong {
		if r.Confidence < 0.7 {
			t.Errorf("rule %v below min confidence", r)
		}
	}
	if _, ok := findRule(strong, "I1,I2", "I5"); ok {
		t.Error("I1,I2 => I5 (confidence 0.5) kept at min confidence 0.7")
	}
	for i := 1; i < len(rules); i++ {
		if rules[i-1].Confidence < rules[i].Confidence {
			t.Fatalf("rules not sorted by confidence at %d: %v", i, rules)
		}
	}
	if Rules(sets, 0, 0) != nil {
		t.Error("Rules with zero transactions should be nil")
	}
}

// TestMineMatchesBruteForce checks FP-growth against enumerating every
// subset of a small item universe on random transactions.
func TestMineMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for trial := range 200 {
		universe := 2 + rng.IntN(7)
		tx := make([][]string, rng.IntN(30))
		for i := range tx {
			for it := range universe {
				if rng.Float64() < 0.45 {
					tx[i] = append(tx[i], string(rune('a'+it)))
				}
			}
			rng.Shuffle(len(tx[i]), func(a, b int) { tx[i][a], tx[i][b] = tx[i][b], tx[i][a] })
		}
		minSup := 1 + rng.IntN(5)
		maxLen := rng.IntN(4)
		got := Mine(tx, minSup, maxLen)
		want := bruteForce(tx, minSup, maxLen)
		if !equalSets(got, want) {
			t.Fatalf("trial %d (min %d, max len %d, tx %v):\n got %v\nwant %v", trial, minSup, maxLen, tx, got, want)
		}
		for _, r := range Rules(got, len(tx), 0) {
			both := slices.Concat(r.Antecedent, r.Consequent)
			slices.Sort(both)
			sa, sc, sb := count(tx, r.Antecedent), count(tx, r.Consequent), count(tx, both)
			if r.Support != sb || math.Abs(r.Confidence-float64(sb)/float64(sa)) > 1e-12 ||
				math.Abs(r.Lift-float64(sb)*float64(len(tx))/float64(sa*sc)) > 1e-9 {
				t.Fatalf("trial %d: rule %v disagrees with counts %d %d %d", trial, r, sa, sc, sb)
			}
		}
	}
}

func bruteForce(tx [][]string, minSup, maxLen int) []Itemset {
	if minSup < 1 {
		minSup = 1
	}
	var universe []string
	for _, t := range tx {
		for _, it := range t {
			if !slices.Contains(universe, it) {
				universe = append(universe, it)
			}
		}
	}
	slices.Sort(universe)
	var out []Itemset
	for mask := 1; mask < 1<<len(universe); mask++ {
		var items []string
		for i, it := range universe {
			if mask&(1<<i) != 0 {
				items = append(items, it)
			}
		}
		if maxLen > 0 && len(items) > maxLen {
			continue
		}
		if c := count(tx, items); c >= minSup {
			out = append(out, Itemset{items, c})
		}
	}
	slices.SortFunc(out, compareItemsets)
	return out
}

func count(tx [][]string, items []string) int {
	n := 0
	for _, t := range tx {
		all := true
		for _, it := range items {
			if !slices.Contains(t, it) {
				all = false
				break
			}
		}
		if all {
			n++
		}
	}
	return n
}

func filter(sets []Itemset, keep func(Itemset) bool) []Itemset {
	var out []Itemset
	for _, s := range sets {
		if keep(s) {
			out = append(out, s)
		}
	}
	return out
}

func equalSets(a, b []Itemset) bool {
	return slices.EqualFunc(a, b, func(x, y Itemset) bool {
		return x.Support == y.Support && slices.Equal(x.Items, y.Items)
	})
}

func findRule(rules []Rule, ante, cons string) (Rule, bool) {
	for _, r := range rules {
		if strings.Join(r.Antecedent, ",") == ante && strings.Join(r.Consequent, ",") == cons {
			return r, true
		}
	}
	return Rule{}, false
}

func BenchmarkMine(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	tx := make([][]string, 20000)
	for i := range tx {
		for range 3 + rng.IntN(6) {
			// Zipf-like item popularity, as entity mentions are.
			tx[i] = append(tx[i], "item"+string(rune('A'+int(rng.ExpFloat64()*6)%40)))
		}
	}
	b.ResetTimer()
	for b.Loop() {
		Mine(tx, 20, 3)
	}
}

// FuzzMine checks FP-growth against brute force on transactions decoded
// from bytes: each byte is an item from a six-letter universe, 0xff ends a
// transaction.
func FuzzMine(f *testing.F) {
	f.Add([]byte{0, 1, 0xff, 1, 2, 0xff, 0, 1, 2}, uint8(1), uint8(0))
	f.Add([]byte{5, 5, 5, 0xff, 5}, uint8(2), uint8(2))
	f.Fuzz(func(t *testing.T, data []byte, minSup, maxLen uint8) {
		if len(data) > 200 {
			return
		}
		tx := [][]string{nil}
		for _, b := range data {
			if b == 0xff {
				tx = append(tx, nil)
				continue
			}
			tx[len(tx)-1] = append(tx[len(tx)-1], string(rune('a'+b%6)))
		}
		got := Mine(tx, int(minSup%8), int(maxLen%5))
		if want := bruteForce(tx, int(minSup%8), int(maxLen%5)); !equalSets(got, want) {
			t.Fatalf("tx %v: got %v want %v", tx, got, want)
		}
	})
}
