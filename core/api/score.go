package api

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/cyberstreams/cyberstreams/core/exploitation"
	"github.com/cyberstreams/cyberstreams/core/ingest"
	"github.com/cyberstreams/cyberstreams/core/scoring"
	"github.com/cyberstreams/cyberstreams/core/techniques"
)

// bodyKind is how POST /v1/score reads its body, by Content-Type.
type bodyKind int

const (
	// bodyOne: application/json, one document in any JSON shape `score`
	// reads (generic, advisory, OSV, CVE 5, a STIX object); the answer is
	// its record as one JSON object.
	bodyOne bodyKind = iota
	// bodyText: text/plain, one report's text; answered like bodyOne.
	bodyText
	// bodyLines: application/x-ndjson, one document per line; the answer
	// streams one record (or error) per line, in order.
	bodyLines
	// bodyFile: application/octet-stream or no Content-Type (RFC 9110
	// §8.3 lets a recipient examine the data then): the body is read as
	// `score` reads a file, its format detected from its bytes (JSON
	// lines, OSV, CVE 5, the KEV catalog, a STIX bundle, text); the
	// answer streams as for bodyLines.
	bodyFile
)

func (k bodyKind) single() bool { return k == bodyOne || k == bodyText }

// kindOf maps a Content-Type to a body kind; ok is false for a media type
// the route does not take.
func kindOf(contentType string) (kind bodyKind, ok bool) {
	if strings.TrimSpace(contentType) == "" {
		return bodyFile, true
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return 0, false
	}
	switch {
	case mt == mediaJSON:
		return bodyOne, true
	case mt == mediaText:
		return bodyText, true
	case mt == mediaNDJSON || containsString(ndjsonAliases, mt):
		return bodyLines, true
	case mt == mediaFile:
		return bodyFile, true
	}
	return 0, false
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// score answers POST /v1/score. The body is read through the same ingest
// decoding `cyberstreams score` reads a file with (fields, date layouts,
// structured CVE/CWE entities, the scorer's own extractor), so a record
// gets the score it gets from the CLI, with the exploitation likelihood
// over ?horizon= days (30 by default, as `score --horizon`; 0 for none);
// ?explain=K adds the top K reasons
// and ?techniques=true the ATT&CK techniques with their evidence.
func (s *Server) score(w http.ResponseWriter, r *http.Request) {
	kind, ok := kindOf(r.Header.Get("Content-Type"))
	if !ok {
		writeError(w, http.StatusUnsupportedMediaType, problem{Error: fmt.Sprintf(
			"Content-Type %q is not taken here: send %s (one document), %s (one per line), %s (a report's text) or %s (a file in any format `score` reads)",
			r.Header.Get("Content-Type"), mediaJSON, mediaNDJSON, mediaText, mediaFile)})
		return
	}
	explain := -1
	if v := r.URL.Query().Get("explain"); v != "" {
		k, err := strconv.Atoi(v)
		if err != nil || k < 0 || k > 1000 {
			writeError(w, http.StatusBadRequest, problem{Error: "explain: want a whole number from 0 to 1000"})
			return
		}
		explain = k
	}
	var tagger *techniques.Model
	if v := r.URL.Query().Get("techniques"); v != "" {
		on, err := strconv.ParseBool(v)
		if err != nil {
			writeError(w, http.StatusBadRequest, problem{Error: "techniques: want true or false"})
			return
		}
		if on {
			if s.techniques == nil {
				writeError(w, http.StatusBadRequest, problem{Error: "techniques: this server has no technique model"})
				return
			}
			if tagger, err = s.techniques(); err != nil {
				writeError(w, http.StatusInternalServerError, problem{Error: "techniques: the technique model could not be loaded"})
				return
			}
		}
	}
	horizon := exploitation.DefaultHorizon
	if v := r.URL.Query().Get("horizon"); v != "" {
		h, err := strconv.Atoi(v)
		if err != nil || (h != 0 && !slices.Contains(exploitation.Horizons, h)) {
			writeError(w, http.StatusBadRequest, problem{Error: fmt.Sprintf("horizon: want one of %v days, or 0 for no exploitation likelihood", exploitation.Horizons)})
			return
		}
		horizon = h
	}
	limit := s.cfg.MaxRequestBytes
	if kind.single() {
		limit = s.cfg.MaxDocumentBytes
	}
	if r.ContentLength > limit {
		s.tooLarge(w, kind, 0)
		return
	}
	select {
	case s.slots <- struct{}{}:
		defer func() { <-s.slots }()
	default:
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusServiceUnavailable, problem{Error: fmt.Sprintf("busy: %d requests are being scored; retry in a second", cap(s.slots))})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.RequestTimeout)
	defer cancel()
	sc := s.scorer.Load() // the whole request is scored by one model, even across a swap
	body := http.MaxBytesReader(w, r.Body, limit)
	// What a request left unread (a stream refused at its first bad
	// record) is read here, up to the limit, before the handler returns:
	// with full duplex on, net/http would otherwise read the rest of the
	// body while reading the next request on the connection, and panic
	// ("invalid concurrent Body.Read call").
	defer io.Copy(io.Discard, body)
	if horizon != 0 {
		if _, err := sc.Exploitation(horizon); err != nil {
			writeError(w, http.StatusInternalServerError, problem{Error: "horizon: the exploitation model could not be loaded"})
			return
		}
	}
	opts := scoring.Options{Explain: explain, Exploitation: horizon, Techniques: tagger}
	if kind.single() {
		s.scoreOne(ctx, w, sc, kind, body, opts)
		return
	}
	s.scoreStream(ctx, w, sc, kind, body, opts)
}

