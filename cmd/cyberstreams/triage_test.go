package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"
)

// TestTriageDemoLabelsShowInLabelList: an analyst opens the demo, presses
// 2 on the first document and quits; `label list` then shows that label.
func TestTriageDemoLabelsShowInLabelList(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the full triage program")
	}
	ws := t.TempDir()
	pr, pw := io.Pipe()
	var out, errOut bytes.Buffer
	done := make(chan int)
	go func() {
		done <- run(context.Background(), []string{"--workspace", ws, "--no-color", "triage", "--demo", "--analyst", "alice"},
			&IOStreams{In: pr, Out: &out, ErrOut: &errOut})
	}()
	// Keys arrive one by one, as typed; the program starts reading when the
	// demo is loaded and scored.
	for _, k := range []string{"2", "q"} {
		time.Sleep(300 * time.Millisecond)
		if _, err := pw.Write([]byte(k)); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("triage exited %d: %s", code, errOut.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("triage did not quit on q")
	}
	pw.Close()
	if !strings.Contains(errOut.String(), "demo: 36 documents added") {
		t.Fatalf("stderr: %s", errOut.String())
	}
	res := runCLI(t, ws, "", "label", "list", "--json")
	if res.Code != 0 {
		t.Fatalf("label list: %d %s", res.Code, res.Err)
	}
	if !strings.Contains(res.Out, `"high"`) || !strings.Contains(res.Out, `"alice"`) || !strings.Contains(res.Out, `"tui"`) {
		t.Fatalf("label list does not show alice's high label from the TUI:\n%s", res.Out)
	}
	var probe any
	if json.Unmarshal([]byte(strings.SplitN(strings.TrimSpace(res.Out), "\n", 2)[0]), &probe) != nil && !json.Valid([]byte(res.Out)) {
		t.Fatalf("label list --json is not JSON:\n%s", res.Out)
	}
}

func TestTriageRejectsArguments(t *testing.T) {
	res := runCLI(t, t.TempDir(), "", "triage", "extra")
	if res.Code != exitUsage {
		t.Fatalf("exit %d, want usage (%d): %s", res.Code, exitUsage, res.Err)
	}
}
