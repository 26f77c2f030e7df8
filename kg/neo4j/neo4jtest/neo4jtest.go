// Package neo4jtest gives tests the throwaway Neo4j that
// scripts/neo4j/neo4j.sh started for them, and never any other.
//
// NEO4J_URI names the Neo4j the product syncs to, which may be a team's
// shared graph; tests never read it. They get their server from
// CYBERSTREAMS_TEST_NEO4J_URI (with _USERNAME, _PASSWORD and _SERVER_ID),
// which neo4j.sh exports, and they write to it only after finding the
// node (:CyberstreamsTestServer {id: SERVER_ID}) its launcher created at
// start. A server without that node is refused loudly, never wiped.
//
// Without a test server the tests that need one skip, saying how to run
// them — unless CYBERSTREAMS_REQUIRE_NEO4J=1 (CI) or the test variables are
// set, when a missing or unusable server fails the test instead.
package neo4jtest

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"testing"
	"time"

	n4j "github.com/neo4j/neo4j-go-driver/v5/neo4j"
	n4jcfg "github.com/neo4j/neo4j-go-driver/v5/neo4j/config"

	"github.com/cyberstreams/cyberstreams/kg/neo4j"
)

// The environment that names the test server.
const (
	EnvURI      = "CYBERSTREAMS_TEST_NEO4J_URI"
	EnvUsername = "CYBERSTREAMS_TEST_NEO4J_USERNAME"
	EnvPassword = "CYBERSTREAMS_TEST_NEO4J_PASSWORD"
	EnvServerID = "CYBERSTREAMS_TEST_NEO4J_SERVER_ID"
	// EnvRequire set to 1 turns every skip for want of a test server into a
	// failure, so that CI cannot pass without running the Neo4j tests.
	EnvRequire = "CYBERSTREAMS_REQUIRE_NEO4J"
)

// MarkerLabel is the label of the one node a test server carries; the
// launcher in scripts/neo4j creates it with the server's id.
const MarkerLabel = "CyberstreamsTestServer"

// howToRun ends every skip and failure message.
const howToRun = "run the Neo4j tests with `scripts/neo4j/neo4j.sh run -- go test ./...`, which starts a throwaway server " +
	"and exports " + EnvURI + " and its siblings (tests never use NEO4J_URI, which may name a team's server)"

// Server is the test server, checked to carry its marker.
type Server struct {
	// Client is connected to the server, for the code under test.
	Client *neo4j.Client
	// Config reaches the same server, for code that connects by itself
	// (the CLI reads it from NEO4J_URI, NEO4J_USERNAME, NEO4J_PASSWORD).
	Config neo4j.Config
	id     string
	driver n4j.DriverWithContext // the helper's own, for the guarded wipe
}

// target is where the environment says the test server is.
type target struct {
	cfg neo4j.Config
	id  string
}

// lookup reads the test server from getenv. It returns a reason to skip
// when no server is given and none is required, and an error when one is
// required or given incompletely. It never reads NEO4J_URI.
func lookup(getenv func(string) string) (target, string, error) {
	uri := getenv(EnvURI)
	if uri == "" {
		if getenv(EnvRequire) == "1" {
			return target{}, "", fmt.Errorf("%s=1 but %s is not set: %s", EnvRequire, EnvURI, howToRun)
		}
		return target{}, "no test Neo4j (" + EnvURI + " is not set): " + howToRun, nil
	}
	u, err := url.Parse(uri)
	if err != nil || u.Host == "" {
		return target{}, "", fmt.Errorf("%s %s is not a URI of the form scheme://host:port", EnvURI, neo4j.RedactURI(uri))
	}
	if u.User != nil {
		return target{}, "", fmt.Errorf("%s %s holds credentials: set %s and %s instead", EnvURI, neo4j.RedactURI(uri), EnvUsername, EnvPassword)
	}
	id := getenv(EnvServerID)
	if id == "" {
		return target{}, "", fmt.Errorf("%s is set but %s is not: without the id of its test-server marker no test writes to %s; %s",
			EnvURI, EnvServerID, uri, howToRun)
	}
	user := getenv(EnvUsername)
	if user == "" {
		user = "neo4j"
	}
	return target{cfg: neo4j.Config{URI: uri, Username: user, Password: getenv(EnvPassword), RetryFor: 3 * time.Second}, id: id}, "", nil
}

// Open returns the test server after checking that it carries the marker
// with the id it was given; it holds a lock that keeps tests of other
// packages off the server until tb ends. It does not wipe: a test that
// needs an empty graph uses Empty.
func Open(tb testing.TB) Server {
	tb.Helper()
	tg, skip, err := lookup(os.Getenv)
	if err != nil {
		tb.Fatal(err)
	}
	if skip != "" {
		tb.Skip(skip)
	}
	lock(tb)
	return open(tb, tg)
}

