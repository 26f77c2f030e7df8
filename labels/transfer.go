package labels

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/cyberstreams/cyberstreams/internal/atomicfile"
)

// Record is one label in the import/export formats. JSONL carries these
// fields by name; CSV has the header doc_id,severity,analyst,created_at,note.
// An export of every event (--all) adds the history fields after them.
type Record struct {
	DocID     string `json:"doc_id"`
	Severity  string `json:"severity"`
	Analyst   string `json:"analyst"`
	CreatedAt string `json:"created_at"`
	Note      string `json:"note"`
}

// historyRecord is a Record plus what an audit of the full history needs.
type historyRecord struct {
	Record
	ID           int64  `json:"id"`
	Kind         string `json:"kind"`
	Retracts     int64  `json:"retracts,omitempty"`
	Origin       string `json:"origin"`
	ModelVersion string `json:"model_version,omitempty"`
	Predicted    string `json:"predicted,omitempty"`
}

var (
	csvHeader        = []string{"doc_id", "severity", "analyst", "created_at", "note"}
	csvHistoryHeader = append(append([]string(nil), csvHeader...), "id", "kind", "retracts", "origin", "model_version", "predicted")
)

// ImportAnalyst is who a label is from when an imported line names nobody.
const ImportAnalyst = "import"

// maxLine bounds one JSONL line; a longer line is reported and skipped
// rather than held in memory.
const maxLine = 1 << 20

// LineError is one refused import line.
type LineError struct {
	Name string `json:"file"`
	Line int    `json:"line"`
	Msg  string `json:"error"`
}

func (e LineError) Error() string { return fmt.Sprintf("%s:%d: %s", e.Name, e.Line, e.Msg) }

// ImportResult counts what an import did. Already counts lines whose label
// was imported before (the same document, severity, analyst, time and
// note), which makes re-running an import harmless.
type ImportResult struct {
	Imported int         `json:"imported"`
	Already  int         `json:"already_present"`
	Failed   int         `json:"failed"`
	Errors   []LineError `json:"errors,omitempty"`
}

// Import reads labels in format "jsonl" or "csv" from r; name is how errors
// refer to the input. Each line is checked on its own: a malformed line, an
// unknown document or an unknown severity is reported with name:line and
// skipped, and the rest are imported in transactions of about a thousand.
// The import key (a hash of document, severity, analyst, created_at and
// note) makes a second import of the same lines add nothing. origin is
// usually "import".
func (s *Store) Import(ctx context.Context, r io.Reader, format, name, origin string) (ImportResult, error) {
	var res ImportResult
	if origin == "" {
		origin = "import"
	}
	if !validOrigin(origin) {
		return res, fmt.Errorf("import %s: unknown origin %q", name, origin)
	}
	var next func() (lineRecord, bool)
	switch format {
	case "jsonl":
		next = jsonlRecords(r)
	case "csv":
		var err error
		if next, err = csvRecords(r); err != nil {
			return res, fmt.Errorf("import %s: %w", name, err)
		}
	default:
		return res, fmt.Errorf("import %s: unknown format %q: want jsonl or csv", name, format)
	}
	b := &importBatch{s: s, origin: origin, now: time.Now().UTC(), known: map[string]bool{}}
	defer b.rollback()
	for {
		if err := ctx.Err(); err != nil {
			return res, fmt.Errorf("import %s: %w", name, err)
		}
		lr, ok := next()
		if !ok {
			break
		}
		line := lr.Line
		if lr.Err != nil {
			res.fail(name, line, lr.Err)
			continue
		}
		added, err := b.add(ctx, lr.Record)
		var refused refusal
		switch {
		case errors.As(err, &refused):
			res.fail(name, line, refused)
		case err != nil:
			return res, fmt.Errorf("import %s:%d: %w", name, line, err)
		case added:
			res.Imported++
		default:
			res.Already++
		}
		if b.n >= s.batch {
			if err := b.commit(); err != nil {
				return res, fmt.Errorf("import %s:%d: %w", name, line, err)
			}
		}
	}
	if err := b.commit(); err != nil {
		return res, fmt.Errorf("import %s: %w", name, err)
	}
	return res, nil
}

func (r *ImportResult) fail(name string, line int, err error) {
	r.Failed++
	r.Errors = append(r.Errors, LineError{Name: name, Line: line, Msg: err.Error()})
}

