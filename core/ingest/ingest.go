// Package ingest turns files, directories and stdin in the formats analysts
// receive (JSONL feeds, plain text and Markdown reports, OSV/GHSA advisories,
// CVE JSON 5 records, the CISA KEV catalog, STIX 2.1 bundles) into normalised,
// entity-tagged, content-hashed documents, and stores them in a workspace.
//
// Reading is streamed: line formats are read line by line and the big JSON
// containers (STIX bundles, the KEV catalog, top-level arrays) element by
// element, so one bad line or element is reported with its file and line (or
// JSON pointer) and every other record still loads.
package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/extract"
	"github.com/cyberstreams/cyberstreams/core/workspace"
)

// Format names an input layout. FormatAuto picks one per file from its name
// and first bytes (see Detect).
type Format string

// The formats of the CLI contract (`cyberstreams ingest --format`).
const (
	FormatAuto  Format = "auto"
	FormatJSONL Format = "jsonl"
	FormatText  Format = "text"
	FormatOSV   Format = "osv"
	FormatCVE5  Format = "cve5"
	FormatKEV   Format = "kev"
	FormatSTIX  Format = "stix"
)

// Formats lists every accepted --format value, FormatAuto first.
var Formats = [...]Format{FormatAuto, FormatJSONL, FormatText, FormatOSV, FormatCVE5, FormatKEV, FormatSTIX}

// ParseFormat checks a --format value; the empty string means auto.
func ParseFormat(s string) (Format, error) {
	if s == "" {
		return FormatAuto, nil
	}
	for _, f := range Formats {
		if string(f) == strings.ToLower(s) {
			return f, nil
		}
	}
	names := make([]string, len(Formats))
	for i, f := range Formats {
		names[i] = string(f)
	}
	return "", fmt.Errorf("unknown format %q (want %s)", s, strings.Join(names, "|"))
}

// FieldKeys are the roles a generic JSONL field can be mapped to with
// Options.Fields.
var FieldKeys = [...]string{"id", "title", "text", "source", "published", "severity"}

// Options say how to read and process the input.
type Options struct {
	// Format forces one layout for every input; "" or FormatAuto detects.
	Format Format
	// Fields renames the generic JSONL fields: role ("id", "title", "text",
	// "source", "published", "severity") → field name in the records. A
	// dotted name ("data.description") reaches into nested objects.
	Fields map[string]string
	// Source, when set, replaces every document's source.
	Source string
	// Stdin is read for the path "-"; nil means no stdin is available.
	Stdin io.Reader
	// Extractor finds entities in a document's text (title and body): the
	// one of the workspace's knowledge (scoring.Knowledge), which knows the
	// graph's actor, malware and tool names. Nil uses the workbench's
	// extractor with refanging on and no names.
	Extractor *extract.Extractor
	// Extract, when set, finds entities instead of Extractor.
	Extract func(text string) map[string][]string
	// Workers is the number of goroutines decoding and extracting;
	// 0 means runtime.NumCPU().
	Workers int
	// Inline reads, decodes and delivers every record on the calling
	// goroutine, one at a time, instead of through the reader and worker
	// goroutines: for a small input already in memory (one API request's
	// body), where starting goroutines and growing their stacks costs more
	// than the work. The records and their order are the same; Workers is
	// then not used.
	Inline bool
	// KeepTextless keeps a record that has an id but no text (empty title
	// and body) as a document of its structured fields alone, for scorers
	// that score such documents on their meta features; otherwise, and
	// always for a record without an id either, it is a failure.
	KeepTextless bool
	// SkipMeta leaves every document's Meta nil, for consumers that never
	// read it (scoring reads the typed fields and the text only): the
	// record fields that would go there are then skipped, not decoded,
	// which was half the cost of decoding an advisory line.
	SkipMeta bool
	// SkipHash leaves ContentHash empty on documents that have an id, for
	// consumers that neither store nor compare documents (scoring, whose
	// records carry no hash): hashing is a tenth of reading an advisory.
	// A document without an id is still hashed, its id being "doc-" and
	// the hash's first 16 digits.
	SkipHash bool
	// BatchSize is how many documents Run stores per transaction at most;
	// 0 means 5,000. A batch of at least eagerBatch is stored early when no
	// more documents are ready, so that storing starts while the readers
	// are still at work instead of after the first full batch.
	BatchSize int
}

