// Command cyberstreams is the terminal-first threat-intelligence workbench:
// it scores, explains, labels, retrains and graphs security documents.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// version is stamped at release time via -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], newIOStreams())
	stop()
	os.Exit(code)
}
