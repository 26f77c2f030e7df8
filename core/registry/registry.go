// Package registry records which model versions a workspace has, which one
// is the champion (the model that scores) and which the challenger (a
// candidate scored in shadow), and the history of every promotion decision,
// so that a promotion can be explained and rolled back.
//
// Rows live in the workspace database (tables models, model_aliases,
// promotions); bundles live in models/<version>/. The embedded default model
// counts as version "default" while no champion is registered.
package registry

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/cyberstreams/cyberstreams/core/model"
)

// Aliases a registry knows.
const (
	Champion   = "champion"
	Challenger = "challenger"
)

// Decisions recorded in the promotion history.
const (
	DecisionPromoted = "promoted" // a retrained candidate beat (or tied) the champion
	DecisionRejected = "rejected" // a retrained candidate was worse; champion kept
	DecisionManual   = "manual"   // an analyst promoted a version by hand
	DecisionRollback = "rollback" // the previous champion was restored
)

// ErrNotFound marks an unknown version or an unset alias.
var ErrNotFound = errors.New("not found")

// ErrNoPrevious is returned by Rollback when there is no earlier champion.
var ErrNoPrevious = errors.New("no previous champion to roll back to")

// Migrations are the registry's versioned schema steps, run by the workspace.
func Migrations() []string {
	return []string{
		// 1: model rows, the two aliases and the decision history.
		`CREATE TABLE models (
			version          TEXT PRIMARY KEY,
			parent           TEXT NOT NULL DEFAULT '',
			created_at       TEXT NOT NULL,
			data_fingerprint TEXT NOT NULL DEFAULT '{}',
			params           TEXT NOT NULL DEFAULT '{}',
			metrics          TEXT NOT NULL DEFAULT '{}',
			path             TEXT NOT NULL
		);
		CREATE TABLE model_aliases (
			alias   TEXT PRIMARY KEY CHECK (alias IN ('champion', 'challenger')),
			version TEXT NOT NULL REFERENCES models(version),
			set_at  TEXT NOT NULL
		);
		CREATE TABLE promotions (
			id              INTEGER PRIMARY KEY AUTOINCREMENT,
			at              TEXT NOT NULL,
			version         TEXT NOT NULL,
			previous        TEXT NOT NULL DEFAULT '',
			decision        TEXT NOT NULL CHECK (decision IN ('promoted', 'rejected', 'manual', 'rollback')),
			candidate_score REAL,
			champion_score  REAL,
			reason          TEXT NOT NULL DEFAULT ''
		);`,
		// 2: promotion records shared with the team through Neo4j (graph
		// sync). models gains the digests that say two workspaces' models
		// are the same; promotion_share_state remembers how far this
		// workspace's decisions were pushed; team_champions is what the
		// last exchange learned of every teammate's champion, so that
		// 'models list' can say who runs what while the server is away.
		`ALTER TABLE models ADD COLUMN model_sha256 TEXT NOT NULL DEFAULT '';
		ALTER TABLE models ADD COLUMN inputs_sha256 TEXT NOT NULL DEFAULT '';
		CREATE TABLE promotion_share_state (
			id             INTEGER PRIMARY KEY CHECK (id = 1),
			pushed_through INTEGER NOT NULL DEFAULT 0
		);
		INSERT INTO promotion_share_state (id) VALUES (1);
		CREATE TABLE team_champions (
			workspace    TEXT PRIMARY KEY,
			analyst      TEXT NOT NULL,
			version      TEXT NOT NULL,
			model_sha256 TEXT NOT NULL DEFAULT '',
			since        TEXT NOT NULL DEFAULT '',
			seen_at      TEXT NOT NULL
		);`,
	}
}

// Fingerprint says what data a model was trained on.
type Fingerprint struct {
	// BaseChecksum is the SHA-256 of the base corpus inputs (joined), "" when
	// the model learned from workspace data only.
	BaseChecksum string `json:"base_checksum,omitempty"`
	Labels       int    `json:"labels"`
	MaxLabelID   int64  `json:"max_label_event_id"`
	TrainDocs    int    `json:"train_docs"`
}

// Entry is one registered model version.
type Entry struct {
	Version   string          `json:"version"`
	Parent    string          `json:"parent,omitempty"`
	CreatedAt time.Time       `json:"created_at"`
	Data      Fingerprint     `json:"data_fingerprint"`
	Params    json.RawMessage `json:"params,omitempty"`
	Metrics   json.RawMessage `json:"metrics,omitempty"`
	Path      string          `json:"path"`
	Aliases   []string        `json:"aliases,omitempty"`
	// ModelSHA256 is the digest of its model.txt and InputsSHA256 that of
	// what it learned from (model.Card); "" for models registered before
	// they were recorded.
	ModelSHA256  string `json:"model_sha256,omitempty"`
	InputsSHA256 string `json:"inputs_sha256,omitempty"`
	// Team names the teammates whose champion this version is, as the
	// last exchange with the team's Neo4j found them (List fills it).
	Team []string `json:"team,omitempty"`
}

