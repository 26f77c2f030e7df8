package labels

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestImportJSONLAndCSV(t *testing.T) {
	tests := []struct {
		name, format, input string
		want                ImportResult // Errors compared by their text
		wantErrs            []string
	}{
		{
			name:   "jsonl good lines, names and ranks",
			format: "jsonl",
			input: `{"doc_id":"d1","severity":"high","analyst":"ana","created_at":"2025-03-01T09:00:00Z","note":"x"}
{"doc_id":"d2","severity":4,"analyst":"bob","created_at":"2025-03-01"}

{"doc_id":"d3","severity":"Critical"}
`,
			want: ImportResult{Imported: 3},
		},
		{
			name:   "jsonl bad lines are reported and skipped",
			format: "jsonl",
			input: `{"doc_id":"d1","severity":"high"}
not json
{"doc_id":"zz","severity":"high"}
{"doc_id":"d2","severity":"severe"}
{"doc_id":"d2","severity":9}
{"doc_id":"d2"}
{"severity":"low"}
{"doc_id":"d2","severity":"low","created_at":"yesterday"}
{"doc_id":"d2","severity":"low"} {"x":1}
{"doc_id":"d2","severity":"low","kind":"retract","retracts":1}
{"doc_id":"d4","severity":"low"}`,
			want: ImportResult{Imported: 2, Failed: 9},
			wantErrs: []string{
				"in:2: bad JSON",
				"in:3: unknown document zz",
				`in:4: unknown severity "severe"`,
				`in:5: unknown severity "9"`,
				"in:6: severity is missing",
				"in:7: doc_id is missing",
				`in:8: created_at "yesterday"`,
				"in:9: bad JSON: more than one value",
				"in:10: retract events are not imported",
			},
		},
		{
			name:   "csv with header in another order and extra columns",
			format: "csv",
			input: "severity,doc_id,origin,analyst,note,created_at\n" +
				"high,d1,x,ana,\"a, quoted note\",2025-03-01T09:00:00Z\n" +
				"\n" +
				"5,d2,x,bob,,\n",
			want: ImportResult{Imported: 2},
		},
		{
			name:   "csv bad rows",
			format: "csv",
			input: "doc_id,severity,analyst,created_at,note\n" +
				"d1,high,ana,,\n" +
				"nope,high,ana,,\n" +
				"d2,meh,ana,,\n" +
				"d3,\"low,ana,,\n",
			want:     ImportResult{Imported: 1, Failed: 3},
			wantErrs: []string{"in:3: unknown document nope", `in:4: unknown severity "meh"`, "in:5: bad CSV"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newTestStore(t)
			got, err := s.Import(context.Background(), strings.NewReader(tt.input), tt.format, "in", "import")
			if err != nil {
				t.Fatal(err)
			}
			if got.Imported != tt.want.Imported || got.Already != tt.want.Already || got.Failed != tt.want.Failed {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
			if len(got.Errors) != len(tt.wantErrs) {
				t.Fatalf("errors %v, want %v", got.Errors, tt.wantErrs)
			}
			for i, e := range got.Errors {
				if !strings.HasPrefix(e.Error(), tt.wantErrs[i]) {
					t.Errorf("error %d = %q, want prefix %q", i, e.Error(), tt.wantErrs[i])
				}
			}
		})
	}
}

func TestImportIsIdempotent(t *testing.T) {
	s, _ := newTestStore(t)
	s.batch = 3 // several transactions
	ctx := context.Background()
	var in strings.Builder
	for i := range 10 {
		fmt.Fprintf(&in, `{"doc_id":"d%d","severity":"%s","analyst":"a%d","created_at":"2025-03-0%dT10:00:00Z"}`+"\n",
			i%5+1, Severities[i%5], i%3, i%9+1)
	}
	first, err := s.Import(ctx, strings.NewReader(in.String()), "jsonl", "in", "import")
	if err != nil || first.Imported != 10 || first.Already != 0 {
		t.Fatalf("first import: %+v %v", first, err)
	}
	second, err := s.Import(ctx, strings.NewReader(in.String()), "jsonl", "in", "import")
	if err != nil || second.Imported != 0 || second.Already != 10 {
		t.Fatalf("second import: %+v %v", second, err)
	}
	// The same labels written another way (CSV, other time notation) are the same labels.
	var csvIn bytes.Buffer
	if err := s.Export(ctx, &csvIn, "csv", false); err != nil {
		t.Fatal(err)
	}
	third, err := s.Import(ctx, &csvIn, "csv", "out.csv", "import")
	if err != nil || third.Imported != 0 || third.Already != 5 {
		t.Fatalf("re-import of export: %+v %v", third, err)
	}
	st, _ := s.Stats(ctx)
	if st.Events != 10 {
		t.Fatalf("events after three imports: %d, want 10", st.Events)
	}
}

func TestExportRoundTrip(t *testing.T) {
	ctx := context.Background()
	for _, format := range []string{"jsonl", "csv"} {
		t.Run(format, func(t *testing.T) {
			src, _ := newTestStore(t)
			mustAdd(t, src, "d1", "high", "ana", at(0))
			mustAdd(t, src, "d1", "low", "bob", at(1))
			if _, err := src.Add(ctx, Event{DocID: "d2", Severity: "critical", Analyst: "ana", CreatedAt: at(2),
				Note: "note, with \"quotes\"\nand a newline", Origin: "tui"}); err != nil {
				t.Fatal(err)
			}
			mustAdd(t, src, "d3", "medium", "ana", at(3))
			if _, err := src.Undo(ctx, "ana"); err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			if err := src.Export(ctx, &out, format, false); err != nil {
				t.Fatal(err)
			}
			dst, _ := newTestStore(t)
			res, err := dst.Import(ctx, bytes.NewReader(out.Bytes()), format, "export", "import")
			if err != nil || res.Imported != 2 || res.Failed != 0 {
				t.Fatalf("import of export: %+v %v\n%s", res, err, out.String())
			}
			want, _ := src.CurrentAll(ctx, Filter{})
			got, _ := dst.CurrentAll(ctx, Filter{})
			if len(got) != len(want) {
				t.Fatalf("got %d current labels, want %d", len(got), len(want))
			}
			for i := range want {
				g, w := got[i], want[i]
				if g.DocID != w.DocID || g.Severity != w.Severity || g.Analyst != w.Analyst ||
					!g.CreatedAt.Equal(w.CreatedAt) || g.Note != w.Note || g.Origin != "import" {
					t.Fatalf("label %d: got %+v, want %+v", i, g, w)
				}
			}
			// The full history has every event; importing it takes the
			// labels and refuses the retraction by name.
			out.Reset()
			if err := src.Export(ctx, &out, format, true); err != nil {
				t.Fatal(err)
			}
			hist, _ := newTestStore(t)
			res, err = hist.Import(ctx, &out, format, "history", "import")
			if err != nil || res.Imported != 4 || res.Failed != 1 ||
				!strings.Contains(res.Errors[0].Msg, "retract events are not imported") {
				t.Fatalf("import of history: %+v %v", res, err)
			}
		})
	}
}

func TestImportRefusesBadFormatAndHeader(t *testing.T) {
	s, _ := newTestStore(t)
	ctx := context.Background()
	if _, err := s.Import(ctx, strings.NewReader(""), "xml", "in", "import"); err == nil {
		t.Fatal("unknown format accepted")
	}
	if _, err := s.Import(ctx, strings.NewReader("id,label\nd1,high\n"), "csv", "in.csv", "import"); err == nil ||
		!strings.Contains(err.Error(), "no doc_id column") {
		t.Fatalf("header without doc_id: %v", err)
	}
	if _, err := s.Import(ctx, strings.NewReader(""), "jsonl", "in", "email"); err == nil {
		t.Fatal("unknown origin accepted")
	}
	res, err := s.Import(ctx, strings.NewReader(""), "csv", "empty.csv", "import")
	if err != nil || res.Imported+res.Already+res.Failed != 0 {
		t.Fatalf("empty csv: %+v %v", res, err)
	}
}

func TestImportLongLine(t *testing.T) {
	s, _ := newTestStore(t)
	long := `{"doc_id":"d1","severity":"high","note":"` + strings.Repeat("x", maxLine) + `"}`
	in := long + "\n" + `{"doc_id":"d2","severity":"low"}` + "\n"
	res, err := s.Import(context.Background(), strings.NewReader(in), "jsonl", "in", "import")
	if err != nil || res.Imported != 1 || res.Failed != 1 || res.Errors[0].Line != 1 {
		t.Fatalf("long line: %+v %v", res, err)
	}
}

func TestExportUnknownFormat(t *testing.T) {
	s, _ := newTestStore(t)
	if err := s.Export(context.Background(), &bytes.Buffer{}, "xml", false); err == nil {
		t.Fatal("unknown export format accepted")
	}
}

// fuzzImport checks the invariants of any input: no panic, every line is
// counted exactly once, and importing the same bytes again adds nothing.
func fuzzImport(f *testing.F, format string, seeds []string) {
	for _, s := range seeds {
		f.Add(s)
	}
	s, _ := newTestStore(f)
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, in string) {
		first, err := s.Import(ctx, strings.NewReader(in), format, "fuzz", "import")
		if err != nil {
			if format == "csv" && strings.Contains(err.Error(), "CSV header") {
				return
			}
			t.Fatalf("import error: %v", err)
		}
		if first.Failed != len(first.Errors) {
			t.Fatalf("failed %d but %d errors", first.Failed, len(first.Errors))
		}
		for _, e := range first.Errors {
			if e.Line < 0 || e.Msg == "" {
				t.Fatalf("bad line error %+v", e)
			}
		}
		second, err := s.Import(ctx, strings.NewReader(in), format, "fuzz", "import")
		if err != nil {
			t.Fatal(err)
		}
		if second.Imported != 0 || second.Already != first.Imported+first.Already || second.Failed != first.Failed {
			t.Fatalf("not idempotent: first %+v, second %+v", first, second)
		}
	})
}

