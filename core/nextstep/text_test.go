package nextstep

import (
	"context"
	"slices"
	"testing"

	"github.com/cyberstreams/cyberstreams/core/techniques"
	"github.com/cyberstreams/cyberstreams/kg/attack"
)

func TestProceduresIncident(t *testing.T) {
	p := ProceduresOf([]attack.TechniqueText{
		{Technique: "T1566", Kind: attack.TextProcedure, Source: "G0001", Text: "One."},
		{Technique: "T1566", Kind: attack.TextProcedure, Source: "G0001", Text: "Two."},
		{Technique: "T1059.001", Kind: attack.TextProcedure, Source: "G0001", Text: "Three."},
		{Technique: "T1566", Kind: attack.TextDescription, Text: "Not a procedure."},
		{Technique: "T1566", Kind: attack.TextProcedure, Text: "No source."},
	})
	tests := []struct {
		user  string
		given []string
		want  string
	}{
		{"G0001", []string{"T1059.001", "T1566"}, "Three. One. Two."},
		{"G0001", []string{"T1003"}, ""},
		{"G0002", []string{"T1566"}, ""},
	}
	for _, tt := range tests {
		if got := p.Incident(tt.user, tt.given); got != tt.want {
			t.Errorf("Incident(%s, %v) = %q, want %q", tt.user, tt.given, got, tt.want)
		}
	}
}

// The text protocol gives G0001's earlier techniques as its procedure
// text. The tagger reads the ids in it, and one slip into a later tactic
// (T1105): given, it is not ranked and costs recall; dropped, the scores
// are those of the ids; ranked after it, as next-steps does without
// --from, the truth before it is lost.
func TestBenchmarkThroughText(t *testing.T) {
	m, err := techniques.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	procs := ProceduresOf([]attack.TechniqueText{
		{Technique: "T1566", Kind: attack.TextProcedure, Source: "G0001", Text: "The group used T1566 against them."},
		{Technique: "T1059.001", Kind: attack.TextProcedure, Source: "G0001", Text: "The group used T1059.001 and T1105."},
	})
	tests := []struct {
		name      string
		reveal    bool
		dropLater bool
		fromShown bool
		recall    [2]float64 // item cosine, popularity
		mrr       [2]float64
	}{
		{"ids", false, false, false, [2]float64{0.5, 0.5}, [2]float64{1, 1}},
		{"text", true, false, false, [2]float64{0.5, 0}, [2]float64{1, 0.5}},
		{"text, later dropped", true, true, false, [2]float64{0.5, 0.5}, [2]float64{1, 1}},
		// After execution the ranking starts at persistence, which
		// holds all the truth.
		{"ids, ranked after the furthest", false, false, true, [2]float64{0.5, 0.5}, [2]float64{1, 1}},
		// The slip T1105 (command-and-control) moves the start past
		// T1003: only impact is ranked.
		{"text, ranked after the furthest tag", true, false, true, [2]float64{0, 0}, [2]float64{0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Protocol{Split: "credential-access", MinEach: 2, K: 1, DropLater: tt.dropLater, FromShown: tt.fromShown}
			r := &TextReveal{Tagger: m, Procs: procs}
			if tt.reveal {
				p.Reveal = r.Reveal
			}
			res, err := Benchmark(context.Background(), usage(), p, []Method{ItemCosineOf(1, 1, 0, false), Popularity()})
			if err != nil {
				t.Fatal(err)
			}
			for i := range 2 {
				if res[i].Recall != tt.recall[i] || res[i].MRR != tt.mrr[i] {
					t.Errorf("%s: recall %g MRR %g, want %g %g", res[i].Method, res[i].Recall, res[i].MRR, tt.recall[i], tt.mrr[i])
				}
			}
			if tt.reveal {
				want := TextStats{Actors: 1, Earlier: 2, WithText: 2, Found: 3, FoundEarlier: 2}
				if r.Stats != want {
					t.Errorf("stats %+v, want %+v", r.Stats, want)
				}
			}
		})
	}
}

// Only keeps a subset of the held-out actors; HeldOut lists them.
func TestProtocolOnly(t *testing.T) {
	p := Protocol{Split: "credential-access", MinEach: 2, K: 1}
	got, err := p.HeldOut(usage())
	if err != nil || !slices.Equal(got, []string{"G0001"}) {
		t.Fatalf("HeldOut = %v, %v", got, err)
	}
	p.Only = map[string]bool{"G0002": true}
	if _, err := Benchmark(context.Background(), usage(), p, []Method{Popularity()}); err == nil {
		t.Error("a subset without a qualifying actor: no error")
	}
}

func TestFurthestFound(t *testing.T) {
	tests := []struct {
		stages []int
		want   int
	}{
		{nil, -1},
		{[]int{5}, 5},
		{[]int{2, 3, 11}, 11},          // no tactic twice: the furthest
		{[]int{2, 3, 3, 11}, 3},        // one tag at 11 alone: a slip
		{[]int{2, 3, 3, 11, 11}, 11},   // two: the incident got there
		{[]int{6, 2, 6, 2, 13, 12}, 6}, // two slips in different tactics
		{[]int{-1, -1, 4}, 4},          // techniques without a tactic
	}
	for _, tt := range tests {
		if got := furthestFound(tt.stages); got != tt.want {
			t.Errorf("furthestFound(%v) = %d, want %d", tt.stages, got, tt.want)
		}
	}
}
