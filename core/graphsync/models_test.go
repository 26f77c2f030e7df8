package graphsync_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/cyberstreams/cyberstreams/core/graphsync"
	"github.com/cyberstreams/cyberstreams/core/learner"
	"github.com/cyberstreams/cyberstreams/core/learner/learnertest"
	"github.com/cyberstreams/cyberstreams/core/model"
	"github.com/cyberstreams/cyberstreams/core/registry"
	"github.com/cyberstreams/cyberstreams/core/training"
	"github.com/cyberstreams/cyberstreams/core/workspace/workspacetest"
	"github.com/cyberstreams/cyberstreams/kg/neo4j"
	"github.com/cyberstreams/cyberstreams/kg/neo4j/neo4jtest"
	"github.com/cyberstreams/cyberstreams/labels"
)

// TestTeamRunsOneModelWithoutModelFiles: ana and ben label apart and
// exchange their labels through the real server; each retrains in their
// own workspace on another day. Both get the same version and
// byte-identical model files, no model file having changed hands. Their
// promotion records reach the server once each, also after it was reset,
// and each workspace's 'models list' says which teammates run its models
// (cy, who never retrained, runs the default).
func TestTeamRunsOneModelWithoutModelFiles(t *testing.T) {
	srv := neo4jtest.Empty(t)
	c := srv.Client
	ctx := context.Background()
	docs := learnertest.Corpus{N: 300, Seed: 11, Noise: 0.05}.Docs()
	var team []analyst
	for _, name := range []string{"ana", "ben", "cy"} {
		ws := workspacetest.Open(t)
		if _, err := ws.PutDocuments(ctx, docs); err != nil {
			t.Fatal(err)
		}
		team = append(team, analyst{name, ws})
	}
	ana, ben, cy := team[0], team[1], team[2]
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	for i, d := range docs[:200] {
		a := []analyst{ana, ben}[i%2]
		if _, err := a.ws.Labels().Add(ctx, labels.Event{DocID: d.ID, Severity: d.Severity, Analyst: a.name, Origin: "tui",
			CreatedAt: t0.Add(time.Duration(i) * time.Minute)}); err != nil {
			t.Fatal(err)
		}
	}
	for range 2 {
		for _, a := range []analyst{ana, ben} {
			a.exchange(t, c)
		}
	}

	var versions, dirs []string
	for day, a := range []analyst{ana, ben} {
		clock := t0.Add(time.Duration(day+1) * 24 * time.Hour)
		cfg := learner.DefaultConfig()
		cfg.MinHoldout = 30
		cfg.Now = func() time.Time { clock = clock.Add(time.Minute); return clock }
		cfg.Tune = fastTraining
		out, err := learner.Run(ctx, a.ws, cfg, nil)
		if err != nil {
			t.Fatalf("%s: %v", a.name, err)
		}
		if !out.Promoted {
			t.Fatalf("%s's candidate was not promoted over the default: %s", a.name, out.Reason)
		}
		versions, dirs = append(versions, out.Candidate), append(dirs, out.Path)
	}
	if versions[0] != versions[1] {
		t.Fatalf("ana and ben retrained on the same labels into versions %s and %s", versions[0], versions[1])
	}
	for _, f := range []string{model.ModelFile, model.FeaturesFile, model.NoveltyFile, model.ReferenceFile} {
		x, errX := os.ReadFile(filepath.Join(dirs[0], f))
		y, errY := os.ReadFile(filepath.Join(dirs[1], f))
		if errX != nil || errY != nil || !bytes.Equal(x, y) {
			t.Errorf("%s differs between ana's and ben's retrain (%v, %v)", f, errX, errY)
		}
	}

	exchangeModels := func(a analyst) graphsync.ModelExchange {
		t.Helper()
		mx, err := graphsync.ExchangeModels(ctx, a.ws, c, a.name, nil)
		if err != nil {
			t.Fatalf("%s: %v", a.name, err)
		}
		return mx
	}
	for range 2 {
		for _, a := range team {
			exchangeModels(a)
		}
	}
	want := map[string][]string{"ana": {"ben"}, "ben": {"ana"}}
	for _, a := range []analyst{ana, ben} {
		entries, err := registry.New(a.ws.DB(), a.ws.ModelsDir(), nil).List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 1 || entries[0].Version != versions[0] || !reflect.DeepEqual(entries[0].Team, want[a.name]) {
			t.Errorf("%s's models list: %+v; want %s run by %v", a.name, entries, versions[0], want[a.name])
		}
	}
	cyTeam, err := registry.New(cy.ws.DB(), cy.ws.ModelsDir(), nil).TeamChampions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(cyTeam) != 2 || cyTeam[0].Version != versions[0] || cyTeam[1].Version != versions[0] {
		t.Errorf("cy sees the team's champions as %+v", cyTeam)
	}
	if mx := exchangeModels(ana); len(mx.Team) != 2 || mx.Team[1].Analyst != "cy" || mx.Team[1].Version != model.DefaultRef {
		t.Errorf("ana sees %+v; want cy on the default", mx.Team)
	}
	if n := countNodes(t, c, neo4j.PromotionLabel); n != 2 {
		t.Errorf("the server holds %d promotion records, the team made 2", n)
	}

	// A reset server gets every record again, once.
	srv.Wipe(t)
	for round := range 2 {
		for _, a := range team {
			mx := exchangeModels(a)
			promoted := a.name != "cy"
			if wantResent := round == 0 && promoted; mx.Resent != wantResent || (mx.Pushed == 1) != wantResent {
				t.Errorf("round %d, %s: resent %v, %d records pushed; want resent %v", round, a.name, mx.Resent, mx.Pushed, wantResent)
			}
		}
	}
	if n := countNodes(t, c, neo4j.PromotionLabel); n != 2 {
		t.Errorf("after the reset the server holds %d promotion records, want 2", n)
	}
	if n := countNodes(t, c, neo4j.ChampionLabel); n != 3 {
		t.Errorf("the server holds %d champions, want one per workspace (3)", n)
	}
}

// fastTraining keeps what the learner set and makes the model tiny.
func fastTraining(o *training.Options) {
	f := learnertest.FastOptions()
	f.Version, f.Parent, f.Command, f.Inputs, f.Labels, f.MaxLabel, f.Progress, f.Seed =
		o.Version, o.Parent, o.Command, o.Inputs, o.Labels, o.MaxLabel, o.Progress, o.Seed
	f.Features.EntityTypes = o.Features.EntityTypes
	*o = f
}

func countNodes(t *testing.T, c *neo4j.Client, label string) int {
	t.Helper()
	_, rows, err := c.ReadQuery(context.Background(), "MATCH (n:"+label+") RETURN count(n) AS n", nil)
	if err != nil {
		t.Fatal(err)
	}
	return int(rows[0]["n"].(int64))
}
