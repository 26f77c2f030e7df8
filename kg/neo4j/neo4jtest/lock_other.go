//go:build !unix

package neo4jtest

import "testing"

// lock is a no-op where flock is unavailable; run Neo4j tests with -p 1.
func lock(tb testing.TB) {}
