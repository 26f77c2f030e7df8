package main

import (
	"errors"
	"fmt"
)

// Exit codes are part of the CLI contract (DESIGN.md).
const (
	exitOK        = 0
	exitError     = 1
	exitUsage     = 2
	exitFailOn    = 3 // score --fail-on threshold met
	exitNotNeeded = 4 // retrain --if-needed found no trigger
)

// usageError is a mistake in how the command was called: exit 2 and a hint.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, a ...any) error { return usageError{fmt.Errorf(format, a...)} }

// exitError ends the command with a specific code; its message (if any) was
// already printed or is printed once by run.
type exitCodeError struct {
	code int
	err  error
}

func (e exitCodeError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}
func (e exitCodeError) Unwrap() error { return e.err }

// silentExit ends with code without printing anything more.
func silentExit(code int) error { return exitCodeError{code: code} }

// exitCodeFor maps an error to the process exit code in one place.
func exitCodeFor(err error) int {
	if err == nil {
		return exitOK
	}
	var ec exitCodeError
	if errors.As(err, &ec) {
		return ec.code
	}
	var ue usageError
	if errors.As(err, &ue) {
		return exitUsage
	}
	return exitError
}
