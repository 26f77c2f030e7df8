package scoring

import (
	"context"
	"runtime"

	"github.com/cyberstreams/cyberstreams/core/ingest"
)

// Scored is one input record's outcome: a result, or the failure to read it.
type Scored struct {
	Result  Result
	Failure *ingest.Failure
}

// StreamGCPercent is the garbage-collection target `cyberstreams score`
// runs a stream at (unless the environment sets GOGC). Scoring is a stream
// whose live heap is small (the model and a few hundred documents in
// flight) and whose garbage is large (each document's record and
// strings): collecting at 4× the live heap instead of 2× scores 8% more
// documents per CPU-second for ~60 MB, 139–142 MB peak on 1 GB of JSONL
// (bench/score_throughput/memcheck.sh). The throughput benchmark runs at
// the same setting.
const StreamGCPercent = 300

// Stream reads paths with the ingest readers and scores every document on
// all cores, delivering results to emit in input order. Memory stays bounded
// however large the input: at most a few hundred documents are in flight.
// A record that cannot be read is delivered as a Failure and the stream goes
// on. A document is scored by the ingest worker that decoded it, while its
// text is still in that core's cache.
func (s *Scorer) Stream(ctx context.Context, paths []string, in ingest.Options, opts Options, emit func(Scored) error) error {
	// Scoring reads a document's typed fields and text, never its content
	// hash, and a Scored carries no document: the readers may skip the
	// hashing. Only the exploitation likelihood reads Meta (the stated
	// CVSS vector); without it the readers skip Meta too.
	in.SkipMeta, in.SkipHash = opts.Exploitation == 0, true
	// The documents' entities are the scorer's: with the workspace's names.
	in = s.knowledge.Reading(in)
	if in.Workers <= 0 {
		in.Workers = runtime.GOMAXPROCS(0)
	}
	return ingest.Map(ctx, paths, in, func(r *ingest.Record) Scored {
		if r.Err != nil {
			f := r.Failure()
			return Scored{Failure: &f}
		}
		return Scored{Result: s.Score(&r.Doc, opts)}
	}, emit)
}
