// Command serve_load drives `cyberstreams serve` with single-document
// requests (POST /v1/score, application/json) and reports latency and
// throughput, on loopback only.
//
//   - open loop (-rate R): requests are sent on a fixed schedule, R per
//     second, whatever the answers do; each latency is measured from the
//     moment the request was due, so a stalled server cannot hide its
//     queue (no coordinated omission);
//   - closed loop (-rate 0): -concurrency clients each send their next
//     request as soon as the last is answered: the most the server does.
//
// -during runs a command halfway through (a promotion), to measure the
// same while the model is swapped.
package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"time"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "serve_load:", err)
		os.Exit(1)
	}
}

type result struct {
	due, done time.Time
	status    int
	err       error
}

func run() error {
	target := flag.String("url", "http://127.0.0.1:8080/v1/score", "the scoring route (loopback only)")
	docs := flag.String("docs", "../shared/data/advisories_train.jsonl.gz", "JSON lines (.gz or not): each line is one request body")
	n := flag.Int("n", 2000, "how many distinct documents to cycle through")
	rate := flag.Float64("rate", 1000, "requests per second (open loop); 0 for closed loop")
	conc := flag.Int("concurrency", 32, "clients in closed loop")
	dur := flag.Duration("duration", 10*time.Second, "how long to send (at most 2m)")
	during := flag.String("during", "", "a shell command to run halfway through (e.g. a promotion)")
	asJSON := flag.Bool("json", false, "print the summary as JSON")
	flag.Parse()
	if *dur <= 0 || *dur > 2*time.Minute {
		return fmt.Errorf("-duration %s: want (0, 2m]", *dur)
	}
	u, err := url.Parse(*target)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(u.Hostname()); (ip == nil || !ip.IsLoopback()) && u.Hostname() != "localhost" {
		return fmt.Errorf("-url %s: loopback only", *target)
	}
	bodies, err := readBodies(*docs, *n)
	if err != nil {
		return err
	}
	client := &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{MaxIdleConns: 4096, MaxIdleConnsPerHost: 4096, MaxConnsPerHost: 0,
			DisableCompression: true, IdleConnTimeout: time.Minute},
	}
	send := func(body []byte, due time.Time) result {
		req, _ := http.NewRequest(http.MethodPost, *target, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if tok := os.Getenv("CYBERSTREAMS_TOKEN"); tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		resp, err := client.Do(req)
		if err != nil {
			return result{due: due, done: time.Now(), err: err}
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return result{due: due, done: time.Now(), status: resp.StatusCode, err: err}
	}
	// Warm the connections and the server up.
	for i := range 200 {
		send(bodies[i%len(bodies)], time.Now())
	}

	cpu0, cpuErr := serverCPU(client, u)
	ctx, cancel := context.WithTimeout(context.Background(), *dur)
	defer cancel()
	var (
		mu      sync.Mutex
		results []result
		wg      sync.WaitGroup
	)
	keep := func(r result) { mu.Lock(); results = append(results, r); mu.Unlock() }
	duringOut := make(chan string, 1)
	if *during != "" {
		go func() {
			time.Sleep(*dur / 2)
			out, err := exec.Command("sh", "-c", *during).CombinedOutput()
			msg := strings.TrimSpace(string(out))
			if err != nil {
				msg += " (" + err.Error() + ")"
			}
			duringOut <- msg
		}()
	}
	start := time.Now()
	if *rate > 0 {
		interval := time.Duration(float64(time.Second) / *rate)
		for i := 0; ; i++ {
			due := start.Add(time.Duration(i) * interval)
			if due.Sub(start) >= *dur {
				break
			}
			if d := time.Until(due); d > 0 {
				time.Sleep(d)
			}
			wg.Add(1)
			go func(body []byte) { defer wg.Done(); keep(send(body, due)) }(bodies[i%len(bodies)])
		}
	} else {
		for c := range *conc {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := c; ctx.Err() == nil; i += *conc {
					keep(send(bodies[i%len(bodies)], time.Now()))
				}
			}()
		}
	}
	wg.Wait()
	elapsed := time.Since(start)
	s := summarize(results, elapsed)
	s.Mode = "closed loop, " + fmt.Sprint(*conc) + " clients"
	if *rate > 0 {
		s.Mode = fmt.Sprintf("open loop at %g/s", *rate)
	}
	if *during != "" {
		s.During = <-duringOut
	}
	if cpu1, err := serverCPU(client, u); err == nil && cpuErr == nil && s.Requests > 0 {
		// The server's own CPU per answer, which the other jobs on a
		// shared machine do not inflate as they inflate wall time.
		s.ServerCPUMicros = (cpu1 - cpu0) * 1e6 / float64(s.Requests)
	}
	if *asJSON {
		return json.NewEncoder(os.Stdout).Encode(s)
	}
	fmt.Printf("%s for %.1fs: %d requests, %.0f/s answered; errors %d %v\n", s.Mode, s.Seconds, s.Requests, s.PerSecond, s.Errors, s.ByStatus)
	fmt.Printf("latency ms: p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  max %.2f\n", s.P50, s.P90, s.P99, s.P999, s.Max)
	if s.ServerCPUMicros > 0 {
		fmt.Printf("server CPU per request: %.0f µs (process_cpu_seconds_total from /metrics)\n", s.ServerCPUMicros)
	}
	if s.During != "" {
		fmt.Printf("during: %s\n", s.During)
	}
	if s.Errors > 0 {
		return errors.New("some requests failed")
	}
	return nil
}

