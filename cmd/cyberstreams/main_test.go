package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// cli runs the command line in-process against a temporary workspace and
// returns stdout, stderr and the exit code.
type cliResult struct {
	Out, Err string
	Code     int
}

func runCLI(t *testing.T, ws string, stdin string, args ...string) cliResult {
	t.Helper()
	var out, errOut bytes.Buffer
	io := &IOStreams{In: strings.NewReader(stdin), Out: &out, ErrOut: &errOut}
	if ws != "" {
		args = append([]string{"--workspace", ws}, args...)
	}
	code := run(context.Background(), args, io)
	return cliResult{out.String(), errOut.String(), code}
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden %s (run with -update to create): %v", path, err)
	}
	if string(want) != got {
		t.Fatalf("%s differs from golden file %s:\n--- got ---\n%s\n--- want ---\n%s", name, path, got, want)
	}
}

func TestRootHelpGolden(t *testing.T) {
	r := runCLI(t, "", "", "--help")
	if r.Code != 0 {
		t.Fatalf("exit %d: %s", r.Code, r.Err)
	}
	golden(t, "help", r.Out)
}

// The --version flag and the version command describe the same build.
func TestVersionFlagMatchesCommand(t *testing.T) {
	cmd := runCLI(t, t.TempDir(), "", "version")
	for _, flag := range []string{"--version", "-v"} {
		r := runCLI(t, t.TempDir(), "", flag)
		if r.Code != 0 || cmd.Code != 0 {
			t.Fatalf("%s: exit %d, version: exit %d (stderr %q)", flag, r.Code, cmd.Code, r.Err)
		}
		if r.Out != cmd.Out {
			t.Errorf("%s printed %q, the version command %q", flag, r.Out, cmd.Out)
		}
	}
}

func TestExitCodes(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
	}{
		{"version", []string{"version"}, 0},
		{"unknown command", []string{"frobnicate"}, 2},
		{"unknown flag", []string{"version", "--nope"}, 2},
		{"bad completion shell", []string{"completion", "tcsh"}, 2},
		{"completion bash", []string{"completion", "bash"}, 0},
		{"missing document", []string{"docs", "show", "no-such-document"}, 1},
		{"negative explain --top", []string{"explain", "-", "--top", "-2"}, 2},
		{"negative score --explain", []string{"score", "-", "--explain", "-3"}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, t.TempDir(), "", tt.args...)
			if r.Code != tt.code {
				t.Fatalf("exit %d, want %d (stderr %q)", r.Code, tt.code, r.Err)
			}
		})
	}
}
