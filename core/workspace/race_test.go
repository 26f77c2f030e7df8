package workspace

import (
	"context"
	"sync"
	"testing"
)

// TestConcurrentOpenersOfAFreshWorkspace: two processes that open a new
// workspace at once must both succeed, and migrate it once.
func TestConcurrentOpenersOfAFreshWorkspace(t *testing.T) {
	ctx := context.Background()
	for round := range 20 {
		dir := t.TempDir()
		var wg sync.WaitGroup
		errs := make([]error, 3)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ws, err := Open(ctx, dir)
				if err == nil {
					err = ws.Close()
				}
				errs[i] = err
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d opener %d: %v", round, i, err)
			}
		}
		ws, err := Open(ctx, dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range components() {
			have, err := schemaVersion(ctx, ws.DB(), c.name)
			if err != nil || have != len(c.steps) {
				t.Fatalf("round %d: %s at version %d (%v), want %d", round, c.name, have, err, len(c.steps))
			}
		}
		ws.Close()
	}
}
