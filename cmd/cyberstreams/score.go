package main

import (
	"bufio"
	"cmp"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/explain"
	"github.com/cyberstreams/cyberstreams/core/exploitation"
	"github.com/cyberstreams/cyberstreams/core/ingest"
	"github.com/cyberstreams/cyberstreams/core/scoring"
	"github.com/cyberstreams/cyberstreams/core/termsafe"
)

type scoreOptions struct {
	Output  string
	Explain int
	Model   string
	FailOn  string
	Format  string
	Fields  []string
	Engine  string
	Horizon int
	// Techniques adds each document's ATT&CK techniques (loads the
	// technique model, so only when asked).
	Techniques bool
}

func newScoreCmd(app *App) *cobra.Command {
	var o scoreOptions
	cmd := &cobra.Command{
		Use:   "score [PATH...|-]",
		Short: "Score documents from files, directories or stdin",
		Long: `Score documents into critical, high, medium, low or informational, with
class probabilities, a novelty score in [0, 1] with its flag ("novel": at or
above the model's threshold, picked when it was trained so that at most 5%
of its validation documents are flagged; with --explain, novelty_reasons
says in words what sets a flagged document apart) and, with --explain K, the
K strongest TreeSHAP reasons (base + Σ contributions = the decided class's
margin). The
per-class decision offsets are folded into the probabilities (p′ ∝ p·e^b), so
the decided class is always the most probable one shown.

When the output goes to a file or pipe, progress goes to stderr (a line every
ten seconds, or one rewritten line at a terminal) and a summary ends the run:
documents scored and failed, per-class counts, seconds and the model. --quiet
silences both.

Input is any format ingest reads (JSONL, text, OSV, CVE 5, KEV, STIX; .gz is
read transparently); "-" or no path reads stdin. Output streams in input
order: JSONL (default when piped), CSV, or a table (default at a terminal).
An unreadable record is reported on stderr with its file and line; the
others are scored and the exit code is 1.

Each record carries "exploitation": the calibrated probability that a CVE
of the document is listed in CISA's Known Exploited Vulnerabilities catalog
within --horizon days of publication (30, 90 or 365; 0 leaves it out), its
reasons with --explain K (TreeSHAP in log-odds: base + Σ reasons + omitted
= logit(probability)), and the patch priority, the expected harm:
priority = Σ_c P(severity c)·w_c × P(exploited), with w = 9.5, 7.95, 5.45,
2.0, 0 CVSS points for critical … informational (the CVSS v3 band
midpoints). "cyberstreams priorities" ranks documents by it. A document
that names no CVE (as its id, an alias or in its text) has no likelihood,
since KEV lists only CVEs: its record says "no_cve": true with no
probability or priority, CSV leaves p_exploited and priority empty, the
table shows "no CVE", and priorities lists it after every document with a
likelihood, by expected severity alone.

With --fail-on SEVERITY the exit code is 3 when any document is scored at or
above that severity (for CI gates and cron jobs).`,
		Example: `  cyberstreams score advisories/ --output jsonl --explain 5 > scored.jsonl
  cat feed.jsonl | cyberstreams score - --output csv
  cyberstreams score report.md --output table
  cyberstreams score new.jsonl --fail-on high || echo "needs a look"`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return scoreRun(cmd, app, o, args)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.Output, "output", "o", "", "jsonl, csv or table (default: table at a terminal, else jsonl)")
	f.IntVar(&o.Explain, "explain", -1, "top K reasons per document (0 = all non-zero; default none)")
	f.StringVar(&o.Model, "model", "", "model: default, a version, or a bundle directory")
	f.StringVar(&o.FailOn, "fail-on", "", "exit 3 if any document is at or above this severity")
	f.StringVar(&o.Format, "format", "auto", "input format: auto, jsonl, text, osv, cve5, kev, stix")
	f.StringArrayVar(&o.Fields, "field", nil, "JSONL field mapping ROLE=NAME (roles: id, title, text, source, published)")
	f.IntVar(&o.Horizon, "horizon", exploitation.DefaultHorizon, "exploitation-likelihood horizon in days: 30, 90 or 365 (0: none)")
	f.BoolVar(&o.Techniques, "techniques", false, "add the ATT&CK techniques each document describes (JSONL field techniques, with evidence)")
	f.StringVar(&o.Engine, "engine", string(scoring.EngineSparse), "tree evaluator: sparse (walks only the trees a document leaves the typical path of) or leaves (every tree); the scores are identical")
	return cmd
}

