// Package model stores and loads a model bundle: the LightGBM text model
// (model.txt), the feature spec (features.json), the novelty forest
// (novelty.json), the model card with lineage and metrics (card.json) and
// the drift reference summary of the training data (reference.json, kept as
// raw bytes here: core/drift reads it, and core/drift imports this package).
// A bundle is what one model version is, on disk under
// models/<version>/ or embedded in the binary as the default.
package model

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/cyberstreams/cyberstreams/core/features"
	"github.com/cyberstreams/cyberstreams/internal/atomicfile"
	"github.com/cyberstreams/cyberstreams/ml/iforest"
	"github.com/cyberstreams/cyberstreams/ml/lgbm"
	"github.com/cyberstreams/cyberstreams/ml/metrics"
)

// File names inside a bundle directory.
const (
	ModelFile    = "model.txt"
	FeaturesFile = "features.json"
	NoveltyFile  = "novelty.json"
	CardFile     = "card.json"
	// ReferenceFile is the drift reference summary core/drift writes and
	// reads; optional, as bundles trained before it existed lack it.
	ReferenceFile = "reference.json"
)

// Card is a model's lineage and evaluation, written as card.json.
type Card struct {
	Version    string          `json:"version"`
	Parent     string          `json:"parent,omitempty"`
	Created    time.Time       `json:"created"`
	Command    string          `json:"command,omitempty"`
	Seed       int64           `json:"seed"`
	Params     any             `json:"params,omitempty"`
	Data       DataPrint       `json:"data"`
	Validation *metrics.Report `json:"validation,omitempty"`
	Notes      []string        `json:"notes,omitempty"`
}

// DataPrint fingerprints what a model was trained on.
type DataPrint struct {
	Inputs     []Input   `json:"inputs,omitempty"`
	TrainDocs  int       `json:"train_docs"`
	ValidDocs  int       `json:"valid_docs"`
	ValidFrom  time.Time `json:"valid_from,omitempty"`
	TrainUntil time.Time `json:"train_until,omitempty"`
	Labels     int       `json:"labels"`
	MaxLabelID int64     `json:"max_label_event_id"`
	BestRounds int       `json:"best_iteration"`
}

// Input is one training input file with its checksum.
type Input struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	Bytes  int64  `json:"bytes"`
}

// Bundle is one loaded model version.
type Bundle struct {
	Card    Card
	Trees   *lgbm.Model
	Spec    *features.Spec
	Novelty *iforest.Forest // nil when the bundle has none
	// ModelText is the model.txt bytes, for the leaves inference engine.
	ModelText []byte
	// DriftReference is reference.json as stored (nil when the bundle has
	// none); drift.ParseReference decodes it.
	DriftReference []byte
}

// Save writes the bundle into dir (created if needed).
func (b *Bundle) Save(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("save model %s: %w", dir, err)
	}
	var mt bytes.Buffer
	if err := lgbm.Write(&mt, b.Trees); err != nil {
		return fmt.Errorf("save model %s: %w", dir, err)
	}
	b.ModelText = mt.Bytes()
	files := map[string]func(io.Writer) error{
		ModelFile:    func(w io.Writer) error { _, err := w.Write(mt.Bytes()); return err },
		FeaturesFile: b.Spec.Write,
		CardFile:     func(w io.Writer) error { return writeJSON(w, b.Card) },
	}
	if b.Novelty != nil {
		files[NoveltyFile] = func(w io.Writer) error { return writeJSON(w, b.Novelty) }
	}
	if b.DriftReference != nil {
		files[ReferenceFile] = func(w io.Writer) error { _, err := w.Write(b.DriftReference); return err }
	}
	for name, write := range files {
		// Each file is whole or absent after a crash, never half-written.
		if err := atomicfile.Write(filepath.Join(dir, name), 0o644, write); err != nil {
			return fmt.Errorf("save model %s: %w", filepath.Join(dir, name), err)
		}
	}
	return nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	return enc.Encode(v)
}

// LoadDir loads a bundle from a directory. Each file may also be stored
// gzipped (model.txt.gz, …). Errors name the file at fault.
func LoadDir(dir string) (*Bundle, error) {
	return load(func(name string) (io.Reader, error) { return openMaybeGzip(os.ReadFile, filepath.Join(dir, name)) }, dir)
}

// ErrMissing marks an absent optional file.
var errMissing = errors.New("missing")

