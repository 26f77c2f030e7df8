package model

import (
	"embed"
	"io/fs"
)

// techniquesFS holds the default ATT&CK technique model, trained by
// `cyberstreams train-techniques` on the TRAM sentences and ATT&CK prose
// (see techniques/MODEL_CARD.md for the command, input checksums, metrics
// and licences).
//
//go:embed techniques
var techniquesFS embed.FS

// EmbeddedTechniques is the directory of the default technique model.
func EmbeddedTechniques() fs.FS {
	sub, err := fs.Sub(techniquesFS, "techniques")
	if err != nil {
		panic("model: embedded techniques directory: " + err.Error()) // fixed at build time
	}
	return sub
}