// tooLarge answers 413 naming the limit that was passed.
func (s *Server) tooLarge(w http.ResponseWriter, kind bodyKind, line int) {
	p := problem{Error: fmt.Sprintf("request body larger than the limit of %s per request", bytesText(s.cfg.MaxRequestBytes))}
	if kind.single() || line > 0 {
		p = problem{Error: fmt.Sprintf("document larger than the limit of %s per document", bytesText(s.cfg.MaxDocumentBytes)), Line: line}
	}
	writeError(w, http.StatusRequestEntityTooLarge, p)
}

// scoreOne answers a single-document request: the body must hold exactly
// one document, answered as one JSON record.
func (s *Server) scoreOne(ctx context.Context, w http.ResponseWriter, sc *scoring.Scorer, kind bodyKind, body io.Reader, opts scoring.Options) {
	data, err := io.ReadAll(body)
	if err != nil {
		s.readFailed(w, kind, err, 0)
		return
	}
	format := ingest.FormatText
	if kind == bodyOne {
		if p, ok := checkJSONDocument(data); !ok {
			writeError(w, http.StatusBadRequest, p)
			return
		}
		format = ingest.FormatAuto
	} else if len(bytes.TrimSpace(data)) == 0 {
		writeError(w, http.StatusBadRequest, problem{Error: "empty body: want a report's text"})
		return
	}
	var (
		one   scoring.Result
		fail  *ingest.Failure
		count int
	)
	in := ingest.Options{Stdin: bytes.NewReader(data), Format: format, KeepTextless: true, Inline: true}
	err = sc.Stream(ctx, []string{"-"}, in, opts, func(x scoring.Scored) error {
		count++
		if count == 1 {
			one, fail = x.Result, x.Failure
		}
		return nil
	})
	switch {
	case err != nil:
		s.readFailed(w, kind, err, 0)
	case count == 0:
		writeError(w, http.StatusBadRequest, problem{Error: "the body holds no document"})
	case count > 1:
		writeError(w, http.StatusBadRequest, problem{Error: fmt.Sprintf(
			"the body holds %d documents (a KEV catalog or STIX bundle): this Content-Type takes one; send the file as %s or its documents as %s", count, mediaFile, mediaNDJSON)})
	case fail != nil:
		s.metrics.failed()
		writeError(w, http.StatusBadRequest, failureProblem(*fail))
	default:
		s.metrics.scored(one.Severity)
		line, err := one.AppendJSONL(nil)
		if err != nil {
			writeError(w, http.StatusInternalServerError, problem{Error: "the scored record could not be written"})
			return
		}
		w.Header().Set("Content-Type", mediaJSON)
		w.Header().Set("Content-Length", strconv.Itoa(len(line)))
		w.WriteHeader(http.StatusOK)
		w.Write(line)
	}
}

