package neo4jtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"runtime"
	"strings"
	"testing"

	n4j "github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/cyberstreams/cyberstreams/kg/neo4j"
)

func TestMain(m *testing.M) { Main(m) }

func TestLookup(t *testing.T) {
	const team = "bolt://team.example:7687"
	tests := []struct {
		name     string
		env      map[string]string
		skip     string // substring of the skip reason
		err      string // substring of the error
		uri      string
		username string
	}{
		{"nothing set", nil, "neo4j.sh run -- go test ./...", "", "", ""},
		{"only the team's NEO4J_URI", map[string]string{"NEO4J_URI": team, "NEO4J_PASSWORD": "team-pw"}, "tests never use NEO4J_URI", "", "", ""},
		{"required, nothing set", map[string]string{EnvRequire: "1"}, "", EnvURI + " is not set", "", ""},
		{"required, only the team's NEO4J_URI", map[string]string{EnvRequire: "1", "NEO4J_URI": team}, "", EnvURI + " is not set", "", ""},
		{"required is only 1", map[string]string{EnvRequire: "yes"}, "is not set", "", "", ""},
		{"no marker id", map[string]string{EnvURI: "bolt://127.0.0.1:7687"}, "", EnvServerID + " is not", "", ""},
		{"credentials in the uri", map[string]string{EnvURI: "bolt://neo4j:s3cret@127.0.0.1:7687", EnvServerID: "x"}, "", "holds credentials", "", ""},
		{"not a uri", map[string]string{EnvURI: "127.0.0.1", EnvServerID: "x"}, "", "not a URI", "", ""},
		{"given", map[string]string{EnvURI: "bolt://127.0.0.1:7687", EnvServerID: "x", EnvPassword: "pw", "NEO4J_URI": team},
			"", "", "bolt://127.0.0.1:7687", "neo4j"},
		{"given with a user", map[string]string{EnvURI: "neo4j://127.0.0.1:7687", EnvServerID: "x", EnvUsername: "ana"},
			"", "", "neo4j://127.0.0.1:7687", "ana"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tg, skip, err := lookup(func(k string) string { return tt.env[k] })
			switch {
			case tt.err != "":
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want one saying %q", err, tt.err)
				}
				if strings.Contains(err.Error(), "s3cret") {
					t.Errorf("error shows the password: %v", err)
				}
			case tt.skip != "":
				if err != nil || !strings.Contains(skip, tt.skip) {
					t.Fatalf("skip %q, error %v; want a skip saying %q", skip, err, tt.skip)
				}
			default:
				if err != nil || skip != "" {
					t.Fatalf("skip %q, error %v; want the server", skip, err)
				}
				if tg.cfg.URI != tt.uri || tg.cfg.Username != tt.username || tg.id != tt.env[EnvServerID] || tg.cfg.Password != tt.env[EnvPassword] {
					t.Errorf("got %v id %q", tg.cfg, tg.id)
				}
			}
		})
	}
}