// Promotion is one decision in the history.
type Promotion struct {
	ID             int64     `json:"id"`
	At             time.Time `json:"at"`
	Version        string    `json:"version"`
	Previous       string    `json:"previous"`
	Decision       string    `json:"decision"`
	CandidateScore *float64  `json:"candidate_score,omitempty"`
	ChampionScore  *float64  `json:"champion_score,omitempty"`
	Reason         string    `json:"reason"`
}

// Registry reads and writes the model rows of one workspace.
type Registry struct {
	db        *sql.DB
	modelsDir string
	now       func() time.Time
}

// New returns the registry over a workspace database and its models/ dir.
// now stamps rows; nil means time.Now.
func New(db *sql.DB, modelsDir string, now func() time.Time) *Registry {
	if now == nil {
		now = time.Now
	}
	return &Registry{db: db, modelsDir: modelsDir, now: now}
}

const stamp = time.RFC3339Nano

// Register records the bundle in dir (its card names the version). A bundle
// already registered under the same version is left as it is.
func (r *Registry) Register(ctx context.Context, dir string) (Entry, error) {
	b, err := model.LoadDir(dir)
	if err != nil {
		return Entry{}, fmt.Errorf("register %s: %w", dir, err)
	}
	v := b.Card.Version
	if v == "" {
		v = filepath.Base(filepath.Clean(dir))
	}
	if v == model.DefaultRef || v == Champion || v == Challenger {
		return Entry{}, fmt.Errorf("register %s: version name %q is reserved", dir, v)
	}
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	fp := Fingerprint{Labels: b.Card.Data.Labels, MaxLabelID: b.Card.Data.MaxLabelID, TrainDocs: b.Card.Data.TrainDocs}
	for _, in := range b.Card.Data.Inputs {
		if fp.BaseChecksum != "" {
			fp.BaseChecksum += "+"
		}
		fp.BaseChecksum += in.SHA256
	}
	fpj, _ := json.Marshal(fp)
	params, err := json.Marshal(b.Card.Params)
	if err != nil {
		return Entry{}, fmt.Errorf("register %s: params: %w", v, err)
	}
	met, err := json.Marshal(b.Card.Validation)
	if err != nil {
		return Entry{}, fmt.Errorf("register %s: metrics: %w", v, err)
	}
	created := b.Card.Created
	if created.IsZero() {
		created = r.now()
	}
	_, err = r.db.ExecContext(ctx, `INSERT INTO models(version, parent, created_at, data_fingerprint, params, metrics, path, model_sha256, inputs_sha256)
		VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT(version) DO NOTHING`,
		v, b.Card.Parent, created.UTC().Format(stamp), string(fpj), string(params), string(met), dir, b.ModelSHA256(), b.Card.InputsSHA256)
	if err != nil {
		return Entry{}, fmt.Errorf("register %s: %w", v, err)
	}
	return r.Get(ctx, v)
}

const entryColumns = `m.version, m.parent, m.created_at, m.data_fingerprint, m.params, m.metrics, m.path, m.model_sha256, m.inputs_sha256,
	coalesce((SELECT group_concat(alias, ',') FROM model_aliases a WHERE a.version = m.version), '')`

func scanEntry(s interface{ Scan(...any) error }) (Entry, error) {
	var e Entry
	var created, fp, params, met, aliases string
	if err := s.Scan(&e.Version, &e.Parent, &created, &fp, &params, &met, &e.Path, &e.ModelSHA256, &e.InputsSHA256, &aliases); err != nil {
		return e, err
	}
	e.CreatedAt, _ = time.Parse(stamp, created)
	if err := json.Unmarshal([]byte(fp), &e.Data); err != nil {
		return e, fmt.Errorf("model %s fingerprint: %w", e.Version, err)
	}
	e.Params, e.Metrics = json.RawMessage(params), json.RawMessage(met)
	if aliases != "" {
		for _, a := range splitComma(aliases) {
			e.Aliases = append(e.Aliases, a)
		}
	}
	return e, nil
}

func splitComma(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ',' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return out
}

