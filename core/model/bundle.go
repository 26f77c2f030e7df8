// Package model stores and loads a model bundle: the LightGBM text model
// (model.txt), the feature spec (features.json), the novelty model
// (novelty.json), the model card with lineage and metrics (card.json) and
// the drift reference summary of the training data (reference.json, kept as
// raw bytes here: core/drift reads it, and core/drift imports this package).
// A bundle is what one model version is, on disk under
// models/<version>/ or embedded in the binary as the default.
package model

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/features"
	"github.com/cyberstreams/cyberstreams/core/novelty"
	"github.com/cyberstreams/cyberstreams/internal/atomicfile"
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
	// ModelSHA256 is the SHA-256 of the model.txt this card describes
	// (uncompressed), so that a card copied from another model is refused
	// at load instead of naming the wrong model in every record. Cards
	// written before it existed have none and are not checked.
	ModelSHA256 string `json:"model_sha256,omitempty"`
	// InputsSHA256 is the digest of everything the model learned from
	// (core/training.InputsDigest): labelled documents, settings, seed.
	// Equal digests give byte-identical model files, and a retrain's
	// version is made from it, so teammates who retrain on the same
	// labels and base corpus run the same version.
	InputsSHA256 string `json:"inputs_sha256,omitempty"`
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
	Novelty *novelty.Model // nil when the bundle has none
	// ModelText is the model.txt bytes, for the leaves inference engine.
	ModelText []byte
	// modelSHA256 is ModelText's digest as loaded, which the card must
	// name when it names one.
	modelSHA256 string
	// DriftReference is reference.json as stored (nil when the bundle has
	// none); drift.ParseReference decodes it.
	DriftReference []byte
	// sources are the digests of the files as loaded or saved, which a
	// compiled form must match (CompiledFile).
	sources sources
}

// Save writes the bundle into dir (created if needed), with its compiled
// form (CompiledFile) last, made from the very bytes written.
func (b *Bundle) Save(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("save model %s: %w", dir, err)
	}
	var mt bytes.Buffer
	if err := lgbm.Write(&mt, b.Trees); err != nil {
		return fmt.Errorf("save model %s: %w", dir, err)
	}
	b.ModelText = mt.Bytes()
	b.modelSHA256 = modelDigest(b.ModelText)
	b.Card.ModelSHA256 = b.modelSHA256
	files := map[string][]byte{ModelFile: b.ModelText}
	render := func(name string, write func(io.Writer) error) error {
		var buf bytes.Buffer
		if err := write(&buf); err != nil {
			return fmt.Errorf("save model %s: %w", filepath.Join(dir, name), err)
		}
		files[name] = buf.Bytes()
		return nil
	}
	if err := render(FeaturesFile, b.Spec.Write); err != nil {
		return err
	}
	if err := render(CardFile, func(w io.Writer) error { return writeJSON(w, b.Card) }); err != nil {
		return err
	}
	if b.Novelty != nil {
		if err := render(NoveltyFile, func(w io.Writer) error { return writeJSON(w, b.Novelty) }); err != nil {
			return err
		}
	}
	if b.DriftReference != nil {
		// Checked here as load checks it: a load that finds the compiled
		// form made from these files skips the check.
		if err := checkReference(b.DriftReference, b.Spec); err != nil {
			return fmt.Errorf("save model %s: %w", filepath.Join(dir, ReferenceFile), err)
		}
		files[ReferenceFile] = b.DriftReference
	}
	b.sources = sources{model: b.modelSHA256, features: modelDigest(files[FeaturesFile]),
		novelty: digestOf(files, NoveltyFile), reference: digestOf(files, ReferenceFile)}
	for name, data := range files {
		// Each file is whole or absent after a crash, never half-written.
		if err := atomicfile.Write(filepath.Join(dir, name), 0o644, func(w io.Writer) error { _, err := w.Write(data); return err }); err != nil {
			return fmt.Errorf("save model %s: %w", filepath.Join(dir, name), err)
		}
	}
	if err := atomicfile.Write(filepath.Join(dir, CompiledFile), 0o644, func(w io.Writer) error {
		return encodeCompiled(w, b.Trees, b.Novelty, b.sources)
	}); err != nil {
		return fmt.Errorf("save model %s: %w", filepath.Join(dir, CompiledFile), err)
	}
	return nil
}

