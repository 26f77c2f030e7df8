package graphsync_test

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/graphsync"
	"github.com/cyberstreams/cyberstreams/core/workspace"
	"github.com/cyberstreams/cyberstreams/core/workspace/workspacetest"
	"github.com/cyberstreams/cyberstreams/kg/neo4j"
	"github.com/cyberstreams/cyberstreams/kg/neo4j/neo4jtest"
	"github.com/cyberstreams/cyberstreams/labels"
)

// TestMain keeps the package's tests away from NEO4J_URI, which may name a
// team's server.
func TestMain(m *testing.M) { neo4jtest.Main(m) }

// analyst is one teammate: a workspace of their own, synced to the team's
// server.
type analyst struct {
	name string
	ws   *workspace.Workspace
}

func newAnalyst(t *testing.T, name string, docs ...string) analyst {
	t.Helper()
	ws := workspacetest.Open(t)
	addDocs(t, ws, docs...)
	return analyst{name, ws}
}

func addDocs(t *testing.T, ws *workspace.Workspace, ids ...string) {
	t.Helper()
	var docs []document.Document
	for _, id := range ids {
		docs = append(docs, document.Document{ID: id, Title: "advisory " + id, Body: "body of " + id})
	}
	if _, err := ws.PutDocuments(context.Background(), docs); err != nil {
		t.Fatal(err)
	}
}

func (a analyst) label(t *testing.T, doc, sev string) {
	t.Helper()
	if _, err := a.ws.Labels().Add(context.Background(), labels.Event{DocID: doc, Severity: sev, Analyst: a.name, Origin: "cli"}); err != nil {
		t.Fatal(err)
	}
}

func (a analyst) exchange(t *testing.T, c *neo4j.Client) neo4j.LabelExchange {
	t.Helper()
	lx, err := graphsync.ExchangeLabels(context.Background(), a.ws, c, true)
	if err != nil {
		t.Fatalf("%s: %v", a.name, err)
	}
	return lx
}