// refusal is a line the store will not take; the import goes on.
type refusal struct{ msg string }

func (r refusal) Error() string { return r.msg }

// importBatch is the open transaction of an import.
type importBatch struct {
	s      *Store
	origin string
	now    time.Time
	tx     *sql.Tx
	exists *sql.Stmt
	insert *sql.Stmt
	n      int
	// known remembers documents already found, across batches: replays
	// label the same documents many times over.
	known map[string]bool
}

func (b *importBatch) add(ctx context.Context, rec Record) (bool, error) {
	sev, err := ParseSeverity(rec.Severity)
	if err != nil {
		return false, refusal{err.Error()}
	}
	docID := strings.TrimSpace(rec.DocID)
	if docID == "" {
		return false, refusal{"doc_id is missing"}
	}
	analyst := strings.TrimSpace(rec.Analyst)
	if analyst == "" {
		analyst = ImportAnalyst
	}
	created, stamp := b.now, ""
	if strings.TrimSpace(rec.CreatedAt) != "" {
		t, err := parseImportTime(rec.CreatedAt)
		if err != nil {
			return false, refusal{err.Error()}
		}
		created, stamp = t, formatTime(t)
	}
	if b.tx == nil {
		if err := b.begin(ctx); err != nil {
			return false, err
		}
	}
	if !b.known[docID] {
		var one int
		switch err := b.exists.QueryRowContext(ctx, docID).Scan(&one); {
		case errors.Is(err, sql.ErrNoRows):
			return false, refusal{"unknown document " + docID}
		case err != nil:
			return false, err
		}
		b.known[docID] = true
	}
	key := importKey(docID, sev, analyst, stamp, rec.Note)
	r, err := b.insert.ExecContext(ctx, docID, sev, analyst, formatTime(created), rec.Note, b.origin, key)
	if err != nil {
		return false, err
	}
	b.n++
	n, err := r.RowsAffected()
	return n == 1, err
}

func (b *importBatch) begin(ctx context.Context) error {
	tx, err := b.s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	b.tx = tx
	if b.exists, err = tx.PrepareContext(ctx, `SELECT 1 FROM documents WHERE id = ?`); err != nil {
		return err
	}
	b.insert, err = tx.PrepareContext(ctx, `INSERT INTO label_events
		(doc_id, kind, severity, analyst, created_at, note, origin, import_key)
		VALUES (?, 'label', ?, ?, ?, ?, ?, ?) ON CONFLICT(import_key) DO NOTHING`)
	return err
}

func (b *importBatch) commit() error {
	if b.tx == nil {
		return nil
	}
	err := b.tx.Commit()
	b.tx, b.exists, b.insert, b.n = nil, nil, nil, 0
	return err
}

func (b *importBatch) rollback() {
	if b.tx != nil {
		b.tx.Rollback()
		b.tx = nil
	}
}

// importKey identifies a label by what it says, so that the same line
// imported twice, from any file, is stored once: the label's time, then a
// SHA-256 of document, severity, analyst, time and note. The time leads so
// that the keys of a chronological import sit side by side in the unique
// index; a bare hash scatters every batch of a thousand over the whole
// index (measured: three page writes per imported label).
func importKey(docID, severity, analyst, createdAt, note string) string {
	h := sha256.New()
	for _, f := range []string{docID, severity, analyst, createdAt, note} {
		h.Write([]byte(f))
		h.Write([]byte{0x1f}) // unit separator: no field boundary ambiguity
	}
	return createdAt + "/" + hex.EncodeToString(h.Sum(nil)[:16])
}

var importTimeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02"}

func parseImportTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, l := range importTimeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("created_at %q: want RFC 3339 or YYYY-MM-DD", s)
}

// lineRecord is one input line: the label it holds or why it cannot be read.
type lineRecord struct {
	Record
	Line int // 1-based
	Err  error
}

// jsonlRecord accepts severity as a name or a rank number, and the kind of
// an exported history line so that retractions are refused by name.
type jsonlRecord struct {
	DocID     string          `json:"doc_id"`
	Severity  json.RawMessage `json:"severity"`
	Analyst   string          `json:"analyst"`
	CreatedAt string          `json:"created_at"`
	Note      string          `json:"note"`
	Kind      string          `json:"kind"`
}

