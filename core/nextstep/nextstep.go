// Package nextstep ranks the ATT&CK techniques an intrusion is likely to
// use next, in the later tactics of the kill chain, from the techniques seen
// so far; it learns from the graph's actors, campaigns and software
// (kg.TechniqueUsage) with the algorithms of ml/nextstep, and measures
// itself by leaving whole actors out (Benchmark).
package nextstep

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/cyberstreams/cyberstreams/kg"
	ml "github.com/cyberstreams/cyberstreams/ml/nextstep"
)

// Tactics is the ATT&CK Enterprise kill chain in matrix order.
var Tactics = []string{
	"reconnaissance", "resource-development", "initial-access", "execution", "persistence",
	"privilege-escalation", "defense-evasion", "credential-access", "discovery",
	"lateral-movement", "collection", "command-and-control", "exfiltration", "impact",
}

// TacticIndex is a tactic's position in Tactics, or -1.
func TacticIndex(name string) int {
	for i, t := range Tactics {
		if t == name {
			return i
		}
	}
	return -1
}

// Method names a ranking; the Default is the one `graph query next-steps`
// uses, chosen by Benchmark (see bench/next_step/README.md).
type Method struct {
	Name string
	// Weights of each kind of basket in training: actors, campaigns,
	// software (malware and tools). 0 leaves the kind out; workspace
	// documents are never baskets.
	Actor, Campaign, Software float64
	// sparse: a technique scored 0 is not ranked at all (a rule that
	// answers only what its groups use).
	sparse bool
	build  func(d trainData) (ml.Scorer, error)
}

// Popularity ranks by how many actors use a technique (the first baseline).
func Popularity() Method {
	return Method{Name: "popularity", Actor: 1, build: func(d trainData) (ml.Scorer, error) {
		return ml.NewPopularity(d.baskets, d.n), nil
	}}
}

// ItemCosine is item-to-item cosine over actor co-usage (the second baseline).
func ItemCosine() Method {
	return Method{Name: "item-cosine", Actor: 1, build: func(d trainData) (ml.Scorer, error) {
		return ml.NewItemCosine(d.baskets, d.n, false), nil
	}}
}

// CoUsage is the rule of kg.NextStepsQuery (what `graph query next-steps
// --rule co-usage` and `--remote` run) with one hop: the actors and
// campaigns that use every given technique vote for what else they use.
// When none uses them all the rule ranks nothing; with fallback the
// measurement then ranks by popularity (and breaks the rule's ties by it),
// so its recall is not zero by construction.
func CoUsage(fallback bool) Method {
	name := "co-usage-rule(as run)"
	if fallback {
		name = "co-usage-rule+popularity"
	}
	return Method{Name: name, Actor: 1, Campaign: 1, sparse: !fallback, build: func(d trainData) (ml.Scorer, error) {
		return &coUsage{baskets: d.baskets, pop: ml.NewPopularity(d.baskets, d.n), n: d.n, fallback: fallback}, nil
	}}
}

type coUsage struct {
	baskets  []ml.Basket
	pop      *ml.Popularity
	n        int
	fallback bool
}

func (c *coUsage) Scores(given []int) []float64 {
	out := make([]float64, c.n)
	pop := c.pop.Scores(nil)
	var top float64
	for _, v := range pop {
		top = max(top, v)
	}
	for _, b := range c.baskets {
		has := map[int]bool{}
		for _, i := range b.Items {
			has[i] = true
		}
		all := true
		for _, g := range given {
			all = all && has[g]
		}
		if all {
			for _, i := range b.Items {
				out[i] += top + 1
			}
		}
	}
	if c.fallback {
		for i := range out {
			out[i] += pop[i]
		}
	}
	return out
}

// Model ranks next techniques; built by Train from the graph's usage.
type Model struct {
	method  Method
	baskets []ml.Basket
	owners  [][]string // the actors each basket is (an actor's) or is attributed to
	isActor []bool
	keys    []string
	index   map[string]int
	info    []kg.TechniqueInfo
	stage   []int // earliest tactic of each technique, -1 when it has none
}

