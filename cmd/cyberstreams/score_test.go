package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

const scoreInput = `{"id":"a1","title":"Unauthenticated remote code execution in Example VPN","text":"A crafted request lets a remote attacker run commands as root on the gateway at 198.51.100.7."}
{"id":"a2","title":"Open redirect in login page","text":"A crafted link can redirect a user to hxxps://evil[.]example[.]com after login."}
`

func TestScoreJSONLRecordsFollowTheContract(t *testing.T) {
	r := runCLI(t, t.TempDir(), scoreInput, "score", "-", "--output", "jsonl", "--explain", "5", "--model", "default")
	if r.Code != 0 {
		t.Fatalf("exit %d: %s", r.Code, r.Err)
	}
	lines := strings.Split(strings.TrimSpace(r.Out), "\n")
	if len(lines) != 2 {
		t.Fatalf("got %d records, want 2:\n%s", len(lines), r.Out)
	}
	for _, l := range lines {
		var rec map[string]any
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"id", "title", "source", "published", "severity", "probabilities", "confidence",
			"novelty", "explanation", "entities", "model", "margin"} {
			if _, ok := rec[k]; !ok {
				t.Errorf("record lacks %q: %s", k, l)
			}
		}
		p := rec["probabilities"].(map[string]any)
		sum := 0.0
		for _, c := range []string{"critical", "high", "medium", "low", "informational"} {
			sum += p[c].(float64)
		}
		if math.Abs(sum-1) > 1e-4 {
			t.Errorf("probabilities sum to %v", sum)
		}
		ex := rec["explanation"].(map[string]any)
		total := ex["base"].(float64) + ex["omitted"].(float64)
		for _, c := range ex["contributions"].([]any) {
			total += c.(map[string]any)["shap"].(float64)
		}
		if math.Abs(total-ex["margin"].(float64)) > 1e-9 || len(ex["reasons"].([]any)) != 5 || len(ex["contributions"].([]any)) < 5 {
			t.Errorf("explanation does not add up to the margin: %v", ex)
		}
	}
	if !strings.Contains(lines[1], `"domain":["evil.example.com"]`) {
		t.Errorf("entities should be refanged: %s", lines[1])
	}
}

func TestScoreFailOnAndFormats(t *testing.T) {
	ws := t.TempDir()
	r := runCLI(t, ws, scoreInput, "score", "--output", "csv", "--fail-on", "informational")
	if r.Code != 3 {
		t.Fatalf("--fail-on informational: exit %d, want 3 (%s)", r.Code, r.Err)
	}
	rows, err := csv.NewReader(strings.NewReader(r.Out)).ReadAll()
	if err != nil || len(rows) != 3 || rows[0][0] != "id" || rows[0][4] != "severity" {
		t.Fatalf("csv: %v %q", err, r.Out)
	}
	if r := runCLI(t, ws, scoreInput, "score", "--output", "table"); r.Code != 0 || !strings.Contains(r.Out, "SEVERITY") {
		t.Fatalf("table: exit %d %q", r.Code, r.Out)
	}
	if r := runCLI(t, ws, scoreInput, "score", "--output", "xml"); r.Code != 2 {
		t.Fatalf("unknown output: exit %d, want 2", r.Code)
	}
	if r := runCLI(t, ws, scoreInput, "score", "--fail-on", "severe"); r.Code != 2 {
		t.Fatalf("unknown --fail-on severity: exit %d, want 2", r.Code)
	}
}

func TestScoreReportsBadLinesAndScoresTheRest(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "feed.jsonl")
	body := strings.Replace(scoreInput, "\n", "\n{\"id\": \"broken\", \"title\": \n", 1)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, dir, "", "score", p, "--output", "jsonl")
	if r.Code != 1 {
		t.Fatalf("exit %d, want 1", r.Code)
	}
	if n := strings.Count(strings.TrimSpace(r.Out), "\n") + 1; n != 2 {
		t.Fatalf("scored %d documents, want the 2 good ones", n)
	}
	if !strings.Contains(r.Err, p+":2") {
		t.Fatalf("stderr should name %s:2: %q", p, r.Err)
	}
}

