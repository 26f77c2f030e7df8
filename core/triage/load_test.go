package triage_test

import (
	"cmp"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/scoring"
	"github.com/cyberstreams/cyberstreams/core/termsafe"
	"github.com/cyberstreams/cyberstreams/core/triage"
	"github.com/cyberstreams/cyberstreams/core/triage/triagetest"
)

// itemsAsBefore is the queue as Items loaded it before it read covering
// indexes and merged two scans: one join over the tables, times through
// time.Parse, probabilities through encoding/json, in the tables' order.
func itemsAsBefore(t *testing.T, s *triage.Session) []triage.Item {
	t.Helper()
	ctx := context.Background()
	db := s.Workspace().DB()
	current := map[string]string{}
	lrows, err := db.QueryContext(ctx, `SELECT doc_id, severity FROM current_labels`)
	if err != nil {
		t.Fatal(err)
	}
	defer lrows.Close()
	for lrows.Next() {
		var id, sev string
		if err := lrows.Scan(&id, &sev); err != nil {
			t.Fatal(err)
		}
		current[id] = sev
	}
	rows, err := db.QueryContext(ctx, `SELECT d.id, CASE WHEN d.title <> '' THEN d.title ELSE d.headline END, d.source, d.published, d.ingested_at,
		coalesce(s.severity, ''), coalesce(s.confidence, 0), coalesce(s.margin, 0), coalesce(s.novelty, 0),
		coalesce(s.probabilities, ''),
		coalesce(s.exploitation, 0), coalesce(s.exploitation_horizon, 0), coalesce(s.patch_priority, 0)
		FROM documents d LEFT JOIN scores s ON s.doc_id = d.id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []triage.Item
	for rows.Next() {
		var it triage.Item
		var pub, ing, prob string
		if err := rows.Scan(&it.DocID, &it.Title, &it.Source, &pub, &ing, &it.Severity, &it.Confidence, &it.Margin, &it.Novelty, &prob,
			&it.Exploitation, &it.ExploitationHorizon, &it.PatchPriority); err != nil {
			t.Fatal(err)
		}
		if it.Exploitation == -1 { // a document that names no CVE (workspace.Score.NoCVE)
			it.Exploitation, it.NoCVE = 0, true
		}
		if prob != "" {
			var p scoring.Probabilities
			if err := json.Unmarshal([]byte(prob), &p); err != nil {
				t.Fatal(err)
			}
			it.Probabilities = p
		}
		it.Novel = it.Severity != "" && s.Scorer().Novel(it.Novelty) // the flag of the session's model
		it.Title, it.Source = termsafe.Strip(it.Title), termsafe.Strip(it.Source)
		if pub != "" {
			it.Published, _ = time.Parse(time.RFC3339, pub)
		}
		it.IngestedAt, _ = time.Parse(time.RFC3339Nano, ing)
		ps := slices.Sorted(slices.Values(it.Probabilities[:]))
		it.Gap = ps[4] - ps[3]
		it.Label = current[it.DocID]
		switch {
		case it.Label == "":
			it.LabelState = triage.Unlabelled
		case it.Label == it.Severity:
			it.LabelState = triage.Confirmed
		default:
			it.LabelState = triage.Corrected
		}
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestItemsAsBefore checks that Items, and Item for each document, give
// exactly the rows the old single join gave, on workspaces mixing scored
// and unscored documents, confirmations, corrections and undone labels,
// ids whose order differs from the order of ingest, titles with escape
// sequences, and probabilities stored in a form only encoding/json reads.
func TestItemsAsBefore(t *testing.T) {
	ctx := context.Background()
	mustExec := func(t *testing.T, s *triage.Session, q string, args ...any) {
		t.Helper()
		if _, err := s.Workspace().DB().ExecContext(ctx, q, args...); err != nil {
			t.Fatal(err)
		}
	}
	unscored := func(t *testing.T, s *triage.Session) {
		t.Helper()
		docs := []document.Document{
			{ID: "zz-late", Title: "Ingested first, sorted last", Source: "feed.example.com", Published: time.Date(2025, 2, 28, 23, 59, 59, 0, time.UTC)},
			{ID: "aa-early", Title: "\x1b[31mred\x1b[0m title with escapes", Source: "src\x07bell"},
			{ID: "demo-0015", Title: "between demo-001 and demo-002 by bytes", Published: time.Date(2024, 2, 29, 12, 0, 0, 0, time.FixedZone("X", 3600))},
			{ID: "Émile-ünïcode", Title: "non-ASCII id: after every ASCII one", Source: "fëed"},
		}
		for i := range docs {
			docs[i].Body = "body " + docs[i].ID
			docs[i].Finish()
		}
		if _, err := s.Workspace().PutDocuments(ctx, docs); err != nil {
			t.Fatal(err)
		}
	}
	labelled := func(t *testing.T, s *triage.Session) {
		t.Helper()
		first, err := s.Item(ctx, "demo-001")
		if err != nil {
			t.Fatal(err)
		}
		other := "low"
		if first.Severity == "low" {
			other = "high"
		}
		for _, l := range []struct{ doc, sev string }{
			{"demo-001", first.Severity}, // confirmed
			{"demo-002", "informational"},
			{"demo-003", "critical"},
			{"demo-004", other},    // undone below
			{"aa-early", "medium"}, // a label on an unscored document
		} {
			if _, err := s.Label(ctx, l.doc, l.sev, ""); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.Undo(ctx); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name  string
		setup []func(*testing.T, *triage.Session)
	}{
		{"scored demo", nil},
		{"unscored documents", []func(*testing.T, *triage.Session){unscored}},
		{"labels, corrections and an undo", []func(*testing.T, *triage.Session){unscored, labelled}},
		{"probabilities only encoding/json reads", []func(*testing.T, *triage.Session){unscored, labelled, func(t *testing.T, s *triage.Session) {
			mustExec(t, s, `UPDATE scores SET probabilities = '{ "low": 0.25, "critical": 0.75 }' WHERE doc_id = 'demo-005'`)
			mustExec(t, s, `UPDATE scores SET probabilities = ? WHERE doc_id = 'demo-006'`,
				`{"critical":1e-7,"high":0.5,"medium":0.4999999,"low":0,"informational":0}`)
		}}},
		{"a rescore that turns a confirmation into a correction", []func(*testing.T, *triage.Session){unscored, labelled, func(t *testing.T, s *triage.Session) {
			mustExec(t, s, `UPDATE scores SET severity = 'informational', confidence = 0.2 WHERE doc_id = 'demo-001'`)
		}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := triagetest.Demo(t, t.TempDir())
			for _, f := range tc.setup {
				f(t, s)
			}
			want := itemsAsBefore(t, s)
			got, err := s.Items(ctx)
			if err != nil {
				t.Fatal(err)
			}
			// Items did not promise an order before; it does now: by ingest
			// time, then id. The rows are compared in id order.
			if !slices.IsSortedFunc(got, func(a, b triage.Item) int {
				return cmp.Or(a.IngestedAt.Compare(b.IngestedAt), strings.Compare(a.DocID, b.DocID))
			}) {
				t.Errorf("Items not by ingest time and id: %v", ids(got))
			}
			byID := func(a, b triage.Item) int { return strings.Compare(a.DocID, b.DocID) }
			slices.SortFunc(got, byID)
			slices.SortFunc(want, byID)
			if len(got) != len(want) {
				t.Fatalf("%d items, want %d:\n got %v\nwant %v", len(got), len(want), ids(got), ids(want))
			}
			scored, labelledN := 0, 0
			for i := range want {
				if got[i] != want[i] {
					t.Errorf("item %d:\n got %+v\nwant %+v", i, got[i], want[i])
				}
				one, err := s.Item(ctx, want[i].DocID)
				if err != nil || one != want[i] {
					t.Errorf("Item(%s) = %+v, %v\nwant %+v", want[i].DocID, one, err, want[i])
				}
				if want[i].Scored() {
					scored++
				}
				if want[i].Label != "" {
					labelledN++
				}
			}
			if scored == 0 || tc.setup != nil && scored == len(want) || len(tc.setup) > 1 && labelledN == 0 {
				t.Fatalf("set-up did not give what the case is about: %d items, %d scored, %d labelled", len(want), scored, labelledN)
			}
		})
	}
}

// TestItemsIsCancelled checks that a cancelled load fails rather than
// returning a partial queue.
func TestItemsIsCancelled(t *testing.T) {
	s := triagetest.Demo(t, t.TempDir())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if items, err := s.Items(ctx); err == nil {
		t.Fatalf("cancelled load returned %d items and no error", len(items))
	}
}
