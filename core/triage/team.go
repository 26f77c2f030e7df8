package triage

import (
	"context"
	"fmt"
	"time"

	"github.com/cyberstreams/cyberstreams/core/graphsync"
	"github.com/cyberstreams/cyberstreams/kg"
	"github.com/cyberstreams/cyberstreams/kg/neo4j"
)

// TeamOptions say how a labeling session shares the work with teammates
// through the team's Neo4j.
type TeamOptions struct {
	// Overlap keeps the documents teammates labelled or hold, and takes
	// no leases: a session that labels what teammates label, to measure
	// agreement ('label agreement').
	Overlap bool
	// Lease is how long the session holds the documents it is about to
	// show (default DefaultLease); Claim how many, first in the session's
	// order (default DefaultClaim).
	Lease time.Duration
	Claim int
	// Seed is the session order's seed (the TUI's Options.Seed).
	Seed uint64
}

// Defaults of TeamOptions.
const (
	DefaultLease = 30 * time.Minute
	DefaultClaim = 50
	// holdsWindow is how many documents, first in the session's order, are
	// checked against teammates' labels and leases: more than a session
	// labels in an hour.
	holdsWindow = 2000
)

// TeamPlan is what a team session leaves to teammates and holds itself.
type TeamPlan struct {
	// Offline says why the session works locally without the team ("":
	// it reached the team's server).
	Offline string
	// Labelled and Held count the documents left to teammates: labelled
	// by them (pulled, or on the server), or held by their sessions.
	Labelled, Held int
	// Claimed are the documents this session holds, in its order.
	Claimed []string
	Overlap bool
	Lease   time.Duration
}

// Summary says in one line how the session shares the work.
func (p TeamPlan) Summary() string {
	switch {
	case p.Offline != "":
		return fmt.Sprintf("team server unreachable (%s): this session works locally; %d documents teammates labelled (pulled) are left to them, their newer labels and holds are not known",
			p.Offline, p.Labelled)
	case p.Overlap:
		return fmt.Sprintf("overlap session: the %d documents teammates labelled and %d they hold stay in the queue, to measure agreement",
			p.Labelled, p.Held)
	}
	return fmt.Sprintf("team session: %d documents labelled by teammates and %d they hold are left to them; this session holds the next %d for %s",
		p.Labelled, p.Held, len(p.Claimed), p.Lease)
}