// Get returns one registered version.
func (r *Registry) Get(ctx context.Context, version string) (Entry, error) {
	e, err := scanEntry(r.db.QueryRowContext(ctx, `SELECT `+entryColumns+` FROM models m WHERE m.version = ?`, version))
	if errors.Is(err, sql.ErrNoRows) {
		return Entry{}, fmt.Errorf("model %s: %w", version, ErrNotFound)
	}
	if err != nil {
		return Entry{}, fmt.Errorf("model %s: %w", version, err)
	}
	return e, nil
}

// List returns every registered version, newest first, each with the
// teammates whose champion it is (Entry.Team).
func (r *Registry) List(ctx context.Context) ([]Entry, error) {
	rows, err := r.db.QueryContext(ctx, `SELECT `+entryColumns+` FROM models m ORDER BY m.created_at DESC, m.version DESC`)
	if err != nil {
		return nil, fmt.Errorf("list models: %w", err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, fmt.Errorf("list models: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list models: %w", err)
	}
	team, err := r.TeamChampions(ctx)
	if err != nil {
		return nil, err
	}
	return WithTeam(out, team), nil
}

// Alias returns the version an alias points at; ok is false when unset.
func (r *Registry) Alias(ctx context.Context, alias string) (version string, ok bool, err error) {
	err = r.db.QueryRowContext(ctx, `SELECT version FROM model_aliases WHERE alias = ?`, alias).Scan(&version)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("alias %s: %w", alias, err)
	}
	return version, true, nil
}

// ChampionVersion is the champion's version, or "default" (the embedded
// model) when none is registered.
func (r *Registry) ChampionVersion(ctx context.Context) (string, error) {
	v, ok, err := r.Alias(ctx, Champion)
	if err != nil || !ok {
		return model.DefaultRef, err
	}
	return v, nil
}

// SetChallenger points the challenger alias at a registered version ("" clears it).
func (r *Registry) SetChallenger(ctx context.Context, version string) error {
	return setAlias(ctx, r.db, Challenger, version, r.now())
}

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func setAlias(ctx context.Context, db execer, alias, version string, at time.Time) error {
	var err error
	if version == "" || version == model.DefaultRef {
		_, err = db.ExecContext(ctx, `DELETE FROM model_aliases WHERE alias = ?`, alias)
	} else {
		_, err = db.ExecContext(ctx, `INSERT INTO model_aliases(alias, version, set_at) VALUES (?,?,?)
			ON CONFLICT(alias) DO UPDATE SET version = excluded.version, set_at = excluded.set_at`,
			alias, version, at.UTC().Format(stamp))
	}
	if err != nil {
		return fmt.Errorf("set %s to %s: %w", alias, version, err)
	}
	return nil
}

// Decision is what Decide records besides the version.
type Decision struct {
	Decision       string
	CandidateScore *float64
	ChampionScore  *float64
	Reason         string
}

// Promote makes version the champion and records the decision (manual when
// d.Decision is empty). The challenger alias is cleared if it pointed at
// version. Alias change and history row commit together.
func (r *Registry) Promote(ctx context.Context, version string, d Decision) (Promotion, error) {
	if d.Decision == "" {
		d.Decision = DecisionManual
	}
	if d.Decision == DecisionRejected {
		return Promotion{}, fmt.Errorf("promote %s: decision %q does not promote", version, d.Decision)
	}
	return r.change(ctx, version, d)
}

// Reject records that a candidate was kept out; it becomes the challenger
// so it can be scored in shadow.
func (r *Registry) Reject(ctx context.Context, version string, d Decision) (Promotion, error) {
	d.Decision = DecisionRejected
	return r.change(ctx, version, d)
}

