package main

import (
	"fmt"
	"io"
	"time"
)

// progressLine is a count on stderr for long streams (score) whose data
// goes elsewhere: at a terminal one line that rewrites itself five times a
// second, else (a log file, cron's mail) a plain line every ten seconds.
// It is shown only when stdout is not a terminal (a table on the same
// terminal would be torn by it), and never with --quiet. A nil
// *progressLine does nothing.
type progressLine struct {
	w      io.Writer
	label  string
	every  time.Duration
	start  time.Time
	last   time.Time
	shown  bool
	inline bool // rewrite one line (stderr is a terminal)
}

func newProgressLine(app *App, label string) *progressLine {
	if app.IO.OutIsTTY || app.Quiet {
		return nil
	}
	every := app.IO.ProgressEvery
	if every <= 0 {
		every = 200 * time.Millisecond
		if !app.IO.ErrIsTTY {
			every = 10 * time.Second
		}
	}
	now := time.Now()
	return &progressLine{w: app.IO.ErrOut, label: label, every: every, start: now, last: now, inline: app.IO.ErrIsTTY}
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
	if !p.inline {
		fmt.Fprintf(p.w, "%s: %d documents (%.0f/s)\n", p.label, n, rate)
		return
	}
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