// CheckFields validates Options.Fields keys, for the CLI's --field flag.
func CheckFields(fields map[string]string) error {
	for k, v := range fields {
		if !validFieldKey(k) {
			return fmt.Errorf("unknown field role %q (want one of %s)", k, strings.Join(FieldKeys[:], ", "))
		}
		if strings.TrimSpace(v) == "" {
			return fmt.Errorf("field role %q: empty field name", k)
		}
	}
	return nil
}

func validFieldKey(k string) bool {
	for _, f := range FieldKeys {
		if f == k {
			return true
		}
	}
	return false
}

// Record is one document as it was read, or the failure to read one.
type Record struct {
	Doc document.Document
	// Where the record came from: the file ("<stdin>" for "-"), its line
	// (1-based, 0 when unknown) and, inside a JSON container, its JSON
	// pointer (RFC 6901), e.g. "/objects/17".
	File    string
	Line    int
	Pointer string
	// Err is set when this record could not be read; Doc is then empty.
	Err error
}

// Failure returns the record's read failure with its location (meaningful
// when Err is set).
func (r Record) Failure() Failure {
	return Failure{File: r.File, Line: r.Line, Pointer: r.Pointer, Err: r.Err}
}

// Failure is one record or file that could not be read.
type Failure struct {
	File    string
	Line    int
	Pointer string
	Err     error
}

// Location is "FILE:LINE#/pointer", with the parts that are known.
func (f Failure) Location() string {
	var b strings.Builder
	b.WriteString(f.File)
	if f.Line > 0 {
		b.WriteString(":" + strconv.Itoa(f.Line))
	}
	if f.Pointer != "" {
		b.WriteString("#" + f.Pointer)
	}
	return b.String()
}

func (f Failure) Error() string {
	msg := "unknown error"
	if f.Err != nil {
		msg = f.Err.Error()
	}
	return f.Location() + ": " + msg
}

func (f Failure) Unwrap() error { return f.Err }

// MarshalJSON writes the failure with its error message, for --json output.
func (f Failure) MarshalJSON() ([]byte, error) {
	msg := ""
	if f.Err != nil {
		msg = f.Err.Error()
	}
	return json.Marshal(struct {
		File    string `json:"file"`
		Line    int    `json:"line,omitempty"`
		Pointer string `json:"pointer,omitempty"`
		Error   string `json:"error"`
	}{f.File, f.Line, f.Pointer, msg})
}

// Summary is what an ingest run did. Every document read is counted once:
// new (its id was not stored), updated (its id was stored with other
// content, which is kept as the document's history), unchanged (stored as
// it is), or failed.
type Summary struct {
	Counts
	Failures []Failure `json:"failures"`
	// SkippedFiles are the files a directory walk left unread because their
	// names are not of a format ingest reads (they count in Skipped).
	SkippedFiles []string `json:"skipped_files,omitempty"`
	// Paths says what each path given to Run gave, in order.
	Paths []PathSummary `json:"paths"`
}

