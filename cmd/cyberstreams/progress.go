package main

import (
	"fmt"
	"io"
	"time"
)

// progressLine is a one-line count on stderr that rewrites itself, for long
// streams (score) whose data goes elsewhere. It is shown only when stderr
// is a terminal and stdout is not (a table on the same terminal would be
// torn by it), and never with --quiet. A nil *progressLine does nothing.
type progressLine struct {
	w     io.Writer
	label string
	every time.Duration
	start time.Time
	last  time.Time
	shown bool
}

func newProgressLine(app *App, label string) *progressLine {
	if !app.IO.ErrIsTTY || app.IO.OutIsTTY || app.Quiet {
		return nil
	}
	every := app.IO.ProgressEvery
	if every <= 0 {
		every = 200 * time.Millisecond
	}
	now := time.Now()
	return &progressLine{w: app.IO.ErrOut, label: label, every: every, start: now, last: now}
}

// tick reports n documents done, at most five times a second; the clock is
// read once per 256 documents.
func (p *progressLine) tick(n int) {
	if p == nil || n%256 != 0 {
		return
	}
	now := time.Now()
	if now.Sub(p.last) < p.every {
		return
	}
	p.last = now
	rate := float64(n) / max(now.Sub(p.start).Seconds(), 1e-3)
	fmt.Fprintf(p.w, "\r\x1b[K%s: %d documents (%.0f/s)", p.label, n, rate)
	p.shown = true
}

// clear removes the line, before other stderr output or at the end.
func (p *progressLine) clear() {
	if p != nil && p.shown {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.shown = false
	}
}
