package attack_test

import (
	"bytes"
	"context"
	"os"
	"testing"

	"github.com/cyberstreams/cyberstreams/kg"
	"github.com/cyberstreams/cyberstreams/kg/attack"
	"github.com/cyberstreams/cyberstreams/kg/kgtest"
)

func TestImportEnterpriseBundle(t *testing.T) {
	path := kgtest.DataFile(t, "attack-enterprise.json.gz")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s := kgtest.OpenStore(t)
	ctx := context.Background()
	res, err := attack.Import(ctx, s, f)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("objects %v revoked %d deprecated %d change %+v", res.Bundle.Objects, res.Bundle.Revoked, res.Bundle.Deprecated, res.Change)
	c, err := s.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("counts %+v", c)
	// The README: 835 attack-patterns of which 132 revoked; 187 groups.
	if got, want := c.Nodes[kg.Technique], 835-132; got != want {
		t.Errorf("techniques = %d, want %d (non-revoked attack-patterns)", got, want)
	}
	if got := c.Nodes[kg.Actor]; got < 150 || got > 187 {
		t.Errorf("actors = %d, want between 150 and 187", got)
	}
	if got := c.Nodes[kg.Campaign]; got < 40 || got > 52 {
		t.Errorf("campaigns = %d, want about 52", got)
	}
	at, err := s.ActorTechniques(ctx, "apt28")
	if err != nil {
		t.Fatal(err)
	}
	if len(at.Actors) != 1 || at.Actors[0].Key != "G0007" {
		t.Fatalf("apt28 resolved to %+v, want G0007", at.Actors)
	}
	found := map[string]bool{}
	for _, u := range at.Techniques {
		found[u.ID] = true
	}
	for _, want := range []string{"T1566.001", "T1071.001"} {
		if !found[want] {
			t.Errorf("APT28 techniques lack %s (ATT&CK lists it for G0007)", want)
		}
	}
	// Aliases resolve to the same group.
	for _, alias := range []string{"Fancy Bear", "g0007", "SOFACY"} {
		a, err := s.ActorTechniques(ctx, alias)
		if err != nil || len(a.Actors) != 1 || a.Actors[0].Key != "G0007" {
			t.Errorf("%q resolved to %+v (%v), want G0007", alias, a.Actors, err)
		}
	}
	// Re-import is a no-op.
	if _, err := f.Seek(0, 0); err != nil {
		t.Fatal(err)
	}
	res2, err := attack.Import(ctx, s, f)
	if err != nil {
		t.Fatal(err)
	}
	if res2.Change != (kg.Change{}) {
		t.Errorf("second import changed %+v, want nothing", res2.Change)
	}
}

func BenchmarkImportEnterpriseBundle(b *testing.B) {
	data, err := os.ReadFile(kgtest.DataFile(b, "attack-enterprise.json.gz"))
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < b.N; i++ {
		s := kgtest.OpenStore(b)
		if _, err := attack.Import(context.Background(), s, bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}
