package nextstep

import (
	"context"
	"errors"
	"os"
	"slices"
	"testing"

	"github.com/cyberstreams/cyberstreams/internal/shareddata"
	"github.com/cyberstreams/cyberstreams/kg"
	"github.com/cyberstreams/cyberstreams/kg/attack"
)

// usage: phishing (initial-access) and PowerShell (execution) come with
// credential dumping for the actors that use both; a scheduled task
// (execution) comes with ransomware encryption.
func usage() kg.TechniqueUsage {
	tech := func(k, tactic string) kg.TechniqueInfo {
		return kg.TechniqueInfo{Key: k, Name: k, Tactics: []string{tactic}}
	}
	actor := func(k string, ts ...string) kg.TechniqueUser {
		return kg.TechniqueUser{Label: kg.Actor, Key: k, Techniques: ts}
	}
	return kg.TechniqueUsage{
		Techniques: []kg.TechniqueInfo{
			tech("T1566", "initial-access"), tech("T1059.001", "execution"), tech("T1053", "execution"),
			tech("T1003", "credential-access"), tech("T1486", "impact"), tech("T1105", "command-and-control"),
			{Key: "T1078", Name: "Valid Accounts", Tactics: []string{"persistence", "initial-access"}},
		},
		Users: []kg.TechniqueUser{
			actor("G0001", "T1566", "T1059.001", "T1003", "T1105"),
			actor("G0002", "T1566", "T1059.001", "T1003"),
			actor("G0003", "T1053", "T1486", "T1105"),
			actor("G0004", "T1053", "T1486", "T1105"),
			actor("G0005", "T1053", "T1105"),
			{Label: kg.Campaign, Key: "C0001", Actors: []string{"G0001"}, Techniques: []string{"T1078", "T1003"}},
		},
	}
}

func ids(steps []Step) []string {
	var out []string
	for _, s := range steps {
		out = append(out, s.ID)
	}
	return out
}

func TestRank(t *testing.T) {
	m, err := Train(usage(), Default())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		q    Query
		want []string
		bad  bool
	}{
		// After execution: credential dumping goes with PowerShell, then
		// the C2 transfer everybody uses; encryption never co-occurs.
		{"after phishing and powershell", Query{Techniques: []string{"t1566", "T1059.001"}}, []string{"T1003", "T1105", "T1486"}, false},
		{"after a scheduled task", Query{Techniques: []string{"T1053"}, Limit: 2}, []string{"T1105", "T1486"}, false},
		// Valid Accounts starts at initial-access, so execution is next.
		{"from the earliest tactic", Query{Techniques: []string{"T1078"}, Limit: 1}, []string{"T1003"}, false},
		// Found in text: execution holds two tags, command-and-control
		// one (a slip), so the ranking starts after execution, not at
		// exfiltration (T1486 alone), and the slip T1105 is ranked, not
		// taken as seen.
		{"a lone tag further on", Query{Found: []string{"T1566", "T1059.001", "T1053", "T1105"}, Limit: 2}, []string{"T1003", "T1105"}, false},
		{"--from", Query{Techniques: []string{"T1566"}, From: "impact"}, []string{"T1486"}, false},
		{"malformed id", Query{Techniques: []string{"X1"}}, nil, true},
		{"unknown technique", Query{Techniques: []string{"T9999"}}, nil, true},
		{"no technique", Query{}, nil, true},
		{"unknown tactic", Query{Techniques: []string{"T1566"}, From: "lunch"}, nil, true},
		{"nothing after impact", Query{Techniques: []string{"T1486"}}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := m.Rank(tt.q)
			var qe *QueryError
			if tt.bad {
				if !errors.As(err, &qe) {
					t.Fatalf("got %v, %v: want a QueryError", got, err)
				}
				return
			}
			if err != nil || !slices.Equal(ids(got), tt.want) {
				t.Fatalf("got %v (%v), want %v", ids(got), err, tt.want)
			}
		})
	}
	if _, err := Train(kg.TechniqueUsage{Techniques: usage().Techniques}, Default()); err == nil {
		t.Error("a graph with no users trained a model")
	}
}

// Leaving G0001 out leaves C0001 (its campaign) out too: nothing else uses
// T1078, so a leak would show as a ranked T1078 neighbour.
func TestBenchmarkLeavesCampaignsOut(t *testing.T) {
	p := Protocol{Split: "credential-access", MinEach: 2, K: 1}
	folds, _, err := p.folds(usage())
	if err != nil || len(folds) != 1 || folds[0].actor != "G0001" {
		t.Fatalf("folds %+v %v: want only G0001 (2 before, 2 from credential-access)", folds, err)
	}
	res, err := Benchmark(context.Background(), usage(), p, []Method{ItemCosineOf(1, 1, 0, false), Popularity()})
	if err != nil {
		t.Fatal(err)
	}
	// Truth {T1003, T1105}. Item cosine from G0002 puts T1003 first
	// (recall 1/2, MRR 1); popularity ranks T1105 (4 users) first.
	if r := res[0]; r.Actors != 1 || r.Recall != 0.5 || r.Hit != 1 || r.MRR != 1 {
		t.Errorf("item cosine %+v", r)
	}
	if r := res[1]; r.Recall != 0.5 || r.MRR != 1 {
		t.Errorf("popularity %+v", r)
	}
	if _, err := Benchmark(context.Background(), usage(), Protocol{Split: "lunch", MinEach: 1, K: 1}, Baselines()); err == nil {
		t.Error("unknown split tactic: no error")
	}
	if _, err := Benchmark(context.Background(), usage(), Protocol{Split: "impact", MinEach: 3, K: 1}, Baselines()); err == nil {
		t.Error("no actor to hold out: no error")
	}
}

// On the shared ATT&CK bundle the default model keeps its measured lead
// over popularity at the headline split (bench/next_step has the table).
func TestDefaultOnATTACK(t *testing.T) {
	path := shareddata.File(t, "attack-enterprise.json.gz")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := attack.Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Benchmark(context.Background(), kg.UsageOf(b.Nodes, b.Edges), Protocol{Split: "credential-access", MinEach: 3, K: 10}, []Method{Popularity(), Default()})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Actors != 116 || res[1].Recall < 0.32 || res[1].Recall <= res[0].Recall {
		t.Errorf("popularity %+v, default %+v: want 116 groups and the default at ≥ 0.32, above popularity", res[0], res[1])
	}
}
