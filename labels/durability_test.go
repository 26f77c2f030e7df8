package labels

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The durability tests re-run this test binary as a writer process (the
// TestHelperWriter pattern of os/exec's own tests), kill it with SIGKILL at
// random moments, and check what a reopened database holds.

const (
	helperMode = "LABELS_HELPER_MODE" // "add" or "import"
	helperDB   = "LABELS_HELPER_DB"
	helperN    = "LABELS_HELPER_N"    // labels to add; 0 = until killed
	helperFile = "LABELS_HELPER_FILE" // JSONL to import
	helperDocs = 100                  // documents d0 … d99
)

// TestHelperWriter is the writer process; it does nothing in a normal run.
// In "add" mode it prints "ACK <id>" after each Add has returned, so every
// acknowledged id is one the store promised was on disk.
func TestHelperWriter(t *testing.T) {
	mode := os.Getenv(helperMode)
	if mode == "" {
		t.Skip("writer process for the durability tests; runs only when re-executed by them")
	}
	db, err := sql.Open("sqlite", testDSN(os.Getenv(helperDB)))
	if err != nil {
		fail(err)
	}
	s := New(db)
	ctx := context.Background()
	fmt.Printf("START %d\n", time.Now().UnixNano())
	switch mode {
	case "add":
		n, _ := strconv.Atoi(os.Getenv(helperN))
		for i := 0; n == 0 || i < n; i++ {
			e, err := s.Add(ctx, Event{DocID: fmt.Sprintf("d%d", i%helperDocs), Severity: Severities[i%5],
				Analyst: "writer", Origin: "cli", Note: fmt.Sprintf("pid %d #%d", os.Getpid(), i)})
			if err != nil {
				fail(err)
			}
			fmt.Printf("ACK %d\n", e.ID)
		}
	case "import":
		f, err := os.Open(os.Getenv(helperFile))
		if err != nil {
			fail(err)
		}
		res, err := s.Import(ctx, f, "jsonl", f.Name(), "import")
		if err != nil {
			fail(err)
		}
		if res.Failed > 0 {
			fail(fmt.Errorf("%d lines failed: %v", res.Failed, res.Errors[0]))
		}
		fmt.Printf("IMPORTED %d\n", res.Imported)
	}
	fmt.Printf("END %d\n", time.Now().UnixNano())
	os.Exit(0)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "writer:", err)
	os.Exit(2)
}

// writer is a running helper process and the lines it printed.
type writer struct {
	cmd    *exec.Cmd
	lines  chan string
	stderr *strings.Builder
}

func startWriter(t *testing.T, env ...string) *writer {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperWriter$", "-test.count=1")
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	w := &writer{cmd: cmd, lines: make(chan string, 1<<16), stderr: &strings.Builder{}}
	cmd.Stderr = w.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			w.lines <- sc.Text()
		}
		close(w.lines)
	}()
	return w
}

func ackID(line string) (int64, bool) {
	id, err := strconv.ParseInt(strings.TrimPrefix(line, "ACK "), 10, 64)
	return id, err == nil && strings.HasPrefix(line, "ACK ")
}

func newDurabilityDB(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ws.db")
	db := openDB(t, path)
	createSchema(t, db)
	for i := range helperDocs {
		addDocs(t, db, fmt.Sprintf("d%d", i))
	}
	db.Close()
	return path
}

// checkDatabase reopens the database as a new process would and checks its
// integrity and that every acknowledged label is there.
func checkDatabase(t *testing.T, path string, acked []int64) *sql.DB {
	t.Helper()
	db := openDB(t, path)
	var integrity string
	if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&integrity); err != nil || integrity != "ok" {
		t.Fatalf("integrity_check: %q %v", integrity, err)
	}
	rows, err := db.Query(`PRAGMA foreign_key_check`)
	if err != nil {
		t.Fatal(err)
	}
	if rows.Next() {
		t.Fatal("foreign_key_check reports violations")
	}
	rows.Close()
	for _, id := range acked {
		var kind string
		if err := db.QueryRow(`SELECT kind FROM label_events WHERE id = ?`, id).Scan(&kind); err != nil || kind != "label" {
			t.Fatalf("acknowledged label %d lost after kill -9: %v", id, err)
		}
	}
	return db
}

