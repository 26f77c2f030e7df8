// Command v6workspace writes the fixture of TestWorkspaceOfSchema6
// (../v6-workspace.db.gz): a workspace holding the demo corpus, scored by
// the demo model, with one label, written by the workbench as it was
// before documents migration 7 and scoring path 2 — commit 61d9580, the
// last with stored scores that carry no exploitation likelihood. Running
// it in a checkout of that commit is what makes the fixture a workspace of
// the previous schema (it uses only API that both versions have):
//
//	git worktree add /tmp/cs-v6 61d9580
//	mkdir /tmp/cs-v6/cmd/v6workspace
//	cp core/triage/testdata/v6workspace/main.go /tmp/cs-v6/cmd/v6workspace/
//	(cd /tmp/cs-v6 && go run ./cmd/v6workspace "$PWD/core/triage/testdata/v6-workspace.db.gz")
//	git worktree remove --force /tmp/cs-v6
package main

import (
	"compress/gzip"
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/cyberstreams/cyberstreams/core/demo"
	"github.com/cyberstreams/cyberstreams/core/scoring"
	"github.com/cyberstreams/cyberstreams/core/triage"
	"github.com/cyberstreams/cyberstreams/core/workspace"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: v6workspace OUT.db.gz")
		os.Exit(2)
	}
	if err := run(context.Background(), os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "v6workspace:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out string) error {
	dir, err := os.MkdirTemp("", "v6workspace")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	ws, err := workspace.Open(ctx, filepath.Join(dir, "ws"))
	if err != nil {
		return err
	}
	if _, err := demo.Load(ctx, ws); err != nil {
		return err
	}
	bundle, err := demo.Model(ctx, filepath.Join(dir, "model"))
	if err != nil {
		return err
	}
	sc, err := scoring.PlainKnowledge().Scorer(bundle)
	if err != nil {
		return err
	}
	s, err := triage.New(ws, sc, "tester")
	if err != nil {
		return err
	}
	n, err := s.ScoreMissing(ctx, nil)
	if err != nil {
		return err
	}
	if _, err := s.Label(ctx, "demo-003", "critical", "fixture"); err != nil {
		return err
	}
	// One file, as small as it gets: the write-ahead log folded in.
	for _, q := range []string{`PRAGMA wal_checkpoint(TRUNCATE)`, `VACUUM`} {
		if _, err := ws.DB().ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	if err := ws.Close(); err != nil {
		return err
	}
	raw, err := os.ReadFile(filepath.Join(dir, "ws", workspace.DBFile))
	if err != nil {
		return err
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	zw := gzip.NewWriter(f)
	if _, err := zw.Write(raw); err != nil {
		f.Close()
		return err
	}
	if err := zw.Close(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Printf("%s: %d documents scored, %d bytes of database\n", out, n, len(raw))
	return nil
}
