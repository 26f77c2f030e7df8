package registry

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/cyberstreams/cyberstreams/core/model"
)

// SharedPromotion is one promotion decision as teammates see it: the
// local decision with the digests that say which model it is.
type SharedPromotion struct {
	Promotion
	ModelSHA256  string `json:"model_sha256,omitempty"`
	InputsSHA256 string `json:"inputs_sha256,omitempty"`
}

// UnpushedPromotions returns up to limit decisions not yet sent to the
// team's server, oldest first.
func (r *Registry) UnpushedPromotions(ctx context.Context, limit int) ([]SharedPromotion, error) {
	rows, err := r.db.QueryContext(ctx, `SELECT p.id, p.at, p.version, p.previous, p.decision, p.candidate_score, p.champion_score, p.reason,
		coalesce(m.model_sha256, ''), coalesce(m.inputs_sha256, '')
		FROM promotions p LEFT JOIN models m ON m.version = p.version
		WHERE p.id > (SELECT pushed_through FROM promotion_share_state WHERE id = 1)
		ORDER BY p.id LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("promotions to push: %w", err)
	}
	defer rows.Close()
	var out []SharedPromotion
	for rows.Next() {
		var p SharedPromotion
		var err error
		if p.Promotion, err = scanPromotion(rows, &p.ModelSHA256, &p.InputsSHA256); err != nil {
			return nil, fmt.Errorf("promotions to push: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// PromotionsPushedThrough is the id of the newest decision on the server.
func (r *Registry) PromotionsPushedThrough(ctx context.Context) (int64, error) {
	var id int64
	if err := r.db.QueryRowContext(ctx, `SELECT pushed_through FROM promotion_share_state WHERE id = 1`).Scan(&id); err != nil {
		return 0, fmt.Errorf("promotion share state: %w", err)
	}
	return id, nil
}

// MarkPromotionsPushed records that decisions up to id are on the server;
// 0 starts again (a server that lost them).
func (r *Registry) MarkPromotionsPushed(ctx context.Context, id int64) error {
	q := `UPDATE promotion_share_state SET pushed_through = max(pushed_through, ?) WHERE id = 1`
	if id == 0 {
		q = `UPDATE promotion_share_state SET pushed_through = ? WHERE id = 1`
	}
	if _, err := r.db.ExecContext(ctx, q, id); err != nil {
		return fmt.Errorf("promotion share state: %w", err)
	}
	return nil
}

// ChampionState is the champion as the team is told it: its version, its
// model's digest and when it became the champion (zero for the embedded
// default of a workspace that never promoted).
type ChampionState struct {
	Version     string    `json:"version"`
	ModelSHA256 string    `json:"model_sha256,omitempty"`
	Since       time.Time `json:"since,omitzero"`
}

// Champion returns the champion's state.
func (r *Registry) Champion(ctx context.Context) (ChampionState, error) {
	v, err := r.ChampionVersion(ctx)
	if err != nil {
		return ChampionState{}, err
	}
	st := ChampionState{Version: v}
	if v == model.DefaultRef {
		// A build without the embedded default still tells its version.
		if b, err := model.Embedded(); err == nil {
			st.ModelSHA256 = b.ModelSHA256()
		}
	} else if e, err := r.Get(ctx, v); err == nil {
		st.ModelSHA256 = e.ModelSHA256
	} else {
		return st, err
	}
	var at string
	err = r.db.QueryRowContext(ctx, `SELECT at FROM promotions WHERE decision <> 'rejected' ORDER BY id DESC LIMIT 1`).Scan(&at)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return st, fmt.Errorf("champion: %w", err)
	default:
		st.Since, _ = time.Parse(stamp, at)
	}
	return st, nil
}

// TeamChampion is a teammate's champion as the last exchange with the
// team's Neo4j found it.
type TeamChampion struct {
	Workspace   string    `json:"workspace"`
	Analyst     string    `json:"analyst"`
	Version     string    `json:"version"`
	ModelSHA256 string    `json:"model_sha256,omitempty"`
	Since       time.Time `json:"since,omitzero"`
	SeenAt      time.Time `json:"seen_at"`
}

// SetTeamChampions replaces what is known of the teammates' champions.
func (r *Registry) SetTeamChampions(ctx context.Context, team []TeamChampion) error {
	tx, err := r.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("team champions: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM team_champions`); err != nil {
		return fmt.Errorf("team champions: %w", err)
	}
	for _, c := range team {
		since := ""
		if !c.Since.IsZero() {
			since = c.Since.UTC().Format(stamp)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO team_champions (workspace, analyst, version, model_sha256, since, seen_at)
			VALUES (?,?,?,?,?,?)`, c.Workspace, c.Analyst, c.Version, c.ModelSHA256, since, c.SeenAt.UTC().Format(stamp)); err != nil {
			return fmt.Errorf("team champions: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("team champions: %w", err)
	}
	return nil
}

// TeamChampions returns the teammates' champions, by analyst.
func (r *Registry) TeamChampions(ctx context.Context) ([]TeamChampion, error) {
	rows, err := r.db.QueryContext(ctx, `SELECT workspace, analyst, version, model_sha256, since, seen_at
		FROM team_champions ORDER BY analyst, workspace`)
	if err != nil {
		return nil, fmt.Errorf("team champions: %w", err)
	}
	defer rows.Close()
	var out []TeamChampion
	for rows.Next() {
		var c TeamChampion
		var since, seen string
		if err := rows.Scan(&c.Workspace, &c.Analyst, &c.Version, &c.ModelSHA256, &since, &seen); err != nil {
			return nil, fmt.Errorf("team champions: %w", err)
		}
		c.Since, _ = time.Parse(stamp, since)
		c.SeenAt, _ = time.Parse(stamp, seen)
		out = append(out, c)
	}
	return out, rows.Err()
}

// Runs reports whether a teammate's champion is the model with version
// and model digest sha: the same version, or the same model.txt under
// another name (a model trained by hand with --version).
func (c TeamChampion) Runs(version, sha string) bool {
	return c.Version == version || (sha != "" && c.ModelSHA256 == sha)
}

// WithTeam fills each entry's Team with the analysts whose champion it is.
func WithTeam(entries []Entry, team []TeamChampion) []Entry {
	for i := range entries {
		entries[i].Team = nil
		for _, c := range team {
			if c.Runs(entries[i].Version, entries[i].ModelSHA256) && !slices.Contains(entries[i].Team, c.Analyst) {
				entries[i].Team = append(entries[i].Team, c.Analyst)
			}
		}
	}
	return entries
}