func scoreRun(cmd *cobra.Command, app *App, o scoreOptions, args []string) error {
	if len(args) == 0 {
		args = []string{"-"}
	}
	output := o.Output
	if output == "" {
		output = "jsonl"
		if app.IO.OutIsTTY {
			output = "table"
		}
	}
	if output != "jsonl" && output != "csv" && output != "table" {
		return usagef("--output %q: want jsonl, csv or table", output)
	}
	if o.Explain < -1 {
		return usagef("--explain %d: want 0 (every non-zero reason) or a positive count", o.Explain)
	}
	failOn := -1
	if o.FailOn != "" {
		if failOn = document.SeverityIndex(o.FailOn); failOn < 0 {
			return usagef("--fail-on %q: want one of %s", o.FailOn, strings.Join(document.Severities[:], ", "))
		}
	}
	format, err := ingest.ParseFormat(o.Format)
	if err != nil {
		return usageError{err}
	}
	fields, err := parseFields(o.Fields)
	if err != nil {
		return err
	}
	// Loading the model allocates tens of megabytes that all stay live:
	// collecting while it grows only repeats the marking (a fifth of a
	// one-document score). Scoring streams with the same setting.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(scoring.StreamGCPercent)
	}
	s, err := app.loadScorer(cmd.Context(), o.Model)
	if err != nil {
		return err
	}
	if err := s.SetEngine(scoring.Engine(o.Engine)); err != nil {
		return usagef("--engine: %v", err)
	}
	if o.Horizon != 0 {
		if _, err := s.Exploitation(o.Horizon); err != nil {
			return usagef("--horizon: %v", err)
		}
	}
	sopts := scoring.Options{Explain: o.Explain, Exploitation: o.Horizon}
	if o.Techniques {
		if sopts.Techniques, err = loadTechniqueModel(app, ""); err != nil {
			return err
		}
	}
	w := bufio.NewWriterSize(app.IO.Out, 256<<10)
	defer w.Flush()
	sink := newScoreSink(output, w, o.Explain)
	// Line formats go out when the input pauses; a table waits for the
	// end, as flushing it early would fix its columns on the rows so far.
	write := func(r scoring.Result) error { return sink.write(r) }
	var idle *idleFlusher
	if output != "table" {
		idle = startIdleFlusher(func() error {
			if err := sink.flush(); err != nil {
				return err
			}
			return w.Flush()
		}, idleFlushEvery)
		write = func(r scoring.Result) error { return idle.write(func() error { return sink.write(r) }) }
	}
	met := false
	sum := scoring.Summary{Model: s.Version()}
	start := time.Now()
	prog := newProgressLine(app, "scoring")
	err = s.Stream(cmd.Context(), args, ingest.Options{Format: format, Fields: fields, Stdin: app.IO.In, KeepTextless: true},
		sopts, func(sc scoring.Scored) error {
			// A record with an id but no text is scored on its meta
			// features and says so (meta_only), rather than failed.
			sum.Add(sc)
			if sc.Failure != nil {
				prog.clear()
				app.Failuref("%s", sc.Failure.Error())
				return nil
			}
			prog.tick(sum.Scored)
			if failOn >= 0 && document.SeverityIndex(sc.Result.Severity) <= failOn {
				met = true
			}
			return write(sc.Result)
		})
	if idle != nil {
		// Stopped before the last flush below, which it must not overlap.
		if ierr := idle.close(); err == nil {
			err = ierr
		}
	}
	prog.clear()
	if ferr := sink.flush(); err == nil {
		err = ferr
	}
	if err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	sum.Elapsed = time.Since(start)
	if sum.MetaOnly > 0 {
		app.Logf("%d of %d documents had no text and were scored on their meta features alone (meta_only)\n", sum.MetaOnly, sum.Scored)
	}
	app.Logf("%s\n", sum)
	if sum.Failed > 0 {
		return silentExit(exitError)
	}
	if met {
		return silentExit(exitFailOn)
	}
	return nil
}

func parseFields(pairs []string) (map[string]string, error) {
	if len(pairs) == 0 {
		return nil, nil
	}
	m := map[string]string{}
	for _, p := range pairs {
		k, v, ok := strings.Cut(p, "=")
		if !ok {
			return nil, usagef("--field %q: want ROLE=NAME", p)
		}
		m[k] = v
	}
	if err := ingest.CheckFields(m); err != nil {
		return nil, usageError{err}
	}
	return m, nil
}

// scoreSink writes results in one output format.
type scoreSink struct {
	format  string
	w       io.Writer
	csv     *csv.Writer
	table   *tabwriter.Writer
	explain int
	started bool
	line    []byte // the JSONL record being written, reused
}

func newScoreSink(format string, w io.Writer, explain int) *scoreSink {
	return &scoreSink{format: format, w: w, explain: explain}
}

var csvHeader = []string{"id", "title", "source", "published", "severity",
	"p_critical", "p_high", "p_medium", "p_low", "p_informational", "confidence", "novelty", "model", "reasons", "meta_only",
	"p_exploited", "exploited_horizon_days", "priority"}

