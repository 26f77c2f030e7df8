package graphsync

import (
	"context"
	"fmt"
	"time"

	"github.com/cyberstreams/cyberstreams/core/registry"
	"github.com/cyberstreams/cyberstreams/core/workspace"
	"github.com/cyberstreams/cyberstreams/kg"
	"github.com/cyberstreams/cyberstreams/kg/neo4j"
)

// ModelExchange counts what ExchangeModels did.
type ModelExchange struct {
	// Resent says the server had lost this workspace's promotion records
	// (a reset or restored server) and all were sent again.
	Resent bool `json:"resent"`
	// Pushed is the number of promotion records sent, Created those the
	// server did not hold yet.
	Pushed  int `json:"pushed"`
	Created int `json:"created"`
	// Champion is this workspace's champion as sent; Team the teammates'.
	Champion registry.ChampionState  `json:"champion"`
	Team     []registry.TeamChampion `json:"team"`
}

// promotionUID names a workspace's decision everywhere.
func promotionUID(workspace string, id int64) string { return fmt.Sprintf("%s:%d", workspace, id) }

// ExchangeModels sends the workspace's promotion decisions the team's
// Neo4j does not hold yet and its current champion (as analyst's), and
// keeps what the server says of every teammate's champion for 'models
// list'. Each batch is marked as sent only after the server committed it,
// so an interrupted exchange resumes; a server that lost the records
// (reset, restored) gets them all again.
func ExchangeModels(ctx context.Context, ws *workspace.Workspace, c *neo4j.Client, analyst string, now func() time.Time) (ModelExchange, error) {
	var res ModelExchange
	if now == nil {
		now = time.Now
	}
	st, err := kg.NewStore(ws.DB()).SyncState(ctx)
	if err != nil {
		return res, err
	}
	reg := registry.New(ws.DB(), ws.ModelsDir(), now)
	through, err := reg.PromotionsPushedThrough(ctx)
	if err != nil {
		return res, err
	}
	if through > 0 {
		ok, err := c.HasPromotion(ctx, promotionUID(st.Workspace, through))
		if err != nil {
			return res, err
		}
		if !ok {
			if err := reg.MarkPromotionsPushed(ctx, 0); err != nil {
				return res, err
			}
			res.Resent = true
		}
	}
	const batch = 500
	for {
		ps, err := reg.UnpushedPromotions(ctx, batch)
		if err != nil {
			return res, err
		}
		if len(ps) == 0 {
			break
		}
		recs := make([]neo4j.Promotion, len(ps))
		for i, p := range ps {
			recs[i] = neo4j.Promotion{UID: promotionUID(st.Workspace, p.ID), Workspace: st.Workspace, Analyst: analyst,
				Seq: p.ID, Version: p.Version, Previous: p.Previous, Decision: p.Decision, Reason: p.Reason,
				At: p.At.UTC().Format(time.RFC3339Nano), ModelSHA256: p.ModelSHA256, InputsSHA256: p.InputsSHA256}
		}
		n, err := c.PushPromotions(ctx, recs)
		if err != nil {
			return res, err
		}
		if err := reg.MarkPromotionsPushed(ctx, ps[len(ps)-1].ID); err != nil {
			return res, err
		}
		res.Pushed += len(ps)
		res.Created += n
	}
	if res.Champion, err = reg.Champion(ctx); err != nil {
		return res, err
	}
	since := ""
	if !res.Champion.Since.IsZero() {
		since = res.Champion.Since.UTC().Format(time.RFC3339Nano)
	}
	at := now().UTC()
	if err := c.SetChampion(ctx, neo4j.Champion{Workspace: st.Workspace, Analyst: analyst, Version: res.Champion.Version,
		ModelSHA256: res.Champion.ModelSHA256, Since: since, UpdatedAt: at.Format(time.RFC3339Nano)}); err != nil {
		return res, err
	}
	all, err := c.Champions(ctx)
	if err != nil {
		return res, err
	}
	res.Team = []registry.TeamChampion{}
	for _, ch := range all {
		if ch.Workspace == st.Workspace {
			continue
		}
		tc := registry.TeamChampion{Workspace: ch.Workspace, Analyst: ch.Analyst, Version: ch.Version,
			ModelSHA256: ch.ModelSHA256, SeenAt: at}
		tc.Since, _ = time.Parse(time.RFC3339Nano, ch.Since)
		res.Team = append(res.Team, tc)
	}
	if err := reg.SetTeamChampions(ctx, res.Team); err != nil {
		return res, err
	}
	return res, nil
}