func FuzzImportJSONL(f *testing.F) {
	fuzzImport(f, "jsonl", []string{
		`{"doc_id":"d1","severity":"high","analyst":"ana","created_at":"2025-03-01T09:00:00Z","note":"x"}`,
		`{"doc_id":"d2","severity":3}` + "\n" + `{"doc_id":"d3","severity":"low","created_at":"2025-03-01"}`,
		"{\"doc_id\":\"d1\"}\n\n\n{\"severity\":null}\n[1,2]\n\"str\"\n",
		`{"doc_id":"d4","severity":"5","kind":"retract"}`,
		"\xff\xfe{",
	})
}

func FuzzImportCSV(f *testing.F) {
	fuzzImport(f, "csv", []string{
		"doc_id,severity,analyst,created_at,note\nd1,high,ana,2025-03-01T09:00:00Z,x\n",
		"severity,doc_id\n2,d2\n\"unterminated,d3\n",
		"doc_id,severity\r\nd1,low\r\nd5,\"a\"\"b\"\r\n",
		"\ufeffdoc_id,severity,kind\nd1,high,retract\nd2,low,label\n",
		"doc_id,severity\nd1,\"x\"y\nd2,high\n",
	})
}

// BenchmarkImport measures the learning-loop replay path: fresh labels of
// known documents, in time order, imported in batched transactions.
func BenchmarkImport(b *testing.B) {
	s, db := newTestStore(b)
	var docs []string
	for i := range 1000 {
		docs = append(docs, fmt.Sprintf("doc-%04d", i))
	}
	addDocs(b, db, docs...)
	ctx := context.Background()
	const lines = 10000
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		var in strings.Builder
		for j := range lines {
			fmt.Fprintf(&in, `{"doc_id":"%s","severity":"%s","analyst":"a%d","created_at":"%s","note":"run %d"}`+"\n",
				docs[j%len(docs)], Severities[j%5], j%7, t0.Add(time.Duration(i*lines+j)*time.Second).Format(time.RFC3339), i*lines+j)
		}
		b.StartTimer()
		res, err := s.Import(ctx, strings.NewReader(in.String()), "jsonl", "bench", "import")
		if err != nil || res.Imported != lines {
			b.Fatalf("%+v %v", res, err)
		}
	}
	b.ReportMetric(float64(b.N*lines)/b.Elapsed().Seconds(), "labels/s")
}

