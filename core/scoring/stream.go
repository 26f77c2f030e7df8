package scoring

import (
	"context"
	"runtime"
	"sync"

	"github.com/cyberstreams/cyberstreams/core/ingest"
)

// Scored is one input record's outcome: a result, or the failure to read it.
type Scored struct {
	Result  Result
	Failure *ingest.Failure
}

// Stream reads paths with the ingest readers and scores every document on
// all cores, delivering results to emit in input order. Memory stays bounded
// however large the input: at most a few hundred documents are in flight.
// A record that cannot be read is delivered as a Failure and the stream goes
// on.
func (s *Scorer) Stream(ctx context.Context, paths []string, in ingest.Options, opts Options, emit func(Scored) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	workers := runtime.GOMAXPROCS(0)
	type job struct {
		seq int
		rec ingest.Record
	}
	jobs := make(chan job, workers*16)
	done := make(chan struct {
		seq int
		out Scored
	}, workers*16)

	var readErr error
	go func() {
		defer close(jobs)
		seq := 0
		readErr = ingest.Read(ctx, paths, in, func(r ingest.Record) error {
			select {
			case jobs <- job{seq, r}:
				seq++
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	}()
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				var out Scored
				if j.rec.Err != nil {
					out.Failure = &ingest.Failure{File: j.rec.File, Line: j.rec.Line, Pointer: j.rec.Pointer, Err: j.rec.Err}
				} else {
					out.Result = s.Score(&j.rec.Doc, opts)
				}
				select {
				case done <- struct {
					seq int
					out Scored
				}{j.seq, out}:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() { wg.Wait(); close(done) }()

	// Reorder: workers finish out of order; emit in input order.
	pending := map[int]Scored{}
	next := 0
	var emitErr error
	for d := range done {
		if emitErr != nil {
			continue
		}
		pending[d.seq] = d.out
		for {
			o, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			if err := emit(o); err != nil {
				emitErr = err
				cancel()
				break
			}
		}
	}
	if emitErr != nil {
		return emitErr
	}
	if readErr != nil && ctx.Err() == nil {
		return readErr
	}
	return readErr
}
