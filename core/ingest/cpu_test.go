package ingest

import "github.com/cyberstreams/cyberstreams/internal/cputime"

// processCPU is the CPU time (user + system) this process has used.
var processCPU = cputime.Process
