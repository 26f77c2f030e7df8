package techniques

import "github.com/cyberstreams/cyberstreams/internal/cputime"

// processCPU is the process's CPU time, 0 where it is not measured (the
// benchmarks then report no MB/cpu-s).
var processCPU = cputime.Process
