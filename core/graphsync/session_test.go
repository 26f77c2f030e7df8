package graphsync_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/cyberstreams/cyberstreams/core/graphsync"
	"github.com/cyberstreams/cyberstreams/core/triage"
	"github.com/cyberstreams/cyberstreams/core/triage/triagetest"
	"github.com/cyberstreams/cyberstreams/kg/neo4j"
	"github.com/cyberstreams/cyberstreams/kg/neo4j/neo4jtest"
)

// teamSession is one analyst's labeling session over their own copy of
// the demo workspace.
func teamSession(t *testing.T, name string) *triage.Session {
	t.Helper()
	demo := triagetest.Demo(t, t.TempDir())
	s, err := triage.New(demo.Workspace(), triagetest.Scorer(t), name)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func queueIDs(t *testing.T, s *triage.Session) []string {
	t.Helper()
	items, err := s.Items(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.DocID
	}
	return ids
}

func leases(t *testing.T, c *neo4j.Client) map[string]string {
	t.Helper()
	_, rows, err := c.ReadQuery(context.Background(), "MATCH (l:"+neo4j.LeaseLabel+") RETURN l.doc_id AS doc, l.analyst AS who", nil)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, r := range rows {
		out[r["doc"].(string)] = r["who"].(string)
	}
	return out
}

// TestTeamSessionsShareTheWork: labeling sessions of several analysts on
// the real server skip what teammates labelled or hold, two sessions
// started at once never hold the same document, an overlap session keeps
// everything, an expired lease is taken over, the end of a session sends
// its labels and gives its leases up, and a session whose server is away
// works locally and says so.
func TestTeamSessionsShareTheWork(t *testing.T) {
	srv := neo4jtest.Empty(t)
	c := srv.Client
	ctx := context.Background()
	ana, ben, cy, dan := teamSession(t, "ana"), teamSession(t, "ben"), teamSession(t, "cy"), teamSession(t, "dan")
	all := queueIDs(t, ana)

	// ben labels three documents and syncs them.
	for _, id := range all[:3] {
		if _, err := ben.Label(ctx, id, "high", ""); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := graphsync.ExchangeLabels(ctx, ben.Workspace(), c, true); err != nil {
		t.Fatal(err)
	}

	opts := triage.TeamOptions{Claim: 5, Seed: 1}
	pa := ana.Team(ctx, c, nil, opts)
	if pa.Offline != "" || pa.Labelled != 3 || pa.Held != 0 || len(pa.Claimed) != 5 {
		t.Fatalf("ana's plan: %+v", pa)
	}
	if got := queueIDs(t, ana); len(got) != len(all)-3 || slices.ContainsFunc(all[:3], func(id string) bool { return slices.Contains(got, id) }) {
		t.Errorf("ana's queue holds %d documents, ben's labelled ones among them? %v", len(got), got)
	}

	// ben and cy start at the same time: nobody holds a document twice.
	plans := make([]triage.TeamPlan, 2)
	var wg sync.WaitGroup
	for i, s := range []*triage.Session{ben, cy} {
		wg.Go(func() { plans[i] = s.Team(ctx, c, nil, opts) })
	}
	wg.Wait()
	held := map[string]string{}
	for i, p := range append([]triage.TeamPlan{pa}, plans...) {
		if p.Offline != "" {
			t.Fatalf("plan %d offline: %s", i, p.Offline)
		}
		for _, id := range p.Claimed {
			if who, ok := held[id]; ok {
				t.Errorf("%s is claimed twice (by %s and plan %d)", id, who, i)
			}
			held[id] = []string{"ana", "ben", "cy"}[i]
		}
	}
	if got := leases(t, c); len(got) != 15 || !equalMaps(got, held) {
		t.Errorf("the server holds leases %v, the sessions %v", got, held)
	}
	for _, id := range pa.Claimed {
		if slices.Contains(queueIDs(t, ben), id) || slices.Contains(queueIDs(t, cy), id) {
			t.Errorf("%s, held by ana, is in a teammate's queue", id)
		}
	}

	// An overlap session keeps everything and holds nothing.
	pd := dan.Team(ctx, c, nil, triage.TeamOptions{Overlap: true, Claim: 5})
	if pd.Labelled != 3 || pd.Held != 15 || len(pd.Claimed) != 0 || len(queueIDs(t, dan)) != len(all) {
		t.Errorf("overlap plan %+v, %d documents in the queue", pd, len(queueIDs(t, dan)))
	}

	// ana's leases expire: dan's next session may take her documents.
	srv.Write(t, "MATCH (l:"+neo4j.LeaseLabel+" {analyst: $who}) SET l.until = datetime() - duration('PT1M')", map[string]any{"who": "ana"})
	pd = dan.Team(ctx, c, nil, triage.TeamOptions{Claim: 5, Seed: 1})
	if pd.Held != 10 || !slices.Equal(pd.Claimed, pa.Claimed) {
		t.Errorf("after ana's leases expired dan holds %v (ana had %v), %d held by others", pd.Claimed, pa.Claimed, pd.Held)
	}

	// A refresh in the middle of cy's session sends her label, releases
	// that document and renews the rest.
	if _, err := cy.Label(ctx, plans[1].Claimed[0], "medium", ""); err != nil {
		t.Fatal(err)
	}
	srv.Write(t, "MATCH (l:"+neo4j.LeaseLabel+" {analyst: 'cy'}) SET l.until = datetime() + duration('PT1M')", nil)
	still, err := cy.RefreshTeam(ctx, c, plans[1].Claimed, time.Hour)
	if err != nil || !slices.Equal(still, plans[1].Claimed[1:]) {
		t.Fatalf("cy's refresh holds %v (%v), want %v", still, err, plans[1].Claimed[1:])
	}
	_, rows, err := c.ReadQuery(ctx, "MATCH (l:"+neo4j.LeaseLabel+" {analyst: 'cy'}) WHERE l.until > datetime() + duration('PT50M') RETURN count(l) AS n", nil)
	if err != nil || rows[0]["n"].(int64) != int64(len(still)) {
		t.Errorf("renewed leases: %v, %v; want %d", rows, err, len(still))
	}
	if got := leases(t, c); got[plans[1].Claimed[0]] != "" {
		t.Errorf("cy still holds %s, which she labelled", plans[1].Claimed[0])
	}

	// The end of ben's session sends his labels and gives up his leases.
	if _, err := ben.Label(ctx, plans[0].Claimed[0], "low", ""); err != nil {
		t.Fatal(err)
	}
	lx, err := ben.EndTeam(ctx, c)
	if err != nil || lx.Pushed != 1 {
		t.Fatalf("ben's end: %+v, %v", lx, err)
	}
	for id, who := range leases(t, c) {
		if who == "ben" {
			t.Errorf("ben still holds %s", id)
		}
	}
	pc := cy.Team(ctx, c, nil, opts)
	if pc.Labelled != 4 {
		t.Errorf("cy's next plan counts %d documents labelled by teammates, want ben's 4", pc.Labelled)
	}
	if pd := dan.Team(ctx, c, nil, triage.TeamOptions{Overlap: true}); pd.Labelled != 5 {
		t.Errorf("dan's plan counts %d documents labelled by teammates, want ben's 4 and cy's 1", pd.Labelled)
	}

	// The server is away: ana works locally and says so; what she pulled
	// of ben's and cy's labels is still left to them.
	if _, err := graphsync.ExchangeLabels(ctx, ana.Workspace(), c, false); err != nil {
		t.Fatal(err)
	}
	off := ana.Team(ctx, nil, errors.New("connection refused"), opts)
	if off.Offline == "" || off.Labelled != 5 || len(queueIDs(t, ana)) != len(all)-5 {
		t.Errorf("offline plan %+v with %d documents in the queue", off, len(queueIDs(t, ana)))
	}
}
