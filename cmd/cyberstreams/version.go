package main

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"
)

func newVersionCmd(app *App) *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print the version",
		Long:    "Print the cyberstreams version, the Go version it was built with and the platform.",
		Example: "  cyberstreams version\n  cyberstreams version --json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if app.JSON {
				return writeJSON(app.IO.Out, map[string]string{"version": version, "go": runtime.Version(), "platform": runtime.GOOS + "/" + runtime.GOARCH})
			}
			_, err := fmt.Fprintf(app.IO.Out, "cyberstreams %s (%s, %s/%s)\n", version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
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