// jsonlRecords returns an iterator over the lines of r; it reports false at
// the end.
func jsonlRecords(r io.Reader) func() (lineRecord, bool) {
	br := bufio.NewReaderSize(r, 64<<10)
	line := 0
	done := false
	return func() (lineRecord, bool) {
		for !done {
			text, tooLong, err := readLine(br)
			if err != nil {
				done = true
				if !errors.Is(err, io.EOF) {
					line++
					return lineRecord{Line: line, Err: fmt.Errorf("read: %w", err)}, true
				}
				if len(text) == 0 && !tooLong {
					break
				}
			}
			line++
			if tooLong {
				return lineRecord{Line: line, Err: fmt.Errorf("line longer than %d bytes", maxLine)}, true
			}
			text = bytes.TrimSpace(text)
			if len(text) == 0 {
				continue
			}
			rec, err := parseJSONLRecord(text)
			return lineRecord{Record: rec, Line: line, Err: err}, true
		}
		return lineRecord{}, false
	}
}

func parseJSONLRecord(text []byte) (Record, error) {
	var j jsonlRecord
	dec := json.NewDecoder(bytes.NewReader(text))
	if err := dec.Decode(&j); err != nil {
		return Record{}, fmt.Errorf("bad JSON: %w", err)
	}
	if dec.More() {
		return Record{}, errors.New("bad JSON: more than one value on the line")
	}
	if j.Kind != "" && j.Kind != "label" {
		return Record{}, fmt.Errorf("%s events are not imported (only labels)", j.Kind)
	}
	rec := Record{DocID: j.DocID, Analyst: j.Analyst, CreatedAt: j.CreatedAt, Note: j.Note}
	switch sev := bytes.TrimSpace(j.Severity); {
	case len(sev) == 0 || string(sev) == "null":
		return rec, errors.New("severity is missing")
	case sev[0] == '"':
		if err := json.Unmarshal(sev, &rec.Severity); err != nil {
			return rec, fmt.Errorf("severity: %w", err)
		}
	default:
		n, err := strconv.Atoi(string(sev))
		if err != nil {
			return rec, fmt.Errorf("severity %s: want a name or a rank 1-5", sev)
		}
		rec.Severity = strconv.Itoa(n)
	}
	return rec, nil
}

// readLine reads one line without its newline, reading past (and
// reporting) a line longer than maxLine instead of keeping it.
func readLine(br *bufio.Reader) (line []byte, tooLong bool, err error) {
	var buf []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if !tooLong {
			if len(buf)+len(chunk) > maxLine+1 {
				tooLong, buf = true, nil
			} else {
				buf = append(buf, chunk...)
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		return bytes.TrimSuffix(buf, []byte("\n")), tooLong, err
	}
}

// csvRecords reads the header and returns an iterator like jsonlRecords.
// Columns are found by header name, so extra columns (an --all export) are
// fine; doc_id and severity are required.
func csvRecords(r io.Reader) (func() (lineRecord, bool), error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return func() (lineRecord, bool) { return lineRecord{}, false }, nil
	}
	if err != nil {
		return nil, fmt.Errorf("CSV header: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if _, dup := col[h]; !dup {
			col[h] = i
		}
	}
	for _, need := range []string{"doc_id", "severity"} {
		if _, ok := col[need]; !ok {
			return nil, fmt.Errorf("CSV header has no %s column (want %s)", need, strings.Join(csvHeader, ","))
		}
	}
	field := func(rec []string, name string) string {
		if i, ok := col[name]; ok && i < len(rec) {
			return rec[i]
		}
		return ""
	}
	done := false
	lastOffset := cr.InputOffset()
	return func() (lineRecord, bool) {
		for !done {
			rec, err := cr.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				var pe *csv.ParseError
				line := 0
				if errors.As(err, &pe) {
					line = pe.StartLine
				}
				// A reader that cannot move on would report the same
				// error forever; stop after reporting it once.
				if off := cr.InputOffset(); off == lastOffset {
					done = true
				} else {
					lastOffset = off
				}
				return lineRecord{Line: line, Err: fmt.Errorf("bad CSV: %w", errors.Unwrap(err))}, true
			}
			lastOffset = cr.InputOffset()
			line, _ := cr.FieldPos(0)
			if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
				continue
			}
			if k := field(rec, "kind"); k != "" && k != "label" {
				return lineRecord{Line: line, Err: fmt.Errorf("%s events are not imported (only labels)", k)}, true
			}
			return lineRecord{Line: line, Record: Record{DocID: field(rec, "doc_id"), Severity: field(rec, "severity"),
				Analyst: field(rec, "analyst"), CreatedAt: field(rec, "created_at"), Note: field(rec, "note")}}, true
		}
		return lineRecord{}, false
	}, nil
}