// checkJSONDocument says why data is not one JSON object, if it is not.
func checkJSONDocument(data []byte) (problem, bool) {
	trimmed := bytes.TrimSpace(data)
	switch {
	case len(trimmed) == 0:
		return problem{Error: "empty body: want one JSON document"}, false
	case trimmed[0] == '[':
		return problem{Error: "a JSON array: this Content-Type takes one document; send many as " + mediaNDJSON + ", one per line"}, false
	}
	if !json.Valid(trimmed) { // Valid copies nothing; Unmarshal words the error
		var raw json.RawMessage
		return problem{Error: jsonProblem(json.Unmarshal(trimmed, &raw))}, false
	}
	if trimmed[0] != '{' {
		return problem{Error: "want a JSON object, not a bare JSON value"}, false
	}
	return problem{}, true
}

// jsonProblem words a JSON syntax error without naming Go types.
func jsonProblem(err error) string {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return fmt.Sprintf("malformed JSON at byte %d: %s", syn.Offset, syn.Error())
	}
	return "malformed JSON"
}

// scoreStream answers a batch: one record or error per document, in order,
// streamed as it is scored. The status is decided by the first document
// read: 200 once one scores; if none does before the held-back errors pass
// heldLimit (or the body ends), the body is not what the route takes and
// the answer is 400 (413 for an over-long line) naming the first bad line.
func (s *Server) scoreStream(ctx context.Context, w http.ResponseWriter, sc *scoring.Scorer, kind bodyKind, body io.Reader, opts scoring.Options) {
	br := bufio.NewReaderSize(body, 64<<10)
	in := ingest.Options{Stdin: br, KeepTextless: true, Workers: runtime.GOMAXPROCS(0)}
	first, err := firstByte(br)
	if err != nil && err != io.EOF {
		s.readFailed(w, kind, err, 0)
		return
	}
	if first == 0 {
		what := "one JSON document per line"
		if kind == bodyFile {
			what = "documents in a format `score` reads"
		}
		writeError(w, http.StatusBadRequest, problem{Error: "empty body: want " + what})
		return
	}
	var long *lineLimit
	if kind == bodyLines {
		switch first {
		case '[':
			writeError(w, http.StatusBadRequest, problem{Error: "a JSON array: " + mediaNDJSON + " takes one JSON document per line", Line: 1})
			return
		case '{':
		default:
			// Not JSON: read it as JSON lines anyway, so that each line is
			// reported as the broken document it is, not read as text.
			in.Format = ingest.FormatJSONL
		}
		long = &lineLimit{br: br, limit: s.cfg.MaxDocumentBytes}
		in.Stdin = long
	}
	// Records are answered while the body is still being read. Without
	// full duplex an HTTP/1 server discards the unread rest of the body
	// once the answer starts, and a long body would lose its tail. (HTTP/2
	// is full duplex already; the error then says so and is of no matter.)
	_ = http.NewResponseController(w).EnableFullDuplex()
	a := &streamAnswer{w: w, s: s}
	err = sc.Stream(ctx, []string{"-"}, in, opts, func(x scoring.Scored) error {
		if f := x.Failure; f != nil {
			if big := (*http.MaxBytesError)(nil); errors.As(f.Err, &big) {
				return big // the body is cut here: nothing after it is read
			}
			p := failureProblem(*f)
			if long != nil {
				if note, ok := long.note(f.Line); ok {
					p = note
				}
			}
			return a.failure(p)
		}
		return a.record(x.Result)
	})
	switch {
	case errors.Is(err, errHeldTooLong):
		a.refuse()
	case err != nil && a.started:
		// The status is sent: say what went wrong on a last line.
		p := s.streamProblem(kind, err)
		if p.Error != "" {
			a.w.Write(appendProblem(nil, p))
		}
	case err != nil:
		s.readFailed(w, kind, err, 0)
	case !a.started && a.first != nil:
		a.refuse()
	case !a.started && kind == bodyLines:
		writeError(w, http.StatusBadRequest, problem{Error: "empty body: want one JSON document per line"})
	case !a.started:
		// A file of no documents (a rejected CVE record) scores nothing,
		// as `score` does.
		a.start()
	}
}

