package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/cyberstreams/cyberstreams/core/extract"
	"github.com/cyberstreams/cyberstreams/core/termsafe"
)

// ExtractOptions is what the extract command was asked to do.
type ExtractOptions struct {
	Paths  []string
	Refang bool
	Types  []string // nil for every type
	Output string   // json, jsonl, csv or table
	Lines  bool     // each input line is a document of its own
}

func newExtractCmd(app *App, run func(*ExtractOptions) error) *cobra.Command {
	o := &ExtractOptions{}
	var types string
	cmd := &cobra.Command{
		Use:   "extract [PATH...|-]",
		Short: "Find indicators and ids in text",
		Long: `Print the entities found in the text of the given files (or stdin).

The default output (--output json) is one JSON object {type: [values]}, each
list sorted and unique, over all inputs. Types: ipv4, ipv6, domain, url,
email, md5, sha1, sha256, sha512, ssdeep, cve, cwe, attack_technique, asn,
mac, bitcoin, registry_key, file_path; --types keeps only the listed ones
("ip" stands for ipv4,ipv6 and "hash" for every hash type).

Defanged indicators are recognised (hxxp, [.], (.), [dot], [:], [@], …).
Without --refang values are printed as written; with it they are normalised
(refanged, lower-cased hosts, upper-cased CVE ids, decoded URLs).

--output jsonl, csv and table print one row per indicator with the value as
written beside its refanged form (written is empty for a host decoded from
an encoded URL), and the source file; with --lines every input line is a
document of its own and rows carry its line number.
Gzipped files are read transparently. An unreadable or empty file (nothing
but white space) is reported on stderr and the others are still read
(exit 1), as in score and tag.`,
		Example: `  cyberstreams extract report.txt
  echo 'C2 at hxxp://198.51.100[.]7/gate' | cyberstreams extract --refang
  cyberstreams extract --refang feed.txt.gz | jq '.domain'
  cyberstreams extract --types ip,url --output table report.txt
  cyberstreams extract --lines --output jsonl messages.txt`,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Paths = args
			if len(o.Paths) == 0 {
				o.Paths = []string{"-"}
			}
			switch o.Output {
			case "json", "jsonl", "csv", "table":
			default:
				return usagef("--output %q: want json, jsonl, csv or table", o.Output)
			}
			if o.Lines && o.Output == "json" {
				return usagef("--lines needs --output jsonl, csv or table (rows carry the line)")
			}
			if cmd.Flags().Changed("types") {
				t, err := extract.ParseTypes(types)
				if err != nil {
					return usageError{fmt.Errorf("--types: %w", err)}
				}
				o.Types = t
			}
			if run != nil {
				return run(o)
			}
			return extractRun(app, o)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.Refang, "refang", false, "print normalised (refanged) values in the json output")
	f.StringVar(&types, "types", "", "comma-separated entity types to print (default: all)")
	f.StringVarP(&o.Output, "output", "o", "json", "json, jsonl, csv or table")
	f.BoolVar(&o.Lines, "lines", false, "treat each input line as a document (jsonl, csv, table)")
	return cmd
}

// extractRun reads every input; an unreadable one is reported on stderr and
// the others still read.
func extractRun(app *App, o *ExtractOptions) error {
	ex := extract.New(extract.Options{Refang: o.Refang, Types: o.Types})
	var sink *indicatorSink
	all := map[string]map[string]bool{}
	if o.Output != "json" {
		sink = newIndicatorSink(o.Output, app.IO.Out, o.Lines)
	}
	failed := 0
	for _, p := range o.Paths {
		name := p
		if p == "-" {
			name = "<stdin>"
		}
		err := eachDocument(app, p, o.Lines, func(line int, text string) error {
			if sink != nil {
				return sink.write(name, line, ex.Indicators(text))
			}
			for typ, vals := range ex.Extract(text) {
				if all[typ] == nil {
					all[typ] = map[string]bool{}
				}
				for _, v := range vals {
					all[typ][v] = true
				}
			}
			return nil
		})
		var werr outputError
		if errors.As(err, &werr) {
			return werr.err
		}
		if err != nil {
			fmt.Fprintf(app.IO.ErrOut, "error: %v\n", err)
			failed++
		}
	}
	if sink != nil {
		if err := sink.flush(); err != nil {
			return fmt.Errorf("extract: write: %w", err)
		}
	} else {
		out := map[string][]string{}
		for typ, set := range all {
			out[typ] = sortedKeys(set)
		}
		if err := writeJSON(app.IO.Out, out); err != nil {
			return fmt.Errorf("extract: write: %w", err)
		}
	}
	if failed > 0 {
		return silentExit(exitError)
	}
	return nil
}

