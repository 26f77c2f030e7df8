package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/cyberstreams/cyberstreams/core/buildinfo"
)

func newVersionCmd(app *App) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Long: `Print the cyberstreams version, the VCS revision it was built from (with
"modified" when the tree had uncommitted changes), the Go version and the
platform. A release build carries its release version; a binary built with
go build or go install reports what the Go toolchain recorded.`,
		Example: "  cyberstreams version\n  cyberstreams version --json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			info := buildinfo.Read(version)
			if app.JSON {
				return writeJSON(app.IO.Out, info)
			}
			_, err := fmt.Fprintf(app.IO.Out, "cyberstreams %s\n", info)
			return err
		},
	}
}

func newCompletionCmd(app *App) *cobra.Command {
	return &cobra.Command{
		Use:   "completion bash|zsh|fish|powershell",
		Short: "Print a shell completion script",
		Long: `Print a completion script for your shell. Load it for the current session
or install it where your shell looks for completions.`,
		Example: `  source <(cyberstreams completion bash)
  cyberstreams completion zsh > "${fpath[1]}/_cyberstreams"
  cyberstreams completion fish > ~/.config/fish/completions/cyberstreams.fish`,
		Args:      cobra.ExactArgs(1),
		ValidArgs: []string{"bash", "zsh", "fish", "powershell"},
		RunE: func(cmd *cobra.Command, args []string) error {
			root := cmd.Root()
			switch args[0] {
			case "bash":
				return root.GenBashCompletionV2(app.IO.Out, true)
			case "zsh":
				return root.GenZshCompletion(app.IO.Out)
			case "fish":
				return root.GenFishCompletion(app.IO.Out, true)
			case "powershell":
				return root.GenPowerShellCompletionWithDesc(app.IO.Out)
			}
			return usagef("unknown shell %q: want bash, zsh, fish or powershell", args[0])
		},
	}
}
