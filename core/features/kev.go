package features

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
)

// ReadKEVFile reads the CISA Known Exploited Vulnerabilities catalog
// (known_exploited_vulnerabilities.json) into CVE id → date added, the
// input of the kev:listed feature.
func ReadKEVFile(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("kev catalog: %w", err)
	}
	defer f.Close()
	return ReadKEV(f, path)
}

// ReadKEV reads a KEV catalog from r (name says where from, for errors):
// CVE id, upper-cased and trimmed, → date added. Entries without an id are
// left out.
func ReadKEV(r io.Reader, name string) (map[string]string, error) {
	var cat struct {
		Vulnerabilities []struct {
			CVE   string `json:"cveID"`
			Added string `json:"dateAdded"`
		} `json:"vulnerabilities"`
	}
	if err := json.NewDecoder(r).Decode(&cat); err != nil {
		return nil, fmt.Errorf("kev catalog %s: %w", name, err)
	}
	out := make(map[string]string, len(cat.Vulnerabilities))
	for _, v := range cat.Vulnerabilities {
		if id := strings.ToUpper(strings.TrimSpace(v.CVE)); id != "" {
			out[id] = v.Added
		}
	}
	return out, nil
}