// history is the workspace's label events as (uid, kind, doc, severity,
// analyst) in local order, and how often each uid occurs.
func (a analyst) history(t *testing.T) ([]string, map[string]int) {
	t.Helper()
	rows, err := a.ws.DB().Query(`SELECT uid, kind, doc_id, coalesce(severity, ''), analyst FROM label_events ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	seen := map[string]int{}
	for rows.Next() {
		var uid, kind, doc, sev, who string
		if err := rows.Scan(&uid, &kind, &doc, &sev, &who); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s %s %s %s %s", uid, kind, doc, sev, who))
		seen[uid]++
	}
	return out, seen
}

// byAnalyst keeps the events of one analyst, in order.
func byAnalyst(h []string, who string) []string {
	var out []string
	for _, e := range h {
		if len(e) > len(who) && e[len(e)-len(who)-1:] == " "+who {
			out = append(out, e)
		}
	}
	return out
}

func serverEvents(t *testing.T, c *neo4j.Client) int {
	t.Helper()
	return serverCount(t, c, neo4j.LabelEventLabel)
}

// TestLabelsTravelAcrossTheTeam runs three analysts against the real
// server: labels and undos made apart, concurrently, while one is offline,
// and through a server reset all end up in every workspace exactly once,
// each analyst's own events in their order, and the workspaces agree on
// the agreement numbers.
func TestLabelsTravelAcrossTheTeam(t *testing.T) {
	srv := neo4jtest.Empty(t)
	c := srv.Client
	ctx := context.Background()
	docs := []string{"d1", "d2", "d3", "d4", "d5"}
	ana := newAnalyst(t, "ana", docs...)
	ben := newAnalyst(t, "ben", docs...)
	cy := newAnalyst(t, "cy", docs[:4]...) // cy has not ingested d5 yet
	team := []analyst{ana, ben, cy}

	ana.label(t, "d1", "high")
	ana.label(t, "d2", "low")
	ana.label(t, "d3", "critical")
	if _, err := ana.ws.Labels().Undo(ctx, "ana"); err != nil { // takes back d3
		t.Fatal(err)
	}
	ben.label(t, "d1", "high")
	ben.label(t, "d2", "medium")
	ben.label(t, "d5", "informational")
	cy.label(t, "d1", "critical")

	first := ana.exchange(t, c)
	if !first.NewLog || first.Pushed != 4 || first.Created != 4 || first.Appended != 0 {
		t.Errorf("ana's first exchange: %+v", first)
	}
	ben.exchange(t, c)
	if lx := cy.exchange(t, c); lx.Appended != 6 || lx.Waiting != 1 {
		t.Errorf("cy's exchange: %+v; want ana's 4 and ben's 2 appended, ben's d5 label waiting", lx)
	}

	// Concurrent labelling and syncing: ana and ben label and exchange at
	// once, each in their own workspace; cy is offline for a day of labels.
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for _, a := range []analyst{ana, ben} {
		wg.Add(1)
		go func(a analyst) {
			defer wg.Done()
			for i := range 12 {
				doc := docs[i%4]
				if _, err := a.ws.Labels().Add(ctx, labels.Event{DocID: doc, Severity: labels.Severities[(i+len(a.name))%5], Analyst: a.name, Origin: "tui"}); err != nil {
					errs <- err
					return
				}
				if i%4 == 3 {
					if _, err := graphsync.ExchangeLabels(ctx, a.ws, c, true); err != nil {
						errs <- fmt.Errorf("%s: %w", a.name, err)
						return
					}
				}
			}
		}(a)
	}
	for i := range 20 {
		cy.label(t, docs[i%4], labels.Severities[i%5])
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	// The server is reset: everyone's next exchange finds a new label log
	// and sends its own history again.
	srv.Wipe(t)
	addDocs(t, cy.ws, "d5") // cy catches up on d5
	for round := range 2 {
		for _, a := range team {
			lx := a.exchange(t, c)
			if round == 0 && !lx.NewLog {
				t.Errorf("%s did not notice the reset server", a.name)
			}
		}
	}
	ownEvents := map[string][]string{}
	var total int
	for _, a := range team {
		h, _ := a.history(t)
		ownEvents[a.name] = byAnalyst(h, a.name)
		total += len(ownEvents[a.name])
	}
	if got := serverEvents(t, c); got != total {
		t.Errorf("server holds %d label events, the team made %d", got, total)
	}
	var agreements []labels.Agreement
	for _, a := range team {
		h, seen := a.history(t)
		if len(h) != total {
			t.Errorf("%s holds %d events, want %d", a.name, len(h), total)
		}
		for uid, n := range seen {
			if n != 1 {
				t.Errorf("%s holds event %s %d times", a.name, uid, n)
			}
		}
		for _, b := range team {
			if got := byAnalyst(h, b.name); !reflect.DeepEqual(got, ownEvents[b.name]) {
				t.Errorf("%s holds %s's events in another order or not all:\n%v\nwant\n%v", a.name, b.name, got, ownEvents[b.name])
			}
		}
		st, _ := a.ws.Labels().ShareState(ctx)
		if st.Waiting != 0 {
			t.Errorf("%s still has %d events waiting", a.name, st.Waiting)
		}
		ag, err := a.ws.Labels().Agreement(ctx)
		if err != nil {
			t.Fatal(err)
		}
		agreements = append(agreements, ag)
	}
	for i := range agreements[1:] {
		if !reflect.DeepEqual(agreements[0], agreements[i+1]) {
			t.Errorf("agreement differs between workspaces:\n%+v\n%+v", agreements[0], agreements[i+1])
		}
	}
	// Nothing moves the second time.
	for _, a := range team {
		if lx := a.exchange(t, c); lx.Pushed != 0 || lx.Appended != 0 || lx.NewLog {
			t.Errorf("%s's exchange after everything was exchanged: %+v", a.name, lx)
		}
	}
	// Undo never takes back a teammate's label pulled under the same name.
	if _, err := cy.ws.Labels().Undo(ctx, "ana"); err == nil {
		t.Error("cy's workspace undid a label ana made in hers")
	}
}
