//go:build !unix

package techniques

import "time"

// processCPU is not measured here: the benchmarks then report no MB/cpu-s.
func processCPU() time.Duration { return 0 }
