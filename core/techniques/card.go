package techniques

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/cyberstreams/cyberstreams/kg/attack"
	"github.com/cyberstreams/cyberstreams/ml/multilabel"
)

// Input files of training, as found in the shared data directory.
const (
	SentencesFile = "tram_sentences.jsonl"
	BundleFile    = "attack-enterprise.json.gz"
	NamesFile     = "attack_techniques.csv"
)

// Input is a file the model was trained on.
type Input struct {
	File   string `json:"file"`
	SHA256 string `json:"sha256"`
}

// LoadCorpus reads the training inputs from dir and checksums them.
func LoadCorpus(dir string) (Corpus, []Input, error) {
	var c Corpus
	var inputs []Input
	read := func(name string, parse func(r io.Reader, path string) error) error {
		path := filepath.Join(dir, name)
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		inputs = append(inputs, Input{File: name, SHA256: hex.EncodeToString(sum[:])})
		return parse(bytes.NewReader(data), path)
	}
	err := read(SentencesFile, func(r io.Reader, path string) (err error) {
		c.Sentences, err = ReadSentences(r, path)
		return err
	})
	if err == nil {
		err = read(BundleFile, func(r io.Reader, path string) (err error) {
			if c.Texts, err = attack.TechniqueTexts(r); err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			return nil
		})
	}
	if err == nil {
		err = read(NamesFile, func(r io.Reader, path string) (err error) {
			c.Names, err = ReadNames(r, path)
			return err
		})
	}
	return c, inputs, err
}

// Card describes a trained technique model: how to rebuild it, from what,
// and how good it is on reports it never saw.
type Card struct {
	Command     string      `json:"command"`
	Inputs      []Input     `json:"inputs"`
	Techniques  []string    `json:"techniques"`
	Sentences   int         `json:"sentences"`
	Reports     int         `json:"reports"`
	ATTACKTexts int         `json:"attack_texts"`
	Features    int         `json:"features"`
	Weights     int         `json:"weights"`
	Options     Options     `json:"options"`
	Evaluation  *Evaluation `json:"evaluation,omitempty"`
	Licences    []string    `json:"licences"`
}

// Licences are the terms of the data the model is trained on, as
// ../shared/data/README.md states them.
var licences = []string{
	"TRAM annotated sentences: center-for-threat-informed-defense/tram f29793d8d665f7f552898696e00065ef24a29a20, Apache-2.0; the report text is quoted from third-party CTI publications.",
	"MITRE ATT&CK Enterprise v18.1 (mitre/cti 421deacb77191b38bdd1bf63268954e93da91365): MITRE ATT&CK licence (ATTACK_LICENSE.txt beside this card): '© 2025 The MITRE Corporation. This work is reproduced and distributed with the permission of The MITRE Corporation.'",
}

// NewCard describes m trained on c.
func NewCard(m *Model, c Corpus, inputs []Input, opts Options, command string, ev *Evaluation) Card {
	reports := map[string]bool{}
	for _, s := range c.Sentences {
		reports[s.DocID] = true
	}
	return Card{Command: command, Inputs: inputs, Techniques: m.Techniques, Sentences: len(c.Sentences),
		Reports: len(reports), ATTACKTexts: len(c.Texts), Features: len(m.Vocab.Terms), Weights: len(m.Linear.Weight),
		Options: opts, Evaluation: ev, Licences: append([]string(nil), licences...)}
}