func (s *scoreSink) write(r scoring.Result) error {
	switch s.format {
	case "jsonl":
		var err error
		if s.line, err = r.AppendJSONL(s.line[:0]); err != nil {
			return err
		}
		_, err = s.w.Write(s.line)
		return err
	case "csv":
		if !s.started {
			s.csv = csv.NewWriter(s.w)
			s.started = true
			if err := s.csv.Write(csvHeader); err != nil {
				return err
			}
		}
		rec := []string{csvCell(r.ID), csvCell(r.Title), csvCell(r.Source), pubDay(r), r.Severity}
		for _, p := range r.Probabilities {
			rec = append(rec, strconv.FormatFloat(p, 'f', 6, 64))
		}
		rec = append(rec, strconv.FormatFloat(r.Confidence, 'f', 6, 64), strconv.FormatFloat(r.Novelty, 'f', 4, 64), r.Model, csvCell(reasonsText(r)),
			strconv.FormatBool(r.MetaOnly))
		rec = append(rec, exploitationCells(r)...)
		return s.csv.Write(rec)
	default:
		if !s.started {
			s.table = tabwriter.NewWriter(s.w, 0, 4, 2, ' ', 0)
			s.started = true
			fmt.Fprintln(s.table, "SEVERITY\tCONF\tNOVEL\tEXPLOIT\tPRIO\tID\tTITLE")
		}
		title := termsafe.Line(r.Headline, 60)
		if r.MetaOnly {
			title = strings.TrimSpace(title + " [no text: meta features only]")
		}
		cells := exploitationCells(r)
		likelihood, priority := percent(cells[0]), cells[2]
		if r.Exploitation != nil && r.Exploitation.NoCVE {
			likelihood, priority = "no CVE", "-"
		}
		_, err := fmt.Fprintf(s.table, "%s\t%.2f\t%.2f\t%s\t%s\t%s\t%s\n", r.Severity, r.Confidence, r.Novelty,
			likelihood, priority, termsafe.Line(r.ID, 28), title)
		if err == nil && s.explain >= 0 && r.Explanation != nil {
			for _, reason := range r.Explanation.Reasons {
				fmt.Fprintf(s.table, "\t\t\t\t\t  %+.3f\t%s\n", reason.SHAP, termsafe.Line(reason.Text, 60))
			}
		}
		if err == nil && s.explain >= 0 && r.Exploitation != nil {
			for _, c := range r.Exploitation.Reasons {
				fmt.Fprintf(s.table, "\t\t\t\t\t  %+.3f\texploitation: %s\n", c.SHAP, termsafe.Line(cmp.Or(c.Text, c.Feature), 60))
			}
		}
		return err
	}
}

func (s *scoreSink) flush() error { return flushRows(s.csv, s.table) }

// csvCell defuses spreadsheet formulas in untrusted text: a cell that
// starts with = + - @ (or a tab/CR) is prefixed with ' so that opening the
// CSV in a spreadsheet shows the text instead of running it (OWASP's
// CSV-injection advice).
//
// Terminal escape sequences and control characters are stripped as well:
// CSV goes to terminals and pagers as often as to files, and no title or
// id legitimately carries them.
func csvCell(s string) string {
	s = termsafe.Strip(s)
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func pubDay(r scoring.Result) string {
	if r.Published == nil {
		return ""
	}
	return r.Published.Format("2006-01-02")
}

// exploitationCells are the p_exploited, exploited_horizon_days and
// priority cells ("" without an exploitation likelihood). A document that
// names no CVE has its horizon and empty likelihood and priority cells:
// it has no likelihood over that horizon.
func exploitationCells(r scoring.Result) []string {
	e := r.Exploitation
	if e == nil {
		return []string{"", "", ""}
	}
	if e.NoCVE {
		return []string{"", strconv.Itoa(e.HorizonDays), ""}
	}
	return []string{strconv.FormatFloat(e.Probability, 'f', 6, 64), strconv.Itoa(e.HorizonDays), strconv.FormatFloat(e.Priority, 'f', 4, 64)}
}

// percent shows a probability cell as a percentage ("-" when empty).
func percent(cell string) string {
	p, err := strconv.ParseFloat(cell, 64)
	if err != nil {
		return "-"
	}
	return explain.ShortPercent(p)
}

// reasonsText folds an explanation's reasons into one CSV cell, in the
// words the other views use: "mentions 'sql injection' (+0.4210); does not
// mention 'cross-site' (-0.0900)".
func reasonsText(r scoring.Result) string {
	if r.Explanation == nil {
		return ""
	}
	return explain.Inline(r.Explanation.Reasons)
}
