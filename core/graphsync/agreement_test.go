package graphsync_test

import (
	"context"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/cyberstreams/cyberstreams/kg/neo4j/neo4jtest"
	"github.com/cyberstreams/cyberstreams/labels"
)

// TestTeamAgreementMatchesReference: three analysts label in their own
// workspaces and exchange through the real server; every workspace then
// computes the same agreement, equal to a reference computation, and picks
// training labels by the documented rule (adjudicator, else majority, else
// latest).
//
// The reference numbers were computed independently in Python from the
// definitions (Cohen 1960; Krippendorff 2011, nominal α from the
// coincidence matrix): κ(ana, ben) = 9/19 on 5 documents, κ(ana, cy) = 0.6
// on 4, κ(ben, cy) = 1/7 on 3, and α = 41/83 over 15 pairable values in 6
// documents.
func TestTeamAgreementMatchesReference(t *testing.T) {
	c := neo4jtest.Empty(t).Client
	ctx := context.Background()
	docs := []string{"d1", "d2", "d3", "d4", "d5", "d6"}
	given := map[string][][2]string{
		"ana": {{"d1", "high"}, {"d2", "low"}, {"d3", "critical"}, {"d4", "medium"}, {"d5", "high"}, {"d6", "low"}},
		"ben": {{"d1", "high"}, {"d2", "medium"}, {"d3", "critical"}, {"d4", "medium"}, {"d5", "low"}},
		"cy":  {{"d1", "critical"}, {"d2", "low"}, {"d3", "critical"}, {"d6", "low"}},
	}
	var team []analyst
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	for _, name := range []string{"ana", "ben", "cy"} {
		a := newAnalyst(t, name, docs...)
		for _, l := range given[name] {
			at = at.Add(time.Minute) // ben labels d5 after ana: latest wins the tie
			if _, err := a.ws.Labels().Add(ctx, labels.Event{DocID: l[0], Severity: l[1], Analyst: name, Origin: "cli", CreatedAt: at}); err != nil {
				t.Fatal(err)
			}
		}
		team = append(team, a)
	}
	for range 2 {
		for _, a := range team {
			a.exchange(t, c)
		}
	}
	kappa := map[[2]string]float64{{"ana", "ben"}: 9.0 / 19, {"ana", "cy"}: 0.6, {"ben", "cy"}: 1.0 / 7}
	docsShared := map[[2]string]int{{"ana", "ben"}: 5, {"ana", "cy"}: 4, {"ben", "cy"}: 3}
	for _, a := range team {
		ag, err := a.ws.Labels().Agreement(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if ag.Alpha == nil || math.Abs(*ag.Alpha-41.0/83) > 1e-12 || ag.Units != 6 {
			t.Errorf("%s: α %v over %d units, want 41/83 over 6", a.name, ag.Alpha, ag.Units)
		}
		if len(ag.Pairs) != 3 {
			t.Fatalf("%s: pairs %+v", a.name, ag.Pairs)
		}
		for _, p := range ag.Pairs {
			k := [2]string{p.A, p.B}
			if p.Kappa == nil || math.Abs(*p.Kappa-kappa[k]) > 1e-12 || p.Docs != docsShared[k] {
				t.Errorf("%s: κ(%s, %s) = %v on %d documents, want %v on %d", a.name, p.A, p.B, p.Kappa, p.Docs, kappa[k], docsShared[k])
			}
		}
	}

	ws := team[2].ws // any workspace: cy's
	training := func() map[string]string {
		t.Helper()
		m, err := ws.Labels().CurrentSeverities(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	want := map[string]string{
		"d1": "high",     // majority: ana and ben against cy
		"d2": "low",      // majority: ana and cy against ben
		"d3": "critical", // all agree
		"d4": "medium",
		"d5": "low", // a tie: ben's is the latest
		"d6": "low",
	}
	if got := training(); !equalMaps(got, want) {
		t.Errorf("training labels %v, want %v", got, want)
	}
	if err := ws.Labels().SetAdjudicators(ctx, []string{"cy"}); err != nil {
		t.Fatal(err)
	}
	want["d1"] = "critical" // cy adjudicates where cy labelled
	if got := training(); !equalMaps(got, want) {
		t.Errorf("training labels with cy adjudicating %v, want %v", got, want)
	}
	contested, err := ws.Labels().CurrentAll(ctx, labels.Filter{Contested: true})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, e := range contested {
		ids = append(ids, e.DocID)
	}
	slices.Sort(ids)
	if !slices.Equal(ids, []string{"d1", "d2", "d5"}) {
		t.Errorf("contested documents %v, want d1 d2 d5", ids)
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
