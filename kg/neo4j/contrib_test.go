package neo4j_test

import (
	"context"
	"testing"

	"github.com/cyberstreams/cyberstreams/kg"
	"github.com/cyberstreams/cyberstreams/kg/kgtest"
	"github.com/cyberstreams/cyberstreams/kg/neo4j/neo4jtest"
)

// TestContributionsAddUpAcrossWorkspaces: two workspaces sync the same
// graph to one server. Counts on shared nodes and relationships are the
// sums of both, a retraction takes back only its own workspace's part,
// and a node goes only when neither contributes it.
func TestContributionsAddUpAcrossWorkspaces(t *testing.T) {
	srv := neo4jtest.Empty(t)
	c := srv.Client
	ctx := context.Background()
	a, b := kgtest.OpenStore(t), kgtest.OpenStore(t)
	kgtest.LoadSynthetic(t, a)
	kgtest.LoadSynthetic(t, b)
	sync(t, a, c)
	sync(t, b, c)
	sameCounts(t, a, c) // the same graph twice: nothing duplicated

	var key string
	var local int
	if err := a.DB().QueryRowContext(ctx, `SELECT key, source_count FROM graph_nodes WHERE label = 'Indicator' AND key LIKE '%evil.example'`).
		Scan(&key, &local); err != nil || local == 0 {
		t.Fatalf("indicator: %q %d %v", key, local, err)
	}
	var pairCount int
	var from, to string
	if err := a.DB().QueryRowContext(ctx, `SELECT x.key, y.key, e.count FROM graph_edges e JOIN graph_nodes x ON x.id = e.src
		JOIN graph_nodes y ON y.id = e.dst WHERE e.type = 'RELATED_TO' ORDER BY e.count DESC LIMIT 1`).Scan(&from, &to, &pairCount); err != nil {
		t.Fatal(err)
	}
	remote := func() (sources, contributors, pair int) {
		t.Helper()
		_, rows, err := c.ReadQuery(ctx, `OPTIONAL MATCH (n:Indicator {key: $k}) OPTIONAL MATCH (:Indicator {key: $f})-[e:RELATED_TO]->(:Indicator {key: $t})
			RETURN coalesce(n.source_count, 0) AS s, coalesce(n.contributors, 0) AS w, coalesce(e.count, 0) AS p`,
			map[string]any{"k": key, "f": from, "t": to})
		if err != nil {
			t.Fatal(err)
		}
		return int(rows[0]["s"].(int64)), int(rows[0]["w"].(int64)), int(rows[0]["p"].(int64))
	}
	if s, w, p := remote(); s != 2*local || w != 2 || p != 2*pairCount {
		t.Errorf("after both synced: %s source_count %d from %d workspaces, RELATED_TO count %d; want %d, 2, %d", key, s, w, p, 2*local, 2*pairCount)
	}
	// ioc-pairs over the team's graph counts both workspaces' documents.
	pairs, err := c.IOCPairs(ctx, kg.IOCPairsQuery{})
	if err != nil || len(pairs) == 0 || pairs[0].Count != 2*pairCount {
		t.Errorf("team ioc-pairs: %+v %v; want the top pair counted %d times", pairs, err, 2*pairCount)
	}

	retractAll := func(s *kg.Store) {
		t.Helper()
		for _, d := range kgtest.SyntheticDocs() {
			if _, err := s.DeleteDocument(ctx, d.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	retractAll(a)
	if res := sync(t, a, c); res.NodeDeletes != 0 {
		t.Errorf("a's retraction deleted %d nodes b still contributes", res.NodeDeletes)
	}
	sameCounts(t, b, c) // b's graph is whole
	if s, w, p := remote(); s != local || w != 1 || p != pairCount {
		t.Errorf("after a retracted: source_count %d from %d workspaces, pair count %d; want %d, 1, %d", s, w, p, local, pairCount)
	}
	retractAll(b)
	if res := sync(t, b, c); res.NodeDeletes == 0 {
		t.Error("b's retraction deleted nothing although nobody contributes its documents any more")
	}
	sameCounts(t, b, c)
	sameCounts(t, a, c)
	if s, w, _ := remote(); s != 0 || w != 0 {
		t.Errorf("after both retracted: %s still there (%d sources, %d workspaces)", key, s, w)
	}
}
