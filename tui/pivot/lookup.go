package pivot

import (
	"context"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/cyberstreams/cyberstreams/core/triage"
)

// Lookup limits: the documents listed and the graph neighbourhood shown.
const (
	maxDocs       = 200
	neighbourHops = 2
	maxNeighbours = 40
)

// ResultMsg carries what a lookup found.
type ResultMsg struct {
	Result Result
	Err    error
}

// LookUp finds, in the background, the documents naming an entity and its
// neighbourhood in the local knowledge graph; a ResultMsg follows.
func LookUp(ctx context.Context, s *triage.Session, e Entity) tea.Cmd {
	return func() tea.Msg {
		docIDs, err := s.DocsWithEntity(ctx, e.Type, e.Value, maxDocs)
		if err != nil {
			return ResultMsg{Err: err}
		}
		ns, err := s.Neighbourhood(ctx, e.Value, neighbourHops, maxNeighbours)
		if err != nil {
			return ResultMsg{Err: err}
		}
		r := Result{Entity: e, Neighbours: ns}
		for _, id := range docIDs {
			it, err := s.Item(ctx, id)
			if err != nil {
				return ResultMsg{Err: err}
			}
			r.Docs = append(r.Docs, Doc{ID: id, Title: it.Title, Severity: it.Severity})
		}
		return ResultMsg{Result: r}
	}
}