func TestSameMarker(t *testing.T) {
	tests := []struct {
		name  string
		found []string
		want  string // substring of the error; "" none
	}{
		{"the one marker", []string{"a"}, ""},
		{"no marker", nil, "carries no (:CyberstreamsTestServer) marker"},
		{"another server's", []string{"b"}, `not "a"`},
		{"two markers", []string{"a", "b"}, `not "a"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := sameMarker("bolt://127.0.0.1:7687", tt.found, "a")
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, errNotTestServer) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one saying %q", err, tt.want)
			}
		})
	}
}

// The tripwire that guards NEO4J_URI sees a bare TCP dial and a Neo4j
// driver's, and Main fails a run in which a test dialled it.
func TestTripwireCountsConnections(t *testing.T) {
	tests := []struct {
		name  string
		dial  func(t *testing.T, uri string)
		dials bool
	}{
		{"nothing", func(*testing.T, string) {}, false},
		{"a TCP connection", func(t *testing.T, uri string) {
			c, err := net.Dial("tcp", strings.TrimPrefix(uri, "bolt://"))
			if err != nil {
				t.Fatal(err)
			}
			c.Close()
		}, true},
		{"the Neo4j driver", func(t *testing.T, uri string) {
			_, err := neo4j.Connect(context.Background(), neo4j.Config{URI: uri, Username: "neo4j", Password: "pw"})
			if !errors.Is(err, neo4j.ErrUnreachable) {
				t.Errorf("connect to the tripwire: %v, want ErrUnreachable", err)
			}
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, k := range []string{"NEO4J_URI", "NEO4J_USERNAME", "NEO4J_PASSWORD"} {
				t.Setenv(k, os.Getenv(k)) // restored after runWithTripwire sets them
			}
			var stderr strings.Builder
			code := runWithTripwire(func() int {
				tt.dial(t, os.Getenv("NEO4J_URI"))
				return 0
			}, &stderr)
			if got := code != 0; got != tt.dials {
				t.Errorf("exit code %d after dialling=%v; stderr %q", code, tt.dials, stderr.String())
			}
			if tt.dials && !strings.Contains(stderr.String(), "connection(s) to NEO4J_URI") {
				t.Errorf("stderr %q does not say what happened", stderr.String())
			}
		})
	}
}

// TestNEO4JURINeverDialled points NEO4J_URI at a listener that records
// connections and runs the helper in every situation — no test server,
// one required but missing, one without a marker id, one unreachable, one
// with another server's marker, the right one — and no connection reaches
// NEO4J_URI.
func TestNEO4JURINeverDialled(t *testing.T) {
	testServer, testSkip, testErr := lookup(os.Getenv)
	w, err := newTripwire()
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range w.env() {
		t.Setenv(k, v)
	}
	given := func(t *testing.T, env map[string]string) {
		for _, k := range []string{EnvURI, EnvUsername, EnvPassword, EnvServerID, EnvRequire} {
			t.Setenv(k, env[k])
		}
	}
	tests := []struct {
		name  string
		env   map[string]string
		ended string // how Open ends: "skip" or "fatal"
		msg   string
	}{
		{"no test server", nil, "skip", "neo4j.sh run -- go test"},
		{"required, no test server", map[string]string{EnvRequire: "1"}, "fatal", EnvURI + " is not set"},
		{"no marker id", map[string]string{EnvURI: "bolt://127.0.0.1:1"}, "fatal", EnvServerID},
		{"unreachable test server", map[string]string{EnvURI: "bolt://127.0.0.1:1", EnvServerID: "x"}, "fatal", "127.0.0.1:1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			given(t, tt.env)
			f := call(t, func(tb testing.TB) { Open(tb) })
			if f.ended != tt.ended || !strings.Contains(f.msg, tt.msg) {
				t.Errorf("Open ended %q: %s; want %q saying %q", f.ended, f.msg, tt.ended, tt.msg)
			}
		})
	}

	t.Run("the test server", func(t *testing.T) {
		if testErr != nil {
			t.Fatal(testErr)
		}
		if testSkip != "" {
			t.Skip(testSkip)
		}
		env := map[string]string{EnvURI: testServer.cfg.URI, EnvUsername: testServer.cfg.Username, EnvPassword: testServer.cfg.Password, EnvServerID: testServer.id}
		given(t, env)
		ctx := context.Background()
		sentinel := fmt.Sprintf("neo4jtest-%d", os.Getpid())
		sentinels := "MATCH (s:NeoTestSentinel {run: $run}) RETURN count(s)"
		// One Open holds the lock throughout, so that no other package's
		// test wipes the sentinel in between.
		var srv Server
		f := call(t, func(tb testing.TB) { srv = Open(tb) })
		defer f.finish()
		if f.ended != "" {
			t.Fatalf("Open ended %s: %s", f.ended, f.msg)
		}
		write(t, srv.driver, "CREATE (:NeoTestSentinel {run: $run})", map[string]any{"run": sentinel})

		// Another server's id: refused before writing, and by the wipe itself.
		wrong := testServer
		wrong.id = "not-" + testServer.id
		if f := call(t, func(tb testing.TB) { open(tb, wrong) }); f.ended != "fatal" || !strings.Contains(f.msg, errNotTestServer.Error()) {
			t.Errorf("open with another server's id ended %q: %s", f.ended, f.msg)
		}
		if err := wipe(ctx, srv.driver, testServer.cfg.URI, wrong.id); !errors.Is(err, errNotTestServer) {
			t.Errorf("wipe with another server's id: %v", err)
		}
		if n := count(t, srv.driver, sentinels, sentinel); n != 1 {
			t.Fatalf("%d sentinels after the refused wipe, want 1", n)
		}

		// Without its marker (a team's server), no wipe happens. The marker
		// comes back before the lock is released.
		write(t, srv.driver, "MATCH (m:"+MarkerLabel+") DELETE m", nil)
		restored := false
		defer func() {
			if !restored {
				write(t, srv.driver, "CREATE (:"+MarkerLabel+" {id: $id})", map[string]any{"id": testServer.id})
			}
		}()
		if f := call(t, func(tb testing.TB) { open(tb, testServer) }); f.ended != "fatal" || !strings.Contains(f.msg, "carries no") {
			t.Errorf("open of a server without a marker ended %q: %s", f.ended, f.msg)
		}
		if err := wipe(ctx, srv.driver, testServer.cfg.URI, testServer.id); !errors.Is(err, errNotTestServer) {
			t.Errorf("wipe of a server without a marker: %v", err)
		}
		if n := count(t, srv.driver, sentinels, sentinel); n != 1 {
			t.Fatalf("%d sentinels after the refused wipe, want 1", n)
		}
		write(t, srv.driver, "CREATE (:"+MarkerLabel+" {id: $id})", map[string]any{"id": testServer.id})
		restored = true

		// With it, Wipe empties the graph but keeps the marker.
		if wf := call(t, func(tb testing.TB) { srv.Wipe(tb) }); wf.ended != "" {
			t.Fatalf("Wipe ended %s: %s", wf.ended, wf.msg)
		}
		if n := count(t, srv.driver, "MATCH (n) WHERE NOT n:"+MarkerLabel+" RETURN count(n)", ""); n != 0 {
			t.Errorf("%d nodes after Wipe", n)
		}
		if n := count(t, srv.driver, "MATCH (m:"+MarkerLabel+" {id: $run}) RETURN count(m)", testServer.id); n != 1 {
			t.Errorf("%d markers after Wipe, want 1", n)
		}
	})

	if n := w.close(); n != 0 {
		t.Errorf("%d connection(s) reached NEO4J_URI", n)
	}
}

// fakeTB stands in for a test that a helper may skip or fail: like the
// testing package, Skip and Fatal end the calling goroutine.
type fakeTB struct {
	testing.TB // the testServer test, for what is not overridden here
	ended      string
	msg        string
	cleanups   []func()
}

func (f *fakeTB) Helper()                          {}
func (f *fakeTB) Cleanup(fn func())                { f.cleanups = append(f.cleanups, fn) }
func (f *fakeTB) Skip(args ...any)                 { f.end("skip", fmt.Sprint(args...)) }
func (f *fakeTB) Skipf(format string, args ...any) { f.end("skip", fmt.Sprintf(format, args...)) }
func (f *fakeTB) Fatal(args ...any)                { f.end("fatal", fmt.Sprint(args...)) }
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.end("fatal", fmt.Sprintf(format, args...))
}

func (f *fakeTB) end(how, msg string) {
	f.ended, f.msg = how, msg
	runtime.Goexit()
}

// finish runs the cleanups, last first, as the end of a test would.
func (f *fakeTB) finish() {
	for i := len(f.cleanups) - 1; i >= 0; i-- {
		f.cleanups[i]()
	}
	f.cleanups = nil
}

// call runs fn on a fakeTB in a goroutine of its own. A helper that
// skipped or failed has run its cleanups; one that returned keeps them
// (its lock, its connections) until finish.
func call(t *testing.T, fn func(testing.TB)) *fakeTB {
	f := &fakeTB{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(f)
	}()
	<-done
	if f.ended != "" {
		f.finish()
	}
	return f
}

func write(t *testing.T, d n4j.DriverWithContext, cypher string, params map[string]any) {
	t.Helper()
	if _, err := n4j.ExecuteQuery(context.Background(), d, cypher, params, n4j.EagerResultTransformer); err != nil {
		t.Fatalf("%s: %v", cypher, err)
	}
}

func count(t *testing.T, d n4j.DriverWithContext, cypher, param string) int64 {
	t.Helper()
	res, err := n4j.ExecuteQuery(context.Background(), d, cypher, map[string]any{"run": param}, n4j.EagerResultTransformer)
	if err != nil || len(res.Records) != 1 {
		t.Fatalf("%s: %v", cypher, err)
	}
	return res.Records[0].Values[0].(int64)
}
