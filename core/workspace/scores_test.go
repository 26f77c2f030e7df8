package workspace

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/cyberstreams/cyberstreams/core/document"
)

// scoredWorkspace holds documents a…e (published on two days, c and d
// with the source's severity) and scores of a, b and c.
func scoredWorkspace(t *testing.T) *Workspace {
	t.Helper()
	ctx := context.Background()
	ws := openTemp(t)
	day1, day2 := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC), time.Date(2025, 3, 2, 9, 0, 0, 0, time.UTC)
	docs := []document.Document{
		{ID: "a", Title: "a", Body: "a", Published: day1},
		{ID: "b", Title: "b", Body: "b", Published: day1},
		{ID: "c", Title: "c", Body: "c", Published: day2, Severity: "low"},
		{ID: "d", Title: "d", Body: "d", Published: day2, Severity: "medium"},
		{ID: "e", Title: "e", Body: "e"},
	}
	if _, err := ws.PutDocuments(ctx, docs); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2025, 3, 3, 0, 0, 0, 0, time.UTC)
	if err := ws.PutScores(ctx, []Score{
		{DocID: "a", Model: "v1", Basis: "v1", Severity: "high", Confidence: 0.7, Probabilities: `{"high":0.7}`, ScoredAt: at},
		{DocID: "b", Model: "v1", Basis: "v1", Severity: "critical", Confidence: 0.9, Probabilities: `{"critical":0.9}`, ScoredAt: at},
		{DocID: "c", Model: "v0", Basis: "v0", Severity: "high", Confidence: 0.5, Probabilities: `{"high":0.5}`, ScoredAt: at},
	}); err != nil {
		t.Fatal(err)
	}
	return ws
}

