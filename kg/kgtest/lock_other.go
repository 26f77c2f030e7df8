//go:build !unix

package kgtest

import "testing"

// LockNeo4j is a no-op where flock is unavailable; run Neo4j tests with -p 1.
func LockNeo4j(t testing.TB) {}
