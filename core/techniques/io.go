package techniques

import (
	"bufio"
	"compress/gzip"
	"encoding/csv"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/cyberstreams/cyberstreams/ml/multilabel"
)

// formatVersion is the version of the encoded model. Version 1 had no
// stacks (a sentence's probability was its Platt probability, a
// document's its best sentence's), and is still read; a reader refuses
// any other.
const formatVersion = 2

// encoded is the model as stored: gob, gzip-compressed.
type encoded struct {
	Version       int
	Techniques    []string
	Names         map[string]string
	Terms         []string
	IDF           []float32
	Linear        multilabel.Linear
	Platt         []multilabel.Platt
	SentenceStack multilabel.Logistic
	DocumentStack multilabel.Logistic
	Prior         []float64
	SentenceCut   []float64
	DocumentCut   []float64
}

// Write stores the model, gzip-compressed.
func (m *Model) Write(w io.Writer) error {
	zw := gzip.NewWriter(w)
	e := encoded{Version: formatVersion, Techniques: m.Techniques, Names: m.Names, Terms: m.Vocab.Terms,
		IDF: m.Vocab.IDF, Linear: *m.Linear, Platt: m.Platt, SentenceStack: m.SentenceStack, DocumentStack: m.DocumentStack,
		Prior: m.Prior, SentenceCut: m.SentenceCut, DocumentCut: m.DocumentCut}
	if err := gob.NewEncoder(zw).Encode(&e); err != nil {
		return fmt.Errorf("technique model: %w", err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("technique model: %w", err)
	}
	return nil
}

// Read loads a model that Write stored, checking that its parts agree.
func Read(r io.Reader) (*Model, error) {
	zr, err := gzip.NewReader(bufio.NewReader(r))
	if err != nil {
		return nil, fmt.Errorf("technique model: %w", err)
	}
	defer zr.Close()
	var e encoded
	if err := gob.NewDecoder(zr).Decode(&e); err != nil {
		return nil, fmt.Errorf("technique model: %w", err)
	}
	if e.Version != formatVersion && e.Version != 1 {
		return nil, fmt.Errorf("technique model: format version %d, want 1 or %d", e.Version, formatVersion)
	}
	k := len(e.Techniques)
	switch {
	case k == 0:
		return nil, errors.New("technique model: no techniques")
	case len(e.Platt) != k || len(e.SentenceCut) != k || len(e.DocumentCut) != k || e.Linear.Labels != k:
		return nil, errors.New("technique model: per-technique parts disagree in length")
	case len(e.Terms) != len(e.IDF) || e.Linear.Features != len(e.Terms):
		return nil, errors.New("technique model: vocabulary disagrees with weights")
	case e.Version == 1 && (len(e.SentenceStack.W) != 0 || len(e.DocumentStack.W) != 0):
		return nil, errors.New("technique model: format 1 with stacks")
	case e.Version > 1 && (len(e.SentenceStack.W) != 2 || len(e.DocumentStack.W) != 3 || len(e.Prior) != k):
		return nil, errors.New("technique model: stacks or priors malformed")
	}
	if err := e.Linear.Validate(); err != nil {
		return nil, fmt.Errorf("technique model: %w", err)
	}
	m := &Model{Techniques: e.Techniques, Names: e.Names, Vocab: &Vocabulary{Terms: e.Terms, IDF: e.IDF},
		Linear: &e.Linear, Platt: e.Platt, SentenceStack: e.SentenceStack, DocumentStack: e.DocumentStack, Prior: e.Prior,
		SentenceCut: e.SentenceCut, DocumentCut: e.DocumentCut}
	m.Vocab.build()
	return m, nil
}

// ReadNames reads technique names from attack_techniques.csv (columns
// technique_id and name, with a header).
func ReadNames(r io.Reader, name string) (map[string]string, error) {
	cr := csv.NewReader(r)
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: header: %w", name, err)
	}
	id, nm := -1, -1
	for i, h := range header {
		switch strings.TrimSpace(h) {
		case "technique_id":
			id = i
		case "name":
			nm = i
		}
	}
	if id < 0 || nm < 0 {
		return nil, fmt.Errorf("%s: header has no technique_id and name columns", name)
	}
	out := map[string]string{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		out[rec[id]] = rec[nm]
	}
}
