package ingest

import (
	"context"
	"errors"
	"io"
	"strings"

	"github.com/cyberstreams/cyberstreams/core/document"
)

// KEVSource is the source of every document read from the CISA KEV catalog.
const KEVSource = "cisa-kev"

// kevEntry is one element of the catalog's vulnerabilities array
// (https://www.cisa.gov/known-exploited-vulnerabilities-catalog).
type kevEntry struct {
	CVEID                      string   `json:"cveID"`
	VendorProject              string   `json:"vendorProject"`
	Product                    string   `json:"product"`
	VulnerabilityName          string   `json:"vulnerabilityName"`
	DateAdded                  string   `json:"dateAdded"`
	ShortDescription           string   `json:"shortDescription"`
	RequiredAction             string   `json:"requiredAction"`
	DueDate                    string   `json:"dueDate"`
	KnownRansomwareCampaignUse string   `json:"knownRansomwareCampaignUse"`
	Notes                      string   `json:"notes"`
	CWEs                       []string `json:"cwes"`
}

// readKEV streams the catalog's vulnerabilities, one document each.
func readKEV(ctx context.Context, name string, r io.Reader, emit func(rawRecord) error) error {
	found, err := streamMember(ctx, name, r, "vulnerabilities", func(scalars map[string]string) decodeFunc {
		version := scalars["catalogVersion"]
		return func(data []byte) (document.Document, error) { return decodeKEV(data, version) }
	}, emit)
	if err == nil && !found {
		return emit(rawRecord{file: name, err: errors.New("not a KEV catalog: no \"vulnerabilities\" array")})
	}
	return err
}

// decodeKEV maps one catalog entry. Its id is "KEV-" plus the CVE, so that the
// entry is a document of its own beside the CVE's advisory; the CVE is an
// alias. Meta carries kev=true and the ransomware flag.
func decodeKEV(data []byte, catalogVersion string) (document.Document, error) {
	var d document.Document
	var e kevEntry
	if err := unmarshalObject(data, &e); err != nil {
		return d, err
	}
	cve := strings.TrimSpace(e.CVEID)
	if cve == "" {
		return d, errors.New("KEV entry has no cveID")
	}
	d.ID = "KEV-" + cve
	d.Aliases = []string{cve}
	d.Title = e.VulnerabilityName
	d.Body = e.ShortDescription
	d.Source = KEVSource
	d.Format = string(FormatKEV)
	if v := knownName(e.VendorProject); v != "" {
		d.Vendors = []string{v}
	}
	if p := knownName(e.Product); p != "" {
		d.Packages = []string{p}
	}
	for _, c := range e.CWEs {
		if c = normaliseCWE(c); c != "" && !contains(d.CWEs, c) {
			d.CWEs = append(d.CWEs, c)
		}
	}
	for _, n := range strings.Split(e.Notes, ";") {
		n = strings.TrimSpace(n)
		if strings.HasPrefix(n, "http://") || strings.HasPrefix(n, "https://") {
			d.References = append(d.References, n)
		}
	}
	d.Meta = map[string]any{
		"kev":                           true,
		"ransomware":                    strings.EqualFold(e.KnownRansomwareCampaignUse, "Known"),
		"known_ransomware_campaign_use": e.KnownRansomwareCampaignUse,
		"date_added":                    e.DateAdded,
		"due_date":                      e.DueDate,
		"required_action":               e.RequiredAction,
	}
	if catalogVersion != "" {
		d.Meta["catalog_version"] = catalogVersion
	}
	if t, ok := parseTime(e.DateAdded); ok {
		d.Published = t
	}
	return d, nil
}
