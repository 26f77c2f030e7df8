package registry

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/cyberstreams/cyberstreams/core/learner/learnertest"
	"github.com/cyberstreams/cyberstreams/core/model"
)

func openRegistry(t *testing.T) (*Registry, string) {
	t.Helper()
	dir := t.TempDir()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "r.db")+"?_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for _, step := range Migrations() {
		if _, err := db.Exec(step); err != nil {
			t.Fatal(err)
		}
	}
	clock := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	now := func() time.Time { clock = clock.Add(time.Minute); return clock }
	models := filepath.Join(dir, "models")
	return New(db, models, now), models
}

// saveVersions writes one trained bundle under several version names.
func saveVersions(t *testing.T, modelsDir string, versions ...string) {
	t.Helper()
	b := learnertest.Bundle(t, "")
	for _, v := range versions {
		b.Card.Version = v
		if err := b.Save(filepath.Join(modelsDir, v)); err != nil {
			t.Fatal(err)
		}
	}
}

func TestPromoteRollbackAliases(t *testing.T) {
	ctx := context.Background()
	r, dir := openRegistry(t)
	saveVersions(t, dir, "m1", "m2", "m3")
	for _, v := range []string{"m1", "m2", "m3"} {
		if _, err := r.Register(ctx, filepath.Join(dir, v)); err != nil {
			t.Fatal(err)
		}
	}
	if v, _ := r.ChampionVersion(ctx); v != model.DefaultRef {
		t.Fatalf("champion before any promotion = %q, want default", v)
	}
	if _, err := r.Promote(ctx, "nope", Decision{}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("promote unknown version: %v, want ErrNotFound", err)
	}
	steps := []struct {
		do       func() (Promotion, error)
		champion string
		previous string
	}{
		{func() (Promotion, error) { return r.Promote(ctx, "m1", Decision{}) }, "m1", "default"},
		{func() (Promotion, error) { return r.Promote(ctx, "m2", Decision{Decision: DecisionPromoted}) }, "m2", "m1"},
		{func() (Promotion, error) { return r.Promote(ctx, "m3", Decision{}) }, "m3", "m2"},
		{func() (Promotion, error) { return r.Rollback(ctx, "") }, "m2", "m3"},
		{func() (Promotion, error) { return r.Rollback(ctx, "") }, "m1", "m2"},
		{func() (Promotion, error) { return r.Rollback(ctx, "") }, "default", "m1"},
	}
	for i, s := range steps {
		p, err := s.do()
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		got, err := r.ChampionVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got != s.champion || p.Version != s.champion || p.Previous != s.previous {
			t.Fatalf("step %d: champion %q (row %q, previous %q), want %q after %q", i, got, p.Version, p.Previous, s.champion, s.previous)
		}
	}
	if _, err := r.Rollback(ctx, ""); !errors.Is(err, ErrNoPrevious) {
		t.Fatalf("rollback past the first champion: %v, want ErrNoPrevious", err)
	}
	h, err := r.History(ctx)
	if err != nil || len(h) != 6 {
		t.Fatalf("history: %d rows, %v", len(h), err)
	}
}

func TestRejectSetsChallengerAndResolve(t *testing.T) {
	ctx := context.Background()
	r, dir := openRegistry(t)
	saveVersions(t, dir, "m1", "m2")
	for _, v := range []string{"m1", "m2"} {
		if _, err := r.Register(ctx, filepath.Join(dir, v)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := r.Resolve(ctx, Challenger); !errors.Is(err, ErrNotFound) {
		t.Fatalf("challenger before any: %v, want ErrNotFound", err)
	}
	if _, err := r.Promote(ctx, "m1", Decision{}); err != nil {
		t.Fatal(err)
	}
	cand, champ := 0.70, 0.75
	p, err := r.Reject(ctx, "m2", Decision{CandidateScore: &cand, ChampionScore: &champ, Reason: "worse"})
	if err != nil {
		t.Fatal(err)
	}
	if p.Decision != DecisionRejected || p.Previous != "m1" {
		t.Fatalf("reject row %+v", p)
	}
	for ref, want := range map[string]string{"": "m1", Champion: "m1", Challenger: "m2", "m2": "m2", filepath.Join(dir, "m1"): "m1"} {
		b, err := r.Resolve(ctx, ref)
		if err != nil {
			t.Fatalf("resolve %q: %v", ref, err)
		}
		if b.Card.Version != want {
			t.Fatalf("resolve %q = %s, want %s", ref, b.Card.Version, want)
		}
	}
	e, err := r.Get(ctx, "m1")
	if err != nil || len(e.Aliases) != 1 || e.Aliases[0] != Champion {
		t.Fatalf("m1 aliases %v, %v", e.Aliases, err)
	}
	// Promoting the challenger clears the alias.
	if _, err := r.Promote(ctx, "m2", Decision{}); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := r.Alias(ctx, Challenger); ok {
		t.Fatal("challenger alias survived its promotion")
	}
	h, _ := r.History(ctx)
	if *h[1].CandidateScore != cand || *h[1].ChampionScore != champ {
		t.Fatalf("scores not kept: %+v", h[1])
	}
}

func TestRegisterReservedAndIdempotent(t *testing.T) {
	ctx := context.Background()
	r, dir := openRegistry(t)
	saveVersions(t, dir, "champion", "m1")
	if _, err := r.Register(ctx, filepath.Join(dir, "champion")); err == nil {
		t.Fatal("registered a version named champion")
	}
	a, err := r.Register(ctx, filepath.Join(dir, "m1"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := r.Register(ctx, filepath.Join(dir, "m1"))
	if err != nil || a.CreatedAt != b.CreatedAt {
		t.Fatalf("second register changed the row: %v %v, %v", a.CreatedAt, b.CreatedAt, err)
	}
	if a.Data.TrainDocs == 0 || len(a.Metrics) < 10 {
		t.Fatalf("fingerprint/metrics not recorded: %+v", a)
	}
}
