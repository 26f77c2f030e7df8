package api_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/cyberstreams/cyberstreams/core/api"
)

// TestSwapUnderLoad: requests keep flowing while the model is swapped back
// and forth; none fails, and every answer is wholly one model's.
func TestSwapUnderLoad(t *testing.T) {
	a, b := scorer(t, 0), scorer(t, 1)
	srv := api.New(a)
	ts := httptest.NewServer(srv)
	defer ts.Close()
	answer := func() (string, error) {
		resp, err := http.Post(ts.URL+"/v1/score", "application/json", strings.NewReader(goodDoc))
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			return string(body), &statusError{resp.StatusCode}
		}
		return string(body), err
	}
	wantA, err := answer()
	if err != nil {
		t.Fatal(err)
	}
	srv.Swap(b)
	wantB, err := answer()
	if err != nil {
		t.Fatal(err)
	}
	if wantA == wantB {
		t.Fatal("the two models answer alike: the test could not tell them apart")
	}

	const clients, each = 8, 150
	var failures, fromA, fromB atomic.Int64
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(clients)
	for range clients {
		go func() {
			defer wg.Done()
			for range each {
				got, err := answer()
				switch {
				case err != nil:
					failures.Add(1)
					t.Errorf("request failed during a swap: %v %s", err, got)
				case got == wantA:
					fromA.Add(1)
				case got == wantB:
					fromB.Add(1)
				default:
					failures.Add(1)
					t.Errorf("an answer of neither model: %s", got)
				}
			}
		}()
	}
	swapped := make(chan int)
	go func() {
		n := 0
		defer func() { swapped <- n }()
		// Swap back and forth for as long as the clients run.
		for ; ; n++ {
			select {
			case <-stop:
				return
			default:
			}
			if n%2 == 0 {
				srv.Swap(a)
			} else {
				srv.Swap(b)
			}
			runtime.Gosched()
		}
	}()
	wg.Wait()
	close(stop)
	n := <-swapped
	if fromA.Load() == 0 || fromB.Load() == 0 {
		t.Fatalf("%d swaps, yet all answers came from one model (%d, %d)", n, fromA.Load(), fromB.Load())
	}
	if failures.Load() != 0 {
		t.Fatalf("%d of %d requests failed across %d swaps", failures.Load(), clients*each, n)
	}
	t.Logf("%d requests, %d swaps, 0 failures (%d by one model, %d by the other)", clients*each, n, fromA.Load(), fromB.Load())
}

type statusError struct{ code int }

func (e *statusError) Error() string { return http.StatusText(e.code) }

// TestInFlightFinishesOnItsModel: a batch that started before a swap is
// scored to its end by the model it started with.
func TestInFlightFinishesOnItsModel(t *testing.T) {
	a, b := scorer(t, 0), scorer(t, 1)
	batch := []byte(goodDoc + "\n" + strings.Replace(goodDoc, `"a"`, `"a2"`, 1) + "\n")
	want := do(api.New(a), "POST", "/v1/score", "application/x-ndjson", bytes.NewReader(batch)).Body.String()
	other := do(api.New(b), "POST", "/v1/score", "application/x-ndjson", bytes.NewReader(batch)).Body.String()
	if want == other {
		t.Fatal("the two models answer alike: the test could not tell them apart")
	}
	srv := api.New(a)
	pr, pw := io.Pipe()
	done := make(chan string)
	go func() { done <- do(srv, "POST", "/v1/score", "application/x-ndjson", pr).Body.String() }()
	first, _, _ := bytes.Cut(batch, []byte("\n"))
	if _, err := pw.Write(append(first, '\n')); err != nil { // the request has started
		t.Fatal(err)
	}
	srv.Swap(b)
	pw.Write(batch[len(first)+1:])
	pw.Close()
	if got := <-done; got != want {
		t.Fatalf("a batch begun before the swap:\n got %s\nwant %s", got, want)
	}
	if got := do(srv, "POST", "/v1/score", "application/x-ndjson", bytes.NewReader(batch)).Body.String(); got != other {
		t.Fatalf("a request after the swap is not scored by the new model")
	}
}
