// Package workspacetest opens throwaway workspaces for tests.
package workspacetest

import (
	"context"
	"testing"

	"github.com/cyberstreams/cyberstreams/core/workspace"
)

// Open opens a new workspace in a temporary directory, closed when the
// test ends.
func Open(tb testing.TB) *workspace.Workspace {
	tb.Helper()
	ws, err := workspace.Open(context.Background(), tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { ws.Close() })
	return ws
}
