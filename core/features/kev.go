package features

import (
	"encoding/json"
	"fmt"
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
	var cat struct {
		Vulnerabilities []struct {
			CVE   string `json:"cveID"`
			Added string `json:"dateAdded"`
		} `json:"vulnerabilities"`
	}
	if err := json.NewDecoder(f).Decode(&cat); err != nil {
		return nil, fmt.Errorf("kev catalog %s: %w", path, err)
	}
	out := make(map[string]string, len(cat.Vulnerabilities))
	for _, v := range cat.Vulnerabilities {
		out[strings.ToUpper(v.CVE)] = v.Added
	}
	return out, nil
}