// open connects to tg once it has found tg's marker there.
func open(tb testing.TB, tg target) Server {
	tb.Helper()
	ctx := context.Background()
	d, err := n4j.NewDriverWithContext(tg.cfg.URI, n4j.BasicAuth(tg.cfg.Username, tg.cfg.Password, ""), func(c *n4jcfg.Config) {
		c.MaxTransactionRetryTime = tg.cfg.RetryFor
		c.SocketConnectTimeout = 5 * time.Second
	})
	if err != nil {
		tb.Fatalf("test Neo4j %s: %v", tg.cfg.URI, err)
	}
	tb.Cleanup(func() { d.Close(ctx) })
	if err := checkMarker(ctx, d, tg.cfg.URI, tg.id); err != nil {
		tb.Fatal(err)
	}
	c, err := neo4j.Connect(ctx, tg.cfg)
	if err != nil {
		tb.Fatalf("test Neo4j: %v", err)
	}
	tb.Cleanup(func() { c.Close(ctx) })
	return Server{Client: c, Config: tg.cfg, id: tg.id, driver: d}
}

// Empty is Open, then Wipe.
func Empty(tb testing.TB) Server {
	tb.Helper()
	s := Open(tb)
	s.Wipe(tb)
	return s
}

// Wipe deletes every node of the test server but its marker, in one
// transaction that first checks the marker again.
func (s Server) Wipe(tb testing.TB) {
	tb.Helper()
	if err := wipe(context.Background(), s.driver, s.Config.URI, s.id); err != nil {
		tb.Fatal(err)
	}
}

// errNotTestServer is why a server was refused.
var errNotTestServer = errors.New("not the test server it was given as: refusing to write to it")

// checkMarker fails unless the server holds exactly one marker, with id.
func checkMarker(ctx context.Context, d n4j.DriverWithContext, uri, id string) error {
	sess := d.NewSession(ctx, n4j.SessionConfig{AccessMode: n4j.AccessModeRead})
	defer sess.Close(ctx)
	ids, err := sess.ExecuteRead(ctx, func(tx n4j.ManagedTransaction) (any, error) {
		return markerIDs(ctx, tx)
	})
	if err != nil {
		return fmt.Errorf("test Neo4j %s: reading its test-server marker: %w", uri, err)
	}
	return sameMarker(uri, ids.([]string), id)
}

// wipe deletes all but the marker, in the transaction that checks it.
func wipe(ctx context.Context, d n4j.DriverWithContext, uri, id string) error {
	sess := d.NewSession(ctx, n4j.SessionConfig{AccessMode: n4j.AccessModeWrite})
	defer sess.Close(ctx)
	_, err := sess.ExecuteWrite(ctx, func(tx n4j.ManagedTransaction) (any, error) {
		ids, err := markerIDs(ctx, tx)
		if err != nil {
			return nil, err
		}
		if err := sameMarker(uri, ids, id); err != nil {
			return nil, err
		}
		r, err := tx.Run(ctx, "MATCH (n) WHERE NOT n:"+MarkerLabel+" DETACH DELETE n", nil)
		if err != nil {
			return nil, err
		}
		return r.Consume(ctx)
	})
	if err != nil {
		return fmt.Errorf("wipe test Neo4j %s: %w", uri, err)
	}
	return nil
}

func markerIDs(ctx context.Context, tx n4j.ManagedTransaction) ([]string, error) {
	r, err := tx.Run(ctx, "MATCH (m:"+MarkerLabel+") RETURN m.id AS id", nil)
	if err != nil {
		return nil, err
	}
	recs, err := r.Collect(ctx)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(recs))
	for _, rec := range recs {
		v, _ := rec.Get("id")
		s, _ := v.(string)
		ids = append(ids, s)
	}
	return ids, nil
}

// sameMarker says why markers found on a server are not exactly the one
// with id.
func sameMarker(uri string, found []string, id string) error {
	switch {
	case len(found) == 0:
		return fmt.Errorf("%s carries no (:%s) marker, so it is %w (a team's server?); %s",
			uri, MarkerLabel, errNotTestServer, howToRun)
	case len(found) > 1 || found[0] != id:
		return fmt.Errorf("%s carries test-server marker(s) %q, not %q from %s, so it is %w",
			uri, found, id, EnvServerID, errNotTestServer)
	}
	return nil
}

// Write runs one write statement on the test server, in a transaction
// that first checks the marker again, for tests that change the server
// behind the code under test's back (a node deleted by someone else, a
// marker rolled back by a restore).
func (s Server) Write(tb testing.TB, cypher string, params map[string]any) {
	tb.Helper()
	ctx := context.Background()
	sess := s.driver.NewSession(ctx, n4j.SessionConfig{AccessMode: n4j.AccessModeWrite})
	defer sess.Close(ctx)
	_, err := sess.ExecuteWrite(ctx, func(tx n4j.ManagedTransaction) (any, error) {
		ids, err := markerIDs(ctx, tx)
		if err != nil {
			return nil, err
		}
		if err := sameMarker(s.Config.URI, ids, s.id); err != nil {
			return nil, err
		}
		r, err := tx.Run(ctx, cypher, params)
		if err != nil {
			return nil, err
		}
		return r.Consume(ctx)
	})
	if err != nil {
		tb.Fatalf("write to test Neo4j %s: %v", s.Config.URI, err)
	}
}
