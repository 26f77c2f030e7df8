package scoring

import (
	"context"
	"runtime"
	"sync"
	"time"

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

const (
	// batchSize records go to a worker per channel hand-off, so channel
	// operations and goroutine wake-ups are paid per batch, not per record.
	batchSize = 64
	// batchIdle sends a partial batch when input pauses (a slow stdin), so a
	// streamed record is scored within this delay of arriving.
	batchIdle = 20 * time.Millisecond
)

// batch is a run of consecutive input records and, once scored, their
// outcomes; seq restores input order after the parallel workers.
type batch struct {
	seq  int
	recs []ingest.Record
	out  []Scored
}

// Stream reads paths with the ingest readers and scores every document on
// all cores, delivering results to emit in input order. Memory stays bounded
// however large the input: at most a few hundred documents are in flight.
// A record that cannot be read is delivered as a Failure and the stream goes
// on.
func (s *Scorer) Stream(ctx context.Context, paths []string, in ingest.Options, opts Options, emit func(Scored) error) error {
	// Scoring reads a document's typed fields and text, never its Meta,
	// and a Scored carries no document: the readers may skip those fields.
	in.SkipMeta = true
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	workers := runtime.GOMAXPROCS(0)
	jobs := make(chan *batch, 2*workers)
	done := make(chan *batch, 2*workers)

	var readErr error
	go func() {
		defer close(jobs)
		b := newBatcher(ctx, jobs)
		readErr = ingest.Read(ctx, paths, in, b.add)
		b.close()
	}()
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range jobs {
				if ctx.Err() != nil {
					continue // cancelled: drain without work
				}
				b.out = make([]Scored, len(b.recs))
				for i := range b.recs {
					r := &b.recs[i]
					if r.Err != nil {
						f := r.Failure()
						b.out[i].Failure = &f
					} else {
						b.out[i].Result = s.Score(&r.Doc, opts)
					}
				}
				b.recs = nil
				select {
				case done <- b:
				case <-ctx.Done():
				}
			}
		}()
	}
	go func() { wg.Wait(); close(done) }()

	// Reorder: workers finish out of order; emit in input order.
	pending := map[int]*batch{}
	next := 0
	var emitErr error
	for b := range done {
		if emitErr != nil {
			continue
		}
		pending[b.seq] = b
		for emitErr == nil {
			b, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			for _, o := range b.out {
				if err := emit(o); err != nil {
					emitErr = err
					cancel()
					break
				}
			}
		}
	}
	if emitErr != nil {
		return emitErr
	}
	return readErr
}

// batcher groups records into numbered batches of batchSize, or fewer when
// the input pauses for batchIdle. add runs on the reader's goroutine, the
// idle flush on a timer's; the mutex keeps their batches whole and their
// sequence numbers distinct (the order of sends does not matter, the
// reorder stage sorts by seq).
type batcher struct {
	ctx    context.Context
	out    chan<- *batch
	mu     sync.Mutex
	cur    []ingest.Record
	seq    int
	timer  *time.Timer
	closed bool
}

func newBatcher(ctx context.Context, out chan<- *batch) *batcher {
	b := &batcher{ctx: ctx, out: out, cur: make([]ingest.Record, 0, batchSize)}
	b.timer = time.AfterFunc(time.Hour, b.flushIdle)
	b.timer.Stop()
	return b
}

func (b *batcher) add(r ingest.Record) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.cur = append(b.cur, r)
	if len(b.cur) == 1 {
		b.timer.Reset(batchIdle)
	}
	if len(b.cur) < batchSize {
		return nil
	}
	b.timer.Stop()
	return b.sendLocked()
}

func (b *batcher) flushIdle() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.closed {
		b.sendLocked()
	}
}

// close sends what is left; no batch is sent after it returns.
func (b *batcher) close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.timer.Stop()
	b.sendLocked()
	b.closed = true
}

func (b *batcher) sendLocked() error {
	if len(b.cur) == 0 {
		return nil
	}
	bt := &batch{seq: b.seq, recs: b.cur}
	b.seq++
	b.cur = make([]ingest.Record, 0, batchSize)
	select {
	case b.out <- bt:
		return nil
	case <-b.ctx.Done():
		return b.ctx.Err()
	}
}