func (r *Registry) change(ctx context.Context, version string, d Decision) (Promotion, error) {
	if version != model.DefaultRef {
		if _, err := r.Get(ctx, version); err != nil {
			return Promotion{}, fmt.Errorf("%s %s: %w", d.Decision, version, err)
		}
	}
	tx, err := r.db.BeginTx(ctx, nil)
	if err != nil {
		return Promotion{}, fmt.Errorf("%s %s: %w", d.Decision, version, err)
	}
	defer tx.Rollback()
	prev := model.DefaultRef
	if err := tx.QueryRowContext(ctx, `SELECT version FROM model_aliases WHERE alias = 'champion'`).Scan(&prev); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return Promotion{}, fmt.Errorf("%s %s: %w", d.Decision, version, err)
	}
	at := r.now().UTC()
	switch d.Decision {
	case DecisionRejected:
		if err := setAlias(ctx, tx, Challenger, version, at); err != nil {
			return Promotion{}, err
		}
	default:
		if err := setAlias(ctx, tx, Champion, version, at); err != nil {
			return Promotion{}, err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM model_aliases WHERE alias = 'challenger' AND version = ?`, version); err != nil {
			return Promotion{}, fmt.Errorf("%s %s: %w", d.Decision, version, err)
		}
	}
	p := Promotion{At: at, Version: version, Previous: prev, Decision: d.Decision,
		CandidateScore: d.CandidateScore, ChampionScore: d.ChampionScore, Reason: d.Reason}
	err = tx.QueryRowContext(ctx, `INSERT INTO promotions(at, version, previous, decision, candidate_score, champion_score, reason)
		VALUES (?,?,?,?,?,?,?) RETURNING id`, at.Format(stamp), version, prev, d.Decision,
		d.CandidateScore, d.ChampionScore, d.Reason).Scan(&p.ID)
	if err != nil {
		return Promotion{}, fmt.Errorf("%s %s: %w", d.Decision, version, err)
	}
	if err := tx.Commit(); err != nil {
		return Promotion{}, fmt.Errorf("%s %s: %w", d.Decision, version, err)
	}
	return p, nil
}

// History returns the promotion decisions, oldest first.
func (r *Registry) History(ctx context.Context) ([]Promotion, error) {
	rows, err := r.db.QueryContext(ctx, `SELECT id, at, version, previous, decision, candidate_score, champion_score, reason
		FROM promotions ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("promotion history: %w", err)
	}
	defer rows.Close()
	var out []Promotion
	for rows.Next() {
		p, err := scanPromotion(rows)
		if err != nil {
			return nil, fmt.Errorf("promotion history: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// scanPromotion reads the columns id, at, version, previous, decision,
// candidate_score, champion_score, reason, then any into extra.
func scanPromotion(s interface{ Scan(...any) error }, extra ...any) (Promotion, error) {
	var p Promotion
	var at string
	var cand, champ sql.NullFloat64
	if err := s.Scan(append([]any{&p.ID, &at, &p.Version, &p.Previous, &p.Decision, &cand, &champ, &p.Reason}, extra...)...); err != nil {
		return p, err
	}
	p.At, _ = time.Parse(stamp, at)
	if cand.Valid {
		p.CandidateScore = &cand.Float64
	}
	if champ.Valid {
		p.ChampionScore = &champ.Float64
	}
	return p, nil
}

// championStack replays the history: each promotion pushes its version, each
// rollback pops one. The top is the current champion; the one below it is
// what a rollback restores. The bottom is always "default".
func championStack(history []Promotion) []string {
	stack := []string{model.DefaultRef}
	for _, p := range history {
		switch p.Decision {
		case DecisionPromoted, DecisionManual:
			stack = append(stack, p.Version)
		case DecisionRollback:
			if len(stack) > 1 {
				stack = stack[:len(stack)-1]
			}
		}
	}
	return stack
}

// Rollback restores the champion that the current one replaced ("default"
// when the first promotion is undone) and returns the decision row.
func (r *Registry) Rollback(ctx context.Context, reason string) (Promotion, error) {
	h, err := r.History(ctx)
	if err != nil {
		return Promotion{}, err
	}
	stack := championStack(h)
	if len(stack) < 2 {
		return Promotion{}, fmt.Errorf("rollback: %w", ErrNoPrevious)
	}
	target := stack[len(stack)-2]
	if reason == "" {
		reason = "rolled back " + stack[len(stack)-1]
	}
	return r.change(ctx, target, Decision{Decision: DecisionRollback, Reason: reason})
}

// Resolve loads the model a reference names: "" or "champion" (the champion,
// else the embedded default), "challenger", "default", a registered version,
// an unregistered version directory under models/, or a bundle path.
func (r *Registry) Resolve(ctx context.Context, ref string) (*model.Bundle, error) {
	switch ref {
	case "", Champion:
		v, err := r.ChampionVersion(ctx)
		if err != nil {
			return nil, err
		}
		ref = v
	case Challenger:
		v, ok, err := r.Alias(ctx, Challenger)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("model challenger: %w (no candidate is being shadow-scored)", ErrNotFound)
		}
		ref = v
	}
	if ref == model.DefaultRef {
		return model.Embedded()
	}
	if e, err := r.Get(ctx, ref); err == nil {
		b, err := model.LoadDir(e.Path)
		if err != nil {
			return nil, fmt.Errorf("model %s: %w", ref, err)
		}
		if b.Card.Version == "" {
			b.Card.Version = e.Version
		}
		return b, nil
	} else if !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	return model.Resolve(ref, r.modelsDir)
}
