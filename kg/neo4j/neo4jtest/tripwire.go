package neo4jtest

import (
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"testing"
)

// Main runs a package's tests (call it from TestMain) with NEO4J_URI,
// NEO4J_USERNAME and NEO4J_PASSWORD replaced by a tripwire: a loopback
// listener that counts every connection. Whatever team server the
// environment named is out of reach of every test in the package, and a
// test that dials NEO4J_URI without setting it itself — instead of taking
// the test server from Open — fails the package.
func Main(m *testing.M) {
	os.Exit(runWithTripwire(m.Run, os.Stderr))
}

func runWithTripwire(run func() int, stderr io.Writer) int {
	w, err := newTripwire()
	if err != nil {
		fmt.Fprintf(stderr, "neo4jtest: %v\n", err)
		return 1
	}
	for k, v := range w.env() {
		os.Setenv(k, v)
	}
	code := run()
	if n := w.close(); n > 0 {
		fmt.Fprintf(stderr, "FAIL: %d connection(s) to NEO4J_URI (a tripwire at %s) during the tests: "+
			"tests must take their server from neo4jtest.Open, never from NEO4J_URI, which may be a team's\n", n, w.uri())
		return 1
	}
	return code
}

// tripwire is a loopback listener that accepts, counts and closes every
// connection.
type tripwire struct {
	ln    net.Listener
	done  chan struct{}
	mu    sync.Mutex
	dials int
}

func newTripwire() (*tripwire, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("tripwire for NEO4J_URI: %w", err)
	}
	w := &tripwire{ln: ln, done: make(chan struct{})}
	go func() {
		defer close(w.done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return // closed
			}
			w.mu.Lock()
			w.dials++
			w.mu.Unlock()
			c.Close()
		}
	}()
	return w, nil
}

func (w *tripwire) uri() string { return "bolt://" + w.ln.Addr().String() }

// env is the environment by which the product finds the team's Neo4j,
// pointing at the tripwire.
func (w *tripwire) env() map[string]string {
	return map[string]string{"NEO4J_URI": w.uri(), "NEO4J_USERNAME": "tripwire", "NEO4J_PASSWORD": "tripwire-password"}
}

// count is the number of connections so far.
func (w *tripwire) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.dials
}

// close stops listening and returns the number of connections.
func (w *tripwire) close() int {
	w.ln.Close()
	<-w.done
	return w.count()
}
