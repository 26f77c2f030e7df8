// Command compilemodel writes the compiled form of model directories from
// their text files: `compilemodel severity DIR...` for bundles
// (model.CompiledFile), `compilemodel exploitation DIR...` for exploitation
// models (exploitation.CompiledFile). `go generate ./core/model
// ./core/exploitation` runs it for the embedded models after they change.
package main

import (
	"fmt"
	"os"

	"github.com/cyberstreams/cyberstreams/core/exploitation"
	"github.com/cyberstreams/cyberstreams/core/model"
)

func main() {
	compile := map[string]func(string) error{"severity": model.Compile, "exploitation": exploitation.Compile}
	if len(os.Args) < 3 || compile[os.Args[1]] == nil {
		fmt.Fprintln(os.Stderr, "usage: compilemodel severity|exploitation DIR...")
		os.Exit(2)
	}
	for _, dir := range os.Args[2:] {
		if err := compile[os.Args[1]](dir); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Fprintf(os.Stderr, "compiled %s\n", dir)
	}
}