func TestCorruptModelIsNamed(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "model.txt"), []byte("tree\nversion=v3\nnum_class=5\nnot a model"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, t.TempDir(), scoreInput, "score", "--model", dir)
	if r.Code != 1 || !strings.Contains(r.Err, filepath.Join(dir, "model.txt")) {
		t.Fatalf("exit %d, stderr %q should name the model file", r.Code, r.Err)
	}
}

func TestScoreCSVDefusesFormulas(t *testing.T) {
	in := `{"id":"f1","title":"=HYPERLINK(\"http://198.51.100.1\",\"click\")","text":"x"}` + "\n"
	r := runCLI(t, t.TempDir(), in, "score", "--output", "csv")
	if r.Code != 0 {
		t.Fatalf("exit %d: %s", r.Code, r.Err)
	}
	rows, err := csv.NewReader(strings.NewReader(r.Out)).ReadAll()
	if err != nil || len(rows) != 2 || !strings.HasPrefix(rows[1][1], "'=") {
		t.Fatalf("title cell should be defused with a leading quote: %v %q", err, r.Out)
	}
	esc := `{"id":"e1\u001b]0;x\u0007","title":"red \u001b[31malert","text":"x"}` + "\n"
	r = runCLI(t, t.TempDir(), esc, "score", "--output", "csv")
	if r.Code != 0 || strings.ContainsAny(r.Out, "\x1b\x07") || !strings.Contains(r.Out, "red alert") {
		t.Fatalf("exit %d: CSV cells must not carry terminal escapes: %q", r.Code, r.Out)
	}
}

// TestScoreDocumentWithoutText checks the contract: a document with
// an id but no text is scored on its meta features and says so (in the
// record, in CSV and table output, and on stderr); a record with neither
// text nor id is still a failure naming its line.
func TestScoreDocumentWithoutText(t *testing.T) {
	in := `{"id":"GHSA-meta-1","summary":"","details":"","database_specific":{"cwe_ids":["CWE-79"]},"affected":[{"package":{"ecosystem":"npm","name":"left-pad"}}]}` + "\n"
	r := runCLI(t, t.TempDir(), in, "score", "--output", "jsonl")
	if r.Code != 0 {
		t.Fatalf("exit %d: %s", r.Code, r.Err)
	}
	var rec map[string]any
	if err := json.Unmarshal([]byte(r.Out), &rec); err != nil {
		t.Fatalf("%v: %q", err, r.Out)
	}
	if rec["id"] != "GHSA-meta-1" || rec["meta_only"] != true || rec["severity"] == "" {
		t.Fatalf("record %v: want the document scored with meta_only true", rec)
	}
	if !strings.Contains(r.Err, "scored on their meta features alone") {
		t.Fatalf("stderr should say the score rests on meta features: %q", r.Err)
	}
	if r := runCLI(t, t.TempDir(), in, "score", "--output", "table"); !strings.Contains(r.Out, "no text: meta features only") {
		t.Fatalf("table should mark the document: %q", r.Out)
	}
	csvOut := runCLI(t, t.TempDir(), in, "score", "--output", "csv")
	rows, err := csv.NewReader(strings.NewReader(csvOut.Out)).ReadAll()
	// meta_only, then the exploitation columns added after it.
	if err != nil || len(rows) != 2 || rows[0][len(rows[0])-4] != "meta_only" || rows[1][len(rows[1])-4] != "true" {
		t.Fatalf("CSV should have a meta_only column set to true: %v %q", err, csvOut.Out)
	}

	noID := `{"title":"","text":"","source":"feed-x"}` + "\n" + scoreInput
	r = runCLI(t, t.TempDir(), noID, "score", "--output", "jsonl")
	if r.Code != 1 || !strings.Contains(r.Err, "<stdin>:1") || !strings.Contains(r.Err, "no id") {
		t.Fatalf("exit %d, stderr %q: a record with neither text nor id must fail, naming its line", r.Code, r.Err)
	}
	if n := strings.Count(strings.TrimSpace(r.Out), "\n") + 1; n != 2 {
		t.Fatalf("scored %d documents, want the 2 good ones", n)
	}
}

