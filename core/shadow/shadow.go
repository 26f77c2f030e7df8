// Package shadow compares the champion with the challenger on the latest
// workspace documents (`cyberstreams models compare`): both score the same
// documents with the same workspace knowledge, the challenger only in the
// shadow (its severities are never stored), and the comparison says where
// they disagree and, where analysts labelled documents, who was right.
package shadow

import (
	"context"
	"errors"
	"fmt"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/scoring"
	"github.com/cyberstreams/cyberstreams/core/workspace"
	"github.com/cyberstreams/cyberstreams/labels"
)

// Comparison is champion vs challenger on the same documents.
type Comparison struct {
	Champion   string `json:"champion"`
	Challenger string `json:"challenger"`
	Documents  int    `json:"documents"`
	// Agreement is the share of documents both put in the same class.
	Agreement float64 `json:"agreement"`
	// Labelled documents and each model's accuracy on their current
	// labels (nil without labelled documents).
	Labelled           int            `json:"labelled"`
	ChampionAccuracy   *float64       `json:"champion_accuracy"`
	ChallengerAccuracy *float64       `json:"challenger_accuracy"`
	Disagreements      []Disagreement `json:"disagreements"`
	// Changes counts "champion → challenger" class pairs of the
	// disagreements.
	Changes map[string]int `json:"changes"`
}

// Disagreement is one document the two models put in different classes.
type Disagreement struct {
	ID         string `json:"id"`
	Title      string `json:"title"`
	Champion   string `json:"champion"`
	Challenger string `json:"challenger"`
	Label      string `json:"label,omitempty"`
}

// Compare scores the latest limit workspace documents (limit ≤ 0: all)
// with both scorers, which should share the workspace's knowledge
// (scoring.Knowledge.Scorer) so that the models differ and nothing else.
func Compare(ctx context.Context, ws *workspace.Workspace, champion, challenger *scoring.Scorer, limit int) (Comparison, error) {
	c := Comparison{Champion: champion.Version(), Challenger: challenger.Version(), Changes: map[string]int{}}
	n, err := ws.CountDocuments(ctx)
	if err != nil {
		return c, fmt.Errorf("compare: %w", err)
	}
	if limit <= 0 {
		limit = n
	}
	current, err := labels.New(ws.DB()).CurrentAll(ctx, labels.Filter{})
	if err != nil {
		return c, fmt.Errorf("compare: %w", err)
	}
	labelOf := make(map[string]string, len(current))
	for _, e := range current {
		labelOf[e.DocID] = e.Severity
	}
	agree, right := 0, [2]int{}
	no := scoring.Options{Explain: -1}
	err = ws.EachDocument(ctx, workspace.ListOptions{Limit: limit, Offset: max(n-limit, 0)}, func(d document.Document) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		d.Meta = nil
		a := champion.Score(&d, no).Severity
		b := challenger.Score(&d, no).Severity
		c.Documents++
		l := labelOf[d.ID]
		if l != "" {
			c.Labelled++
			if a == l {
				right[0]++
			}
			if b == l {
				right[1]++
			}
		}
		if a == b {
			agree++
			return nil
		}
		c.Changes[a+" → "+b]++
		c.Disagreements = append(c.Disagreements, Disagreement{ID: d.ID, Title: d.Title, Champion: a, Challenger: b, Label: l})
		return nil
	})
	if err != nil {
		return c, fmt.Errorf("compare: %w", err)
	}
	if c.Documents == 0 {
		return c, errors.New("compare: the workspace has no documents")
	}
	c.Agreement = float64(agree) / float64(c.Documents)
	if c.Labelled > 0 {
		x, y := float64(right[0])/float64(c.Labelled), float64(right[1])/float64(c.Labelled)
		c.ChampionAccuracy, c.ChallengerAccuracy = &x, &y
	}
	return c, nil
}
