package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/cyberstreams/cyberstreams/core/document"
)

// rawRecord is one record as a reader found it, not yet decoded: the worker
// pool decodes, extracts and hashes records in parallel, so the reader
// goroutine only splits the input.
type rawRecord struct {
	file    string
	line    int
	pointer string
	// data is the record's own buffer: decoded strings may share its
	// bytes, so nothing writes it once it is handed over.
	data []byte
	// decode turns data into a document; errSkip marks a non-document.
	// A nil decode with err set is a failure the reader already found.
	decode  func(data []byte) (document.Document, error)
	err     error
	skipped bool
	// input is the index of the path (as given to the reader) the record
	// came from.
	input int
}

// item is a processed record on its way to the consumer.
type item struct {
	Record
	skipped bool
	// fileSkipped marks a whole file a directory walk did not read (its
	// name is not of a format ingest reads).
	fileSkipped bool
	input       int // index of the path it came from
}

// chunk groups records so that channel hand-offs are paid per chunk, not
// per record; seq restores input order after the parallel workers.
type chunk struct {
	seq  int
	raws []rawRecord
}

// processed is a chunk's records after the workers, in the chunk's order.
type processed[T any] struct {
	seq int
	out []T
}

const (
	chunkSize = 256
	// chunkIdle flushes a partial chunk when input stalls (a slow stdin),
	// so a streamed record is processed within this delay.
	chunkIdle = 50 * time.Millisecond
)

// stream reads paths and delivers every processed record, in input order,
// to deliver.
func stream(ctx context.Context, paths []string, opts Options, deliver func(item) error) error {
	return streamMap(ctx, paths, opts, func(it *item) item { return *it }, deliver)
}

// streamMap reads paths and delivers fn of every processed record, in
// input order, to deliver. Stages: one reader goroutine (files in order)
// chunking its records → Workers decoding/extracting/hashing each record
// and running fn on it → reordering by chunk sequence.
func streamMap[T any](ctx context.Context, paths []string, opts Options, fn func(*item) T, deliver func(T) error) error {
	if opts.Inline {
		return streamInline(ctx, paths, opts, fn, deliver)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	proc, err := newProcessor(opts)
	if err != nil {
		return err
	}

	chunks := make(chan *chunk, 2*workers)
	readDone := make(chan error, 1)
	go func() {
		defer close(chunks)
		c := newChunker(ctx, chunks)
		readDone <- walk(ctx, paths, opts, c.add)
		c.close()
	}()

	done := make(chan *processed[T], 2*workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range chunks {
				if ctx.Err() != nil {
					continue // cancelled: drain without work
				}
				p := &processed[T]{seq: c.seq, out: make([]T, len(c.raws))}
				for i := range c.raws {
					it := proc.process(&c.raws[i])
					p.out[i] = fn(&it)
				}
				select {
				case done <- p:
				case <-ctx.Done():
					// Keep draining chunks so the chunker can finish.
				}
			}
		}()
	}
	go func() {
		wg.Wait()
		close(done)
	}()

	pending := map[int]*processed[T]{}
	next := 0
	var deliverErr error
	for c := range done {
		if deliverErr != nil {
			continue
		}
		pending[c.seq] = c
		for {
			c, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			for _, v := range c.out {
				err := ctx.Err()
				if err == nil {
					err = deliver(v)
				}
				if err != nil {
					deliverErr = err
					cancel()
					break
				}
			}
			if deliverErr != nil {
				break
			}
		}
	}
	readErr := <-readDone
	if deliverErr != nil {
		return deliverErr
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if readErr != nil && !errors.Is(readErr, context.Canceled) {
		return readErr
	}
	return nil
}

// streamInline is streamMap with every stage on the calling goroutine: the
// same reader, the same processing, in the same order.
func streamInline[T any](ctx context.Context, paths []string, opts Options, fn func(*item) T, deliver func(T) error) error {
	proc, err := newProcessor(opts)
	if err != nil {
		return err
	}
	return walk(ctx, paths, opts, func(r rawRecord) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		it := proc.process(&r)
		return deliver(fn(&it))
	})
}

// chunker groups raw records into numbered chunks of chunkSize, or fewer
// when the input pauses for chunkIdle. add runs on the reader's goroutine,
// so a record costs an append, not a channel hand-off to a goroutine of
// its own; the idle flush runs on a timer's, and the mutex keeps their
// chunks whole and their sequence numbers distinct (the order of sends
// does not matter, the reorder stage sorts by seq).
type chunker struct {
	ctx    context.Context
	out    chan<- *chunk
	mu     sync.Mutex
	cur    []rawRecord
	seq    int
	timer  *time.Timer
	closed bool
}