// digestOf is the digest of files[name], "" when there is no such file.
func digestOf(files map[string][]byte, name string) string {
	if data, ok := files[name]; ok {
		return modelDigest(data)
	}
	return ""
}

// ModelSHA256 is the hex SHA-256 of the bundle's model.txt as loaded or
// saved ("" for a bundle that has neither been).
func (b *Bundle) ModelSHA256() string {
	if b.modelSHA256 == "" && len(b.ModelText) > 0 {
		return modelDigest(b.ModelText)
	}
	return b.modelSHA256
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
	var size int64
	if len(gz) >= 4 {
		size = int64(binary.LittleEndian.Uint32(gz[len(gz)-4:]))
	}
	return namedReader{zr, path + ".gz", size}, nil
}

// namedReader adds its file's name to read errors.
type namedReader struct {
	r    io.Reader
	name string
	size int64 // the decompressed size a gzip trailer records (mod 2^32), 0 unknown
}

// Size is the size of what the reader yields, as far as it is known.
func (n namedReader) Size() int64 { return n.size }

// sizeHint is the size r announces (bytes.Reader, namedReader), else 0;
// at most 1 GiB, so that a damaged trailer cannot ask for more.
func sizeHint(r io.Reader) int {
	if s, ok := r.(interface{ Size() int64 }); ok && s.Size() > 0 && s.Size() <= 1<<30 {
		return int(s.Size())
	}
	return 0
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
	// One buffer of the announced size: io.ReadAll's doubling copied the
	// megabytes of a model text several times over.
	buf := bytes.NewBuffer(make([]byte, 0, sizeHint(r)+bytes.MinRead))
	_, err = buf.ReadFrom(r)
	return buf.Bytes(), err
}

