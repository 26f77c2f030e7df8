package kg_test

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cyberstreams/cyberstreams/kg"
	"github.com/cyberstreams/cyberstreams/kg/attack"
	"github.com/cyberstreams/cyberstreams/kg/kgtest"
)

// The store reads back the technique usage the bundle asserts: the same
// fold either way, deprecated techniques and revoked ids resolved.
func TestTechniqueUsage(t *testing.T) {
	b, err := attack.Parse(strings.NewReader(string(kgtest.SyntheticBundle())))
	if err != nil {
		t.Fatal(err)
	}
	fromBundle := kg.UsageOf(b.Nodes, b.Edges)
	s := kgtest.OpenStore(t)
	kgtest.LoadSynthetic(t, s)
	fromStore, err := s.TechniqueUsage(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// The store adds what documents said: a document's techniques (a
	// Threat of kind document) and first-seen dates from sightings.
	var docs int
	stored := fromStore
	stored.Users = nil
	for _, u := range fromStore.Users {
		if u.Kind == kg.KindDocument {
			docs++
			continue
		}
		stored.Users = append(stored.Users, u)
	}
	for _, u := range [][]kg.TechniqueUser{fromBundle.Users, stored.Users} {
		for i := range u {
			u[i].FirstSeen = time.Time{}
		}
	}
	if docs != 1 || !reflect.DeepEqual(fromBundle, stored) {
		t.Errorf("%d documents; bundle %+v\nstore  %+v", docs, fromBundle, stored)
	}
	byKey := map[string]kg.TechniqueUser{}
	for _, u := range fromStore.Users {
		byKey[u.Key] = u
	}
	tests := []struct {
		key    string
		want   []string
		actors []string
	}{
		{"G0001", []string{"T1059", "T1566.001"}, nil},
		{"G0003", []string{"T1059", "T1566"}, nil},                   // the deprecated T1999 is left out
		{"S0001", []string{"T1059.001", "T1071"}, []string{"G0001"}}, // revoked T1086 → T1059.001; G0001 uses it
		{"C0001", []string{"T1105"}, []string{"G0001"}},
	}
	for _, tt := range tests {
		u := byKey[tt.key]
		if !reflect.DeepEqual(u.Techniques, tt.want) || !reflect.DeepEqual(u.Actors, tt.actors) {
			t.Errorf("%s: techniques %v actors %v, want %v %v", tt.key, u.Techniques, u.Actors, tt.want, tt.actors)
		}
	}
	if len(fromStore.Techniques) != 7 {
		t.Errorf("%d live techniques, want 7: %+v", len(fromStore.Techniques), fromStore.Techniques)
	}
}
