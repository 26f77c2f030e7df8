package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cyberstreams/cyberstreams/core/buildinfo"
	"github.com/cyberstreams/cyberstreams/core/termsafe"
	"github.com/cyberstreams/cyberstreams/core/workspace"
)

// App is what every command shares: streams, global flags and a lazily
// opened workspace. Tests build their own App around buffers.
type App struct {
	IO *IOStreams

	WorkspaceFlag string
	JSON          bool
	NoColor       bool
	Quiet         bool

	ws *workspace.Workspace
}

// Workspace opens the workspace on first use.
func (a *App) Workspace(ctx context.Context) (*workspace.Workspace, error) {
	if a.ws != nil {
		return a.ws, nil
	}
	dir, err := workspace.ResolveDir(a.WorkspaceFlag)
	if err != nil {
		return nil, err
	}
	ws, err := workspace.Open(ctx, dir)
	if err != nil {
		return nil, err
	}
	if ws.Created && a.WorkspaceFlag == "" {
		// The user named no directory: say where their data now lives.
		a.Logf("created a workspace in %s (choose another with --workspace or CYBERSTREAMS_HOME)\n", termsafe.Line(ws.Dir, 300))
	}
	a.ws = ws
	return ws, nil
}

// Color reports whether output may use colour.
func (a *App) Color() bool { return !a.NoColor && !colorDisabled() && a.IO.OutIsTTY }

// Logf writes progress and logs to stderr unless --quiet.
func (a *App) Logf(format string, args ...any) {
	if a.Quiet {
		return
	}
	fmt.Fprintf(a.IO.ErrOut, format, args...)
}

// Failuref reports one bad record on stderr as "error: …" (not quietened:
// a failure is never progress). Failures quote file names and bits of the
// input, so anything a terminal would interpret is stripped.
func (a *App) Failuref(format string, args ...any) {
	fmt.Fprintln(a.IO.ErrOut, "error: "+termsafe.Strip(fmt.Sprintf(format, args...)))
}

func (a *App) close() {
	if a.ws != nil {
		a.ws.Close()
		a.ws = nil
	}
}

func newRootCmd(app *App) *cobra.Command {
	root := &cobra.Command{
		Use:   "cyberstreams",
		Short: "Terminal-first threat-intelligence workbench",
		Long: `Cyberstreams scores security documents into five severity classes
(critical, high, medium, low, informational), flags novel ones, explains every
score with exact TreeSHAP reasons, collects analyst labels, retrains itself from
them, and keeps a knowledge graph that it syncs to a shared Neo4j.

Data goes to stdout; progress and logs go to stderr.
Exit codes: 0 ok, 1 error, 2 usage, 3 --fail-on met, 4 retrain not needed.`,
		Example: `  cyberstreams triage --demo
  cyberstreams ingest ./advisories/
  cat feed.jsonl | cyberstreams score - --output jsonl --explain 5`,
		SilenceUsage:  true,
		SilenceErrors: true,
		// --version says what the version command says (the toolchain's
		// module version and VCS revision when nobody stamped one), not "dev".
		Version: buildinfo.Read(version).String(),
	}
	root.SetVersionTemplate("cyberstreams {{.Version}}\n")
	pf := root.PersistentFlags()
	pf.StringVar(&app.WorkspaceFlag, "workspace", "", "workspace directory (default $CYBERSTREAMS_HOME, else $XDG_DATA_HOME/cyberstreams)")
	pf.BoolVar(&app.JSON, "json", false, "print data as JSON")
	pf.BoolVar(&app.NoColor, "no-color", false, "disable colour (also NO_COLOR)")
	pf.BoolVarP(&app.Quiet, "quiet", "q", false, "no progress or log lines on stderr")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageError{fmt.Errorf("%w\nSee '%s --help'.", err, c.CommandPath())}
	})
	root.SetIn(app.IO.In)
	root.SetOut(app.IO.Out)
	root.SetErr(app.IO.ErrOut)
	addCommands(root, app)
	return root
}

// addCommands registers every command group. One line per group.
func addCommands(root *cobra.Command, app *App) {
	root.AddCommand(newVersionCmd(app))
	root.AddCommand(newCompletionCmd(app))
	root.AddCommand(newDocsCmd(app))
	root.AddCommand(newGraphCmd(app))
	root.AddCommand(newLabelCmd(app))
	root.AddCommand(newTrainCmd(app))
	root.AddCommand(newEvalCmd(app))
	root.AddCommand(newScoreCmd(app))
	root.AddCommand(newExplainCmd(app))
	root.AddCommand(newTriageCmd(app))
	root.AddCommand(newModelsCmd(app))
	root.AddCommand(newRetrainCmd(app))
	root.AddCommand(newDriftCmd(app))
	root.AddCommand(newReportCmd(app))
	root.AddCommand(newExtractCmd(app, nil))
	root.AddCommand(newIngestCmd(app))
	root.AddCommand(newServeCmd(app))
	root.AddCommand(newForecastCmd(app))
	root.AddCommand(newPatternsCmd(app))
	root.AddCommand(newExploitationCmd(app))
	root.AddCommand(newPrioritiesCmd(app))
	root.AddCommand(newTagCmd(app), newTrainTechniquesCmd(app))
}

// run executes the CLI with args and returns the exit code.
func run(ctx context.Context, args []string, io *IOStreams) int {
	app := &App{IO: io}
	defer app.close()
	root := newRootCmd(app)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	if msg := err.Error(); msg != "" && !isSilent(err) {
		// Errors quote paths and input: nothing in them may drive the terminal.
		fmt.Fprintln(io.ErrOut, "error: "+strings.TrimSpace(termsafe.Strip(msg)))
	}
	if isUnknownCommand(err) {
		return exitUsage
	}
	return exitCodeFor(err)
}

func isSilent(err error) bool {
	var ec exitCodeError
	return errors.As(err, &ec) && ec.err == nil
}

func isUnknownCommand(err error) bool {
	m := err.Error()
	return strings.HasPrefix(m, "unknown command") || strings.HasPrefix(m, "unknown flag") ||
		strings.Contains(m, "accepts ") && strings.Contains(m, " arg(s)") || strings.HasPrefix(m, "requires at least")
}