func TestKillDashNineLosesNoAcknowledgedLabel(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills writer processes (about 3 s)")
	}
	path := newDurabilityDB(t)
	rng := rand.New(rand.NewPCG(2025, 3))
	const rounds = 10
	const importLines = 6000
	var acked []int64
	for round := range rounds {
		start := time.Now()
		if round%2 == 0 {
			// Kill an Add loop after a random number of acknowledgements
			// plus a random few hundred microseconds, so the kill lands
			// anywhere in an Add: before, inside or after its commit.
			target := 1 + rng.IntN(300)
			pause := time.Duration(rng.IntN(800)) * time.Microsecond
			w := startWriter(t, helperMode+"=add", helperDB+"="+path)
			n := 0
			for line := range w.lines {
				if id, ok := ackID(line); ok {
					acked = append(acked, id)
					n++
					if n == target {
						time.Sleep(pause)
						w.cmd.Process.Kill()
					}
				}
			}
			w.cmd.Wait()
			if n < target {
				t.Fatalf("round %d: writer died after %d acks: %s", round, n, w.stderr)
			}
			t.Logf("round %d: add loop killed after ack %d (+%v), %d acks read in all, %v",
				round, target, pause, n, time.Since(start).Round(time.Millisecond))
			db := checkDatabase(t, path, acked)
			db.Close()
			continue
		}
		// Kill an import part-way: every committed batch is whole, and
		// running the import again completes it without duplicates.
		file := filepath.Join(t.TempDir(), "import.jsonl")
		var b strings.Builder
		for i := range importLines {
			fmt.Fprintf(&b, `{"doc_id":"d%d","severity":"%s","analyst":"import-%d","created_at":"2025-01-01T00:00:00Z","note":"line %d"}`+"\n",
				i%helperDocs, Severities[i%5], round, i)
		}
		if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		delay := time.Duration(5+rng.IntN(150)) * time.Millisecond
		w := startWriter(t, helperMode+"=import", helperDB+"="+path, helperFile+"="+file)
		<-w.lines // START: the process is up and has opened the database
		time.Sleep(delay)
		w.cmd.Process.Kill()
		for range w.lines {
		}
		w.cmd.Wait()
		db := checkDatabase(t, path, acked)
		var kept int
		if err := db.QueryRow(`SELECT count(*) FROM label_events WHERE analyst = ?`, fmt.Sprintf("import-%d", round)).Scan(&kept); err != nil {
			t.Fatal(err)
		}
		if kept%1000 != 0 {
			t.Fatalf("round %d: %d labels of a killed import survived; want whole batches of 1000", round, kept)
		}
		res, err := New(db).Import(context.Background(), strings.NewReader(b.String()), "jsonl", file, "import")
		if err != nil || res.Imported != importLines-kept || res.Already != kept {
			t.Fatalf("round %d: resumed import %+v %v, %d were kept", round, res, err, kept)
		}
		db.Close()
		t.Logf("round %d: import killed %v after start with %d/%d labels committed; resumed, %v",
			round, delay, kept, importLines, time.Since(start).Round(time.Millisecond))
	}
	t.Logf("%d rounds, %d acknowledged labels, all present; integrity_check ok", rounds, len(acked))
}

func TestTwoProcessesWriteAtOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("starts writer processes (about 2 s)")
	}
	path := newDurabilityDB(t)
	const adds, importLines = 300, 10000
	file := filepath.Join(t.TempDir(), "import.jsonl")
	var b strings.Builder
	for i := range importLines {
		fmt.Fprintf(&b, `{"doc_id":"d%d","severity":"%d","analyst":"importer","note":"line %d"}`+"\n", i%helperDocs, i%5+1, i)
	}
	if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	adder := startWriter(t, helperMode+"=add", helperDB+"="+path, helperN+"="+strconv.Itoa(adds))
	importer := startWriter(t, helperMode+"=import", helperDB+"="+path, helperFile+"="+file)
	spans := map[string][2]int64{}
	var acked []int64
	for name, w := range map[string]*writer{"adder": adder, "importer": importer} {
		var span [2]int64
		for line := range w.lines {
			if id, ok := ackID(line); ok {
				acked = append(acked, id)
			}
			if v, ok := strings.CutPrefix(line, "START "); ok {
				span[0], _ = strconv.ParseInt(v, 10, 64)
			}
			if v, ok := strings.CutPrefix(line, "END "); ok {
				span[1], _ = strconv.ParseInt(v, 10, 64)
			}
		}
		if err := w.cmd.Wait(); err != nil {
			t.Fatalf("%s failed: %v: %s", name, err, w.stderr)
		}
		spans[name] = span
	}
	if len(acked) != adds {
		t.Fatalf("%d labels acknowledged, want %d", len(acked), adds)
	}
	db := checkDatabase(t, path, acked)
	var imported int
	if err := db.QueryRow(`SELECT count(*) FROM label_events WHERE analyst = 'importer'`).Scan(&imported); err != nil || imported != importLines {
		t.Fatalf("imported %d, want %d (%v)", imported, importLines, err)
	}
	a, i := spans["adder"], spans["importer"]
	overlap := time.Duration(min(a[1], i[1]) - max(a[0], i[0]))
	t.Logf("adder %v, importer %v, overlapping %v; no busy errors",
		time.Duration(a[1]-a[0]).Round(time.Millisecond), time.Duration(i[1]-i[0]).Round(time.Millisecond), overlap.Round(time.Millisecond))
	if overlap <= 0 {
		t.Fatalf("the two writers did not run at the same time: adder %v, importer %v", a, i)
	}
}
