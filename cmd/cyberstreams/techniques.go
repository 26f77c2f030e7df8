package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/cyberstreams/cyberstreams/core/ingest"
	"github.com/cyberstreams/cyberstreams/core/techniques"
	"github.com/cyberstreams/cyberstreams/core/termsafe"
	"github.com/cyberstreams/cyberstreams/core/workspace"
)

type tagOptions struct {
	Format    string
	Sentences bool
	Model     string
	Input     string
}

func newTagCmd(app *App) *cobra.Command {
	var o tagOptions
	cmd := &cobra.Command{
		Use:   "tag [PATH...|-]",
		Short: "Find the ATT&CK techniques a report describes, with evidence",
		Long: `Tag documents (files, directories or stdin, in any format ingest reads) with
the MITRE ATT&CK techniques their text describes. Each technique comes with a
confidence (a calibrated probability; 1 for an id written in the text), its
provenance (explicit: the id is written; model: the model read it in the
prose) and its evidence: the sentence that shows it best, with its character
span and the words that drove the decision (their exact share of the log-odds).

With --sentences every sentence that carries a technique is listed too.
The default model is embedded (see 'cyberstreams train-techniques' to rebuild).`,
		Example: `  cyberstreams tag report.txt
  cyberstreams tag --sentences --output table report.txt
  curl -s https://example.org/report.txt | cyberstreams tag -`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				args = []string{"-"}
			}
			if o.Format == "" {
				o.Format = "jsonl"
				if app.IO.OutIsTTY {
					o.Format = "table"
				}
			}
			if o.Format != "jsonl" && o.Format != "csv" && o.Format != "table" {
				return usagef("--output %q: want jsonl, table or csv", o.Format)
			}
			format, err := ingest.ParseFormat(o.Input)
			if err != nil {
				return usageError{err}
			}
			m, err := loadTechniqueModel(app, o.Model)
			if err != nil {
				return err
			}
			return tagRun(cmd.Context(), app, m, o, format, args)
		},
	}
	cmd.Flags().StringVarP(&o.Format, "output", "o", "", "jsonl, table or csv (default: table at a terminal, else jsonl)")
	cmd.Flags().BoolVar(&o.Sentences, "sentences", false, "also list each sentence with techniques, with its character span")
	cmd.Flags().StringVar(&o.Model, "model", "", "technique model file (default: the workspace's, else the embedded model)")
	cmd.Flags().StringVar(&o.Input, "format", "auto", "input format: auto, jsonl, text, osv, cve5, kev, stix")
	return cmd
}

// loadTechniqueModel loads the named model file, else the workspace's
// own technique model (from train-techniques) when it has one, else the
// embedded default. The workspace directory is only looked at, never
// created.
func loadTechniqueModel(app *App, path string) (*techniques.Model, error) {
	if path != "" {
		return techniques.Load(path)
	}
	dir, err := workspace.ResolveDir(app.WorkspaceFlag)
	if err != nil {
		return techniques.Embedded()
	}
	m, _, err := techniques.ForWorkspace(dir)
	return m, err
}

func tagRun(ctx context.Context, app *App, m *techniques.Model, o tagOptions, format ingest.Format, args []string) error {
	w := bufio.NewWriterSize(app.IO.Out, 256<<10)
	defer w.Flush()
	var cw *csv.Writer
	var tw *tabwriter.Writer
	switch o.Format {
	case "csv":
		cw = csv.NewWriter(w)
		if err := cw.Write([]string{"id", "sentence", "start", "end", "technique", "name", "confidence", "provenance", "evidence", "words"}); err != nil {
			return err
		}
	case "table":
		tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tTECHNIQUE\tCONF\tSOURCE\tEVIDENCE")
	}
	failed := 0
	err := techniques.TagStream(ctx, m, args, ingest.Options{Format: format, Stdin: app.IO.In}, o.Sentences, func(t techniques.Tagged) error {
		if t.Failure != nil {
			failed++
			app.Failuref("%s", t.Failure.Error())
			return nil
		}
		switch o.Format {
		case "jsonl":
			return writeJSONLine(w, t)
		case "csv":
			return writeTagCSV(cw, t)
		default:
			writeTagTable(tw, t)
			return nil
		}
	})
	if cw != nil {
		cw.Flush()
		if err == nil {
			err = cw.Error()
		}
	}
	if tw != nil {
		if ferr := tw.Flush(); err == nil {
			err = ferr
		}
	}
	if err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if failed > 0 {
		return silentExit(exitError)
	}
	return nil
}

