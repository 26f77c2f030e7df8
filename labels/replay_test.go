package labels

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cyberstreams/cyberstreams/internal/shareddata"
)

// TestReplayAdvisoryLabels imports the severity of every training advisory
// as a label, the way the learning-loop replay does, in one go.
func TestReplayAdvisoryLabels(t *testing.T) {
	if testing.Short() {
		t.Skip("imports 38k labels (about 3 s)")
	}
	path := shareddata.File(t, "advisories_train.jsonl.gz")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	s, db := newTestStore(t)
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	ins, err := tx.Prepare(`INSERT OR IGNORE INTO documents(id) VALUES (?)`)
	if err != nil {
		t.Fatal(err)
	}
	var in strings.Builder
	enc := json.NewEncoder(&in)
	sc := bufio.NewScanner(zr)
	sc.Buffer(nil, 16<<20)
	n := 0
	for sc.Scan() {
		var a struct{ ID, Severity, Published, SeveritySource string }
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			t.Fatal(err)
		}
		if _, err := ins.Exec(a.ID); err != nil {
			t.Fatal(err)
		}
		enc.Encode(Record{DocID: a.ID, Severity: a.Severity, Analyst: "source", CreatedAt: a.Published})
		n++
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	res, err := s.Import(context.Background(), strings.NewReader(in.String()), "jsonl", filepath.Base(path), "import")
	took := time.Since(start)
	if err != nil || res.Imported != n || res.Failed != 0 {
		t.Fatalf("replay: %+v %v", res, err)
	}
	st, err := s.Stats(context.Background())
	if err != nil || st.Current != n {
		t.Fatalf("%d current labels after importing %d: %v", st.Current, n, err)
	}
	t.Logf("imported %d advisory labels in %v (%.0f labels/s)", n, took.Round(time.Millisecond), float64(n)/took.Seconds())
}