type summary struct {
	Mode                     string         `json:"mode"`
	Seconds                  float64        `json:"seconds"`
	Requests                 int            `json:"requests"`
	PerSecond                float64        `json:"per_second"`
	Errors                   int            `json:"errors"`
	ByStatus                 map[string]int `json:"by_status"`
	P50, P90, P99, P999, Max float64
	During                   string  `json:"during,omitempty"`
	ServerCPUMicros          float64 `json:"server_cpu_us_per_request,omitempty"`
}

// serverCPU reads the server's process_cpu_seconds_total from /metrics.
func serverCPU(client *http.Client, score *url.URL) (float64, error) {
	m := *score
	m.Path, m.RawQuery = "/metrics", ""
	req, _ := http.NewRequest(http.MethodGet, m.String(), nil)
	if tok := os.Getenv("CYBERSTREAMS_TOKEN"); tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "process_cpu_seconds_total "); ok {
			var f float64
			_, err := fmt.Sscan(v, &f)
			return f, err
		}
	}
	return 0, errors.New("no process_cpu_seconds_total in /metrics")
}

func summarize(rs []result, elapsed time.Duration) summary {
	s := summary{Seconds: elapsed.Seconds(), Requests: len(rs), ByStatus: map[string]int{}}
	lat := make([]float64, 0, len(rs))
	for _, r := range rs {
		key := fmt.Sprint(r.status)
		if r.err != nil {
			key = "transport error"
		}
		s.ByStatus[key]++
		if r.err != nil || r.status != http.StatusOK {
			s.Errors++
		}
		lat = append(lat, float64(r.done.Sub(r.due))/1e6)
	}
	slices.Sort(lat)
	q := func(p float64) float64 {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(p*float64(len(lat))))]
	}
	s.P50, s.P90, s.P99, s.P999 = q(0.5), q(0.9), q(0.99), q(0.999)
	if len(lat) > 0 {
		s.Max = lat[len(lat)-1]
	}
	s.PerSecond = float64(s.ByStatus["200"]) / elapsed.Seconds()
	return s
}

// readBodies reads the first n lines of a JSON-lines file as request
// bodies.
func readBodies(path string, n int) ([][]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("documents: %w (give -docs a JSON-lines file)", err)
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		gz, err := gzip.NewReader(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		r = gz
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 4<<20)
	var out [][]byte
	for sc.Scan() && len(out) < n {
		if line := bytes.TrimSpace(sc.Bytes()); len(line) > 0 {
			out = append(out, bytes.Clone(line))
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no documents", path)
	}
	return out, nil
}
