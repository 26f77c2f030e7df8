package main

import (
	"sync"
	"time"
)

// idleFlushEvery is how often the idle flusher looks: a record of a
// paused stream reaches the reader within two of these.
const idleFlushEvery = 50 * time.Millisecond

// idleFlusher writes buffered output out when the records stop coming. A
// scored stream is written through big buffers, which is right for a file
// but left the records of a feed piped into stdin (`tail -f feed.jsonl |
// cyberstreams score -`) waiting for the next 256 KB, or for the feed to
// end. While records flow nothing is flushed early; once none has come
// for a whole tick, what is buffered is written out.
type idleFlusher struct {
	mu      sync.Mutex
	flush   func() error
	written int // records written so far
	seen    int // written at the last tick
	flushed int // written at the last flush
	err     error
	stop    chan struct{}
	done    chan struct{}
}

// startIdleFlusher starts looking every tick; flush writes the buffers out.
func startIdleFlusher(flush func() error, tick time.Duration) *idleFlusher {
	f := &idleFlusher{flush: flush, stop: make(chan struct{}), done: make(chan struct{})}
	go f.loop(tick)
	return f
}

func (f *idleFlusher) loop(tick time.Duration) {
	defer close(f.done)
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-f.stop:
			return
		case <-t.C:
		}
		f.mu.Lock()
		switch {
		case f.written != f.seen: // still flowing
			f.seen = f.written
		case f.written != f.flushed && f.err == nil:
			f.err = f.flush()
			f.flushed = f.written
		}
		f.mu.Unlock()
	}
}

// write runs one record's write, never at the same time as a flush; an
// earlier flush's error (a closed pipe) is returned instead.
func (f *idleFlusher) write(w func() error) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return f.err
	}
	f.written++
	return w()
}

// close stops the flusher; it returns the error of a flush it made.
func (f *idleFlusher) close() error {
	close(f.stop)
	<-f.done
	return f.err
}