// TestScoreEngines checks --engine: leaves walking every tree gives the
// default sparse engine's records byte for byte, and an unknown engine is
// a usage error.
func TestScoreEngines(t *testing.T) {
	sparse := runCLI(t, t.TempDir(), scoreInput, "score", "--output", "jsonl", "--explain", "3")
	full := runCLI(t, t.TempDir(), scoreInput, "score", "--output", "jsonl", "--explain", "3", "--engine", "leaves")
	if sparse.Code != 0 || full.Code != 0 || sparse.Out == "" || sparse.Out != full.Out {
		t.Fatalf("exit %d/%d; sparse and leaves records differ:\n%s\n%s", sparse.Code, full.Code, sparse.Out, full.Out)
	}
	if r := runCLI(t, t.TempDir(), scoreInput, "score", "--engine", "xgboost"); r.Code != 2 || !strings.Contains(r.Err, "--engine") {
		t.Fatalf("exit %d, stderr %q: an unknown engine is a usage error", r.Code, r.Err)
	}
}

// TestScoreFailuresStripTerminalEscapes: a bad record's message quotes its
// file name, which an attacker can choose; stderr must not carry the
// escape sequence to the analyst's terminal.
func TestScoreFailuresStripTerminalEscapes(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "feed\x1b]0;owned\x07.jsonl")
	if err := os.WriteFile(p, []byte("{\"id\": \"broken\", \"title\": \n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, dir, "", "score", p)
	if r.Code != 1 || !strings.Contains(r.Err, "error: ") || strings.ContainsAny(r.Err, "\x1b\x07") {
		t.Fatalf("exit %d, stderr %q: want the failure reported with escapes stripped", r.Code, r.Err)
	}
}

// TestScoreTableShowsHeadlines: an untitled advisory (a fifth of the CVE
// records) shows the start of its description in the table, while its
// JSONL record keeps the empty title it came with.
func TestScoreTableShowsHeadlines(t *testing.T) {
	in := `{"id":"CVE-2099-0001","summary":"","details":"Heap overflow in the Example parser lets a remote attacker run code. Fixed in 2.1."}` + "\n"
	r := runCLI(t, t.TempDir(), in, "score", "--output", "table")
	if r.Code != 0 || !strings.Contains(r.Out, "Heap overflow in the Example parser") || strings.Contains(r.Out, "Fixed in 2.1") {
		t.Fatalf("exit %d: table should show the description's first sentence:\n%s", r.Code, r.Out)
	}
	r = runCLI(t, t.TempDir(), in, "score", "--output", "jsonl")
	if r.Code != 0 || !strings.Contains(r.Out, `"title":""`) {
		t.Fatalf("exit %d: JSONL keeps the document's own empty title: %s", r.Code, r.Out)
	}
}

// TestScoreProgressAndSummary: scoring into a pipe or file shows progress
// on stderr — one rewritten line at a terminal, plain lines otherwise — and
// ends with a summary naming the documents scored and failed, the classes
// and the model; --quiet silences all of it.
func TestScoreProgressAndSummary(t *testing.T) {
	var in strings.Builder
	for i := range 3000 {
		fmt.Fprintf(&in, `{"id":"d%d","title":"Heap overflow %d in parser","text":"remote attackers can crash it"}`+"\n", i, i)
	}
	in.WriteString("{broken\n")
	run1 := func(errTTY bool, extra ...string) string {
		var out, errOut bytes.Buffer
		io := &IOStreams{In: strings.NewReader(in.String()), Out: &out, ErrOut: &errOut, ErrIsTTY: errTTY}
		io.ProgressEvery = time.Nanosecond // every 256 documents
		args := append([]string{"--workspace", t.TempDir(), "score", "-"}, extra...)
		if code := run(context.Background(), args, io); code != exitError {
			t.Fatalf("exit %d, want %d for the broken line: %s", code, exitError, errOut.String())
		}
		if n := strings.Count(out.String(), "\n"); n != 3000 {
			t.Fatalf("%d records, want 3000", n)
		}
		return errOut.String()
	}
	const summary = "scored 3000 documents (1 failed) in "
	tests := []struct {
		name   string
		errTTY bool
		quiet  bool
		want   []string
		reject []string
	}{
		{"stderr a file", false, false, []string{"scoring: 256 documents (", summary, "with model default", ": critical "}, []string{"\r"}},
		{"stderr a terminal", true, false, []string{"\r\x1b[Kscoring: ", "\r\x1b[K" + "error: ", summary}, nil},
		{"quiet", false, true, []string{"error: "}, []string{"scoring: ", summary}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var extra []string
			if tt.quiet {
				extra = append(extra, "--quiet")
			}
			got := run1(tt.errTTY, extra...)
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("stderr lacks %q:\n%q", w, got)
				}
			}
			for _, r := range tt.reject {
				if strings.Contains(got, r) {
					t.Errorf("stderr has %q:\n%q", r, got)
				}
			}
		})
	}
}

