package main

import (
	"io"
	"os"
	"strings"
	"time"

	"github.com/mattn/go-isatty"
)

// IOStreams carries the process's standard streams and what they are
// connected to, so commands decide between a table for a person and stable
// rows for a script, and tests swap them for buffers.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	OutIsTTY bool
	ErrIsTTY bool
	InIsTTY  bool

	// ProgressEvery is how often a progress line on ErrOut may be
	// rewritten; 0 means five times a second.
	ProgressEvery time.Duration
}

func newIOStreams() *IOStreams {
	return &IOStreams{
		In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr,
		OutIsTTY: isTerminal(os.Stdout), ErrIsTTY: isTerminal(os.Stderr), InIsTTY: isTerminal(os.Stdin),
	}
}

func isTerminal(f *os.File) bool {
	return isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
}

// colorDisabled reports whether NO_COLOR (https://no-color.org) is set to a
// non-empty value.
func colorDisabled() bool {
	return strings.TrimSpace(os.Getenv("NO_COLOR")) != ""
}
