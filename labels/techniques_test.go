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

// TestTechniqueAdjudication: with several analysts on one technique in one
// sentence, the verdict in force follows the severity labels' rule: an
// adjudicator's, else a strict majority's, else the latest; each analyst
// counts once, by their latest verdict.
func TestTechniqueAdjudication(t *testing.T) {
	const sentence = "It decodes with certutil."
	type vote struct {
		analyst string
		present bool
	}
	cases := []struct {
		name         string
		votes        []vote // in time order
		adjudicators []string
		want         string // verdict and analyst in force
	}{
		{"one analyst corrects themselves", []vote{{"ana", true}, {"ana", false}}, nil, "absent ana"},
		{"majority over the latest", []vote{{"ana", true}, {"bo", true}, {"cy", false}}, nil, "present bo"},
		{"a tie goes to the latest", []vote{{"ana", true}, {"bo", false}}, nil, "absent bo"},
		{"an analyst counts once", []vote{{"ana", true}, {"ana", true}, {"bo", false}}, nil, "absent bo"},
		{"the adjudicator decides", []vote{{"ana", true}, {"bo", true}, {"lead", false}}, []string{"lead"}, "absent lead"},
		{"an adjudicator who did not judge: the majority", []vote{{"ana", false}, {"bo", false}, {"cy", true}}, []string{"lead"}, "absent bo"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			s, _ := newTechniqueStore(t)
			if err := s.SetAdjudicators(ctx, c.adjudicators); err != nil {
				t.Fatal(err)
			}
			for i, v := range c.votes {
				if _, err := s.AddTechnique(ctx, TechniqueLabel{DocID: "d1", Technique: "T1140", Present: v.present,
					Sentence: sentence, Analyst: v.analyst, CreatedAt: at(i)}); err != nil {
					t.Fatal(err)
				}
			}
			got := currentTechniques(t, s, "d1")
			if want := "d1 T1140 " + c.want; len(got) != 1 || got[0] != want {
				t.Fatalf("in force %q, want %q", got, want)
			}
		})
	}
}

// TestAppendPulledTechniques: teammates' verdicts are appended once
// whatever is pulled twice, wait while their document or verdict is
// missing, a malformed one is counted and dropped; pulled verdicts are
// not this workspace's to push or undo, and they vote in the verdict in
// force.
func TestAppendPulledTechniques(t *testing.T) {
	ctx := context.Background()
	s, path := newTechniqueStore(t)
	db := openDB(t, path)
	created := formatTime(at(0))
	ev := func(seq int64, uid, doc, kind, tech string, present bool, retracts string) PulledEvent {
		return PulledEvent{Seq: seq, SharedEvent: SharedEvent{UID: uid, Workspace: "ws-ben", DocID: doc, Kind: kind,
			Technique: tech, Present: present, Sentence: "It decodes with certutil.", Analyst: "ben", CreatedAt: created,
			Origin: "tui", RetractsUID: retracts}}
	}
	batch := []PulledEvent{
		ev(1, "u1", "d1", "label", "T1140", true, ""),
		ev(2, "u2", "d1", "retract", "T1140", false, "u1"),
		ev(3, "u3", "d3", "label", "T1105", false, ""),     // d3 is not here yet
		ev(4, "u4", "d2", "retract", "T1027", false, "u9"), // undoes a verdict not received yet
		ev(5, "u5", "d2", "label", "certutil", true, ""),   // no technique id
		ev(6, "u6", "d2", "label", "t1140", true, ""),
	}
	tests := []struct {
		name string
		evs  []PulledEvent
		do   func()
		want AppendResult
	}{
		{"first pull", batch, nil, AppendResult{Appended: 3, Waiting: 2, Failed: 1}},
		{"the same pull again", batch, nil, AppendResult{Already: 3, Waiting: 2, Failed: 1}},
		{"d3 arrives", nil, func() { addDocs(t, db, "d3") }, AppendResult{Appended: 1, Waiting: 1}},
		{"the undone verdict arrives", []PulledEvent{ev(9, "u9", "d2", "label", "T1027", true, "")}, nil, AppendResult{Appended: 2}},
	}
	for _, tt := range tests {
		if tt.do != nil {
			tt.do()
		}
		got, err := s.AppendPulledTechniques(ctx, tt.evs, int64(len(tt.evs)))
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got != tt.want {
			t.Errorf("%s: %+v, want %+v", tt.name, got, tt.want)
		}
	}
	if got, want := strings.Join(currentTechniques(t, s, ""), "|"), "d2 T1140 present ben|d3 T1105 absent ben"; got != want {
		t.Errorf("in force %q, want %q", got, want)
	}
	if evs, _, err := s.UnpushedTechniques(ctx, "ws-ana", 10); err != nil || len(evs) != 0 {
		t.Errorf("unpushed after a pull: %v %v", evs, err)
	}
	if _, err := s.UndoTechnique(ctx, "ben"); !errors.Is(err, ErrNothingToUndo) {
		t.Errorf("undo of ben's pulled verdict: %v, want nothing to undo", err)
	}
	// Two local analysts against ben's pulled verdict: the majority.
	for _, who := range []string{"ana", "cy"} {
		if _, err := s.AddTechnique(ctx, TechniqueLabel{DocID: "d2", Technique: "T1140", Present: false,
			Sentence: "It decodes with certutil.", Analyst: who, CreatedAt: at(-5)}); err != nil {
			t.Fatal(err)
		}
	}
	if got := currentTechniques(t, s, "d2"); len(got) != 1 || got[0] != "d2 T1140 absent cy" {
		t.Errorf("d2 in force %q, want the majority's absent", got)
	}
	evs, last, err := s.UnpushedTechniques(ctx, "ws-ana", 10)
	if err != nil || len(evs) != 2 || evs[0].Analyst != "ana" || evs[0].Technique != "T1140" || evs[0].Present || evs[0].Workspace != "ws-ana" || evs[0].UID == "" {
		t.Fatalf("unpushed %+v %v", evs, err)
	}
	if err := s.MarkTechniquesPushed(ctx, last); err != nil {
		t.Fatal(err)
	}
	if evs, _, _ := s.UnpushedTechniques(ctx, "ws-ana", 10); len(evs) != 0 {
		t.Fatalf("unpushed after marking: %+v", evs)
	}
	// An undo travels naming the verdict it takes back.
	if _, err := s.UndoTechnique(ctx, "cy"); err != nil {
		t.Fatal(err)
	}
	evs, _, err = s.UnpushedTechniques(ctx, "ws-ana", 10)
	if err != nil || len(evs) != 1 || evs[0].Kind != "retract" || evs[0].RetractsUID == "" {
		t.Fatalf("unpushed undo %+v %v", evs, err)
	}
	st, err := s.TechniqueShareState(ctx)
	if err != nil || st.PulledThrough != 6 || st.Waiting != 0 {
		t.Fatalf("share state %+v %v", st, err)
	}
}
