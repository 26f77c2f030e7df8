package report

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/workspace"
	"github.com/cyberstreams/cyberstreams/core/workspace/workspacetest"
	"github.com/cyberstreams/cyberstreams/labels"
)

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestWeeklyOnHandMadeHistory(t *testing.T) {
	ctx := context.Background()
	ws := workspacetest.Open(t)
	var docs []document.Document
	for i := 1; i <= 10; i++ {
		docs = append(docs, document.Document{ID: fmt.Sprintf("d%d", i), Title: fmt.Sprintf("advisory %d", i), Body: "text"})
	}
	if _, err := ws.PutDocuments(ctx, docs); err != nil {
		t.Fatal(err)
	}
	db := ws.DB()
	if _, err := db.Exec(`UPDATE documents SET ingested_at = '2024-03-04T00:00:00Z'`); err != nil {
		t.Fatal(err)
	}
	scores := make([]workspace.Score, len(docs)) // ten documents scored in week 10
	for i, d := range docs {
		scores[i] = workspace.Score{DocID: d.ID, Model: "m1", Severity: "medium", Confidence: 0.5, Probabilities: "{}", ScoredAt: at("2024-03-04T01:00:00Z")}
	}
	if err := ws.PutScores(ctx, scores); err != nil {
		t.Fatal(err)
	}
	store := labels.New(db)
	for _, l := range []struct{ doc, sev, pred, at string }{
		{"d1", "critical", "critical", "2024-03-04T02:00:00Z"}, // right, caught; 2 h
		{"d2", "high", "medium", "2024-03-05T00:00:00Z"},       // wrong, missed; 24 h
		{"d3", "medium", "high", "2024-03-06T00:00:00Z"},       // wrong, false positive; 48 h
		{"d4", "low", "low", "2024-03-04T10:00:00Z"},           // right; 10 h
		{"d5", "informational", "", "2024-03-05T12:00:00Z"},    // no prediction; 36 h
		{"d1", "high", "critical", "2024-03-12T00:00:00Z"},     // week 11: relabel, wrong but caught
		{"d6", "critical", "low", "2024-03-13T00:00:00Z"},      // retracted below
	} {
		e := labels.Event{DocID: l.doc, Severity: l.sev, Predicted: l.pred, Analyst: "ana", CreatedAt: at(l.at)}
		if l.pred != "" {
			e.ModelVersion = "m1"
		} else {
			e.ModelVersion = "-" // keep the store from filling in the current score
		}
		if _, err := store.Add(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := store.Undo(ctx, "ana"); err != nil {
		t.Fatal(err)
	}
	weeks, err := Weekly(ctx, ws, Options{Weeks: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(weeks) != 3 || weeks[0].Week != "2024-W09" || weeks[1].Week != "2024-W10" || weeks[2].Week != "2024-W11" {
		t.Fatalf("weeks %+v", weeks)
	}
	if w := weeks[0]; w.Labels != 0 || w.Accuracy != nil || w.FeedbackRatio != nil {
		t.Fatalf("empty week: %+v", w)
	}
	w10, w11 := weeks[1], weeks[2]
	tests := []struct {
		name string
		got  *float64
		want float64
	}{
		{"w10 accuracy", w10.Accuracy, 0.5},
		{"w10 false-positive rate", w10.FalsePositiveRate, 0.5},
		{"w10 detection rate", w10.DetectionRate, 0.5},
		{"w10 feedback ratio", w10.FeedbackRatio, 0.5},
		{"w10 median hours to label", w10.MedianHoursToLabel, 24},
		{"w11 accuracy", w11.Accuracy, 0},
		{"w11 detection rate", w11.DetectionRate, 1},
	}
	for _, tt := range tests {
		if tt.got == nil || *tt.got != tt.want {
			t.Errorf("%s = %v, want %v", tt.name, deref(tt.got), tt.want)
		}
	}
	if w10.Labels != 5 || w10.Judged != 4 || w10.Scored != 10 || w10.TimedDocs != 5 {
		t.Errorf("w10 counts: %+v", w10)
	}
	if w11.Labels != 1 || w11.FalsePositiveRate != nil || w11.FeedbackRatio != nil || w11.MedianHoursToLabel != nil {
		t.Errorf("w11 (retracted label must not count, no scores, no first labels): %+v", w11)
	}
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

func TestISOWeekAcrossYearEnd(t *testing.T) {
	tests := []struct{ in, key, start string }{
		{"2024-12-30T10:00:00Z", "2025-W01", "2024-12-30"},
		{"2021-01-03T23:00:00Z", "2020-W53", "2020-12-28"},
		{"2024-03-10T23:59:59Z", "2024-W10", "2024-03-04"},
	}
	for _, tt := range tests {
		k, s := isoWeek(at(tt.in))
		if k != tt.key || s.Format("2006-01-02") != tt.start {
			t.Errorf("%s: %s from %s, want %s from %s", tt.in, k, s.Format("2006-01-02"), tt.key, tt.start)
		}
	}
}
