// Package workspace owns a Cyberstreams workspace on disk: one SQLite
// database (WAL, foreign keys, busy timeout, versioned migrations) and the
// models/ directory beside it.
package workspace

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"time"

	_ "modernc.org/sqlite" // pure-Go SQLite driver, registered as "sqlite"
)

// DBFile is the database file name inside a workspace directory.
const DBFile = "cyberstreams.db"

// Workspace is an open workspace directory.
type Workspace struct {
	Dir string
	// Created reports that Open created the workspace: its database did
	// not exist before.
	Created bool
	db      *sql.DB
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
		"&_pragma=busy_timeout(" + strconv.Itoa(int(busyTimeout/time.Millisecond)) + ")&_pragma=synchronous(FULL)&_txlock=immediate"
}

// Open opens (creating if needed) the workspace in dir and brings its schema
// up to date. A database written by a newer Cyberstreams is refused.
func Open(ctx context.Context, dir string) (*Workspace, error) {
	if err := os.MkdirAll(filepath.Join(dir, "models"), 0o755); err != nil {
		return nil, fmt.Errorf("create workspace %s: %w", dir, err)
	}
	path := filepath.Join(dir, DBFile)
	_, statErr := os.Stat(path)
	db, err := sql.Open("sqlite", DSN(path))
	if err != nil {
		return nil, fmt.Errorf("open workspace database %s: %w", path, err)
	}
	// SQLite allows one writer; a small pool keeps readers concurrent while
	// writes queue on the busy timeout instead of failing.
	db.SetMaxOpenConns(4)
	ws := &Workspace{Dir: dir, Created: errors.Is(statErr, fs.ErrNotExist), db: db}
	if err := ping(ctx, db); err != nil {
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

// ping opens the first connection. Its settings include switching a new
// database to WAL, which needs an exclusive lock that SQLite does not wait
// for with the busy timeout; when another process is creating the same
// workspace at that moment, the switch fails with SQLITE_BUSY at once. So
// ping tries again, with a growing pause, for as long as the busy timeout.
func ping(ctx context.Context, db *sql.DB) error {
	pause := time.Millisecond
	deadline := time.Now().Add(busyTimeout)
	for {
		err := db.PingContext(ctx)
		if err == nil || !isBusy(err) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-time.After(pause):
		case <-ctx.Done():
			return ctx.Err()
		}
		pause = min(2*pause, 100*time.Millisecond)
	}
}

// busyTimeout is the DSN's busy_timeout.
const busyTimeout = 10 * time.Second

// isBusy reports SQLITE_BUSY (5), in any of its extended forms.
func isBusy(err error) bool {
	var coded interface{ Code() int }
	return errors.As(err, &coded) && coded.Code()&0xff == 5
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
//
// Several processes may open a new workspace at once, so the version a
// step starts from is read inside that step's transaction, which takes the
// write lock at BEGIN (the DSN's _txlock=immediate): whoever comes second
// waits, then sees the step done and skips it. A database already up to
// date is recognised by a plain read first, so opening a workspace takes
// no write lock and never waits for a running ingest.
//
// The steps run with foreign keys off, so that a step can rebuild a table
// that others reference (the twelve steps of "Making Other Kinds Of Table
// Schema Changes", https://www.sqlite.org/lang_altertable.html#otheralter),
// and PRAGMA foreign_key_check must find nothing before a step commits.
func Migrate(ctx context.Context, db *sql.DB, component string, steps []string) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_versions (
		component TEXT PRIMARY KEY, version INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("migrate %s: %w", component, err)
	}
	have, err := schemaVersion(ctx, db, component)
	if err != nil {
		return fmt.Errorf("migrate %s: %w", component, err)
	}
	if have > len(steps) {
		return fmt.Errorf("migrate %s: at version %d, this binary knows %d: %w", component, have, len(steps), ErrNewerSchema)
	}
	if have == len(steps) {
		return nil
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("migrate %s: %w", component, err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `PRAGMA foreign_keys=OFF`); err != nil {
		return fmt.Errorf("migrate %s: %w", component, err)
	}
	err = migrateSteps(ctx, conn, component, steps)
	if _, ferr := conn.ExecContext(context.Background(), `PRAGMA foreign_keys=ON`); ferr != nil {
		// Never hand a connection without foreign keys back to the pool.
		conn.Raw(func(any) error { return driver.ErrBadConn })
		if err == nil {
			err = fmt.Errorf("migrate %s: turn foreign keys back on: %w", component, ferr)
		}
	}
	return err
}

// migrateSteps applies the steps conn's database has not seen, one
// transaction each, reading the version inside the transaction.
func migrateSteps(ctx context.Context, conn *sql.Conn, component string, steps []string) error {
	for {
		done, err := migrateStep(ctx, conn, component, steps)
		if err != nil || done {
			return err
		}
	}
}

// migrateStep applies the next step, if there is one; done reports that
// the component is up to date.
func migrateStep(ctx context.Context, conn *sql.Conn, component string, steps []string) (done bool, err error) {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("migrate %s: %w", component, err)
	}
	defer tx.Rollback()
	have, err := schemaVersion(ctx, tx, component)
	if err != nil {
		return false, fmt.Errorf("migrate %s: %w", component, err)
	}
	if have > len(steps) {
		return false, fmt.Errorf("migrate %s: at version %d, this binary knows %d: %w", component, have, len(steps), ErrNewerSchema)
	}
	if have == len(steps) {
		return true, tx.Commit()
	}
	v := have + 1
	if _, err := tx.ExecContext(ctx, steps[have]); err != nil {
		return false, fmt.Errorf("migrate %s to %d: %w", component, v, err)
	}
	if err := foreignKeyCheck(ctx, tx); err != nil {
		return false, fmt.Errorf("migrate %s to %d: %w", component, v, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_versions(component, version) VALUES(?, ?)
		ON CONFLICT(component) DO UPDATE SET version = excluded.version`, component, v); err != nil {
		return false, fmt.Errorf("migrate %s to %d: %w", component, v, err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("migrate %s to %d: %w", component, v, err)
	}
	return false, nil
}

type queryRower interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// schemaVersion is the component's applied version, 0 for none.
func schemaVersion(ctx context.Context, q queryRower, component string) (int, error) {
	var have int
	err := q.QueryRowContext(ctx, `SELECT version FROM schema_versions WHERE component = ?`, component).Scan(&have)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return have, err
}

// foreignKeyCheck fails when a row references one that does not exist.
func foreignKeyCheck(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `PRAGMA foreign_key_check`)
	if err != nil {
		return err
	}
	defer rows.Close()
	if rows.Next() {
		var table, parent string
		var rowid sql.NullInt64
		var fk int
		if err := rows.Scan(&table, &rowid, &parent, &fk); err != nil {
			return err
		}
		return fmt.Errorf("a row of %s (rowid %d) references a missing %s row", table, rowid.Int64, parent)
	}
	return rows.Err()
}
