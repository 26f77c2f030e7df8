package techniques_test

import (
	"context"
	"errors"
	"testing"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/techniques"
	"github.com/cyberstreams/cyberstreams/core/workspace/workspacetest"
	"github.com/cyberstreams/cyberstreams/labels"
)

// TestVerdictSentence: the sentence a verdict is about is the one the
// analyst names in a few words, else the one of the verdict in force on
// the technique (a teammate's too), else the model's evidence; a
// technique nothing points at is an error.
func TestVerdictSentence(t *testing.T) {
	ctx := context.Background()
	ws := workspacetest.Open(t)
	d := document.Document{ID: "REP-1", Title: "Loader",
		Body: "The loader decodes its payload with certutil. It persists through a Run key. Operators reuse T1027 packers."}
	d.Finish()
	if _, err := ws.PutDocuments(ctx, []document.Document{d}); err != nil {
		t.Fatal(err)
	}
	if _, err := ws.Labels().AddTechnique(ctx, labels.TechniqueLabel{DocID: d.ID, Technique: "T1105", Present: false,
		Sentence: "It persists through a Run key.", Analyst: "ben"}); err != nil {
		t.Fatal(err)
	}
	model := func() (*techniques.Model, error) { return techniques.Embedded() }
	cases := []struct {
		name, id, words string
		want            string
		err             error
	}{
		{"named in a few words", "T1140", "DECODES its", "The loader decodes its payload with certutil.", nil},
		{"the verdict in force", "T1105", "", "It persists through a Run key.", nil},
		{"the id written", "T1027", "", "Operators reuse T1027 packers.", nil},
		{"the model's evidence", "T1140", "", "The loader decodes its payload with certutil.", nil},
		{"nothing points at it", "T9999", "", "", techniques.ErrNoEvidence},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := techniques.VerdictSentence(ctx, ws.Labels(), model, d.ID, d.Text(), c.id, c.words)
			if c.err != nil {
				if !errors.Is(err, c.err) {
					t.Fatalf("error %v, want %v", err, c.err)
				}
				return
			}
			if err != nil || got != c.want {
				t.Fatalf("%q (%v), want %q", got, err, c.want)
			}
		})
	}
	if _, err := techniques.VerdictSentence(ctx, ws.Labels(), model, d.ID, d.Text(), "T1140", "nowhere"); err == nil {
		t.Fatal("words no sentence holds: no error")
	}
}