// openMaybeGzip opens path, or else path.gz, decompressed as it is read.
// Read errors name the file.
func openMaybeGzip(read func(string) ([]byte, error), path string) (io.Reader, error) {
	b, err := read(path)
	if err == nil {
		return bytes.NewReader(b), nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	gz, gerr := read(path + ".gz")
	if gerr != nil {
		if errors.Is(gerr, os.ErrNotExist) {
			return nil, fmt.Errorf("%s: %w", path, errMissing)
		}
		return nil, gerr
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, fmt.Errorf("%s.gz: %w", path, err)
	}
	return namedReader{zr, path + ".gz"}, nil
}

// namedReader adds its file's name to read errors.
type namedReader struct {
	r    io.Reader
	name string
}

func (n namedReader) Read(p []byte) (int, error) {
	k, err := n.r.Read(p)
	if err != nil && err != io.EOF {
		err = fmt.Errorf("%s: %w", n.name, err)
	}
	return k, err
}

// readAll reads a whole file that open opens.
func readAll(open func(string) (io.Reader, error), name string) ([]byte, error) {
	r, err := open(name)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(r)
}

// readTrees parses the model text while another goroutine is still
// reading (for model.txt.gz, decompressing) it: one after the other, the
// two were the embedded model's start-up, ~20 ms each. It also returns
// the whole text, which leaves parses again.
func readTrees(r io.Reader) ([]byte, *lgbm.Model, error) {
	var text []byte
	chunks := make(chan []byte, 16)
	var readErr error
	go func() {
		defer close(chunks)
		for {
			buf := make([]byte, 64<<10)
			n, err := io.ReadFull(r, buf)
			if n > 0 {
				text = append(text, buf[:n]...)
				chunks <- buf[:n]
			}
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				return
			}
			if err != nil {
				readErr = err
				return
			}
		}
	}()
	cr := &chunkReader{chunks: chunks}
	m, perr := lgbm.Read(cr)
	for range chunks { // the text is kept whole, whatever the parser read of it
	}
	if readErr != nil {
		return nil, nil, readErr // a read error first: the parser's would follow from it
	}
	if perr != nil {
		return nil, nil, perr
	}
	return text, m, nil
}

// chunkReader reads the chunks a channel delivers, in order, until it is
// closed: a pipe whose writer runs ahead by as many chunks as the channel
// holds, where io.Pipe's writer waits for each write to be read.
type chunkReader struct {
	chunks <-chan []byte
	cur    []byte
}

func (c *chunkReader) Read(p []byte) (int, error) {
	for len(c.cur) == 0 {
		next, ok := <-c.chunks
		if !ok {
			return 0, io.EOF
		}
		c.cur = next
	}
	n := copy(p, c.cur)
	c.cur = c.cur[n:]
	return n, nil
}

func load(open func(name string) (io.Reader, error), where string) (*Bundle, error) {
	b := &Bundle{}
	// The trees are most of the loading time (decompressing and parsing
	// ~600 trees); read them on a second core while the rest is parsed.
	treesDone := make(chan error, 1)
	go func() {
		r, err := open(ModelFile)
		if err == nil {
			b.ModelText, b.Trees, err = readTrees(r)
		}
		if err != nil {
			treesDone <- fmt.Errorf("load model %s: %w", filepath.Join(where, ModelFile), err)
			return
		}
		treesDone <- nil
	}()
	restErr := b.loadRest(func(name string) ([]byte, error) { return readAll(open, name) }, where)
	if err := <-treesDone; err != nil { // the model file's error first, as it was read first
		return nil, err
	}
	if restErr != nil {
		return nil, restErr
	}
	if got, want := b.Trees.NumFeatures(), b.Spec.NumFeatures(); got > want {
		return nil, fmt.Errorf("load model %s: model uses %d features but %s defines %d: the files do not belong together",
			where, got, FeaturesFile, want)
	}
	if b.Trees.NumClass != 5 {
		return nil, fmt.Errorf("load model %s: model has %d classes, cyberstreams needs 5 (critical, high, medium, low, informational)", where, b.Trees.NumClass)
	}
	return b, nil
}

// loadRest reads everything of a bundle but its trees (which load writes
// concurrently: the two touch different fields).
func (b *Bundle) loadRest(read func(name string) ([]byte, error), where string) error {
	var err error
	fs, err := read(FeaturesFile)
	if err != nil {
		return fmt.Errorf("load model %s: %w", filepath.Join(where, FeaturesFile), err)
	}
	if b.Spec, err = features.ReadSpec(bytes.NewReader(fs), filepath.Join(where, FeaturesFile)); err != nil {
		return fmt.Errorf("load model: %w", err)
	}
	if nv, err := read(NoveltyFile); err == nil {
		b.Novelty = new(iforest.Forest)
		if err := json.Unmarshal(nv, b.Novelty); err != nil {
			return fmt.Errorf("load model %s: %w", filepath.Join(where, NoveltyFile), err)
		}
	} else if !errors.Is(err, errMissing) {
		return fmt.Errorf("load model %s: %w", filepath.Join(where, NoveltyFile), err)
	}
	if ref, err := read(ReferenceFile); err == nil {
		b.DriftReference = ref
	} else if !errors.Is(err, errMissing) {
		return fmt.Errorf("load model %s: %w", filepath.Join(where, ReferenceFile), err)
	}
	if cb, err := read(CardFile); err == nil {
		if err := json.Unmarshal(cb, &b.Card); err != nil {
			return fmt.Errorf("load model %s: %w", filepath.Join(where, CardFile), err)
		}
	} else if !errors.Is(err, errMissing) {
		return fmt.Errorf("load model %s: %w", filepath.Join(where, CardFile), err)
	}
	return nil
}
