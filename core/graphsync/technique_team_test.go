package graphsync_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/techniques"
	"github.com/cyberstreams/cyberstreams/kg/neo4j"
	"github.com/cyberstreams/cyberstreams/kg/neo4j/neo4jtest"
	"github.com/cyberstreams/cyberstreams/labels"
)

const (
	decodes  = "The loader decodes its payload with certutil."
	persists = "It persists through a Run key."
)

func addReports(t *testing.T, a analyst, ids ...string) {
	t.Helper()
	var docs []document.Document
	for _, id := range ids {
		d := document.Document{ID: id, Title: "Loader " + id, Body: decodes + " " + persists}
		d.Finish()
		docs = append(docs, d)
	}
	if _, err := a.ws.PutDocuments(context.Background(), docs); err != nil {
		t.Fatal(err)
	}
}

// judge records the analyst's verdict at minute min of the day, so that
// every workspace orders the team's verdicts alike.
func (a analyst) judge(t *testing.T, doc, technique string, present bool, sentence string, min int) {
	t.Helper()
	at := time.Date(2026, 12, 7, 9, min, 0, 0, time.UTC)
	if _, err := a.ws.Labels().AddTechnique(context.Background(), labels.TechniqueLabel{DocID: doc, Technique: technique,
		Present: present, Sentence: sentence, Analyst: a.name, Origin: "tui", CreatedAt: at}); err != nil {
		t.Fatal(err)
	}
}

// inForce is the workspace's technique verdicts in force, as training
// reads them, and the checksum the model card would record for them.
func (a analyst) inForce(t *testing.T) ([]string, string) {
	t.Helper()
	ls, err := techniques.LabelsInForce(context.Background(), a.ws.Labels())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range ls {
		out = append(out, fmt.Sprintf("%s %s %v %s", l.DocID, l.Technique, l.Present, l.Analyst))
	}
	var c techniques.Corpus
	_, in := c.AddCorrections(ls)
	return out, in.SHA256
}

