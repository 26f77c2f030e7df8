package labels

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// TestAppendPulled: teammates' events are appended once whatever is pulled
// twice, wait while their document or label is missing, and a malformed
// one is counted and dropped without stopping the others.
func TestAppendPulled(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, filepath.Join(t.TempDir(), "ws.db"))
	createSchema(t, db)
	if _, err := db.Exec(`INSERT INTO documents (id) VALUES ('d1'), ('d2')`); err != nil {
		t.Fatal(err)
	}
	s := New(db)
	at := formatTime(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	ev := func(uid, doc, kind, sev, retracts string) PulledEvent {
		return PulledEvent{SharedEvent: SharedEvent{UID: uid, Workspace: "ws-ben", DocID: doc, Kind: kind, Severity: sev,
			Analyst: "ben", CreatedAt: at, Origin: "tui", RetractsUID: retracts}}
	}
	batch := []PulledEvent{
		ev("u1", "d1", "label", "high", ""),
		ev("u2", "d1", "retract", "", "u1"),
		ev("u3", "d3", "label", "low", ""),    // d3 is not here yet
		ev("u4", "d2", "retract", "", "u9"),   // retracts a label not received yet
		ev("u5", "d2", "label", "severe", ""), // no such severity
		ev("u6", "d2", "label", "medium", ""),
	}
	for i := range batch {
		batch[i].Seq = int64(i + 1)
	}
	tests := []struct {
		name string
		evs  []PulledEvent
		do   func()
		want AppendResult
	}{
		{"first pull", batch, nil, AppendResult{Appended: 3, Waiting: 2, Failed: 1}},
		{"the same pull again", batch, nil, AppendResult{Already: 3, Waiting: 2, Failed: 1}},
		{"d3 arrives", nil, func() { db.Exec(`INSERT INTO documents (id) VALUES ('d3')`) }, AppendResult{Appended: 1, Waiting: 1}},
		{"the retracted label arrives", []PulledEvent{{Seq: 9, SharedEvent: ev("u9", "d2", "label", "low", "").SharedEvent}}, nil,
			AppendResult{Appended: 2}},
	}
	for _, tt := range tests {
		if tt.do != nil {
			tt.do()
		}
		got, err := s.AppendPulled(ctx, tt.evs, int64(len(tt.evs)))
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got != tt.want {
			t.Errorf("%s: %+v, want %+v", tt.name, got, tt.want)
		}
	}
	cur, err := s.CurrentSeverities(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]string{"d2": "medium", "d3": "low"}; len(cur) != 2 || cur["d2"] != want["d2"] || cur["d3"] != want["d3"] {
		t.Errorf("current labels %v, want %v", cur, want)
	}
	// Pulled events are not this workspace's to push, nor to undo.
	if evs, _, err := s.Unpushed(ctx, "ws-ana", 10); err != nil || len(evs) != 0 {
		t.Errorf("unpushed after a pull: %v %v", evs, err)
	}
	if _, err := s.Undo(ctx, "ben"); err == nil {
		t.Error("undid ben's pulled label")
	}
}