func newChunker(ctx context.Context, out chan<- *chunk) *chunker {
	c := &chunker{ctx: ctx, out: out}
	c.timer = time.AfterFunc(time.Hour, c.flushIdle)
	c.timer.Stop()
	return c
}

func (c *chunker) add(r rawRecord) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cur == nil {
		// A chunk is a few tens of KiB: an input of one document (a
		// request body) starts small, a stream past its first chunk
		// takes whole ones.
		c.cur = make([]rawRecord, 0, min(chunkSize, 16+int(c.seq)*chunkSize))
	}
	c.cur = append(c.cur, r)
	if len(c.cur) == 1 {
		c.timer.Reset(chunkIdle)
	}
	if len(c.cur) < chunkSize {
		return nil
	}
	c.timer.Stop()
	return c.sendLocked()
}

func (c *chunker) flushIdle() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.closed {
		c.sendLocked()
	}
}

// close sends what is left; no chunk is sent after it returns.
func (c *chunker) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.timer.Stop()
	c.sendLocked()
	c.closed = true
}

func (c *chunker) sendLocked() error {
	if len(c.cur) == 0 {
		return nil
	}
	ch := &chunk{seq: c.seq, raws: c.cur}
	c.seq++
	c.cur = nil
	select {
	case c.out <- ch:
		return nil
	case <-c.ctx.Done():
		return c.ctx.Err()
	}
}

// processor turns raw records into finished documents.
type processor struct {
	extract func(string) map[string][]string
	// ownExtract is set for the workbench's extractor, whose results are
	// fresh maps of sorted, unique values that can be added to in place.
	ownExtract   bool
	source       string
	keepTextless bool
	skipMeta     bool
	skipHash     bool
}

func newProcessor(opts Options) (*processor, error) {
	p := &processor{extract: opts.Extract, source: opts.Source, keepTextless: opts.KeepTextless, skipMeta: opts.SkipMeta,
		skipHash: opts.SkipHash}
	switch {
	case p.extract != nil:
	case opts.Extractor != nil:
		p.extract, p.ownExtract = extractWith(opts.Extractor), true
	default:
		p.extract, p.ownExtract = defaultExtractor(), true
	}
	return p, nil
}

// entities are the document's text entities and structured ones merged.
func (p *processor) entities(d *document.Document) map[string][]string {
	found := p.extract(d.Text())
	if p.ownExtract && len(d.Entities) == 0 {
		return addStructured(found, d)
	}
	return mergeEntities(found, d.Entities, structuredEntities(d))
}

func (p *processor) process(r *rawRecord) item {
	it := item{Record: Record{File: r.file, Line: r.line, Pointer: r.pointer}, input: r.input}
	if r.skipped {
		it.skipped, it.fileSkipped = true, true
		return it
	}
	if r.err != nil {
		it.Err = r.err
		return it
	}
	if off := invalidUTF8(r.data); off >= 0 {
		line := r.line
		if line == 0 {
			line = 1
		}
		it.Line = line + bytes.Count(r.data[:off], []byte{'\n'})
		it.Err = fmt.Errorf("invalid UTF-8 at byte %d (convert the file to UTF-8)", off)
		return it
	}
	doc, err := r.decode(r.data)
	if errors.Is(err, errSkip) {
		it.skipped = true
		return it
	}
	if err != nil && !(p.keepTextless && errors.Is(err, errNoText)) {
		it.Err = err
		return it
	}
	doc.Title = strings.TrimSpace(doc.Title)
	doc.Body = strings.TrimSpace(doc.Body)
	if doc.Title == "" && doc.Body == "" {
		switch {
		case err != nil && doc.ID == "":
			it.Err = fmt.Errorf("%w, and no id to score it by", err)
			return it
		case err != nil:
		case !p.keepTextless:
			it.Err = fmt.Errorf("%w (empty title and body)", errNoText)
			return it
		case doc.ID == "":
			it.Err = fmt.Errorf("%w (empty title and body), and no id to score it by", errNoText)
			return it
		}
	}
	if p.source != "" {
		doc.Source = p.source
	}
	if p.skipMeta {
		doc.Meta = nil // from the decoders that build it anyway
	}
	doc.Entities = p.entities(&doc)
	if !p.skipHash || doc.ID == "" {
		finish(&doc)
	}
	it.Doc = doc
	return it
}

// invalidUTF8 is the offset of the first byte that is not valid UTF-8, or
// -1. The JSON decoder would silently turn such bytes into U+FFFD, hiding a
// file in the wrong encoding.
func invalidUTF8(b []byte) int {
	if utf8.Valid(b) {
		return -1
	}
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return -1
}