// readTrees parses the model text while another goroutine is still
// reading (for model.txt.gz, decompressing) it: one after the other, the
// two were the embedded model's start-up, ~20 ms each. It also returns
// the whole text, which leaves parses again.
func readTrees(r io.Reader) ([]byte, *lgbm.Model, error) {
	// The text is read into one buffer of the size the reader announces
	// (a plain file's, or the length a gzip trailer records), and the
	// parser reads chunks of that same buffer: growing it by appending
	// cost more than parsing (page faults and copies of megabytes).
	text := make([]byte, 0, sizeHint(r)+1)
	chunks := make(chan []byte, 16)
	var readErr error
	go func() {
		defer close(chunks)
		for {
			if cap(text) == len(text) { // past the announced size
				text = slices.Grow(text, max(len(text), 64<<10))
			}
			start := len(text)
			n, err := io.ReadFull(r, text[start:min(start+64<<10, cap(text))])
			if n > 0 {
				text = text[:start+n]
				chunks <- text[start : start+n : start+n]
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
	// The compiled form, when the bundle has one that matches its files,
	// stands in for parsing the trees and the novelty model; both loading
	// goroutines ask for it, and the first one decodes it.
	comp := sync.OnceValue(func() *compiled { return readCompiled(open) })
	// The trees are most of the loading time when they are parsed
	// (decompressing and parsing ~600 trees); read them on a second core
	// while the rest is read.
	treesDone := make(chan error, 1)
	go func() {
		if err := b.loadTrees(open, comp); err != nil {
			treesDone <- fmt.Errorf("load model %s: %w", filepath.Join(where, ModelFile), err)
			return
		}
		treesDone <- nil
	}()
	restErr := b.loadRest(func(name string) ([]byte, error) { return readAll(open, name) }, where, comp)
	if err := <-treesDone; err != nil { // the model file's error first, as it was read first
		return nil, err
	}
	if restErr != nil {
		return nil, restErr
	}
	b.sources.model = b.modelSHA256
	if err := b.checkTogether(where); err != nil {
		return nil, err
	}
	return b, nil
}

// loadTrees reads model.txt: its trees from the compiled form when that
// was compiled from this very text, else parsed.
func (b *Bundle) loadTrees(open func(name string) (io.Reader, error), comp func() *compiled) error {
	if c := comp(); c != nil {
		text, err := readAll(open, ModelFile)
		if err != nil {
			return err
		}
		b.ModelText, b.modelSHA256 = text, modelDigest(text)
		if c.ModelSHA256 == b.modelSHA256 {
			b.Trees = c.Trees
			return nil
		}
		b.Trees, err = lgbm.Read(bytes.NewReader(text))
		return err
	}
	r, err := open(ModelFile)
	if err != nil {
		return err
	}
	if b.ModelText, b.Trees, err = readTrees(r); err != nil {
		return err
	}
	b.modelSHA256 = modelDigest(b.ModelText)
	return nil
}

// checkTogether checks that the bundle's files belong together, so that a
// bundle that loads can be scored: a file from another model (or a damaged
// one) is refused here, naming the file, instead of indexing out of range on
// the first document. The model's trees and its feature spec must agree on
// the classes and on every feature (by width and by name), the novelty model
// must read the spec's features, and the drift reference must
// summarise them (checkRest).
func (b *Bundle) checkTogether(where string) error {
	modelFile := filepath.Join(where, ModelFile)
	classes := len(document.Severities)
	if b.Trees.NumClass != classes || b.Trees.NumTreePerIteration != classes {
		return fmt.Errorf("load model %s: num_class %d with %d trees per iteration, cyberstreams needs %d (critical, high, medium, low, informational)",
			modelFile, b.Trees.NumClass, b.Trees.NumTreePerIteration, classes)
	}
	if b.Trees.AverageOutput {
		return fmt.Errorf("load model %s: a random-forest model (average_output) is no softmax classifier", modelFile)
	}
	names := b.Spec.Names()
	if got, want := b.Trees.NumFeatures(), len(names); got > want {
		return fmt.Errorf("load model %s: the model uses %d features but %s defines %d: the files do not belong together",
			modelFile, got, FeaturesFile, want)
	}
	for i, got := range b.Trees.FeatureNames {
		if got != lgbm.FeatureName(names[i]) && got != lgbm.DefaultFeatureName(i) {
			return fmt.Errorf("load model %s: feature %d is %q but %s names it %q: the files do not belong together",
				modelFile, i, got, FeaturesFile, names[i])
		}
	}
	if want := b.Card.ModelSHA256; want != "" && want != b.modelSHA256 {
		return fmt.Errorf("load model %s: it describes another model (model_sha256 %.12s…, %s is %.12s…): the files do not belong together",
			filepath.Join(where, CardFile), want, ModelFile, b.modelSHA256)
	}
	return nil
}

// checkRest is checkTogether for the files other than the trees, which
// loadRest checks while the trees are still being parsed. checkedReference
// says that the drift reference and feature spec are those a compiled
// form was made from, which were checked then (by Save or Compile).
func (b *Bundle) checkRest(where string, checkedReference bool) error {
	if b.Novelty != nil {
		if _, err := b.Novelty.Scorer(b.Spec, b.Spec.NumFeatures()); err != nil {
			return fmt.Errorf("load model %s: %w: the files do not belong together", filepath.Join(where, NoveltyFile), err)
		}
	}
	if b.DriftReference != nil && !checkedReference {
		if err := checkReference(b.DriftReference, b.Spec); err != nil {
			return fmt.Errorf("load model %s: %w", filepath.Join(where, ReferenceFile), err)
		}
	}
	if err := checkCard(&b.Card); err != nil {
		return fmt.Errorf("load model %s: %w", filepath.Join(where, CardFile), err)
	}
	return nil
}

// checkReference checks what core/drift relies on in a drift reference:
// documents summarised, numeric samples of features the spec has, and
// counts that are counts. (core/drift decodes it in full when it is used;
// this package cannot import it.)
func checkReference(data []byte, spec *features.Spec) error {
	var ref struct {
		Docs int `json:"docs"`
		// The samples are left to core/drift: decoding ~180,000 numbers
		// would make loading the default model a tenth slower.
		Numeric     map[string]json.RawMessage `json:"numeric"`
		Categorical map[string]map[string]int  `json:"categorical"`
		Predicted   map[string]int             `json:"predicted"`
	}
	if err := json.Unmarshal(data, &ref); err != nil {
		return err
	}
	if ref.Docs <= 0 || len(ref.Numeric) == 0 {
		return fmt.Errorf("summarises %d documents and %d numeric features: not a drift reference", ref.Docs, len(ref.Numeric))
	}
	numeric := make(map[string]bool, len(spec.Numeric))
	for _, n := range spec.Numeric {
		numeric[n] = true
	}
	for name := range ref.Numeric {
		if !numeric[name] {
			return fmt.Errorf("numeric feature %q is not in %s: the files do not belong together", name, FeaturesFile)
		}
	}
	for name, counts := range ref.Categorical {
		for value, n := range counts {
			if n < 0 {
				return fmt.Errorf("categorical %s %q counts %d documents", name, value, n)
			}
		}
	}
	for class, n := range ref.Predicted {
		if !slices.Contains(document.Severities[:], class) || n < 0 {
			return fmt.Errorf("predicted class %q counts %d documents", class, n)
		}
	}
	return nil
}

// checkCard checks what commands print of a model card: a version that is
// one plain line, and validation metrics over the five classes.
func checkCard(c *Card) error {
	if len(c.Version) > maxVersionLen || strings.IndexFunc(c.Version, unicode.IsControl) >= 0 {
		return fmt.Errorf("version %.40q is not a plain name of at most %d characters", c.Version, maxVersionLen)
	}
	v := c.Validation
	if v == nil {
		return nil
	}
	k := len(document.Severities)
	if !slices.Equal(v.Classes, document.Severities[:]) {
		return fmt.Errorf("validation classes %q, want %q", v.Classes, document.Severities)
	}
	if len(v.PerClass) > k || (len(v.AUC) != 0 && len(v.AUC) != k) {
		return fmt.Errorf("validation has %d per-class rows and %d AUCs for %d classes", len(v.PerClass), len(v.AUC), k)
	}
	if len(v.Confusion) != 0 && len(v.Confusion) != k {
		return fmt.Errorf("validation confusion has %d rows, want %d", len(v.Confusion), k)
	}
	for i, row := range v.Confusion {
		if len(row) != k {
			return fmt.Errorf("validation confusion row %d has %d columns, want %d", i, len(row), k)
		}
		for _, n := range row {
			if n < 0 {
				return fmt.Errorf("validation confusion row %d counts %d documents", i, n)
			}
		}
	}
	return nil
}

// maxVersionLen bounds a model version: it names a directory and is
// printed beside every score.
const maxVersionLen = 128

// loadRest reads everything of a bundle but its trees (which load writes
// concurrently: the two touch different fields).
func (b *Bundle) loadRest(read func(name string) ([]byte, error), where string, comp func() *compiled) error {
	var err error
	fs, err := read(FeaturesFile)
	if err != nil {
		return fmt.Errorf("load model %s: %w", filepath.Join(where, FeaturesFile), err)
	}
	b.sources.features = modelDigest(fs)
	if b.Spec, err = features.ReadSpec(bytes.NewReader(fs), filepath.Join(where, FeaturesFile)); err != nil {
		return fmt.Errorf("load model: %w", err)
	}
	// A part of the compiled form stands in for a file when it was
	// compiled from that file and the same feature spec (a legacy novelty
	// model takes its inputs from the spec; a reference was checked
	// against it).
	c := comp()
	fromCompiled := func(digest string, compiledDigest func(*compiled) string) bool {
		return c != nil && c.FeaturesSHA256 == b.sources.features && compiledDigest(c) == digest
	}
	if nv, err := read(NoveltyFile); err == nil {
		b.sources.novelty = modelDigest(nv)
		if fromCompiled(b.sources.novelty, func(c *compiled) string { return c.NoveltySHA256 }) {
			b.Novelty = c.Novelty
		} else if b.Novelty, err = novelty.Parse(nv, b.Spec); err != nil {
			return fmt.Errorf("load model %s: %w", filepath.Join(where, NoveltyFile), err)
		}
	} else if !errors.Is(err, errMissing) {
		return fmt.Errorf("load model %s: %w", filepath.Join(where, NoveltyFile), err)
	}
	checkedReference := false
	if ref, err := read(ReferenceFile); err == nil {
		b.DriftReference = ref
		b.sources.reference = modelDigest(ref)
		checkedReference = fromCompiled(b.sources.reference, func(c *compiled) string { return c.ReferenceSHA256 })
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
	return b.checkRest(where, checkedReference)
}

// modelDigest is the hex SHA-256 of a model.txt, as cards record it.
func modelDigest(text []byte) string {
	sum := sha256.Sum256(text)
	return hex.EncodeToString(sum[:])
}