func wordsText(e *techniques.Evidence) string {
	if e == nil {
		return ""
	}
	var parts []string
	for _, w := range e.Words {
		parts = append(parts, fmt.Sprintf("%s:%+.3f", w.Term, w.Contribution))
	}
	return strings.Join(parts, "; ")
}

func writeTagCSV(cw *csv.Writer, t techniques.Tagged) error {
	row := func(sentence string, span [2]int, tag techniques.Tag, evidence string) error {
		return cw.Write([]string{csvCell(t.ID), sentence, strconv.Itoa(span[0]), strconv.Itoa(span[1]), tag.Technique,
			csvCell(tag.Name), strconv.FormatFloat(tag.Confidence, 'f', 4, 64), tag.Provenance, csvCell(evidence), csvCell(wordsText(tag.Evidence))})
	}
	for _, tag := range t.Techniques {
		var span [2]int
		ev := ""
		if tag.Evidence != nil {
			span, ev = tag.Evidence.Span, tag.Evidence.Sentence
		}
		if err := row("", span, tag, ev); err != nil {
			return err
		}
	}
	for _, s := range t.Sentences {
		for _, tag := range s.Techniques {
			if err := row(strconv.Itoa(s.Index), s.Span, tag, s.Text); err != nil {
				return err
			}
		}
	}
	return nil
}

func writeTagTable(tw *tabwriter.Writer, t techniques.Tagged) {
	id := termsafe.Line(t.ID, 28)
	if len(t.Techniques) == 0 {
		fmt.Fprintf(tw, "%s\t-\t\t\t(no technique found)\n", id)
	}
	for _, tag := range t.Techniques {
		ev := ""
		if tag.Evidence != nil {
			ev = termsafe.Line(tag.Evidence.Sentence, 80)
		}
		fmt.Fprintf(tw, "%s\t%s %s\t%.2f\t%s\t%s\n", id, tag.Technique, termsafe.Line(tag.Name, 40), tag.Confidence, tag.Provenance, ev)
		if w := wordsText(tag.Evidence); w != "" {
			fmt.Fprintf(tw, "\t\t\t\t  %s\n", termsafe.Line(w, 100))
		}
	}
	for _, s := range t.Sentences {
		var ids []string
		for _, tag := range s.Techniques {
			ids = append(ids, fmt.Sprintf("%s %.2f", tag.Technique, tag.Confidence))
		}
		fmt.Fprintf(tw, "%s\t  [%d:%d]\t\t\t%s  ← %s\n", id, s.Span[0], s.Span[1], termsafe.Line(s.Text, 80), strings.Join(ids, ", "))
	}
}

type trainTechniquesOptions struct {
	Data    string
	Out     string
	CV      int
	HeldOut int
	Seed    uint64
	C       float64
	MinSe   int
	// NoLabels leaves the workspace's technique labels out.
	NoLabels bool
}

// addTechniqueCorrections adds the workspace's current technique labels
// to the corpus; it returns their card input, or nil when there are none.
func addTechniqueCorrections(ctx context.Context, app *App, c *techniques.Corpus) (*techniques.Input, error) {
	ws, err := app.Workspace(ctx)
	if err != nil {
		return nil, err
	}
	ls, err := techniques.LabelsInForce(ctx, ws.Labels())
	if err != nil {
		return nil, err
	}
	if len(ls) == 0 {
		return nil, nil
	}
	n, in := c.AddCorrections(ls)
	app.Logf("%d technique labels of the workspace change or add %d training sentences\n", len(ls), n)
	return &in, nil
}

