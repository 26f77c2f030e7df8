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

// Leaving G0001 out leaves the software it uses out too: S0001, used
// only by G0001, changes nothing, while the same software attributed to
// nobody moves T1486 ahead of T1003 (so the test can fail).
func TestBenchmarkLeavesSoftwareOut(t *testing.T) {
	withSoftware := func(actors ...string) kg.TechniqueUsage {
		u := usage()
		u.Users = append(u.Users, kg.TechniqueUser{Label: kg.Threat, Kind: kg.KindMalware, Key: "S0001", Actors: actors,
			Techniques: []string{"T1566", "T1059.001", "T1486"}})
		return u
	}
	p := Protocol{Split: "credential-access", MinEach: 2, K: 1}
	m := []Method{ItemCosineOf(1, 1, 5, false)}
	tests := []struct {
		name string
		u    kg.TechniqueUsage
		mrr  float64
	}{
		{"no software", usage(), 1},
		{"software of the held-out actor", withSoftware("G0001"), 1},
		{"software of nobody", withSoftware(), 0.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Benchmark(context.Background(), tt.u, p, m)
			if err != nil {
				t.Fatal(err)
			}
			if res[0].MRR != tt.mrr {
				t.Errorf("%+v: want MRR %g", res[0], tt.mrr)
			}
		})
	}
}

// The default ranks by what the given techniques come with, not by how
// common a technique is: after phishing and PowerShell, popularity puts
// the C2 transfer everybody uses (T1105) first, the default credential
// dumping (T1003).
func TestDefaultIsNotPopularity(t *testing.T) {
	q := Query{Techniques: []string{"T1566", "T1059.001"}, Limit: 1}
	tests := []struct {
		m    Method
		want string
	}{
		{Popularity(), "T1105"},
		{Default(), "T1003"},
	}
	for _, tt := range tests {
		t.Run(tt.m.Name, func(t *testing.T) {
			md, err := Train(usage(), tt.m)
			if err != nil {
				t.Fatal(err)
			}
			got, err := md.Rank(q)
			if err != nil || len(got) != 1 || got[0].ID != tt.want {
				t.Errorf("got %v (%v), want %s first", ids(got), err, tt.want)
			}
		})
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
	res, err := Benchmark(context.Background(), kg.UsageOf(b.Nodes, b.Edges), Protocol{Split: "credential-access", MinEach: 3, K: 10},
		[]Method{Popularity(), ItemCosineOf(1, 1, 0, false), Default()})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Actors != 116 || res[2].Recall < 0.325 || res[2].Recall <= res[1].Recall || res[1].Recall <= res[0].Recall {
		t.Errorf("popularity %+v, without software %+v, default %+v: want 116 groups and the default at ≥ 0.325, above item cosine without software, above popularity", res[0], res[1], res[2])
	}
}

// EASE's nested tuning holds out training actors the way Benchmark holds
// out the test one: with their campaigns, and only actors with enough
// techniques on each side of the split.
func TestInnerFolds(t *testing.T) {
	md, err := Train(usage(), EASETuned(1, 1, 0, []float64{1, 10}))
	if err != nil {
		t.Fatal(err)
	}
	d := trainData{baskets: md.baskets, owners: md.owners, isActor: md.isActor, n: len(md.keys), stage: md.stage, split: TacticIndex("credential-access")}
	tests := []struct {
		minEach int
		leave   [][]string // the keys each fold leaves out
	}{
		{2, [][]string{{"C0001", "G0001"}}},
		{1, [][]string{{"C0001", "G0001"}, {"G0002"}, {"G0003"}, {"G0004"}, {"G0005"}}},
		{3, nil},
	}
	users := usage().Users // baskets follow users' order here: every user has a known technique
	for _, tt := range tests {
		var got [][]string
		for _, f := range d.innerFolds(tt.minEach) {
			var keys []string
			for _, b := range f.Leave {
				keys = append(keys, users[b].Key)
			}
			slices.Sort(keys)
			got = append(got, keys)
		}
		slices.SortFunc(got, func(a, b []string) int { return slices.Compare(a, b) })
		if !slices.EqualFunc(got, tt.leave, slices.Equal) {
			t.Errorf("min %d: folds leave %v, want %v", tt.minEach, got, tt.leave)
		}
	}
	r, err := md.Rank(Query{Techniques: []string{"T1566", "T1059.001"}, Limit: 1})
	if err != nil || len(r) != 1 || r[0].ID != "T1003" {
		t.Errorf("tuned EASE ranks %v (%v), want T1003 first", ids(r), err)
	}
}

// The hindsight list ranks each later technique by the share of the
// held-out actors' truth it holds; no ranking that ignores what it is
// given does better, popularity included.
func TestHindsightList(t *testing.T) {
	tests := []struct {
		name    string
		split   string
		minEach int
		k       int
		recall  float64
		mrr     float64
	}{
		// G0001 alone, truth {T1003, T1105}: both lead the list.
		{"one actor, k 1", "credential-access", 2, 1, 0.5, 1},
		{"one actor, k 2", "credential-access", 2, 2, 1, 1},
		// G0001, G0003-5: T1105 is in every truth, T1486 in two of two;
		// T1105 first gives 1, ½, ½, 1.
		{"four actors", "command-and-control", 1, 1, 0.75, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Protocol{Split: tt.split, MinEach: tt.minEach, K: tt.k}
			got, err := HindsightList(usage(), p)
			if err != nil {
				t.Fatal(err)
			}
			if got.Recall != tt.recall || got.MRR != tt.mrr {
				t.Errorf("%+v: want recall %g MRR %g", got, tt.recall, tt.mrr)
			}
			res, err := Benchmark(context.Background(), usage(), p, []Method{Popularity()})
			if err != nil {
				t.Fatal(err)
			}
			if res[0].Recall > got.Recall {
				t.Errorf("popularity %g beats the hindsight list %g", res[0].Recall, got.Recall)
			}
		})
	}
	if _, err := HindsightList(usage(), Protocol{Split: "impact", MinEach: 3, K: 1}); err == nil {
		t.Error("no actor to hold out: no error")
	}
}

// Blended's popularity counts actors, as Popularity does: five campaigns
// using encryption (T1486) do not lift it over the C2 transfer four
// actors use (T1105), though they would if every basket counted.
func TestBlendedCountsActors(t *testing.T) {
	u := usage()
	for _, k := range []string{"C0101", "C0102", "C0103", "C0104", "C0105"} {
		u.Users = append(u.Users, kg.TechniqueUser{Label: kg.Campaign, Key: k, Techniques: []string{"T1486"}})
	}
	m, err := Train(u, Blended(ItemCosineOf(1, 1, 0, false), 1000))
	if err != nil {
		t.Fatal(err)
	}
	got, err := m.Rank(Query{Techniques: []string{"T1566"}, From: "credential-access", Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"T1105"}; !slices.Equal(ids(got), want) {
		t.Errorf("first %v, want %v", ids(got), want)
	}
}

func TestMethodFor(t *testing.T) {
	tests := []struct {
		name string
		q    Query
		want string
	}{
		{"ids", Query{Techniques: []string{"T1566"}}, Default().Name},
		{"text", Query{Found: []string{"T1566"}}, DefaultForText().Name},
		{"ids and text", Query{Techniques: []string{"T1566"}, Found: []string{"T1059.001"}}, DefaultForText().Name},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MethodFor(tt.q).Name; got != tt.want {
				t.Errorf("MethodFor = %s, want %s", got, tt.want)
			}
		})
	}
	if Default().Name == DefaultForText().Name {
		t.Error("the text method is the default: the test cannot fail")
	}
}
