package labels

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

// testDSN copies the workspace's connection settings (core/workspace.DSN):
// labels cannot import core, and core imports labels.
func testDSN(path string) string {
	return "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)" +
		"&_pragma=busy_timeout(10000)&_pragma=synchronous(FULL)&_txlock=immediate"
}

// createSchema builds the smallest workspace the store needs: a documents
// table for the foreign key and the label migrations applied in order.
func createSchema(t testing.TB, db *sql.DB) {
	t.Helper()
	steps := append([]string{`CREATE TABLE documents (id TEXT PRIMARY KEY)`}, Migrations()...)
	for i, s := range steps {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("schema step %d: %v", i+1, err)
		}
	}
}

// scores stands in for the workspace's scores: document → model version
// and severity.
type scores map[string][2]string

func (sc scores) Prediction(_ context.Context, docID string) (string, string, bool, error) {
	p, ok := sc[docID]
	return p[0], p[1], ok, nil
}

func (sc scores) PredictedSeverities(_ context.Context, docIDs []string) (map[string]string, error) {
	out := map[string]string{}
	for _, id := range docIDs {
		if p, ok := sc[id]; ok {
			out[id] = p[1]
		}
	}
	return out, nil
}

func openDB(t testing.TB, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", testDSN(path))
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(4)
	t.Cleanup(func() { db.Close() })
	return db
}

func addDocs(t testing.TB, db *sql.DB, ids ...string) {
	t.Helper()
	for _, id := range ids {
		if _, err := db.Exec(`INSERT INTO documents(id) VALUES (?)`, id); err != nil {
			t.Fatal(err)
		}
	}
}

// newTestStore opens a fresh store with documents d1…d5 whose scores say
// the model called d1 "high" and d2 "low".
func newTestStore(t testing.TB) (*Store, *sql.DB) {
	t.Helper()
	db := openDB(t, filepath.Join(t.TempDir(), "ws.db"))
	createSchema(t, db)
	addDocs(t, db, "d1", "d2", "d3", "d4", "d5")
	return New(db).WithPredictions(scores{"d1": {"v7", "high"}, "d2": {"v7", "low"}}), db
}

var t0 = time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)

func at(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }

func mustAdd(t *testing.T, s *Store, doc, sev, analyst string, when time.Time) Event {
	t.Helper()
	e, err := s.Add(context.Background(), Event{DocID: doc, Severity: sev, Analyst: analyst, CreatedAt: when, Origin: "cli"})
	if err != nil {
		t.Fatalf("add %s %s %s: %v", doc, sev, analyst, err)
	}
	return e
}