// outputError is a failure to write the output, which ends the command
// (unlike an unreadable input).
type outputError struct{ err error }

func (e outputError) Error() string { return e.err.Error() }

// eachDocument calls fn with the text of path (line 0), or with each of its
// lines (numbered from 1) when lines is set.
func eachDocument(app *App, path string, lines bool, fn func(line int, text string) error) error {
	r, name, closeFn, err := openText(app, path)
	if err != nil {
		return err
	}
	defer closeFn()
	if !lines {
		b, err := io.ReadAll(r)
		if err != nil {
			return fmt.Errorf("extract %s: %w", name, err)
		}
		if len(bytes.TrimSpace(b)) == 0 {
			return emptyFile(name)
		}
		if err := fn(0, string(b)); err != nil {
			return outputError{err}
		}
		return nil
	}
	br := bufio.NewReaderSize(r, 1<<16)
	blank := true
	for n := 1; ; n++ {
		s, err := br.ReadString('\n')
		if len(s) > 0 {
			blank = blank && strings.TrimSpace(s) == ""
			if werr := fn(n, s); werr != nil {
				return outputError{werr}
			}
		}
		if err == io.EOF {
			if blank {
				return emptyFile(name)
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("extract %s line %d: %w", name, n, err)
		}
	}
}

// emptyFile is the failure of an input with nothing but white space in
// it: reported on stderr naming the file, the other inputs still read,
// exit 1, as score and tag report it.
func emptyFile(name string) error { return fmt.Errorf("%s: empty file", name) }

// openText opens a file or stdin ("-") for reading, un-gzipping when the
// content is gzip, and returns the name to report it by.
func openText(app *App, path string) (io.Reader, string, func(), error) {
	var r io.Reader = app.IO.In
	name := "<stdin>"
	closeFn := func() {}
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, "", nil, fmt.Errorf("extract: %w", err)
		}
		r, name, closeFn = f, path, func() { f.Close() }
	}
	br := newPeekReader(r)
	if br.isGzip() {
		zr, err := gzip.NewReader(br)
		if err != nil {
			closeFn()
			return nil, "", nil, fmt.Errorf("extract %s: %w", name, err)
		}
		return zr, name, closeFn, nil
	}
	return br, name, closeFn, nil
}

// indicatorSink writes indicator rows as JSONL, CSV or an aligned table.
type indicatorSink struct {
	format string
	w      io.Writer
	lines  bool
	csv    *csv.Writer
	table  *tabwriter.Writer
}

// indicatorRow is one JSONL record.
type indicatorRow struct {
	Source   string `json:"source"`
	Line     int    `json:"line,omitempty"`
	Type     string `json:"type"`
	Written  string `json:"written"`
	Refanged string `json:"refanged"`
}

func newIndicatorSink(format string, w io.Writer, lines bool) *indicatorSink {
	return &indicatorSink{format: format, w: w, lines: lines}
}

func (s *indicatorSink) write(source string, line int, ins []extract.Indicator) error {
	for _, in := range ins {
		if err := s.row(source, line, in); err != nil {
			return err
		}
	}
	return nil
}

func (s *indicatorSink) row(source string, line int, in extract.Indicator) error {
	switch s.format {
	case "jsonl":
		return writeJSONLine(s.w, indicatorRow{source, line, in.Type, in.Written, in.Refanged})
	case "csv":
		if s.csv == nil {
			s.csv = csv.NewWriter(s.w)
			head := []string{"source", "type", "written", "refanged"}
			if s.lines {
				head = []string{"source", "line", "type", "written", "refanged"}
			}
			if err := s.csv.Write(head); err != nil {
				return err
			}
		}
		rec := []string{csvCell(source), in.Type, csvCell(in.Written), csvCell(in.Refanged)}
		if s.lines {
			rec = []string{csvCell(source), strconv.Itoa(line), in.Type, csvCell(in.Written), csvCell(in.Refanged)}
		}
		return s.csv.Write(rec)
	default:
		if s.table == nil {
			s.table = tabwriter.NewWriter(s.w, 0, 4, 2, ' ', 0)
			if _, err := fmt.Fprintln(s.table, "SOURCE\tTYPE\tWRITTEN\tREFANGED"); err != nil {
				return err
			}
		}
		src := termsafe.Line(source, 40)
		if s.lines {
			src += ":" + strconv.Itoa(line)
		}
		written := in.Written
		if written == "" {
			written = "(decoded)"
		}
		_, err := fmt.Fprintf(s.table, "%s\t%s\t%s\t%s\n", src, in.Type, termsafe.Line(written, 80), termsafe.Line(in.Refanged, 80))
		return err
	}
}

func (s *indicatorSink) flush() error { return flushRows(s.csv, s.table) }
