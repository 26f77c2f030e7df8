package model

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// DefaultRef names the model embedded in the binary.
const DefaultRef = "default"

// Resolve loads the model a --model REF names: "default" (the embedded
// model), a directory holding a bundle, or a version under modelsDir.
// Registry aliases such as "champion" are resolved by the caller first.
func Resolve(ref, modelsDir string) (*Bundle, error) {
	if ref == "" || ref == DefaultRef {
		return Embedded()
	}
	if st, err := os.Stat(ref); err == nil {
		if !st.IsDir() {
			ref = filepath.Dir(ref) // a path to model.txt names its bundle
		}
		return LoadDir(ref)
	}
	if modelsDir != "" && !strings.ContainsAny(ref, `/\`) {
		dir := filepath.Join(modelsDir, ref)
		if _, err := os.Stat(dir); err == nil {
			return LoadDir(dir)
		}
	}
	return nil, fmt.Errorf("model %q: not a bundle directory or a model version in %s", ref, modelsDir)
}
