//go:build !unix

// Package cputime reads the CPU time this process has used, so that
// benchmarks on a machine shared with other work can report throughput per
// CPU-second beside wall-clock throughput.
package cputime

import "time"

// Process is not measured on this platform: it is always 0, and callers
// report no per-CPU-second figure.
func Process() time.Duration { return 0 }