// techniqueEvents is the workspace's technique events as uid → count.
func (a analyst) techniqueEvents(t *testing.T) map[string]int {
	t.Helper()
	rows, err := a.ws.DB().Query(`SELECT uid FROM technique_label_events`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	seen := map[string]int{}
	for rows.Next() {
		var uid string
		if err := rows.Scan(&uid); err != nil {
			t.Fatal(err)
		}
		seen[uid]++
	}
	return seen
}

func serverCount(t *testing.T, c *neo4j.Client, label string) int {
	t.Helper()
	_, rows, err := c.ReadQuery(context.Background(), "MATCH (e:"+label+") RETURN count(e) AS n", nil)
	if err != nil {
		t.Fatal(err)
	}
	return int(rows[0]["n"].(int64))
}

// TestTechniqueVerdictsTravelAcrossTheTeam runs three analysts against the
// real server: technique verdicts and an undo made apart reach every
// workspace exactly once (a verdict on a report one lacks waits for it),
// pulling again appends nothing, a reset server gets everything again,
// and every workspace then trains on the same corrections, chosen by the
// severity labels' rule: the majority, or the adjudicator.
func TestTechniqueVerdictsTravelAcrossTheTeam(t *testing.T) {
	srv := neo4jtest.Empty(t)
	c := srv.Client
	ctx := context.Background()
	ana, ben, cy := newAnalyst(t, "ana"), newAnalyst(t, "ben"), newAnalyst(t, "cy")
	team := []analyst{ana, ben, cy}
	addReports(t, ana, "REP-1", "REP-2")
	addReports(t, ben, "REP-1", "REP-2")
	addReports(t, cy, "REP-1") // cy has not ingested REP-2 yet

	ana.judge(t, "REP-1", "T1140", true, decodes, 0)
	ana.judge(t, "REP-1", "T1105", false, decodes, 1)
	ana.judge(t, "REP-2", "T1547.001", true, persists, 2)
	ben.judge(t, "REP-1", "T1140", false, decodes, 3)
	ben.judge(t, "REP-1", "T1027", true, decodes, 4)
	cy.judge(t, "REP-1", "T1140", false, decodes, 5)
	if _, err := ben.ws.Labels().UndoTechnique(ctx, "ben"); err != nil { // takes back T1027
		t.Fatal(err)
	}

	first := ana.exchange(t, c)
	if x := first.Techniques; !x.NewLog || x.Pushed != 3 || x.Created != 3 || x.Appended != 0 {
		t.Errorf("ana's first exchange: %+v", x)
	}
	if x := ben.exchange(t, c).Techniques; x.Pushed != 3 || x.Appended != 3 {
		t.Errorf("ben's exchange: %+v; want 3 sent (2 verdicts and the undo), ana's 3 appended", x)
	}
	if x := cy.exchange(t, c).Techniques; x.Pushed != 1 || x.Appended != 5 || x.Waiting != 1 {
		t.Errorf("cy's exchange: %+v; want ana's REP-1 verdicts and ben's 3 events appended, ana's REP-2 verdict waiting", x)
	}
	if n := serverCount(t, c, neo4j.LabelEventLabel); n != 0 {
		t.Errorf("technique verdicts reached the severity label log: %d LabelEvent nodes", n)
	}

	// The server is reset; cy catches up on REP-2. Every workspace sends
	// its own history again and pulls what it lacks, once: by the third
	// round nothing moves.
	srv.Wipe(t)
	addReports(t, cy, "REP-2")
	for round := range 3 {
		for _, a := range team {
			x := a.exchange(t, c).Techniques
			if round == 0 && !x.NewLog {
				t.Errorf("%s did not notice the reset server", a.name)
			}
			if round == 2 && (x.Pushed != 0 || x.Appended != 0 || x.NewLog) {
				t.Errorf("%s's exchange after everything was exchanged: %+v", a.name, x)
			}
		}
	}
	const events = 7 // 6 verdicts and ben's undo
	if n := serverCount(t, c, neo4j.TechniqueEventLabel); n != events {
		t.Errorf("server holds %d technique events, the team made %d", n, events)
	}
	want := []string{
		"REP-1 T1105 false ana",
		"REP-2 T1547.001 true ana",
		"REP-1 T1140 false cy", // ben and cy outvote ana; of the majority, the latest
	}
	var sums []string
	for _, a := range team {
		seen := a.techniqueEvents(t)
		if len(seen) != events {
			t.Errorf("%s holds %d technique events, want %d", a.name, len(seen), events)
		}
		for uid, n := range seen {
			if n != 1 {
				t.Errorf("%s holds event %s %d times", a.name, uid, n)
			}
		}
		got, sum := a.inForce(t)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s trains on %q, want %q", a.name, got, want)
		}
		sums = append(sums, sum)
		if st, _ := a.ws.Labels().TechniqueShareState(ctx); st.Waiting != 0 {
			t.Errorf("%s still has %d verdicts waiting", a.name, st.Waiting)
		}
	}
	if sums[0] != sums[1] || sums[1] != sums[2] {
		t.Errorf("the workspaces' corrections differ: %q", sums)
	}

	// Where ana adjudicates, her verdict is the one training uses.
	if err := ben.ws.Labels().SetAdjudicators(ctx, []string{"ana"}); err != nil {
		t.Fatal(err)
	}
	if got, _ := ben.inForce(t); len(got) != 3 || got[0] != "REP-1 T1140 true ana" {
		t.Errorf("with ana adjudicating, ben trains on %q", got)
	}
	// Undo never takes back a teammate's verdict pulled under the same name.
	if _, err := cy.ws.Labels().UndoTechnique(ctx, "ana"); err == nil {
		t.Error("cy's workspace undid a verdict ana made in hers")
	}
}