// trainData is what a method fits on: the weighted baskets of technique
// numbers, each technique's earliest tactic, and the tactic the ranking
// starts at (a method may fit differently for each).
type trainData struct {
	baskets []ml.Basket
	owners  [][]string
	isActor []bool
	n       int
	stage   []int
	split   int
}

// Train fits a method on every user in u.
func Train(u kg.TechniqueUsage, m Method) (*Model, error) {
	return train(u, m, nil)
}

// train fits m on the users that leave does not exclude.
func train(u kg.TechniqueUsage, m Method, leave func(kg.TechniqueUser) bool) (*Model, error) {
	md := &Model{method: m, index: map[string]int{}}
	for _, t := range u.Techniques {
		md.index[t.Key] = len(md.keys)
		md.keys = append(md.keys, t.Key)
		md.info = append(md.info, t)
		md.stage = append(md.stage, stageOf(t.Tactics))
	}
	var baskets []ml.Basket
	for _, usr := range u.Users {
		if leave != nil && leave(usr) {
			continue
		}
		w := m.weight(usr)
		if w == 0 {
			continue
		}
		b := ml.Basket{Weight: w}
		for _, t := range usr.Techniques {
			if i, ok := md.index[t]; ok {
				b.Items = append(b.Items, i)
			}
		}
		if len(b.Items) > 0 {
			baskets = append(baskets, b)
			md.isActor = append(md.isActor, usr.Label == kg.Actor)
			if usr.Label == kg.Actor {
				md.owners = append(md.owners, []string{usr.Key})
			} else {
				md.owners = append(md.owners, usr.Actors)
			}
		}
	}
	if len(baskets) == 0 {
		return nil, fmt.Errorf("next-step model %s: the graph has no actor, campaign or software using a technique (import ATT&CK first: cyberstreams graph import-attack FILE)", m.Name)
	}
	md.baskets = baskets
	return md, nil
}

// scorer fits the method for rankings that start at tactic split.
func (m *Model) scorer(split int) (ml.Scorer, error) {
	s, err := m.method.build(trainData{baskets: m.baskets, owners: m.owners, isActor: m.isActor, n: len(m.keys), stage: m.stage, split: split})
	if err != nil {
		return nil, fmt.Errorf("next-step model %s: %w", m.method.Name, err)
	}
	return s, nil
}

func (m Method) weight(u kg.TechniqueUser) float64 {
	switch u.Label {
	case kg.Actor:
		return m.Actor
	case kg.Campaign:
		return m.Campaign
	case kg.Threat:
		if u.Kind == kg.KindMalware || u.Kind == kg.KindTool {
			return m.Software
		}
	}
	return 0
}

func stageOf(tactics []string) int {
	s := -1
	for _, t := range tactics {
		if i := TacticIndex(t); i >= 0 && (s < 0 || i < s) {
			s = i
		}
	}
	return s
}

// Step is one ranked next technique.
type Step struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	Tactics []string `json:"tactics"`
	Score   float64  `json:"score"`
}

// Query asks for the next steps after the given techniques.
type Query struct {
	// Techniques seen so far (ATT&CK ids); an id the graph does not hold
	// is an error.
	Techniques []string
	// Found are techniques the technique tagger found in the incident's
	// text (SeenInText): they join Techniques, but one the graph does not
	// hold is left out instead of refused.
	Found []string
	// From is the first tactic a next step may start in; "" means the
	// tactic after the furthest one the given techniques start in.
	From  string
	Limit int
}

// QueryError is a query the model cannot answer as asked: a malformed or
// unknown technique id, an unknown tactic, nothing after the given tactics.
type QueryError struct{ Msg string }

func (e *QueryError) Error() string { return e.Msg }

func queryErrorf(format string, a ...any) error { return &QueryError{Msg: fmt.Sprintf(format, a...)} }

