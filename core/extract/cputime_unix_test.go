//go:build unix

package extract

import (
	"syscall"
	"time"
)

// processCPU is the CPU time this process has used, so that a benchmark can
// report throughput per CPU-second on a machine shared with other work.
func processCPU() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
