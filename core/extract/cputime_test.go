package extract

import (
	"time"

	"github.com/cyberstreams/cyberstreams/internal/cputime"
)

// processCPU is the CPU time this process has used, and whether it could
// be read, so that a benchmark can report throughput per CPU-second on a
// machine shared with other work.
func processCPU() (time.Duration, bool) {
	d := cputime.Process()
	return d, d > 0
}
