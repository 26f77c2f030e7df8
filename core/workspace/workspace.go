// Package workspace owns a Cyberstreams workspace on disk: one SQLite
// database (WAL, foreign keys, busy timeout, versioned migrations) and the
// models/ directory beside it.
package workspace

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	_ "modernc.org/sqlite" // pure-Go SQLite driver, registered as "sqlite"
)

// DBFile is the database file name inside a workspace directory.
const DBFile = "cyberstreams.db"

// Workspace is an open workspace directory.
type Workspace struct {
	Dir string
	db  *sql.DB
}

// ResolveDir picks the workspace directory: the flag value, else
// $CYBERSTREAMS_HOME, else $XDG_DATA_HOME/cyberstreams, else
// ~/.local/share/cyberstreams.
func ResolveDir(flag string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	if v := os.Getenv("CYBERSTREAMS_HOME"); v != "" {
		return v, nil
	}
	if v := os.Getenv("XDG_DATA_HOME"); v != "" {
		return filepath.Join(v, "cyberstreams"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("find a workspace directory: set --workspace or CYBERSTREAMS_HOME: %w", err)
	}
	return filepath.Join(home, ".local", "share", "cyberstreams"), nil
}

// DSN returns the SQLite connection string used for every connection.
// synchronous=FULL makes a committed transaction durable before Commit
// returns, which is what lets the label store acknowledge a label.
func DSN(path string) string {
	return "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)" +
		"&_pragma=busy_timeout(10000)&_pragma=synchronous(FULL)&_txlock=immediate"
}

// Open opens (creating if needed) the workspace in dir and brings its schema
// up to date. A database written by a newer Cyberstreams is refused.
func Open(ctx context.Context, dir string) (*Workspace, error) {
	if err := os.MkdirAll(filepath.Join(dir, "models"), 0o755); err != nil {
		return nil, fmt.Errorf("create workspace %s: %w", dir, err)
	}
	path := filepath.Join(dir, DBFile)
	db, err := sql.Open("sqlite", DSN(path))
	if err != nil {
		return nil, fmt.Errorf("open workspace database %s: %w", path, err)
	}
	// SQLite allows one writer; a small pool keeps readers concurrent while
	// writes queue on the busy timeout instead of failing.
	db.SetMaxOpenConns(4)
	ws := &Workspace{Dir: dir, db: db}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open workspace database %s: %w", path, err)
	}
	for _, c := range components() {
		if err := Migrate(ctx, db, c.name, c.steps); err != nil {
			db.Close()
			return nil, fmt.Errorf("workspace %s: %w", path, err)
		}
	}
	return ws, nil
}

// DB is the workspace database, for the stores (labels, graph) that keep
// their tables in it.
func (w *Workspace) DB() *sql.DB { return w.db }

// ModelsDir is where model versions live (models/<version>/).
func (w *Workspace) ModelsDir() string { return filepath.Join(w.Dir, "models") }

// Close closes the database.
func (w *Workspace) Close() error { return w.db.Close() }

// ErrNewerSchema is returned when the database was migrated by a newer binary.
var ErrNewerSchema = errors.New("database schema is newer than this cyberstreams; upgrade the binary (refusing to downgrade)")

// Migrate applies the numbered steps of one component that the database has
// not seen yet, each in its own transaction. steps[i] brings the component
// to version i+1.
func Migrate(ctx context.Context, db *sql.DB, component string, steps []string) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_versions (
		component TEXT PRIMARY KEY, version INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("migrate %s: %w", component, err)
	}
	var have int
	err := db.QueryRowContext(ctx, `SELECT version FROM schema_versions WHERE component = ?`, component).Scan(&have)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("migrate %s: %w", component, err)
	}
	if have > len(steps) {
		return fmt.Errorf("migrate %s: at version %d, this binary knows %d: %w", component, have, len(steps), ErrNewerSchema)
	}
	for v := have; v < len(steps); v++ {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("migrate %s to %d: %w", component, v+1, err)
		}
		if _, err := tx.ExecContext(ctx, steps[v]); err != nil {
			tx.Rollback()
			return fmt.Errorf("migrate %s to %d: %w", component, v+1, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_versions(component, version) VALUES(?, ?)
			ON CONFLICT(component) DO UPDATE SET version = excluded.version`, component, v+1); err != nil {
			tx.Rollback()
			return fmt.Errorf("migrate %s to %d: %w", component, v+1, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migrate %s to %d: %w", component, v+1, err)
		}
	}
	return nil
}
