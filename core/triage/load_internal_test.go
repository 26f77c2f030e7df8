package triage

import (
	"context"
	"testing"
	"time"

	"github.com/cyberstreams/cyberstreams/core/workspace/workspacetest"
)

// TestQueueQueriesReadCoveringIndexes checks that the queue never reads
// the wide document rows, nor sorts: a column added to a query but not to
// its index, or an index dropped, fails here rather than quietly making
// the queue slow again. (The workspace tests the scores half.)
func TestQueueQueriesReadCoveringIndexes(t *testing.T) {
	ctx := context.Background()
	ws := workspacetest.Open(t)
	for _, tc := range []struct{ query, want string }{
		{queueDocumentsQuery, "SCAN documents USING COVERING INDEX documents_queue"},
	} {
		rows, err := ws.DB().QueryContext(ctx, `EXPLAIN QUERY PLAN `+tc.query)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		if len(plan) != 1 || plan[0] != tc.want {
			t.Errorf("%s\nplan %q, want only %q", tc.query, plan, tc.want)
		}
	}
}

func TestParseTimeMatchesTimeParse(t *testing.T) {
	for _, s := range []string{
		"", "2025-01-01T00:00:00Z", "2025-06-01T12:34:56.123456789Z", "2025-06-01T12:34:56.1Z", "2025-06-01T12:34:56.120Z",
		"2024-02-29T23:59:59Z", "2023-02-29T00:00:00Z", "2025-04-31T00:00:00Z", "2025-12-31T23:59:59.999999999Z",
		"2000-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "0000-01-01T00:00:00Z", "9999-12-31T23:59:59Z",
		"2025-13-01T00:00:00Z", "2025-00-01T00:00:00Z", "2025-01-00T00:00:00Z", "2025-01-01T24:00:00Z",
		"2025-01-01T00:60:00Z", "2025-01-01T00:00:60Z", "2025-01-01T00:00:00.Z", "2025-01-01T00:00:00.1234567891Z",
		"2025-01-01T00:00:00,5Z", "2025-01-01T00:00:00z", "2025-01-01T00:00:00+01:00", "2025-01-01 00:00:00Z",
		"2025-1-01T00:00:00Z", "+025-01-01T00:00:00Z", "2025-01-01T00:00:00.-1Z", "not a time at all, long enough",
	} {
		for _, layout := range []string{time.RFC3339, time.RFC3339Nano} {
			want, _ := time.Parse(layout, s)
			if got := parseTime(s, layout); got != want {
				t.Errorf("parseTime(%q, %s) = %v, time.Parse gives %v", s, layout, got, want)
			}
		}
	}
}

func FuzzParseTime(f *testing.F) {
	f.Add("2025-06-01T12:34:56.123456789Z")
	f.Add("2024-02-29T00:00:00Z")
	f.Fuzz(func(t *testing.T, s string) {
		for _, layout := range []string{time.RFC3339, time.RFC3339Nano} {
			want, _ := time.Parse(layout, s)
			if got := parseTime(s, layout); got != want {
				t.Fatalf("parseTime(%q, %s) = %v, time.Parse gives %v", s, layout, got, want)
			}
		}
	})
}