// Team shares a labeling session's work with teammates: it leaves out of
// the queue (Items) the documents a teammate has labelled — pulled
// already, or sent to the server — or holds with a live lease, unless
// o.Overlap, and takes leases on the first o.Claim documents the session
// will show, in its active-learning order. c nil, or a server that fails,
// leaves the session local: the plan says why, and nothing is skipped.
func (s *Session) Team(ctx context.Context, c *neo4j.Client, unreachable error, o TeamOptions) TeamPlan {
	if o.Lease <= 0 {
		o.Lease = DefaultLease
	}
	if o.Claim <= 0 {
		o.Claim = DefaultClaim
	}
	plan := TeamPlan{Overlap: o.Overlap, Lease: o.Lease}
	s.setSkipped(nil)
	mine, theirs, err := s.labels.LabelledBy(ctx)
	if err != nil {
		return TeamPlan{Offline: err.Error(), Overlap: o.Overlap, Lease: o.Lease}
	}
	// What teammates labelled and this workspace pulled is left to them
	// even without the server.
	skip := map[string]bool{}
	for id := range theirs {
		if !mine[id] && !o.Overlap {
			skip[id] = true
		}
		if !mine[id] {
			plan.Labelled++
		}
	}
	offline := func(err error) TeamPlan {
		s.setSkipped(skip)
		return TeamPlan{Offline: err.Error(), Overlap: o.Overlap, Lease: o.Lease, Labelled: plan.Labelled}
	}
	if c == nil {
		if unreachable == nil {
			unreachable = fmt.Errorf("no Neo4j configured")
		}
		return offline(unreachable)
	}
	items, err := s.Items(ctx)
	if err != nil {
		return offline(err)
	}
	st, err := kg.NewStore(s.ws.DB()).SyncState(ctx)
	if err != nil {
		return offline(err)
	}
	SortItems(items, ByActiveLearning, o.Seed)
	var window []string
	for _, it := range items {
		if !mine[it.DocID] && len(window) < holdsWindow {
			window = append(window, it.DocID)
		}
	}
	holds, err := c.TeamHolds(ctx, st.Workspace, window)
	if err != nil {
		return offline(err)
	}
	for _, h := range holds {
		if theirs[h.DocID] != "" {
			continue // counted already
		}
		if !o.Overlap {
			skip[h.DocID] = true
		}
		if h.Labelled {
			plan.Labelled++
		} else {
			plan.Held++
		}
	}
	if o.Overlap {
		s.setSkipped(skip)
		return plan
	}
	// Claim the first free documents; those a teammate took between the
	// check and the claim are left to them, and the next ones asked for.
	next := 0
	for len(plan.Claimed) < o.Claim && next < len(window) {
		var want []string
		for ; next < len(window) && len(want) < o.Claim-len(plan.Claimed); next++ {
			if id := window[next]; !skip[id] {
				want = append(want, id)
			}
		}
		held, err := c.ClaimDocuments(ctx, st.Workspace, s.analyst, want, o.Lease)
		if err != nil {
			return offline(err)
		}
		got := make(map[string]bool, len(held))
		for _, id := range held {
			got[id] = true
		}
		for _, id := range want {
			if !got[id] {
				skip[id] = true
				plan.Held++
			}
		}
		plan.Claimed = append(plan.Claimed, held...)
	}
	s.setSkipped(skip)
	return plan
}

// EndTeam sends the session's labels to the team's server, so teammates'
// sessions skip what it labelled, and gives up its leases.
func (s *Session) EndTeam(ctx context.Context, c *neo4j.Client) (neo4j.LabelExchange, error) {
	lx, err := graphsync.ExchangeLabels(ctx, s.ws, c, true)
	if err != nil {
		return lx, fmt.Errorf("team session: labels stay here until the next graph sync: %w", err)
	}
	st, err := kg.NewStore(s.ws.DB()).SyncState(ctx)
	if err != nil {
		return lx, err
	}
	if _, err := c.ReleaseDocuments(ctx, st.Workspace, nil); err != nil {
		return lx, fmt.Errorf("team session: its leases expire by themselves: %w", err)
	}
	return lx, nil
}

func (s *Session) setSkipped(skip map[string]bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.skip = skip
}

func (s *Session) skipped() map[string]bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.skip
}

// RefreshTeam keeps a long team session's share of the work current: it
// sends the labels made since the last exchange, so teammates' sessions
// skip those documents, and renews the leases on the claimed documents
// not labelled yet (those labelled are released). It returns the
// documents still held. Run it every few minutes, well inside the lease.
func (s *Session) RefreshTeam(ctx context.Context, c *neo4j.Client, claimed []string, lease time.Duration) ([]string, error) {
	if lease <= 0 {
		lease = DefaultLease
	}
	if _, err := graphsync.ExchangeLabels(ctx, s.ws, c, true); err != nil {
		return claimed, fmt.Errorf("team session: %w", err)
	}
	st, err := kg.NewStore(s.ws.DB()).SyncState(ctx)
	if err != nil {
		return claimed, err
	}
	mine, _, err := s.labels.LabelledBy(ctx)
	if err != nil {
		return claimed, err
	}
	var keep, done []string
	for _, id := range claimed {
		if mine[id] {
			done = append(done, id)
		} else {
			keep = append(keep, id)
		}
	}
	if len(done) > 0 {
		if _, err := c.ReleaseDocuments(ctx, st.Workspace, done); err != nil {
			return claimed, err
		}
	}
	held, err := c.ClaimDocuments(ctx, st.Workspace, s.analyst, keep, lease)
	if err != nil {
		return keep, err
	}
	return held, nil
}