// ExportFile replaces its file only with a whole export: a failed export
// (unknown format, cancelled context, a directory that does not exist)
// leaves the previous file as it was and no temporary file beside it.
func TestExportFileReplacesOnlyWhenComplete(t *testing.T) {
	s, _ := newTestStore(t)
	mustAdd(t, s, "d1", "high", "ana", at(0))
	mustAdd(t, s, "d2", "low", "bob", at(1))
	var want bytes.Buffer
	if err := s.Export(context.Background(), &want, "jsonl", false); err != nil {
		t.Fatal(err)
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name    string
		ctx     context.Context
		format  string
		dir     string // relative to the test's directory
		wantErr string // "" for a complete export
	}{
		{"complete", context.Background(), "jsonl", "", ""},
		{"unknown format", context.Background(), "xml", "", "unknown format"},
		{"cancelled", cancelled, "jsonl", "", "context canceled"},
		{"no such directory", context.Background(), "jsonl", "missing", "labels.jsonl"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, tt.dir, "labels.jsonl")
			const old = "previous export\n"
			if tt.dir == "" {
				if err := os.WriteFile(path, []byte(old), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			err := s.ExportFile(tt.ctx, path, tt.format, false)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
			} else if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "labels.jsonl") {
				t.Fatalf("got error %v, want one naming the file and saying %q", err, tt.wantErr)
			}
			got, rerr := os.ReadFile(path)
			switch {
			case tt.wantErr == "" && (rerr != nil || !bytes.Equal(got, want.Bytes())):
				t.Fatalf("exported %q (%v), want %q", got, rerr, want.Bytes())
			case tt.wantErr != "" && tt.dir == "" && string(got) != old:
				t.Fatalf("a failed export changed the file to %q", got)
			}
			if tt.wantErr == "" {
				if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o644 {
					t.Fatalf("exported file mode %v (%v), want 0644", st.Mode(), err)
				}
			}
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				if e.Name() != "labels.jsonl" {
					t.Fatalf("%s left behind beside the export", e.Name())
				}
			}
		})
	}
}