// Rank answers q: the candidates are the techniques whose earliest tactic
// is From or later, other than the given ones, ordered by the model's score
// (ties by id). A technique's earliest tactic is where it starts in the
// kill chain: Valid Accounts (initial-access, persistence, …) starts at
// initial-access.
func (m *Model) Rank(q Query) ([]Step, error) {
	var given, found, stages []int
	furthest := -1
	for _, t := range q.Techniques {
		k := kg.TechniqueKey(t)
		if k == "" {
			return nil, queryErrorf("%q is not an ATT&CK technique id (T1234 or T1234.001)", t)
		}
		i, ok := m.index[k]
		if !ok {
			return nil, queryErrorf("technique %s is not in the graph (import ATT&CK first: cyberstreams graph import-attack FILE)", k)
		}
		if !slices.Contains(given, i) {
			given = append(given, i)
		}
		furthest = max(furthest, m.stage[i])
	}
	for _, t := range q.Found {
		i, ok := m.index[kg.TechniqueKey(t)]
		if !ok || slices.Contains(given, i) {
			continue
		}
		found = append(found, i)
		stages = append(stages, m.stage[i])
	}
	furthest = max(furthest, furthestFound(stages))
	given = append(given, found...)
	if len(given) == 0 {
		if len(q.Found) > 0 {
			return nil, queryErrorf("none of the techniques found in the text (%s) is in the graph (import ATT&CK first: cyberstreams graph import-attack FILE)", strings.Join(q.Found, ", "))
		}
		return nil, queryErrorf("next-steps needs at least one technique id")
	}
	from := furthest + 1
	if q.From != "" {
		if from = TacticIndex(q.From); from < 0 {
			return nil, queryErrorf("unknown tactic %q: want one of %s", q.From, strings.Join(Tactics, ", "))
		}
	} else if from >= len(Tactics) {
		return nil, queryErrorf("the given techniques reach %s, the last tactic: nothing comes later (name an earlier one with --from)", Tactics[len(Tactics)-1])
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 25
	}
	ranked, scores, err := m.rank(m.withoutSlips(given, found, from), from)
	if err != nil {
		return nil, err
	}
	out := []Step{}
	for _, i := range ranked {
		if len(out) == limit {
			break
		}
		t := m.info[i]
		out = append(out, Step{ID: t.Key, Name: t.Name, Tactics: t.Tactics, Score: scores[i]})
	}
	return out, nil
}

// withoutSlips leaves out of given the techniques found in text that start
// at from or later (the tagger's slips past where the incident stands), so
// they are ranked instead of taken as seen; all are kept when nothing else
// would be left.
func (m *Model) withoutSlips(given, found []int, from int) []int {
	var out []int
	for _, i := range given {
		if m.stage[i] < from || !slices.Contains(found, i) {
			out = append(out, i)
		}
	}
	if len(out) == 0 {
		return given
	}
	return out
}

// furthestFound is the furthest tactic (of the stages given) that at least
// two techniques found in text start in, or, when no tactic has two, the
// furthest; -1 for none. One tag in a tactic the others do not reach is
// more often the tagger's slip than the incident's progress, and taking it
// as the furthest would skip the tactics in between (bench/next_step
// -text: recall@10 at credential-access 0.16 ranking after the furthest
// tag).
func furthestFound(stages []int) int {
	n := map[int]int{}
	out, top := -1, -1
	for _, s := range stages {
		top = max(top, s)
		if n[s]++; n[s] >= 2 {
			out = max(out, s)
		}
	}
	if out < 0 {
		return top
	}
	return out
}

// Suggest trains the query's method (MethodFor: Default, or
// DefaultForText when techniques were found in text) on the local graph
// and answers q.
func Suggest(ctx context.Context, s *kg.Store, q Query) ([]Step, error) {
	u, err := s.TechniqueUsage(ctx)
	if err != nil {
		return nil, err
	}
	m, err := Train(u, MethodFor(q))
	if err != nil {
		return nil, err
	}
	return m.Rank(q)
}

// rank orders the techniques starting at tactic from or later, given ones
// excluded.
func (m *Model) rank(given []int, from int) ([]int, []float64, error) {
	in := map[int]bool{}
	for _, g := range given {
		in[g] = true
	}
	var cands []int
	sc, err := m.scorer(from)
	if err != nil {
		return nil, nil, err
	}
	scores := sc.Scores(given)
	for i, s := range m.stage {
		if s >= from && !in[i] && (!m.method.sparse || scores[i] != 0) {
			cands = append(cands, i)
		}
	}
	return ml.Rank(scores, cands), scores, nil
}
