//go:build unix

// Package cputime reads the CPU time this process has used, so that
// benchmarks on a machine shared with other work can report throughput per
// CPU-second beside wall-clock throughput.
package cputime

import (
	"syscall"
	"time"
)

// Process is the CPU time (user and system, every thread: the garbage
// collector's too) this process has used; 0 when it cannot be read.
func Process() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
