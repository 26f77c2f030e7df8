package neo4j_test

import (
	"context"
	"os"
	"reflect"
	"testing"

	"github.com/cyberstreams/cyberstreams/kg"
	"github.com/cyberstreams/cyberstreams/kg/attack"
	"github.com/cyberstreams/cyberstreams/kg/kgtest"
	"github.com/cyberstreams/cyberstreams/kg/neo4j"
	"github.com/cyberstreams/cyberstreams/kg/neo4j/neo4jtest"
)

func importAttack(t testing.TB, s *kg.Store) {
	f, err := os.Open(kgtest.DataFile(t, "attack-enterprise.json.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := attack.Import(context.Background(), s, f); err != nil {
		t.Fatal(err)
	}
}

// TestAttackQueriesMatchLocal runs the named queries on the real ATT&CK
// graph in both stores.
func TestAttackQueriesMatchLocal(t *testing.T) {
	if testing.Short() {
		t.Skip("syncs the whole ATT&CK bundle")
	}
	c := connect(t)
	s := kgtest.OpenStore(t)
	importAttack(t, s)
	ctx := context.Background()
	res, err := neo4j.Sync(ctx, s, c, neo4j.SyncOptions{Batch: 5000})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("synced %d rows in %s: %.0f rows/s", res.Total(), res.Elapsed, float64(res.Total())/res.Elapsed.Seconds())
	sameCounts(t, s, c)
	for _, name := range []string{"APT28", "lazarus group", "G0016"} {
		local, lerr := s.ActorTechniques(ctx, name)
		remote, rerr := c.ActorTechniques(ctx, name)
		if lerr != nil || rerr != nil || !reflect.DeepEqual(local, remote) {
			t.Errorf("actor-techniques %q differ (%v, %v)", name, lerr, rerr)
		}
	}
	for _, q := range []kg.NextStepsQuery{{Techniques: []string{"T1566", "T1059"}}, {Techniques: []string{"T1003.001"}, MaxHops: 2}} {
		local, lerr := s.NextSteps(ctx, q)
		remote, rerr := c.NextSteps(ctx, q)
		if lerr != nil || rerr != nil || !reflect.DeepEqual(local, remote) {
			t.Errorf("next-steps %+v:\nlocal  %+v (%v)\nremote %+v (%v)", q, local, lerr, remote, rerr)
		}
	}
	for _, q := range []kg.EnrichQuery{{Value: "Mimikatz", Hops: 2}, {Value: "T1566.001", Hops: 1, Limit: 1000}} {
		local, lerr := s.Enrich(ctx, q)
		remote, rerr := c.Enrich(ctx, q)
		if lerr != nil || rerr != nil || !reflect.DeepEqual(local, remote) {
			t.Errorf("enrich %+v differ (%v, %v): %d vs %d rows", q, lerr, rerr, len(local), len(remote))
		}
	}
}

// BenchmarkSyncAttack measures sync throughput (nodes + relationships per
// second) of the whole ATT&CK graph into an empty Neo4j.
func BenchmarkSyncAttack(b *testing.B) {
	srv := neo4jtest.Open(b)
	c := srv.Client
	ctx := context.Background()
	s := kgtest.OpenStore(b)
	importAttack(b, s)
	var rows int
	var secs float64
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		srv.Wipe(b)
		if _, err := s.RequeueAll(ctx); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		res, err := neo4j.Sync(ctx, s, c, neo4j.SyncOptions{Batch: 5000})
		if err != nil {
			b.Fatal(err)
		}
		rows += res.Total()
		secs += res.Elapsed.Seconds()
	}
	b.ReportMetric(float64(rows)/secs, "rows/s")
}
