package graphsync_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/graphsync"
	"github.com/cyberstreams/cyberstreams/core/workspace"
	"github.com/cyberstreams/cyberstreams/kg"
	"github.com/cyberstreams/cyberstreams/kg/neo4j"
	"github.com/cyberstreams/cyberstreams/kg/neo4j/neo4jtest"
	"github.com/cyberstreams/cyberstreams/labels"
)

// advisory i names a CVE, a domain and a file hash; neighbours share
// some, so documents of several workspaces meet on the same nodes.
func advisory(i int) document.Document {
	return document.Document{ID: fmt.Sprintf("adv-%03d", i), Title: fmt.Sprintf("advisory %d", i),
		Published: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Hour),
		Body: fmt.Sprintf("CVE-2026-%04d is exploited; the implant calls c2-%d.badhost.example and drops %064x. See also CVE-2026-%04d.",
			1000+i, i%9, i%13+1, 1000+(i+1)%17)}
}

// syncAll builds the workspace's graph from its documents and sends it
// and its labels to the team's server.
func syncAll(ctx context.Context, ws *workspace.Workspace, c *neo4j.Client) error {
	s := kg.NewStore(ws.DB())
	if _, err := graphsync.Build(ctx, ws, s, nil, nil); err != nil {
		return err
	}
	if _, err := neo4j.Sync(ctx, s, c, neo4j.SyncOptions{Batch: 25}); err != nil {
		return err
	}
	_, err := graphsync.ExchangeLabels(ctx, ws, c, true)
	return err
}

type nodeKey struct{ label, key string }
type edgeKey struct{ typ, from, to string }

// localGraph reads a workspace's graph: source counts by node, counts by
// relationship.
func localGraph(t *testing.T, ws *workspace.Workspace) (map[nodeKey]int, map[edgeKey]int) {
	t.Helper()
	nodes, edges := map[nodeKey]int{}, map[edgeKey]int{}
	rows, err := ws.DB().Query(`SELECT label, key, source_count FROM graph_nodes`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k nodeKey
		var n int
		if err := rows.Scan(&k.label, &k.key, &n); err != nil {
			t.Fatal(err)
		}
		nodes[k] = n
	}
	rows.Close()
	rows, err = ws.DB().Query(`SELECT e.type, x.key, y.key, e.count FROM graph_edges e
		JOIN graph_nodes x ON x.id = e.src JOIN graph_nodes y ON y.id = e.dst`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k edgeKey
		var n int
		if err := rows.Scan(&k.typ, &k.from, &k.to, &n); err != nil {
			t.Fatal(err)
		}
		edges[k] = n
	}
	rows.Close()
	return nodes, edges
}

