package neo4j_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cyberstreams/cyberstreams/kg"
	"github.com/cyberstreams/cyberstreams/kg/kgtest"
	"github.com/cyberstreams/cyberstreams/kg/neo4j"
	"github.com/cyberstreams/cyberstreams/kg/neo4j/neo4jtest"
)

// TestMain keeps every test of the package away from NEO4J_URI, which may
// name a team's server: tests get theirs from neo4jtest.
func TestMain(m *testing.M) { neo4jtest.Main(m) }

// connect returns a client for the test server, emptied, or skips the test
// (fails it in CI) when there is none.
func connect(t *testing.T) *neo4j.Client {
	t.Helper()
	return neo4jtest.Empty(t).Client
}

func sync(t *testing.T, s *kg.Store, c *neo4j.Client) neo4j.SyncResult {
	t.Helper()
	res, err := neo4j.Sync(context.Background(), s, c, neo4j.SyncOptions{Batch: 7})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func sameCounts(t *testing.T, s *kg.Store, c *neo4j.Client) {
	t.Helper()
	ctx := context.Background()
	local, err := s.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	remote, err := c.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(local, remote) {
		t.Fatalf("counts differ:\nlocal  %+v\nremote %+v", local, remote)
	}
}

func TestSyncAndQueriesMatchLocal(t *testing.T) {
	c := connect(t)
	s := kgtest.OpenStore(t)
	kgtest.LoadSynthetic(t, s)
	ctx := context.Background()
	res := sync(t, s, c)
	if res.Nodes == 0 || res.Relationships == 0 {
		t.Fatalf("first sync sent %+v", res)
	}
	sameCounts(t, s, c)
	if again := sync(t, s, c); again.Total() != 0 {
		t.Errorf("second sync sent %+v, want nothing", again)
	}
	// A full resend MERGEs onto what is there: nothing is duplicated.
	if _, err := s.RequeueAll(ctx); err != nil {
		t.Fatal(err)
	}
	sync(t, s, c)
	sameCounts(t, s, c)

	for _, name := range []string{"fancy test", "G0002", kgtest.Hostile, kgtest.HostileSQL, "Unknown Kitten"} {
		local, lerr := s.ActorTechniques(ctx, name)
		remote, rerr := c.ActorTechniques(ctx, name)
		if lerr != nil || rerr != nil || !reflect.DeepEqual(local, remote) {
			t.Errorf("actor-techniques %q:\nlocal  %+v (%v)\nremote %+v (%v)", name, local, lerr, remote, rerr)
		}
	}
	for _, q := range []kg.IOCPairsQuery{{}, {Types: []string{"ip"}}, {MinCount: 2}, {Types: []string{"domain", "email"}}} {
		local, lerr := s.IOCPairs(ctx, q)
		remote, rerr := c.IOCPairs(ctx, q)
		if lerr != nil || rerr != nil || !reflect.DeepEqual(local, remote) {
			t.Errorf("ioc-pairs %+v:\nlocal  %+v (%v)\nremote %+v (%v)", q, local, lerr, remote, rerr)
		}
	}
	for _, q := range []kg.NextStepsQuery{{Techniques: []string{"T1566", "T1059"}}, {Techniques: []string{"T1566"}, MaxHops: 1},
		{Techniques: []string{"T1105"}, MaxHops: 2}, {Techniques: []string{"T1071"}, MaxHops: 4}} {
		local, lerr := s.NextSteps(ctx, q)
		remote, rerr := c.NextSteps(ctx, q)
		if lerr != nil || rerr != nil || !reflect.DeepEqual(local, remote) {
			t.Errorf("next-steps %+v:\nlocal  %+v (%v)\nremote %+v (%v)", q, local, lerr, remote, rerr)
		}
	}
	for _, q := range []kg.EnrichQuery{{Value: "evil[.]example"}, {Value: "ratbad", Hops: 3}, {Value: kgtest.Hostile, Hops: 1},
		{Value: "CVE-2021-44228", Hops: 2}, {Value: "doc:doc-3", Hops: 4}} {
		local, lerr := s.Enrich(ctx, q)
		remote, rerr := c.Enrich(ctx, q)
		if lerr != nil || rerr != nil || !reflect.DeepEqual(local, remote) {
			t.Errorf("enrich %+v:\nlocal  %+v (%v)\nremote %+v (%v)", q, local, lerr, remote, rerr)
		}
	}
	// Hostile strings stored as data, not run as Cypher: the graph is whole.
	_, rows, err := c.ReadQuery(ctx, "MATCH (a:Actor {key: 'G0003'}) RETURN a.name AS name", nil)
	if err != nil || len(rows) != 1 || rows[0]["name"] != kgtest.Hostile {
		t.Errorf("hostile actor round trip: %+v %v", rows, err)
	}
}

func TestRetractionsReachNeo4j(t *testing.T) {
	c := connect(t)
	s := kgtest.OpenStore(t)
	kgtest.LoadSynthetic(t, s)
	ctx := context.Background()
	sync(t, s, c)
	for _, d := range kgtest.SyntheticDocs()[1:] {
		if _, err := s.DeleteDocument(ctx, d.ID); err != nil {
			t.Fatal(err)
		}
	}
	res := sync(t, s, c)
	if res.NodeDeletes == 0 || res.RelationshipDeletes == 0 {
		t.Errorf("sync after deletes sent %+v", res)
	}
	sameCounts(t, s, c)
}

func TestReadQueryRefusesWrites(t *testing.T) {
	c := connect(t)
	_, _, err := c.ReadQuery(context.Background(), "CREATE (n:Actor {key: $k}) RETURN n", map[string]any{"k": "intruder"})
	if err == nil {
		t.Fatal("a CREATE ran in a read transaction")
	}
	_, rows, err := c.ReadQuery(context.Background(), "MATCH (n:Actor {key: 'intruder'}) RETURN n", nil)
	if err != nil || len(rows) != 0 {
		t.Fatalf("write went through: %v %v", rows, err)
	}
}

func TestConnectErrorsAreClear(t *testing.T) {
	cfg := neo4jtest.Open(t).Config
	ctx := context.Background()
	bad := cfg
	bad.Password = "wrong-password"
	if _, err := neo4j.Connect(ctx, bad); !errors.Is(err, neo4j.ErrAuth) {
		t.Errorf("wrong password: %v, want ErrAuth", err)
	}
	gone := cfg
	gone.URI = "bolt://127.0.0.1:1"
	start := time.Now()
	_, err := neo4j.Connect(ctx, gone)
	if !errors.Is(err, neo4j.ErrUnreachable) {
		t.Errorf("unreachable: %v, want ErrUnreachable", err)
	}
	if time.Since(start) > 15*time.Second {
		t.Errorf("unreachable took %s: retried instead of failing once", time.Since(start))
	}
	if strings.Count(err.Error(), "unreachable") > 2 {
		t.Errorf("message repeats itself: %v", err)
	}
}

// TestSyncResumesAfterConnectionLoss closes the driver in the middle of a
// sync: the outbox keeps the unacknowledged rows, and a new connection
// finishes the job with nothing duplicated.
func TestSyncResumesAfterConnectionLoss(t *testing.T) {
	srv := neo4jtest.Empty(t)
	c := srv.Client
	s := kgtest.OpenStore(t)
	kgtest.LoadSynthetic(t, s)
	ctx := context.Background()
	before, _ := s.Pending(ctx)
	batches := 0
	_, err := neo4j.Sync(ctx, s, c, neo4j.SyncOptions{Batch: 5, Progress: func(neo4j.SyncProgress) {
		batches++
		if batches == 3 {
			c.Close(ctx)
		}
	}})
	if err == nil {
		t.Fatal("sync went on after its driver was closed")
	}
	mid, _ := s.Pending(ctx)
	if mid.Total() == 0 || mid.Total() >= before.Total() {
		t.Fatalf("pending %d of %d after the fault: want some acknowledged, some kept", mid.Total(), before.Total())
	}
	c2 := reconnect(t, srv.Config)
	sync(t, s, c2)
	sameCounts(t, s, c2)
	if p, _ := s.Pending(ctx); p.Total() != 0 {
		t.Errorf("outbox not drained: %+v", p)
	}
}

func reconnect(t *testing.T, cfg neo4j.Config) *neo4j.Client {
	c, err := neo4j.Connect(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

func TestDryRunPrintsStatements(t *testing.T) {
	s := kgtest.OpenStore(t)
	kgtest.LoadSynthetic(t, s)
	var b strings.Builder
	n, err := neo4j.DryRun(context.Background(), s, &b, 5000)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := s.Pending(context.Background())
	if n != p.Total() {
		t.Errorf("dry run counted %d rows, outbox has %d", n, p.Total())
	}
	out := b.String()
	for _, want := range []string{
		"CREATE CONSTRAINT IF NOT EXISTS FOR (n:Actor) REQUIRE n.key IS UNIQUE",
		"UNWIND $rows AS r MERGE (n:Indicator {key: r.key}) SET n += r.props, n += r.mine",
		"RETURN r.seq AS seq;  // 6 rows",
		"UNWIND $rows AS r MATCH (a:Actor {key: r.from}) MATCH (b:Technique {key: r.to}) MERGE (a)-[e:USES]->(b) SET e += r.props, e += r.mine",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, kgtest.Hostile) {
		t.Error("data appears in Cypher text")
	}
}

func TestStatementsRejectUnknownLabels(t *testing.T) {
	if _, err := neo4j.NodeUpsertCypher(kg.Label("Actor) DETACH DELETE (x")); err == nil {
		t.Error("label outside the allow-list accepted")
	}
	if _, err := neo4j.EdgeUpsertCypher(kg.RelType("USES]->() DELETE x //"), kg.Actor, kg.Technique); err == nil {
		t.Error("type outside the allow-list accepted")
	}
}

// TestSyncCountsOnlyWhatNeo4jWrote loses a node in Neo4j behind the
// workspace's back, then resends its relationships without it: they are
// not written, not counted, and stay in the outbox until their node is
// there again.
func TestSyncCountsOnlyWhatNeo4jWrote(t *testing.T) {
	srv := neo4jtest.Empty(t)
	c := srv.Client
	s := kgtest.OpenStore(t)
	kgtest.LoadSynthetic(t, s)
	ctx := context.Background()
	first := sync(t, s, c)
	if first.Pending.Total() != 0 || first.NodesCreated != first.Nodes || first.RelationshipsCreated != first.Relationships {
		t.Fatalf("first sync: %+v", first)
	}
	var ends int
	if err := s.DB().QueryRowContext(ctx, `SELECT count(*) FROM graph_edges e JOIN graph_nodes n ON n.id IN (e.src, e.dst)
		WHERE n.key = 'T1566'`).Scan(&ends); err != nil || ends == 0 {
		t.Fatalf("relationships of T1566: %d %v", ends, err)
	}
	srv.Write(t, "MATCH (n:Technique {key: 'T1566'}) DETACH DELETE n", nil)
	if _, err := s.RequeueAll(ctx); err != nil {
		t.Fatal(err)
	}
	// The node's own upsert is lost on the way, as if another writer had
	// deleted it after it was acknowledged.
	if _, err := s.DB().ExecContext(ctx, `DELETE FROM graph_outbox WHERE kind = 'node'`); err != nil {
		t.Fatal(err)
	}
	res := sync(t, s, c)
	local, _ := s.Stats(ctx)
	total := 0
	for _, n := range local.Edges {
		total += n
	}
	if res.MissingEnds != ends || res.Pending.EdgeUpserts != ends || res.Pending.Total() != ends ||
		res.Relationships != total-ends || res.RelationshipsCreated != 0 {
		t.Errorf("sync without T1566 in Neo4j: %+v; want %d relationships missing an end, %d written", res, ends, total-ends)
	}
	// Nothing but the relationships is pending: another sync reads them
	// again and still does not count them.
	if again := sync(t, s, c); again.Relationships != 0 || again.MissingEnds != ends {
		t.Errorf("second sync: %+v", again)
	}
	if _, err := s.RequeueAll(ctx); err != nil {
		t.Fatal(err)
	}
	healed := sync(t, s, c)
	if healed.Pending.Total() != 0 || healed.MissingEnds != 0 || healed.NodesCreated != 1 || healed.RelationshipsCreated != ends {
		t.Errorf("full resend: %+v; want T1566 and its %d relationships created", healed, ends)
	}
	sameCounts(t, s, c)
}

// TestSyncNoticesAResetOrRestoredServer: a server that lost the
// workspace's marker (reset) or holds an older generation of it (restored
// from a backup) is sent the whole graph again by a plain sync, which says
// why; a server that kept everything is not.
func TestSyncNoticesAResetOrRestoredServer(t *testing.T) {
	tests := []struct {
		name   string
		lose   string // Cypher run on the server after the first sync
		reason string
	}{
		{"reset", "MATCH (n) WHERE NOT n:" + neo4jtest.MarkerLabel + " DETACH DELETE n", "holds no sync marker"},
		{"restored from an older backup", "MATCH (m:" + neo4j.SyncMarkerLabel + ") SET m.generation = m.generation - 1 " +
			"WITH m MATCH (n:Indicator) DETACH DELETE n", "sync generation"},
		{"another epoch", "MATCH (m:" + neo4j.SyncMarkerLabel + ") SET m.epoch = 'elsewhere'", "another epoch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := neo4jtest.Empty(t)
			s := kgtest.OpenStore(t)
			kgtest.LoadSynthetic(t, s)
			first := sync(t, s, srv.Client)
			if !strings.Contains(first.Resent, "first sync") {
				t.Errorf("first sync's reason: %q", first.Resent)
			}
			if kept := sync(t, s, srv.Client); kept.Resent != "" || kept.Total() != 0 {
				t.Errorf("sync to a server that kept everything: %+v", kept)
			}
			srv.Write(t, tt.lose, nil)
			var told string
			res, err := neo4j.Sync(context.Background(), s, srv.Client, neo4j.SyncOptions{Batch: 7,
				Resend: func(reason string, _ int) { told = reason }})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(res.Resent, tt.reason) || told != res.Resent || res.Requeued == 0 {
				t.Errorf("resend reason %q (told %q), requeued %d; want %q", res.Resent, told, res.Requeued, tt.reason)
			}
			sameCounts(t, s, srv.Client)
			if again := sync(t, s, srv.Client); again.Resent != "" || again.Total() != 0 {
				t.Errorf("sync after the resend: %+v", again)
			}
		})
	}
}