// Markdown renders the card for people.
func (c Card) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Technique model card\n\n")
	fmt.Fprintf(&b, "One-vs-rest L2 logistic regression (L-BFGS) over words and word pairs (TF-IDF),\n")
	fmt.Fprintf(&b, "Platt-calibrated per technique, then stacked: a sentence's probability reads its\n")
	fmt.Fprintf(&b, "calibrated log-odds and its length; a document's its best two sentences' log-odds\n")
	fmt.Fprintf(&b, "and how many training reports have the technique. The stacks, and one sentence\n")
	fmt.Fprintf(&b, "and one document threshold, are fitted on report-level out-of-fold predictions\n")
	fmt.Fprintf(&b, "pooled over the techniques, each fold's model with a vocabulary of its own training\n")
	fmt.Fprintf(&b, "reports, so that held-out reports meet it as new reports meet the final model.\n")
	fmt.Fprintf(&b, "Explicit ids (T1566.001) are exact matches.\n\n")
	fmt.Fprintf(&b, "The sentence threshold puts precision first: on the out-of-fold predictions, the\n")
	fmt.Fprintf(&b, "lowest cut whose precision reaches %.2f with recall at least %.2f, or, when no cut\n", c.Options.SentencePrecision, c.Options.SentenceRecall)
	fmt.Fprintf(&b, "does, the highest cut that keeps recall at %.2f. Issue #14 judges sentence\n", c.Options.SentenceRecall)
	fmt.Fprintf(&b, "precision at this default threshold (goal: precision ≥ 0.70 with recall ≥ 0.40).\n")
	fmt.Fprintf(&b, "The document threshold maximises F1.\n\n")
	fmt.Fprintf(&b, "Rebuild: `%s`\n\n", c.Command)
	fmt.Fprintf(&b, "| input | sha256 |\n|---|---|\n")
	for _, in := range c.Inputs {
		fmt.Fprintf(&b, "| %s | %s |\n", in.File, in.SHA256)
	}
	fmt.Fprintf(&b, "\n%d techniques (those with ≥ %d annotated sentences), %d sentences from %d reports, %d ATT&CK texts, %d features, %d non-zero weights.\n\n",
		len(c.Techniques), c.Options.MinSentences, c.Sentences, c.Reports, c.ATTACKTexts, c.Features, c.Weights)
	if e := c.Evaluation; e != nil {
		if e.HeldOut < e.Folds {
			fmt.Fprintf(&b, "## Quality on reports never seen (%d of %d report-level folds held out: %d reports, %d sentences; default thresholds)\n\n", e.HeldOut, e.Folds, e.Reports, e.Sentences)
		} else {
			fmt.Fprintf(&b, "## Quality on reports never seen (%d-fold report-level cross-validation, default thresholds)\n\n", e.Folds)
		}
		fmt.Fprintf(&b, "| level | tags | precision | recall | micro-F1 | macro-F1 |\n|---|---|---|---|---|---|\n")
		row := func(level, tags string, s multilabel.Scores) {
			fmt.Fprintf(&b, "| %s | %s | %.3f | %.3f | %.3f | %.3f |\n", level, tags, s.Precision, s.Recall, s.MicroF1, s.MacroF1)
		}
		row("document", "all", e.Document)
		row("sentence", "all", e.Sentence)
		if e.ModelDocument.Items > 0 {
			row("document", "model only", e.ModelDocument)
			row("sentence", "model only", e.ModelSentence)
			fmt.Fprintf(&b, "\n\"Model only\" leaves out the tags of ids written in the text (explicit), which TRAM's annotators did not label: its ATT&CK tables that list ids are unannotated.\n")
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "## Licences\n\n")
	for _, l := range c.Licences {
		fmt.Fprintf(&b, "- %s\n", l)
	}
	return b.String()
}

// Save writes the model (ModelFile), its card (CardFile) and the card as
// Markdown (CardMarkdown) into dir.
func Save(ctx context.Context, dir string, m *Model, card Card) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("technique model: %w", err)
	}
	var buf bytes.Buffer
	if err := m.Write(&buf); err != nil {
		return err
	}
	cj, err := json.MarshalIndent(card, "", "  ")
	if err != nil {
		return fmt.Errorf("technique model card: %w", err)
	}
	files := []struct {
		name string
		data []byte
	}{{ModelFile, buf.Bytes()}, {CardFile, append(cj, '\n')}, {CardMarkdown, []byte(card.Markdown())}}
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := writeFileAtomic(filepath.Join(dir, f.name), f.data); err != nil {
			return fmt.Errorf("technique model: %w", err)
		}
	}
	return nil
}

// Files of a saved technique model.
const (
	ModelFile    = "techniques.gob.gz"
	CardFile     = "card.json"
	CardMarkdown = "MODEL_CARD.md"
)

func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// Load reads a technique model from a file.
func Load(path string) (*Model, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m, err := Read(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}