func TestParseSeverity(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"critical", "critical", true},
		{" High ", "high", true},
		{"1", "critical", true},
		{"5", "informational", true},
		{"3", "medium", true},
		{"0", "", false},
		{"6", "", false},
		{"severe", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, err := ParseSeverity(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseSeverity(%q) = %q, %v; want %q ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestAddValidates(t *testing.T) {
	s, _ := newTestStore(t)
	ctx := context.Background()
	tests := []struct {
		name    string
		e       Event
		wantErr string
	}{
		{"unknown document", Event{DocID: "nope", Severity: "high", Analyst: "ana"}, "label: unknown document nope"},
		{"unknown severity", Event{DocID: "d1", Severity: "severe", Analyst: "ana"}, `unknown severity "severe"`},
		{"no analyst", Event{DocID: "d1", Severity: "high", Analyst: "  "}, "analyst name is required"},
		{"bad origin", Event{DocID: "d1", Severity: "high", Analyst: "ana", Origin: "email"}, `unknown origin "email"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Add(ctx, tt.e)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("got %v, want error containing %q", err, tt.wantErr)
			}
		})
	}
	st, err := s.Stats(ctx)
	if err != nil || st.Events != 0 {
		t.Fatalf("refused labels were stored: %+v %v", st, err)
	}
}

func TestAddFillsDefaultsAndModelScore(t *testing.T) {
	s, _ := newTestStore(t)
	ctx := context.Background()
	before := time.Now().UTC()
	e, err := s.Add(ctx, Event{DocID: "d1", Severity: "2", Analyst: "ana", Note: "seen exploited"})
	if err != nil {
		t.Fatal(err)
	}
	if e.ID == 0 || e.Severity != "high" || e.Origin != "api" || e.CreatedAt.Before(before) ||
		e.ModelVersion != "v7" || e.Predicted != "high" {
		t.Fatalf("defaults not filled: %+v", e)
	}
	got, ok, err := s.Current(ctx, "d1")
	if err != nil || !ok {
		t.Fatalf("current: %v %v", ok, err)
	}
	if !got.CreatedAt.Equal(e.CreatedAt) || got.Note != "seen exploited" || got.ModelVersion != "v7" || got.ID != e.ID {
		t.Fatalf("stored label differs: got %+v, added %+v", got, e)
	}
	// An unscored document records no prediction; a caller's values win.
	e3 := mustAdd(t, s, "d3", "low", "ana", at(0))
	if e3.ModelVersion != "" || e3.Predicted != "" {
		t.Fatalf("unscored document got a prediction: %+v", e3)
	}
	e2, err := s.Add(ctx, Event{DocID: "d2", Severity: "low", Analyst: "ana", ModelVersion: "v6", Predicted: "medium"})
	if err != nil || e2.ModelVersion != "v6" || e2.Predicted != "medium" {
		t.Fatalf("caller's model fields overwritten: %+v %v", e2, err)
	}
}

func TestAddWithoutPredictions(t *testing.T) {
	db := openDB(t, filepath.Join(t.TempDir(), "ws.db"))
	createSchema(t, db)
	addDocs(t, db, "d1")
	s := New(db)
	e := mustAdd(t, s, "d1", "medium", "ana", at(0))
	if e.Predicted != "" {
		t.Fatalf("prediction without predictions: %+v", e)
	}
	got, err := s.CurrentAll(context.Background(), Filter{DisagreeingWithModel: true})
	if err != nil || len(got) != 0 {
		t.Fatalf("disagreeing without scores: %v %v", got, err)
	}
	// What was recorded at label time still counts.
	addDocs(t, db, "d2", "d3")
	for _, e := range []Event{{DocID: "d2", Severity: "low", Predicted: "high"}, {DocID: "d3", Severity: "low", Predicted: "low"}} {
		e.Analyst, e.CreatedAt, e.ModelVersion = "ana", at(1), "v1"
		if _, err := s.Add(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
	got, err = s.CurrentAll(context.Background(), Filter{DisagreeingWithModel: true, Limit: 5})
	if err != nil || len(got) != 1 || got[0].DocID != "d2" {
		t.Fatalf("disagreeing by recorded predictions: %+v %v", got, err)
	}
}

func TestCurrentAndUndo(t *testing.T) {
	ctx := context.Background()
	type step struct {
		add              []string // doc, severity, analyst, minute offset
		undo             string   // analyst
		undoErr          error
		wantDoc, wantSev string // current label of wantDoc after the step ("" = none)
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"latest label wins across analysts", []step{
			{add: []string{"d1", "high", "ana", "0"}, wantDoc: "d1", wantSev: "high"},
			{add: []string{"d1", "low", "bob", "5"}, wantDoc: "d1", wantSev: "low"},
		}},
		{"an older label given later does not win", []step{
			{add: []string{"d1", "high", "ana", "10"}, wantDoc: "d1", wantSev: "high"},
			{add: []string{"d1", "low", "bob", "5"}, wantDoc: "d1", wantSev: "high"},
		}},
		{"same instant: entry order breaks the tie", []step{
			{add: []string{"d1", "high", "ana", "1"}, wantDoc: "d1", wantSev: "high"},
			{add: []string{"d1", "medium", "bob", "1"}, wantDoc: "d1", wantSev: "medium"},
		}},
		{"undo restores the previous label", []step{
			{add: []string{"d1", "high", "ana", "0"}, wantDoc: "d1", wantSev: "high"},
			{add: []string{"d1", "critical", "ana", "1"}, wantDoc: "d1", wantSev: "critical"},
			{undo: "ana", wantDoc: "d1", wantSev: "high"},
			{undo: "ana", wantDoc: "d1", wantSev: ""},
			{undo: "ana", undoErr: ErrNothingToUndo, wantDoc: "d1", wantSev: ""},
		}},
		{"undo is per analyst", []step{
			{add: []string{"d1", "high", "ana", "0"}, wantDoc: "d1", wantSev: "high"},
			{add: []string{"d2", "low", "bob", "1"}, wantDoc: "d2", wantSev: "low"},
			{undo: "ana", wantDoc: "d2", wantSev: "low"},
			{undo: "carol", undoErr: ErrNothingToUndo, wantDoc: "d2", wantSev: "low"},
		}},
		{"undo retracts the latest entered, not the latest dated", []step{
			{add: []string{"d1", "high", "ana", "10"}, wantDoc: "d1", wantSev: "high"},
			{add: []string{"d2", "low", "ana", "0"}, wantDoc: "d2", wantSev: "low"},
			{undo: "ana", wantDoc: "d2", wantSev: ""},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newTestStore(t)
			for i, st := range tt.steps {
				if st.add != nil {
					min, err := strconv.Atoi(st.add[3])
					if err != nil {
						t.Fatal(err)
					}
					mustAdd(t, s, st.add[0], st.add[1], st.add[2], at(min))
				}
				if st.undo != "" {
					_, err := s.Undo(ctx, st.undo)
					if !errors.Is(err, st.undoErr) {
						t.Fatalf("step %d: undo error %v, want %v", i, err, st.undoErr)
					}
				}
				got, ok, err := s.Current(ctx, st.wantDoc)
				if err != nil {
					t.Fatal(err)
				}
				if ok != (st.wantSev != "") || got.Severity != st.wantSev {
					t.Fatalf("step %d: current of %s = %q (found %v), want %q", i, st.wantDoc, got.Severity, ok, st.wantSev)
				}
			}
		})
	}
}

func TestUndoReturnsTheRetractedLabel(t *testing.T) {
	s, db := newTestStore(t)
	ctx := context.Background()
	e := mustAdd(t, s, "d4", "medium", "ana", at(0))
	got, err := s.Undo(ctx, "ana")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != e.ID || got.DocID != "d4" || got.Severity != "medium" {
		t.Fatalf("undo returned %+v, want label %d", got, e.ID)
	}
	// The retraction is an event of its own, and a label is retracted once.
	var kind, origin string
	var retracts int64
	if err := db.QueryRow(`SELECT kind, origin, retracts FROM label_events WHERE id = (SELECT max(id) FROM label_events)`).
		Scan(&kind, &origin, &retracts); err != nil {
		t.Fatal(err)
	}
	if kind != "retract" || retracts != e.ID || origin != "cli" {
		t.Fatalf("retraction event: %s %s %d", kind, origin, retracts)
	}
	_, err = db.Exec(`INSERT INTO label_events(doc_id, kind, analyst, created_at, origin, retracts)
		VALUES ('d4', 'retract', 'bob', 'x', 'cli', ?)`, e.ID)
	if err == nil {
		t.Fatal("a label was retracted twice")
	}
}

func TestCurrentAllFilters(t *testing.T) {
	s, _ := newTestStore(t)
	ctx := context.Background()
	mustAdd(t, s, "d1", "critical", "ana", at(0)) // model said high: disagrees
	mustAdd(t, s, "d2", "low", "bob", at(1))      // model said low: agrees
	mustAdd(t, s, "d3", "high", "ana", at(2))     // unscored, no prediction
	mustAdd(t, s, "d4", "medium", "bob", at(3))
	mustAdd(t, s, "d4", "high", "ana", at(4)) // d4 now ana's
	if _, err := s.Add(ctx, Event{DocID: "d5", Severity: "low", Analyst: "bob", CreatedAt: at(5),
		ModelVersion: "v6", Predicted: "high"}); err != nil { // unscored now, disagreed with v6
		t.Fatal(err)
	}
	tests := []struct {
		name string
		f    Filter
		want string // doc ids, newest first
	}{
		{"all", Filter{}, "d5 d4 d3 d2 d1"},
		{"analyst", Filter{Analyst: "ana"}, "d4 d3 d1"},
		{"severity", Filter{Severity: "high"}, "d4 d3"},
		{"severity digit", Filter{Severity: "1"}, "d1"},
		{"since", Filter{Since: at(3)}, "d5 d4"},
		{"disagreeing", Filter{DisagreeingWithModel: true}, "d5 d1"},
		{"disagreeing, limited", Filter{DisagreeingWithModel: true, Limit: 1}, "d5"},
		{"disagreeing, by analyst", Filter{DisagreeingWithModel: true, Analyst: "ana"}, "d1"},
		{"limit", Filter{Limit: 2}, "d5 d4"},
		{"combined", Filter{Analyst: "bob", Since: at(1)}, "d5 d2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.CurrentAll(ctx, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, e := range got {
				ids = append(ids, e.DocID)
			}
			if strings.Join(ids, " ") != tt.want {
				t.Fatalf("got %v, want %s", ids, tt.want)
			}
		})
	}
	if _, err := s.CurrentAll(ctx, Filter{Severity: "bad"}); err == nil {
		t.Fatal("bad severity filter accepted")
	}
}

func TestStatsAndSince(t *testing.T) {
	s, _ := newTestStore(t)
	ctx := context.Background()
	mustAdd(t, s, "d1", "high", "ana", at(0))
	mustAdd(t, s, "d2", "low", "bob", at(1))
	mark, err := s.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if mark.Events != 2 || mark.Current != 2 || mark.MaxEventID == 0 {
		t.Fatalf("stats: %+v", mark)
	}
	mustAdd(t, s, "d1", "critical", "bob", at(2)) // d1 changes
	mustAdd(t, s, "d3", "medium", "ana", at(3))   // d3 is new
	if _, err := s.Undo(ctx, "ana"); err != nil { // d3 loses its only label
		t.Fatal(err)
	}
	changed, err := s.Since(ctx, mark.MaxEventID)
	if err != nil {
		t.Fatal(err)
	}
	if len(changed) != 2 || changed[0].DocID != "d1" || changed[0].Severity != "critical" ||
		changed[1].DocID != "d3" || changed[1].Severity != "" {
		t.Fatalf("since: %+v", changed)
	}
	st, err := s.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []AnalystStats{{"ana", 2, 1, 0}, {"bob", 2, 0, 2}}
	if st.Events != 5 || st.Labels != 4 || st.Retracts != 1 || st.Current != 2 || len(st.Analysts) != 2 ||
		st.Analysts[0] != want[0] || st.Analysts[1] != want[1] {
		t.Fatalf("stats: %+v", st)
	}
	if all, _ := s.Since(ctx, 0); len(all) != 3 {
		t.Fatalf("since 0: %+v", all)
	}
}

// BenchmarkAdd measures one durable label: the analyst's key press to the
// label being on disk.
func BenchmarkAdd(b *testing.B) {
	s, _ := newTestStore(b)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.Add(ctx, Event{DocID: "d1", Severity: Severities[i%5], Analyst: "ana"}); err != nil {
			b.Fatal(err)
		}
	}
}

func TestCurrentSeverities(t *testing.T) {
	s, _ := newTestStore(t)
	ctx := context.Background()
	mustAdd(t, s, "d1", "critical", "ana", at(0))
	mustAdd(t, s, "d1", "low", "bob", at(1)) // the latest label wins, whoever gave it
	mustAdd(t, s, "d2", "high", "ana", at(2))
	mustAdd(t, s, "d3", "medium", "ana", at(3))
	if _, err := s.Undo(ctx, "ana"); err != nil { // retracts d3
		t.Fatal(err)
	}
	got, err := s.CurrentSeverities(ctx)
	if want := map[string]string{"d1": "low", "d2": "high"}; err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("CurrentSeverities = %v, %v; want %v", got, err, want)
	}
	for id, sev := range got {
		if e, ok, err := s.Current(ctx, id); err != nil || !ok || e.Severity != sev {
			t.Fatalf("Current(%s) = %+v %v %v, CurrentSeverities says %s", id, e, ok, err, sev)
		}
	}
}

func TestEachLiveAndFirstLabelled(t *testing.T) {
	s, _ := newTestStore(t)
	ctx := context.Background()
	mustAdd(t, s, "d1", "critical", "ana", at(5))
	mustAdd(t, s, "d1", "low", "bob", at(2)) // given later, dated earlier (an import)
	mustAdd(t, s, "d2", "high", "ana", at(7))
	mustAdd(t, s, "d3", "medium", "ana", at(9))
	if _, err := s.Undo(ctx, "ana"); err != nil { // retracts d3
		t.Fatal(err)
	}
	var live []string
	if err := s.EachLive(ctx, func(e Event) error {
		live = append(live, e.DocID+":"+e.Severity)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	slices.Sort(live)
	if want := []string{"d1:critical", "d1:low", "d2:high"}; !slices.Equal(live, want) {
		t.Fatalf("live labels %v, want %v", live, want)
	}
	first, err := s.FirstLabelled(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(first) != 2 || !first["d1"].Equal(at(2)) || !first["d2"].Equal(at(7)) {
		t.Fatalf("first labels %v", first)
	}
}
