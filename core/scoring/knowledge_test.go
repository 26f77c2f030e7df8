package scoring_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/ingest"
	"github.com/cyberstreams/cyberstreams/core/scoring"
	"github.com/cyberstreams/cyberstreams/core/workspace/workspacetest"
	"github.com/cyberstreams/cyberstreams/kg"
	"github.com/cyberstreams/cyberstreams/kg/kgtest"
)

// A workspace whose graph knows an actor's alias gives that actor to every
// document that names it, through Score and through Stream alike, and turns
// the graph features on; without a workspace neither happens.
func TestKnowledgeReachesEveryDoor(t *testing.T) {
	ctx := context.Background()
	ws := workspacetest.Open(t)
	kgtest.LoadSynthetic(t, kg.NewStore(ws.DB()))
	know, err := scoring.KnowledgeOf(ctx, ws)
	if err != nil {
		t.Fatal(err)
	}
	if !know.HasGraph() {
		t.Fatal("a workspace with a graph should turn the graph features on")
	}
	b := mustEmbedded(t)
	const title, text = "Lures from Fancy Test", "Phishing from 198.51.100.9 drops a loader"
	tests := []struct {
		name      string
		know      scoring.Knowledge
		wantActor bool
	}{
		{"workspace", know, true},
		{"no workspace", scoring.PlainKnowledge(), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := tt.know.Scorer(b)
			if err != nil {
				t.Fatal(err)
			}
			d := document.Document{ID: "n1", Title: title, Body: text}
			direct := s.Score(&d, scoring.Options{Explain: 0})
			var streamed []scoring.Result
			in := ingest.Options{Stdin: strings.NewReader(`{"id":"n1","title":"` + title + `","text":"` + text + `"}` + "\n")}
			err = s.Stream(ctx, []string{"-"}, in, scoring.Options{Explain: 0}, func(sc scoring.Scored) error {
				if sc.Failure != nil {
					t.Fatal(sc.Failure)
				}
				streamed = append(streamed, sc.Result)
				return nil
			})
			if err != nil || len(streamed) != 1 {
				t.Fatalf("stream: %v, %d results", err, len(streamed))
			}
			for door, r := range map[string]scoring.Result{"Score": direct, "Stream": streamed[0]} {
				if got := slices.Contains(r.Entities["actor"], "Alpha Group"); got != tt.wantActor {
					t.Errorf("%s: actor Alpha Group found %v, want %v (entities %v)", door, got, tt.wantActor, r.Entities)
				}
			}
			if direct.Probabilities != streamed[0].Probabilities || direct.Severity != streamed[0].Severity {
				t.Errorf("Score %v %v, Stream %v %v", direct.Severity, direct.Probabilities, streamed[0].Severity, streamed[0].Probabilities)
			}
		})
	}
}
