package main

import (
	"compress/gzip"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/cyberstreams/cyberstreams/core/extract"
)

func newExtractCmd(app *App) *cobra.Command {
	var refang bool
	cmd := &cobra.Command{
		Use:   "extract [PATH...|-]",
		Short: "Find indicators and ids in text",
		Long: `Print the entities found in the text of the given files (or stdin) as one
JSON object {type: [values]}, each list sorted and unique: ipv4, ipv6, domain,
url, email, md5, sha1, sha256, sha512, cve, cwe, attack_technique, asn, mac,
bitcoin, registry_key, file_path.

Defanged indicators are recognised (hxxp, [.], (.), [dot], [:], [@], …).
Without --refang values are printed as written; with it they are normalised
(refanged, lower-cased hosts, upper-cased CVE ids, decoded URLs).
Gzipped files are read transparently.`,
		Example: `  cyberstreams extract report.txt
  echo 'C2 at hxxp://198.51.100[.]7/gate' | cyberstreams extract --refang
  cyberstreams extract --refang feed.txt.gz | jq '.domain'`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				args = []string{"-"}
			}
			ex := extract.New(extract.Options{Refang: refang})
			all := map[string]map[string]bool{}
			for _, p := range args {
				text, err := readText(app, p)
				if err != nil {
					return err
				}
				for typ, vals := range ex.Extract(text) {
					if all[typ] == nil {
						all[typ] = map[string]bool{}
					}
					for _, v := range vals {
						all[typ][v] = true
					}
				}
			}
			out := map[string][]string{}
			for typ, set := range all {
				out[typ] = sortedKeys(set)
			}
			return writeJSON(app.IO.Out, out)
		},
	}
	cmd.Flags().BoolVar(&refang, "refang", false, "print normalised (refanged) values")
	return cmd
}

// readText reads a whole file or stdin, un-gzipping when the content is
// gzip.
func readText(app *App, path string) (string, error) {
	var r io.Reader = app.IO.In
	name := "<stdin>"
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return "", fmt.Errorf("extract: %w", err)
		}
		defer f.Close()
		r, name = f, path
	}
	br := newPeekReader(r)
	if br.isGzip() {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return "", fmt.Errorf("extract %s: %w", name, err)
		}
		r = zr
	} else {
		r = br
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return "", fmt.Errorf("extract %s: %w", name, err)
	}
	return string(b), nil
}
