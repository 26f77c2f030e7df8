package api_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/cyberstreams/cyberstreams/core/api"
)

// TestRunDrainsOnStop: stopping the server (SIGTERM in serve) while a
// batch is half sent lets that batch finish, whole, and Run returns nil.
func TestRunDrainsOnStop(t *testing.T) {
	srv := api.New(scorer(t, 0))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- srv.Run(ctx, ln, time.Minute) }()

	pr, pw := io.Pipe()
	type answer struct {
		resp *http.Response
		err  error
	}
	answered := make(chan answer, 1)
	go func() {
		resp, err := http.Post("http://"+ln.Addr().String()+"/v1/score", "application/x-ndjson", pr)
		answered <- answer{resp, err}
	}()
	go pw.Write([]byte(goodDoc + "\n"))
	a := <-answered // the first record's answer has begun: the request is running
	if a.err != nil {
		t.Fatal(a.err)
	}
	defer a.resp.Body.Close()
	stop()
	// Run marks the server draining, then shuts it down: wait for the
	// first, so that the rest of the batch arrives during the drain.
	for do(srv, "GET", "/readyz", "", nil).Code != http.StatusServiceUnavailable {
		runtime.Gosched()
	}
	if _, err := pw.Write([]byte(strings.Replace(goodDoc, `"a"`, `"b"`, 1) + "\n")); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	body, err := io.ReadAll(a.resp.Body)
	if err != nil {
		t.Fatalf("the running batch was cut: %v", err)
	}
	if lines := strings.Split(strings.TrimSpace(string(body)), "\n"); len(lines) != 2 || !strings.Contains(lines[1], `"id":"b"`) {
		t.Fatalf("the running batch did not finish whole: %s", body)
	}
	if err := <-ran; err != nil {
		t.Fatalf("Run after a clean drain: %v", err)
	}
	if do(srv, "GET", "/readyz", "", nil).Code != http.StatusServiceUnavailable {
		t.Fatal("a stopped server says it is ready")
	}
}
