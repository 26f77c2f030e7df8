package detail

import (
	"context"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/cyberstreams/cyberstreams/core/triage"
)

// cacheLimit bounds the documents kept; past it the cache starts over (the
// shown one reloads if needed).
const cacheLimit = 512

// LoadedMsg carries a document loaded in the background.
type LoadedMsg struct {
	ID     string
	Detail *triage.Detail
	Err    error
}

// Cache keeps the documents already loaded for the pane, by id, and loads
// the others in the background, so that moving through the queue never
// waits on the database.
type Cache struct {
	ctx  context.Context
	s    *triage.Session
	docs map[string]*triage.Detail
}

// NewCache returns an empty cache over a session.
func NewCache(ctx context.Context, s *triage.Session) *Cache {
	return &Cache{ctx: ctx, s: s, docs: map[string]*triage.Detail{}}
}

// Get returns a loaded document.
func (c *Cache) Get(id string) (*triage.Detail, bool) {
	d, ok := c.docs[id]
	return d, ok
}

// Put keeps a loaded document.
func (c *Cache) Put(id string, d *triage.Detail) { c.docs[id] = d }

// Forget drops a document (its label changed).
func (c *Cache) Forget(id string) { delete(c.docs, id) }

// Clear drops every document (the queue was rescored).
func (c *Cache) Clear() { c.docs = map[string]*triage.Detail{} }

// Bound starts over when the cache holds too many documents.
func (c *Cache) Bound() {
	if len(c.docs) > cacheLimit {
		c.Clear()
	}
}

// Load reads a document in the background; a LoadedMsg follows.
func (c *Cache) Load(id string) tea.Cmd {
	s, ctx := c.s, c.ctx
	return func() tea.Msg {
		d, err := s.Detail(ctx, id)
		if err != nil {
			return LoadedMsg{ID: id, Err: err}
		}
		return LoadedMsg{ID: id, Detail: &d}
	}
}