// streamProblem words an error that ended a stream, or nothing when the
// client went away.
func (s *Server) streamProblem(kind bodyKind, err error) problem {
	var big *http.MaxBytesError
	switch {
	case errors.As(err, &big):
		return problem{Error: fmt.Sprintf("request body larger than the limit of %s per request: the rest was not read", bytesText(s.cfg.MaxRequestBytes)),
			Status: http.StatusRequestEntityTooLarge}
	case errors.Is(err, context.DeadlineExceeded):
		return problem{Error: fmt.Sprintf("the request took longer than %s: the rest was not scored", s.cfg.RequestTimeout), Status: http.StatusServiceUnavailable}
	case errors.Is(err, context.Canceled):
		return problem{}
	}
	return problem{Error: "cannot read the body: " + cleanMessage(err.Error()), Status: http.StatusBadRequest}
}

// readFailed answers an error met before any answer was sent.
func (s *Server) readFailed(w http.ResponseWriter, kind bodyKind, err error, line int) {
	var big *http.MaxBytesError
	if errors.As(err, &big) {
		s.tooLarge(w, kind, line)
		return
	}
	p := s.streamProblem(kind, err)
	if p.Error == "" {
		return // the client went away
	}
	p.Error = strings.TrimSuffix(strings.TrimSuffix(p.Error, ": the rest was not scored"), ": the rest was not read")
	if p.Status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "1")
	}
	writeError(w, p.Status, p)
}

// errHeldTooLong stops a stream whose first documents all failed for long
// enough that it is plainly not what the route takes.
var errHeldTooLong = errors.New("no document in the first lines")

// heldLimit bounds the error lines held back before the status is known.
const heldLimit = 64 << 10

// streamAnswer writes a batch's answer, holding back error lines until a
// document scores (and the status is 200).
type streamAnswer struct {
	w       http.ResponseWriter
	s       *Server
	started bool
	held    []byte
	first   *problem
	failed  int
	line    []byte
	flusher *http.ResponseController
}

func (a *streamAnswer) start() {
	a.w.Header().Set("Content-Type", mediaNDJSON)
	a.w.WriteHeader(http.StatusOK)
	a.started = true
	if len(a.held) > 0 {
		a.w.Write(a.held)
		a.held = nil
	}
}

func (a *streamAnswer) record(res scoring.Result) error {
	a.s.metrics.scored(res.Severity)
	if !a.started {
		a.start()
	}
	var err error
	if a.line, err = res.AppendJSONL(a.line[:0]); err != nil {
		a.s.metrics.failed()
		a.line = appendProblem(a.line[:0], problem{Error: "the scored record could not be written"})
	}
	if _, err = a.w.Write(a.line); err != nil {
		return err // the client went away
	}
	a.flush()
	return nil
}

// flush sends what is written so far: the answer streams line by line,
// so that a client streaming its feed sees each record as it is scored.
func (a *streamAnswer) flush() {
	if a.flusher == nil {
		a.flusher = http.NewResponseController(a.w)
	}
	_ = a.flusher.Flush() // a writer that cannot flush sends at the end
}

func (a *streamAnswer) failure(p problem) error {
	a.s.metrics.failed()
	a.failed++
	if a.first == nil {
		a.first = &p
	}
	if a.started {
		a.line = appendProblem(a.line[:0], p)
		if _, err := a.w.Write(a.line); err != nil {
			return err
		}
		a.flush()
		return nil
	}
	a.held = appendProblem(a.held, p)
	if len(a.held) > heldLimit {
		return errHeldTooLong
	}
	return nil
}

// refuse answers a batch none of whose documents scored: 400 (or 413)
// naming the first bad line.
func (a *streamAnswer) refuse() {
	p := *a.first
	status := http.StatusBadRequest
	if p.Status != 0 {
		status = p.Status
	}
	p.Failed = a.failed
	writeError(a.w, status, p)
}

// failureProblem is a record's read failure as an answer line: the reason
// and where in the body it is.
func failureProblem(f ingest.Failure) problem {
	msg := "unknown error"
	if f.Err != nil {
		msg = cleanMessage(f.Err.Error())
	}
	return problem{Error: msg, Line: f.Line, Pointer: f.Pointer}
}

