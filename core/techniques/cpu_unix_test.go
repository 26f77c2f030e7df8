//go:build unix

package techniques

import (
	"syscall"
	"time"
)

// processCPU is the CPU time the test process has used (user and system,
// every thread: the garbage collector's too).
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