// Export writes the current labels in format "jsonl" or "csv", oldest
// first, in the shape Import reads back. With all, it writes every event of
// the history instead — retractions included — with the history fields
// (id, kind, retracts, origin, model_version, predicted) after the label
// fields; importing that file takes its labels and skips its retractions.
func (s *Store) Export(ctx context.Context, w io.Writer, format string, all bool) error {
	var put func(historyRecord) error
	var flush func() error
	switch format {
	case "jsonl":
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		put = func(h historyRecord) error {
			if all {
				return enc.Encode(h)
			}
			return enc.Encode(h.Record)
		}
		flush = func() error { return nil }
	case "csv":
		cw := csv.NewWriter(w)
		header := csvHeader
		if all {
			header = csvHistoryHeader
		}
		if err := cw.Write(header); err != nil {
			return fmt.Errorf("export labels: %w", err)
		}
		put = func(h historyRecord) error {
			row := []string{h.DocID, h.Severity, h.Analyst, h.CreatedAt, h.Note}
			if all {
				retracts := ""
				if h.Retracts != 0 {
					retracts = strconv.FormatInt(h.Retracts, 10)
				}
				row = append(row, strconv.FormatInt(h.ID, 10), h.Kind, retracts, h.Origin, h.ModelVersion, h.Predicted)
			}
			return cw.Write(row)
		}
		flush = func() error { cw.Flush(); return cw.Error() }
	default:
		return fmt.Errorf("export labels: unknown format %q: want jsonl or csv", format)
	}
	emit := func(e Event, kind string) error {
		return put(historyRecord{
			Record: Record{DocID: e.DocID, Severity: e.Severity, Analyst: e.Analyst,
				CreatedAt: e.CreatedAt.UTC().Format(time.RFC3339Nano), Note: e.Note},
			ID: e.ID, Kind: kind, Retracts: e.Retracts, Origin: e.Origin, ModelVersion: e.ModelVersion, Predicted: e.Predicted,
		})
	}
	var err error
	if all {
		err = s.eachEvent(ctx, func(e Event) error {
			kind := "label"
			if e.Retracts != 0 {
				kind = "retract"
			}
			return emit(e, kind)
		})
	} else {
		err = s.eachCurrent(ctx, Filter{}, "c.created_at, c.id", func(e Event) error { return emit(e, "label") })
	}
	if err != nil {
		return fmt.Errorf("export labels: %w", err)
	}
	if err := flush(); err != nil {
		return fmt.Errorf("export labels: %w", err)
	}
	return nil
}

// ExportFile writes Export's output to path, replacing it only once the
// export is complete and on disk: the labels go to a temporary file beside
// path, which is fsynced and renamed over path, and then the directory is
// fsynced, so a crash leaves either the previous file or the whole export.
func (s *Store) ExportFile(ctx context.Context, path, format string, all bool) error {
	return exportFile(path, func(w io.Writer) error { return s.Export(ctx, w, format, all) })
}

// ExportTechniquesFile writes ExportTechniques' output to path as
// ExportFile writes labels: complete and on disk, or not at all.
func (s *Store) ExportTechniquesFile(ctx context.Context, path, format string, all bool) error {
	return exportFile(path, func(w io.Writer) error { return s.ExportTechniques(ctx, w, format, all) })
}

func exportFile(path string, export func(io.Writer) error) error {
	err := atomicfile.Write(path, 0o644, func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 64<<10)
		if err := export(bw); err != nil {
			return err
		}
		return bw.Flush()
	})
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

func (s *Store) eachEvent(ctx context.Context, fn func(Event) error) error {
	rows, err := s.db.QueryContext(ctx, `SELECT `+eventColumns+` FROM label_events ORDER BY id`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return err
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return rows.Err()
}