// cleanMessage drops the "<stdin>: " an ingest error may start with: a
// request body has no file name.
func cleanMessage(msg string) string {
	return strings.ReplaceAll(msg, ingest.StdinName+": ", "")
}

// firstByte is the body's first byte that is not white space, left unread;
// 0 for an empty body.
func firstByte(br *bufio.Reader) (byte, error) {
	for {
		b, err := br.ReadByte()
		if err != nil {
			return 0, err
		}
		switch b {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return b, br.UnreadByte()
	}
}

// lineLimit passes an NDJSON body through to the ingest reader, one
// document per line, with two repairs:
//   - a line longer than limit is cut: the rest of it becomes one NUL
//     byte, so that the reader fails that line (and only it);
//   - until a line holds valid JSON, each line is checked and a broken one
//     is handed on as "{}": the reader chooses between JSON lines and a
//     pretty-printed JSON stream from the first line, and a body whose
//     first line is broken must still be read line by line.
//
// Either way the line is noted so that its failure is reported in these
// words instead of the reader's.
type lineLimit struct {
	br      *bufio.Reader
	limit   int64
	line    int   // 1-based number of the line being read
	n       int64 // bytes of it passed on so far
	skip    bool  // the rest of this line is being dropped
	settled bool  // a line of valid JSON went through: the rest passes as it is
	pending []byte
	mu      sync.Mutex // the reader runs in ingest's reading goroutine, note in the delivering one
	notes   map[int]problem
}

func (l *lineLimit) noteLine(line int, p problem) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.notes == nil {
		l.notes = map[int]problem{}
	}
	l.notes[line] = p
}

// note is what to say of line's failure, if lineLimit knows better.
func (l *lineLimit) note(line int) (problem, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	p, ok := l.notes[line]
	return p, ok
}

func (l *lineLimit) tooLong(line int) problem {
	return problem{Error: fmt.Sprintf("document larger than the limit of %s per document", bytesText(l.limit)),
		Line: line, Status: http.StatusRequestEntityTooLarge}
}

func (l *lineLimit) Read(p []byte) (int, error) {
	if l.line == 0 {
		l.line = 1
	}
	for len(l.pending) == 0 && !l.settled {
		if err := l.leading(); err != nil {
			return 0, err
		}
	}
	if len(l.pending) > 0 {
		n := copy(p, l.pending)
		l.pending = l.pending[n:]
		return n, nil
	}
	for {
		n, err := l.br.Read(p)
		out := 0
		for i := 0; i < n; i++ {
			c := p[i]
			if c == '\n' {
				l.line++
				l.n, l.skip = 0, false
				p[out] = c
				out++
				continue
			}
			if l.skip {
				continue
			}
			if l.n++; l.n > l.limit {
				l.skip = true
				l.noteLine(l.line, l.tooLong(l.line))
				c = 0
			}
			p[out] = c
			out++
		}
		if out > 0 || err != nil {
			return out, err
		}
	}
}

// leading reads one line before the first valid one into pending.
func (l *lineLimit) leading() error {
	var line []byte
	long := false
	for {
		chunk, err := l.br.ReadSlice('\n')
		if int64(len(line)+len(chunk)) > l.limit+1 { // +1: the newline
			long = true
		} else {
			line = append(line, chunk...)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil && (err != io.EOF || len(line) == 0 && !long) {
			return err
		}
		break
	}
	n := l.line
	l.line++
	trimmed := bytes.TrimSpace(line)
	switch {
	case long:
		l.noteLine(n, l.tooLong(n))
	case len(trimmed) == 0:
		l.pending = append(l.pending, '\n')
		return nil
	default:
		var raw json.RawMessage
		if err := json.Unmarshal(trimmed, &raw); err != nil {
			msg := "invalid JSON"
			if syn := (*json.SyntaxError)(nil); errors.As(err, &syn) {
				msg += ": " + syn.Error()
			}
			l.noteLine(n, problem{Error: msg, Line: n})
		} else {
			l.pending = append(l.pending, line...)
			if line[len(line)-1] != '\n' {
				l.pending = append(l.pending, '\n')
			}
			l.settled = true
			return nil
		}
	}
	l.pending = append(l.pending, "{}\n"...)
	return nil
}

// bytesText is a byte count in the largest binary unit that divides it.
func bytesText(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + " KiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}