// Counts are the outcomes of the records of a run or of one path.
type Counts struct {
	New       int `json:"new"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
	Failed    int `json:"failed"`
	// Skipped counts objects that are not documents (STIX relationships,
	// identities, marking definitions, revoked objects, rejected CVEs) and
	// files in a directory walk whose type is not an ingest format.
	Skipped int `json:"skipped"`
}

// Stored is how many documents were written: new and updated ones.
func (c Counts) Stored() int { return c.New + c.Updated }

// PathSummary is what one path given to Run gave.
type PathSummary struct {
	Path string `json:"path"`
	Counts
}

func (c *Counts) add(o workspace.Outcome) {
	switch o {
	case workspace.Added:
		c.New++
	case workspace.Updated:
		c.Updated++
	default:
		c.Unchanged++
	}
}

// Progress is a snapshot of a running ingest.
type Progress struct {
	Counts
	Read    int // records read so far (documents, failures and skips)
	Elapsed time.Duration
}

// Read streams the documents found in paths ("-" is opts.Stdin), in input
// order, with entities extracted and content hash and id filled. A record
// that cannot be read arrives with Err set and the others continue; objects
// that are not documents are left out. Read stops at the first error fn
// returns, or when ctx is done.
func Read(ctx context.Context, paths []string, opts Options, fn func(Record) error) error {
	return stream(ctx, paths, opts, func(it item) error {
		if it.skipped {
			return nil
		}
		return fn(it.Record)
	})
}

// Map reads paths as Read does and runs fn on every record (failures
// included) on the worker goroutine that decoded it, delivering fn's
// results to deliver in input order from one goroutine. Heavy per-record
// work (scoring) then runs where the record was just decoded, its text
// still in that core's cache, without a second pool of workers and a
// second reordering stage. fn must be safe for concurrent use.
func Map[T any](ctx context.Context, paths []string, opts Options, fn func(*Record) T, deliver func(T) error) error {
	type mapped struct {
		v    T
		skip bool
	}
	return streamMap(ctx, paths, opts, func(it *item) mapped {
		if it.skipped {
			return mapped{skip: true}
		}
		return mapped{v: fn(&it.Record)}
	}, func(m mapped) error {
		if m.skip {
			return nil
		}
		return deliver(m.v)
	})
}

// progressEvery bounds how often Run calls its progress callback.
const progressEvery = 100 * time.Millisecond

// flushIdle is how long a partial batch waits for more documents before it
// is stored anyway, so that a slow stream (a feed piped into stdin) shows up
// in the workspace without waiting for a full batch.
const flushIdle = time.Second

// eagerBatch is the smallest batch Run stores before it is full, when the
// readers have nothing more ready: big enough that a transaction's fixed
// cost (connection settings, statement preparation, WAL commit) stays a
// small share, small enough that the store starts a few milliseconds into
// a run. Once the store is the slower stage, documents queue up and every
// batch is full again.
const eagerBatch = 1000

// Run reads paths into ws: documents are stored in input order, in
// transactions of opts.BatchSize, keyed by id (workspace.PutDocuments says
// when a document is new, updated or unchanged). Bad records are counted
// and listed in the summary and never stop the others; the summary also
// counts per path. progress (may be nil) is called at most ten times a
// second and once at the end. The error is for what stops the whole run: a
// cancelled context or a workspace that cannot be written; the summary
// then counts what was stored before it.
func Run(ctx context.Context, ws *workspace.Workspace, paths []string, opts Options, progress func(Progress)) (Summary, error) {
	sum := Summary{Paths: make([]PathSummary, len(paths))}
	for i, p := range paths {
		sum.Paths[i].Path = p
	}
	batchSize := opts.BatchSize
	if batchSize <= 0 {
		batchSize = 5000
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	items := make(chan item, batchSize)
	streamErr := make(chan error, 1)
	go func() {
		defer close(items)
		streamErr <- stream(ctx, paths, opts, func(it item) error {
			select {
			case items <- it:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	}()

	start := time.Now()
	read := 0
	var lastReport time.Time
	report := func(force bool) {
		if progress == nil {
			return
		}
		now := time.Now()
		if !force && now.Sub(lastReport) < progressEvery {
			return
		}
		lastReport = now
		progress(Progress{Counts: sum.Counts, Read: read, Elapsed: now.Sub(start)})
	}

	batch := make([]document.Document, 0, batchSize)
	inputs := make([]int, 0, batchSize) // the path each batch document came from
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		res, err := ws.PutDocuments(ctx, batch)
		if err != nil {
			return err
		}
		for i, o := range res.Outcomes {
			sum.add(o)
			sum.Paths[inputs[i]].add(o)
		}
		clear(batch)
		batch, inputs = batch[:0], inputs[:0]
		return nil
	}

	idle := time.NewTicker(flushIdle)
	defer idle.Stop()
	fail := func(err error) (Summary, error) {
		cancel()
		for range items { // let the stream goroutine finish
		}
		<-streamErr
		return sum, err
	}
	for {
		select {
		case it, ok := <-items:
			if !ok {
				if err := flush(); err != nil {
					return fail(err)
				}
				report(true)
				if err := <-streamErr; err != nil {
					return sum, err
				}
				return sum, nil
			}
			read++
			switch {
			case it.skipped:
				sum.Skipped++
				sum.Paths[it.input].Skipped++
				if it.fileSkipped {
					sum.SkippedFiles = append(sum.SkippedFiles, it.File)
				}
			case it.Err != nil:
				sum.Failed++
				sum.Paths[it.input].Failed++
				sum.Failures = append(sum.Failures, Failure{it.File, it.Line, it.Pointer, it.Err})
			default:
				batch = append(batch, it.Doc)
				inputs = append(inputs, it.input)
				if len(batch) >= batchSize || len(batch) >= eagerBatch && len(items) == 0 {
					if err := flush(); err != nil {
						return fail(err)
					}
					idle.Reset(flushIdle)
				}
			}
			report(false)
		case <-idle.C:
			if err := flush(); err != nil {
				return fail(err)
			}
			report(false)
		case <-ctx.Done():
			return fail(ctx.Err())
		}
	}
}

// errSkip marks an object that is not a document; it is counted as skipped.
var errSkip = errors.New("not a document")

// errNoText marks a record with neither a title nor a body.
var errNoText = errors.New("record has no text")