// TestScoreWritesRecordsOfAPausedFeed: a record piped into stdin is written
// out while the feed is still open (`tail -f feed | cyberstreams score -`),
// not when the buffers fill or the feed ends, in each line format.
func TestScoreWritesRecordsOfAPausedFeed(t *testing.T) {
	for _, output := range []string{"jsonl", "csv"} {
		t.Run(output, func(t *testing.T) {
			pr, pw := io.Pipe()
			out := &signalWriter{lines: make(chan struct{}, 64)}
			streams := &IOStreams{In: pr, Out: out, ErrOut: io.Discard}
			done := make(chan int, 1)
			go func() {
				done <- run(context.Background(), []string{"--workspace", t.TempDir(), "score", "-", "--output", output}, streams)
			}()
			fmt.Fprintln(pw, `{"id":"d1","title":"Heap overflow in parser","text":"remote attackers can crash it"}`)
			select {
			case <-out.lines:
			case <-time.After(20 * time.Second):
				t.Fatal("nothing written while the feed stays open")
			}
			if got := out.String(); !strings.Contains(got, "d1") {
				t.Fatalf("written so far %q, want the first record", got)
			}
			pw.Close()
			if code := <-done; code != 0 {
				t.Fatalf("exit %d", code)
			}
		})
	}
}

// signalWriter collects output from any goroutine and signals each write
// that ends a line.
type signalWriter struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	lines chan struct{}
}

func (w *signalWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if bytes.HasSuffix(p, []byte("\n")) {
		select {
		case w.lines <- struct{}{}:
		default:
		}
	}
	return w.buf.Write(p)
}

func (w *signalWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// TestScoreBrokenFirstLine: a JSONL feed whose first line is broken (a
// truncated object, junk) names that line and scores every other record.
func TestScoreBrokenFirstLine(t *testing.T) {
	tests := []struct{ name, first string }{
		{"truncated object", `{"id":"a0","text":"cut off`},
		{"junk", "garbage here"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, t.TempDir(), tt.first+"\n"+scoreInput, "score", "-", "--output", "jsonl", "--model", "default")
			lines := strings.Split(strings.TrimSpace(r.Out), "\n")
			if len(lines) != 2 || !strings.Contains(lines[0], `"id":"a1"`) || !strings.Contains(lines[1], `"id":"a2"`) {
				t.Fatalf("want records a1 and a2 scored, got:\n%s\nstderr: %s", r.Out, r.Err)
			}
			if !strings.Contains(r.Err, "<stdin>:1:") || !strings.Contains(r.Err, "scored 2 documents (1 failed)") {
				t.Fatalf("stderr should name line 1 and count 2 scored, 1 failed: %s", r.Err)
			}
		})
	}
}