func newTrainTechniquesCmd(app *App) *cobra.Command {
	var o trainTechniquesOptions
	cmd := &cobra.Command{
		Use:   "train-techniques --data DIR [--out DIR]",
		Short: "Train the ATT&CK technique model",
		Long: `Train the technique tagger from the annotated report sentences
(tram_sentences.jsonl), ATT&CK's technique descriptions and procedure examples
(attack-enterprise.json.gz) and technique names (attack_techniques.csv), all
read from --data. Writes techniques.gob.gz, card.json and MODEL_CARD.md to
--out, by default into the workspace, whose 'tag', 'score --techniques',
'graph build' and triage then use it instead of the embedded model.

In a workspace, the analysts' current technique verdicts ('label techniques')
are training sentences too: a verdict adds (present) or removes (absent) the
technique from its evidence sentence; the card lists them among its inputs,
with a checksum. --no-labels leaves them out.

With --cv N the card carries the model's quality on reports it never saw:
N-fold report-level cross-validation, calibration and thresholds chosen
inside each fold (N+1 times the training work); --held-out 1 judges only the
first fold, a single hold-out of 1/N of the reports.
A model elsewhere is used with 'cyberstreams tag --model DIR/techniques.gob.gz'.`,
		Example: `  cyberstreams train-techniques --data ../shared/data
  cyberstreams train-techniques --data ../shared/data --out ./techniques --cv 5`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.Data == "" {
				return usagef("train-techniques needs --data DIR")
			}
			command := "cyberstreams train-techniques --data " + shellQuote(o.Data)
			if o.Out != "" {
				command += " --out " + shellQuote(o.Out)
			}
			if o.Out == "" {
				ws, err := app.Workspace(cmd.Context())
				if err != nil {
					return err
				}
				o.Out = techniques.WorkspaceDir(ws.Dir)
			}
			if o.CV == 1 || o.CV < 0 {
				return usagef("--cv %d: want 0 (no evaluation) or at least 2 folds", o.CV)
			}
			ctx := cmd.Context()
			opts := techniques.DefaultOptions()
			opts.Seed = o.Seed
			if o.C > 0 {
				opts.Learner.C = o.C
			}
			if o.MinSe > 0 {
				opts.MinSentences = o.MinSe
			}
			c, inputs, err := techniques.LoadCorpus(o.Data)
			if err != nil {
				return err
			}
			if !o.NoLabels && app.workspaceExists() {
				in, err := addTechniqueCorrections(ctx, app, &c)
				if err != nil {
					return err
				}
				if in != nil {
					inputs = append(inputs, *in)
				}
			}
			var ev *techniques.Evaluation
			if o.CV > 0 {
				held := o.HeldOut
				if held == 0 {
					held = o.CV
				}
				if held < 0 || held > o.CV {
					return usagef("--held-out %d: want 1..%d", held, o.CV)
				}
				app.Logf("judging %d of %d report-level folds\n", held, o.CV)
				e, err := techniques.CrossValidate(ctx, c, opts, o.CV, held, o.Seed)
				if err != nil {
					return err
				}
				ev = &e
			}
			app.Logf("training on %d sentences and %d ATT&CK texts\n", len(c.Sentences), len(c.Texts))
			m, err := techniques.Train(ctx, c, opts)
			if err != nil {
				return err
			}
			command += fmt.Sprintf(" --cv %d --seed %d", o.CV, o.Seed)
			if o.HeldOut > 0 {
				command += fmt.Sprintf(" --held-out %d", o.HeldOut)
			}
			if o.C > 0 {
				command += fmt.Sprintf(" --c %g", o.C)
			}
			if o.MinSe > 0 {
				command += fmt.Sprintf(" --min-sentences %d", o.MinSe)
			}
			if o.NoLabels {
				command += " --no-labels"
			}
			card := techniques.NewCard(m, c, inputs, opts, command, ev)
			if err := techniques.Save(ctx, o.Out, m, card); err != nil {
				return err
			}
			app.Logf("wrote %d techniques to %s\n", len(m.Techniques), o.Out)
			if app.JSON {
				return writeJSON(app.IO.Out, card)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&o.Data, "data", "", "directory with tram_sentences.jsonl, attack-enterprise.json.gz, attack_techniques.csv")
	cmd.Flags().StringVar(&o.Out, "out", "", "output directory (default: the workspace's technique model)")
	cmd.Flags().IntVar(&o.CV, "cv", 0, "report-level cross-validation folds for the card's metrics (0: none)")
	cmd.Flags().IntVar(&o.HeldOut, "held-out", 0, "judge only the first N of the --cv folds (1: a single report-level hold-out of 1/cv of the reports; default all)")
	cmd.Flags().Uint64Var(&o.Seed, "seed", 1, "seed of the report folds")
	cmd.Flags().Float64Var(&o.C, "c", 0, "inverse L2 strength (default 30)")
	cmd.Flags().BoolVar(&o.NoLabels, "no-labels", false, "leave out the workspace's technique labels (label techniques)")
	cmd.Flags().IntVar(&o.MinSe, "min-sentences", 0, "annotated sentences a technique needs (default 10)")
	return cmd
}

// shellQuote quotes a path for the card's command when a shell would
// split or expand it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789./_-+=:,@") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