// TestThreeAnalystsShareOneGraph: ana and ben ingest, label and sync at
// the same time, in rounds, to the real server; cy works offline for a
// day — documents, graph and labels — then syncs. Afterwards every node
// and relationship any workspace holds is on the server exactly once,
// its counts are the sums of the workspaces' own, and every label event
// is on the server once and in every workspace that holds its document
// exactly once (the others keep it waiting for the document).
func TestThreeAnalystsShareOneGraph(t *testing.T) {
	srv := neo4jtest.Empty(t)
	c := srv.Client
	ctx := context.Background()
	ana, ben, cy := newAnalyst(t, "ana"), newAnalyst(t, "ben"), newAnalyst(t, "cy")
	span := map[string][2]int{"ana": {0, 40}, "ben": {20, 60}, "cy": {40, 80}}
	day := time.Date(2026, 11, 3, 8, 0, 0, 0, time.UTC)
	work := func(a analyst, round int) error {
		lo, hi := span[a.name][0], span[a.name][1]
		step := (hi - lo) / 3
		var docs []document.Document
		for i := lo + round*step; i < lo+(round+1)*step; i++ {
			docs = append(docs, advisory(i))
		}
		if _, err := a.ws.PutDocuments(ctx, docs); err != nil {
			return err
		}
		for j, d := range docs[:8] {
			at := day.Add(time.Duration(round*8+j) * 45 * time.Minute) // a day of labels over three rounds
			if _, err := a.ws.Labels().Add(ctx, labels.Event{DocID: d.ID, Severity: labels.Severities[(j+len(a.name))%5],
				Analyst: a.name, Origin: "tui", CreatedAt: at}); err != nil {
				return err
			}
		}
		return nil
	}
	for round := range 3 {
		var wg sync.WaitGroup
		errs := make(chan error, 2)
		for _, a := range []analyst{ana, ben} {
			wg.Go(func() {
				if err := work(a, round); err != nil {
					errs <- fmt.Errorf("%s: %w", a.name, err)
					return
				}
				if err := syncAll(ctx, a.ws, c); err != nil {
					errs <- fmt.Errorf("%s's sync: %w", a.name, err)
				}
			})
		}
		if err := work(cy, round); err != nil { // offline: cy builds her graph, sends nothing
			t.Fatal(err)
		}
		if _, err := graphsync.Build(ctx, cy.ws, kg.NewStore(cy.ws.DB()), nil, nil); err != nil {
			t.Fatal(err)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
	}
	// cy is back; everyone syncs twice, concurrently, to pull what the
	// others sent last.
	team := []analyst{ana, ben, cy}
	for range 2 {
		var wg sync.WaitGroup
		errs := make(chan error, len(team))
		for _, a := range team {
			wg.Go(func() {
				if err := syncAll(ctx, a.ws, c); err != nil {
					errs <- fmt.Errorf("%s: %w", a.name, err)
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
	}

	wantNodes, wantEdges := map[nodeKey]int{}, map[edgeKey]int{}
	for _, a := range team {
		n, e := localGraph(t, a.ws)
		for k, v := range n {
			wantNodes[k] += v
		}
		for k, v := range e {
			wantEdges[k] += v
		}
	}
	gotNodes, gotEdges := map[nodeKey]int{}, map[edgeKey]int{}
	for _, l := range kg.Labels {
		_, rows, err := c.ReadQuery(ctx, "MATCH (n:"+string(l)+") RETURN n.key AS k, n.source_count AS n", nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			k := nodeKey{string(l), r["k"].(string)}
			if _, dup := gotNodes[k]; dup {
				t.Errorf("node %v twice on the server", k)
			}
			n, _ := r["n"].(int64)
			gotNodes[k] = int(n)
		}
	}
	_, rows, err := c.ReadQuery(ctx, "MATCH (x)-[e]->(y) WHERE x.key IS NOT NULL AND y.key IS NOT NULL RETURN type(e) AS t, x.key AS f, y.key AS to, e.count AS n", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		k := edgeKey{r["t"].(string), r["f"].(string), r["to"].(string)}
		if _, dup := gotEdges[k]; dup {
			t.Errorf("relationship %v twice on the server", k)
		}
		n, _ := r["n"].(int64)
		gotEdges[k] = int(n)
	}
	if len(wantNodes) == 0 || len(wantEdges) == 0 {
		t.Fatalf("the workspaces built %d nodes and %d relationships", len(wantNodes), len(wantEdges))
	}
	diff := func(what string, want, got map[string]int) {
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s %s: server %d, workspaces' sum %d", what, k, got[k], v)
			}
		}
		for k := range got {
			if _, ok := want[k]; !ok {
				t.Errorf("%s %s on the server, in no workspace", what, k)
			}
		}
	}
	str := func(m any) map[string]int {
		out := map[string]int{}
		switch m := m.(type) {
		case map[nodeKey]int:
			for k, v := range m {
				out[k.label+" "+k.key] = v
			}
		case map[edgeKey]int:
			for k, v := range m {
				out[k.typ+" "+k.from+"->"+k.to] = v
			}
		}
		return out
	}
	diff("node", str(wantNodes), str(gotNodes))
	diff("relationship", str(wantEdges), str(gotEdges))
	shared := 0
	for k, v := range wantNodes {
		if v > 0 && k.label == string(kg.Vulnerability) && v > 1 {
			shared++
		}
	}
	if shared == 0 {
		t.Error("no vulnerability is shared by several workspaces: the test proves no sums")
	}

	var total int
	for _, a := range team {
		h, _ := a.history(t)
		total += len(byAnalyst(h, a.name))
	}
	if total != 3*3*8 {
		t.Fatalf("the team made %d label events, want 72", total)
	}
	if got := serverEvents(t, c); got != total {
		t.Errorf("the server holds %d label events, the team made %d", got, total)
	}
	for _, a := range team {
		h, seen := a.history(t)
		// Events on documents a workspace does not hold wait for them.
		st, err := a.ws.Labels().ShareState(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(h)+st.Waiting != total {
			t.Errorf("%s holds %d label events and keeps %d waiting, want %d in all", a.name, len(h), st.Waiting, total)
		}
		for uid, n := range seen {
			if n != 1 {
				t.Errorf("%s holds event %s %d times", a.name, uid, n)
			}
		}
	}
}
