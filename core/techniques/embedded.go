package techniques

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/cyberstreams/cyberstreams/core/model"
)

// Embedded loads the default technique model shipped in the binary.
func Embedded() (*Model, error) {
	f, err := model.EmbeddedTechniques().Open(ModelFile)
	if err != nil {
		return nil, fmt.Errorf("embedded technique model: %w", err)
	}
	defer f.Close()
	m, err := Read(f)
	if err != nil {
		return nil, fmt.Errorf("embedded technique model: %w", err)
	}
	return m, nil
}

// EmbeddedCard reads the default technique model's card.
func EmbeddedCard() ([]byte, error) {
	b, err := fs.ReadFile(model.EmbeddedTechniques(), CardFile)
	if err != nil {
		return nil, fmt.Errorf("embedded technique model: %w", err)
	}
	return b, nil
}

// WorkspaceDir is where train-techniques writes a workspace's own
// technique model, which then replaces the embedded one.
func WorkspaceDir(workspaceDir string) string {
	return filepath.Join(workspaceDir, "models", "techniques")
}

// ForWorkspace loads the workspace's own technique model when it has one
// (WorkspaceDir), else the embedded default; it says which it loaded.
func ForWorkspace(workspaceDir string) (*Model, string, error) {
	path := filepath.Join(WorkspaceDir(workspaceDir), ModelFile)
	if _, err := os.Stat(path); err == nil {
		m, err := Load(path)
		return m, path, err
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, "", fmt.Errorf("technique model: %w", err)
	}
	m, err := Embedded()
	return m, "embedded", err
}
