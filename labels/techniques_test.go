package labels

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// newTechniqueStore is newTestStore with the technique migrations applied,
// on a database file that the test can reopen.
func newTechniqueStore(t *testing.T) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ws.db")
	db := openDB(t, path)
	createSchema(t, db)
	for i, s := range TechniqueMigrations() {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("technique schema step %d: %v", i+1, err)
		}
	}
	addDocs(t, db, "d1", "d2")
	return New(db), path
}

func currentTechniques(t *testing.T, s *Store, doc string) []string {
	t.Helper()
	var out []string
	if err := s.CurrentTechniques(context.Background(), doc, func(l TechniqueLabel) error {
		out = append(out, l.DocID+" "+l.Technique+" "+verdict(l.Present)+" "+l.Analyst)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func verdict(p bool) string {
	if p {
		return "present"
	}
	return "absent"
}

// TestTechniqueLabels: a verdict is kept, a newer one on the same
// sentence replaces it, undo takes the analyst's latest back (and again the
// one before), and the labels survive reopening the database.
func TestTechniqueLabels(t *testing.T) {
	ctx := context.Background()
	s, path := newTechniqueStore(t)
	steps := []struct {
		name string
		do   func() error
		want []string
	}{
		{"present", func() error {
			_, err := s.AddTechnique(ctx, TechniqueLabel{DocID: "d1", Technique: "t1140", Present: true, Sentence: "It decodes with certutil.", Analyst: "ana", CreatedAt: at(0)})
			return err
		}, []string{"d1 T1140 present ana"}},
		{"another technique", func() error {
			_, err := s.AddTechnique(ctx, TechniqueLabel{DocID: "d1", Technique: "T1105", Sentence: "It decodes with certutil.", Analyst: "bo", CreatedAt: at(1)})
			return err
		}, []string{"d1 T1140 present ana", "d1 T1105 absent bo"}},
		{"correction", func() error {
			_, err := s.AddTechnique(ctx, TechniqueLabel{DocID: "d1", Technique: "T1140", Present: false, Sentence: "It decodes with certutil.", Analyst: "bo", CreatedAt: at(2)})
			return err
		}, []string{"d1 T1105 absent bo", "d1 T1140 absent bo"}},
		{"undo bo", func() error {
			l, err := s.UndoTechnique(ctx, "bo")
			if err == nil && (l.Technique != "T1140" || l.Present) {
				t.Errorf("undid %+v, want bo's T1140 absent", l)
			}
			return err
		}, []string{"d1 T1140 present ana", "d1 T1105 absent bo"}},
		{"undo bo again", func() error { _, err := s.UndoTechnique(ctx, "bo"); return err }, []string{"d1 T1140 present ana"}},
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if got := currentTechniques(t, s, ""); strings.Join(got, "|") != strings.Join(st.want, "|") {
			t.Fatalf("after %s: %q, want %q", st.name, got, st.want)
		}
	}
	if _, err := s.UndoTechnique(ctx, "bo"); !errors.Is(err, ErrNothingToUndo) {
		t.Fatalf("third undo: %v, want nothing to undo", err)
	}
	reopened := New(openDB(t, path))
	if got := currentTechniques(t, reopened, "d1"); len(got) != 1 || got[0] != "d1 T1140 present ana" {
		t.Fatalf("reopened: %q", got)
	}
	if got := currentTechniques(t, reopened, "d2"); len(got) != 0 {
		t.Fatalf("d2: %q", got)
	}
}

func TestAddTechniqueRefuses(t *testing.T) {
	ctx := context.Background()
	s, _ := newTechniqueStore(t)
	cases := []struct {
		name string
		l    TechniqueLabel
		want string
	}{
		{"not an id", TechniqueLabel{DocID: "d1", Technique: "certutil", Analyst: "ana"}, "not an ATT&CK technique id"},
		{"tactic id", TechniqueLabel{DocID: "d1", Technique: "TA0002", Analyst: "ana"}, "not an ATT&CK technique id"},
		{"no analyst", TechniqueLabel{DocID: "d1", Technique: "T1140", Analyst: " "}, "analyst name is required"},
		{"unknown document", TechniqueLabel{DocID: "d9", Technique: "T1140", Analyst: "ana"}, "unknown document d9"},
		{"unknown origin", TechniqueLabel{DocID: "d1", Technique: "T1140", Analyst: "ana", Origin: "mail"}, "unknown origin"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := s.AddTechnique(ctx, c.l); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want %q", err, c.want)
			}
		})
	}
	if got := currentTechniques(t, s, ""); len(got) != 0 {
		t.Fatalf("a refused label was stored: %q", got)
	}
}

// TestExportTechniques: current verdicts, or with all every event
// (the retraction too), as JSONL and CSV.
func TestExportTechniques(t *testing.T) {
	ctx := context.Background()
	s, _ := newTechniqueStore(t)
	for i, tech := range []string{"T1140", "T1105"} {
		if _, err := s.AddTechnique(ctx, TechniqueLabel{DocID: "d2", Technique: tech, Present: i == 0, Sentence: "a, \"quoted\" sentence", Analyst: "ana", CreatedAt: at(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.UndoTechnique(ctx, "ana"); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		format string
		all    bool
		lines  int
		want   string
	}{
		{"jsonl", false, 1, `"technique":"T1140","present":true,"sentence":"a, \"quoted\" sentence"`},
		{"jsonl", true, 3, `"retracts":2`},
		{"csv", false, 2, `d2,T1140,true,"a, ""quoted"" sentence",ana,`},
		{"csv", true, 4, `d2,T1105,false`},
	}
	for _, c := range cases {
		var b bytes.Buffer
		if err := s.ExportTechniques(ctx, &b, c.format, c.all); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		if n := strings.Count(out, "\n"); n != c.lines || !strings.Contains(out, c.want) {
			t.Errorf("%s all=%v: %d lines, want %d with %q:\n%s", c.format, c.all, n, c.lines, c.want, out)
		}
	}
	if err := s.ExportTechniques(ctx, &bytes.Buffer{}, "xml", false); err == nil {
		t.Fatal("xml export: no error")
	}
}