func TestScoreRoundTripAndReplace(t *testing.T) {
	ctx := context.Background()
	ws := scoredWorkspace(t)
	want := Score{DocID: "a", Model: "v2", Basis: "v2", Severity: "low", Confidence: 0.6, Margin: 0.2, Novelty: 0.3,
		Probabilities: `{"low":0.6}`, Explanation: `{"class":"low"}`, ScoredAt: time.Date(2025, 4, 1, 1, 2, 3, 4, time.UTC),
		Exploitation: 0.0123, ExploitationHorizon: 30, PatchPriority: 0.0456}
	if err := ws.PutScores(ctx, []Score{want}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		id     string
		want   Score
		wantOK bool
	}{
		{"a", want, true},
		{"e", Score{}, false},
		{"no such document", Score{}, false},
	} {
		got, ok, err := ws.Score(ctx, tc.id)
		if err != nil || ok != tc.wantOK || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Score(%s) = %+v, %v, %v; want %+v, %v", tc.id, got, ok, err, tc.want, tc.wantOK)
		}
	}
	// The queue reads the likelihood from its covering index too.
	err := ws.EachQueueScore(ctx, func(s *Score) error {
		if s.DocID == "a" && (s.Exploitation != want.Exploitation || s.ExploitationHorizon != want.ExploitationHorizon || s.PatchPriority != want.PatchPriority) {
			t.Errorf("queue score of a: exploitation %v over %d days, priority %v; want %v, %d, %v", s.Exploitation, s.ExploitationHorizon,
				s.PatchPriority, want.Exploitation, want.ExploitationHorizon, want.PatchPriority)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := ws.ScoreCount(ctx); err != nil || n != 3 {
		t.Fatalf("%d scores (%v) after replacing one of three", n, err)
	}
	// A score stored without reasons reads back with an empty explanation
	// object, and without a time it gets the time of storing.
	if err := ws.PutScores(ctx, []Score{{DocID: "e", Model: "v2", Severity: "low", Probabilities: "{}"}}); err != nil {
		t.Fatal(err)
	}
	got, _, err := ws.Score(ctx, "e")
	if err != nil || got.Explanation != "{}" || got.ScoredAt.IsZero() {
		t.Fatalf("score without reasons: %+v %v", got, err)
	}
	if err := ws.PutScores(ctx, []Score{{DocID: "nope", Model: "v2", Severity: "low", Probabilities: "{}"}}); err == nil {
		t.Fatal("a score of an unknown document was stored")
	}
}

func TestScoreQueries(t *testing.T) {
	ctx := context.Background()
	ws := scoredWorkspace(t)

	queue := map[string]Score{}
	if err := ws.EachQueueScore(ctx, func(s *Score) error { queue[s.DocID] = *s; return nil }); err != nil {
		t.Fatal(err)
	}
	if want := (Score{DocID: "b", Severity: "critical", Confidence: 0.9, Probabilities: `{"critical":0.9}`}); len(queue) != 3 || !reflect.DeepEqual(queue["b"], want) {
		t.Errorf("queue scores %+v", queue)
	}

	sev, err := ws.ScoredSeverities(ctx)
	if want := map[string]string{"a": "high", "b": "critical", "c": "high"}; err != nil || !maps.Equal(sev, want) {
		t.Errorf("ScoredSeverities %v %v, want %v", sev, err, want)
	}
	some, err := ws.PredictedSeverities(ctx, []string{"a", "d", "zz"})
	if want := map[string]string{"a": "high"}; err != nil || !maps.Equal(some, want) {
		t.Errorf("PredictedSeverities %v %v, want %v", some, err, want)
	}
	if m, s, ok, err := ws.Prediction(ctx, "c"); err != nil || !ok || m != "v0" || s != "high" {
		t.Errorf("Prediction(c) = %s %s %v %v", m, s, ok, err)
	}
	if _, _, ok, err := ws.Prediction(ctx, "d"); err != nil || ok {
		t.Errorf("Prediction of an unscored document: %v %v", ok, err)
	}

	for _, tc := range []struct {
		version string
		want    []string
	}{
		{"v1", []string{"c", "d", "e"}},
		{"v0", []string{"a", "b", "d", "e"}},
		{"v9", []string{"a", "b", "c", "d", "e"}},
	} {
		need, err := ws.Unscored(ctx, tc.version)
		if got := slices.Sorted(maps.Keys(need)); err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("Unscored(%s) = %v %v, want %v", tc.version, got, err, tc.want)
		}
	}

	for _, tc := range []struct {
		version    string
		ids        []string
		want       map[string]int
		wantScored int
	}{
		{"v1", []string{"a", "b", "c", "d"}, map[string]int{"high": 1, "critical": 1}, 2},
		{"v0", []string{"a", "b", "c"}, map[string]int{"high": 1}, 1},
		{"v1", nil, map[string]int{}, 0},
	} {
		got, scored, err := ws.SeverityCounts(ctx, tc.version, tc.ids)
		if err != nil || scored != tc.wantScored || !maps.Equal(got, tc.want) {
			t.Errorf("SeverityCounts(%s, %v) = %v %d %v, want %v %d", tc.version, tc.ids, got, scored, err, tc.want, tc.wantScored)
		}
	}

	var times []time.Time
	if err := ws.EachScoreTime(ctx, func(t time.Time) error { times = append(times, t); return nil }); err != nil || len(times) != 3 ||
		!times[0].Equal(time.Date(2025, 3, 3, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("score times %v %v", times, err)
	}

	days, err := ws.DailySeverityCounts(ctx)
	slices.SortFunc(days, func(x, y DayCount) int {
		if x.Day != y.Day {
			return cmp.Compare(x.Day, y.Day)
		}
		return cmp.Compare(x.Severity, y.Severity)
	})
	// d: the source's medium; c: the source's low wins over its score; e:
	// no published date.
	want := []DayCount{{"2025-03-01", "critical", 1, ""}, {"2025-03-01", "high", 1, ""}, {"2025-03-02", "low", 1, ""}, {"2025-03-02", "medium", 1, ""}}
	if err != nil || !slices.Equal(days, want) {
		t.Errorf("DailySeverityCounts %v %v, want %v", days, err, want)
	}
}

// TestSeverityCountsChunks: more ids than one query binds.
func TestSeverityCountsChunks(t *testing.T) {
	ctx := context.Background()
	ws := openTemp(t)
	n := 2*idChunk + 7
	docs := make([]document.Document, n)
	scores := make([]Score, n)
	ids := make([]string, n)
	for i := range docs {
		ids[i] = fmt.Sprintf("doc-%04d", i)
		docs[i] = document.Document{ID: ids[i], Title: ids[i], Body: "x"}
		scores[i] = Score{DocID: ids[i], Model: "v1", Severity: document.Severities[i%5], Probabilities: "{}"}
	}
	if _, err := ws.PutDocuments(ctx, docs); err != nil {
		t.Fatal(err)
	}
	if err := ws.PutScores(ctx, scores); err != nil {
		t.Fatal(err)
	}
	counts, scored, err := ws.SeverityCounts(ctx, "v1", ids)
	if err != nil || scored != n || counts["critical"] != (n+4)/5 {
		t.Fatalf("counts %v, %d scored (%v); want %d", counts, scored, err, n)
	}
	sev, err := ws.PredictedSeverities(ctx, ids)
	if err != nil || len(sev) != n {
		t.Fatalf("%d predicted severities (%v), want %d", len(sev), err, n)
	}
}

// TestQueueScoresReadTheCoveringIndex: loading the triage queue never
// reads the wide score rows (explanations); a column added to the query
// but not to scores_queue fails here.
func TestQueueScoresReadTheCoveringIndex(t *testing.T) {
	ws := openTemp(t)
	rows, err := ws.DB().QueryContext(context.Background(), `EXPLAIN QUERY PLAN `+queueScoresQuery)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if want := "SCAN scores USING COVERING INDEX scores_queue"; len(plan) != 1 || plan[0] != want {
		t.Fatalf("plan %q, want only %q", plan, want)
	}
}

func TestIngestedAt(t *testing.T) {
	ctx := context.Background()
	ws := scoredWorkspace(t) // ingested just now
	got, err := ws.IngestedAt(ctx, []string{"a", "e", "nope"})
	if err != nil || len(got) != 2 || got["a"].IsZero() || got["e"].IsZero() {
		t.Fatalf("IngestedAt = %v, %v; want times for a and e only", got, err)
	}
	if now := time.Now(); got["a"].After(now) || got["a"].Before(now.Add(-time.Hour)) {
		t.Fatalf("document a ingested at %v, not during this test (%v)", got["a"], now)
	}
}

// A score whose document names no CVE says so when read back, through the
// wide row and the queue's index alike, and a likelihood of 0 stays a
// likelihood.
func TestScoreNoCVERoundTrip(t *testing.T) {
	ctx := context.Background()
	ws := scoredWorkspace(t)
	put := []Score{
		{DocID: "a", Model: "v2", Basis: "v2", Severity: "low", Probabilities: `{"low":1}`, ExploitationHorizon: 30, NoCVE: true},
		{DocID: "b", Model: "v2", Basis: "v2", Severity: "low", Probabilities: `{"low":1}`, ExploitationHorizon: 30},
	}
	if err := ws.PutScores(ctx, put); err != nil {
		t.Fatal(err)
	}
	for _, want := range put {
		got, ok, err := ws.Score(ctx, want.DocID)
		if err != nil || !ok || got.NoCVE != want.NoCVE || got.Exploitation != 0 || got.ExploitationHorizon != 30 {
			t.Errorf("Score(%s) = %+v, %v, %v; want no_cve %v", want.DocID, got, ok, err, want.NoCVE)
		}
	}
	seen := 0
	err := ws.EachQueueScore(ctx, func(s *Score) error {
		for _, want := range put {
			if s.DocID == want.DocID {
				seen++
				if s.NoCVE != want.NoCVE || s.Exploitation != 0 {
					t.Errorf("queue score of %s: no_cve %v, exploitation %v; want %v, 0", s.DocID, s.NoCVE, s.Exploitation, want.NoCVE)
				}
			}
		}
		return nil
	})
	if err != nil || seen != 2 {
		t.Fatalf("queue read %d of the 2 scores (%v)", seen, err)
	}
}
