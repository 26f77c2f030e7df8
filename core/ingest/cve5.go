package ingest

import (
	"encoding/json"
	"errors"
	"strings"

	"github.com/cyberstreams/cyberstreams/core/document"
)

// cve5Record is the part of a CVE JSON 5.x record
// (https://cveproject.github.io/cve-schema/) that becomes a document.
type cve5Record struct {
	DataType    string `json:"dataType"`
	DataVersion string `json:"dataVersion"`
	CVEMetadata struct {
		CVEID             string `json:"cveId"`
		State             string `json:"state"`
		DatePublished     string `json:"datePublished"`
		DateUpdated       string `json:"dateUpdated"`
		AssignerShortName string `json:"assignerShortName"`
	} `json:"cveMetadata"`
	Containers struct {
		CNA cve5Container   `json:"cna"`
		ADP []cve5Container `json:"adp"`
	} `json:"containers"`
}

type cve5Container struct {
	Title        string `json:"title"`
	Descriptions []struct {
		Lang  string `json:"lang"`
		Value string `json:"value"`
	} `json:"descriptions"`
	ProblemTypes []struct {
		Descriptions []struct {
			CWEID string `json:"cweId"`
		} `json:"descriptions"`
	} `json:"problemTypes"`
	Affected []struct {
		Vendor      string `json:"vendor"`
		Product     string `json:"product"`
		PackageName string `json:"packageName"`
	} `json:"affected"`
	References []struct {
		URL string `json:"url"`
	} `json:"references"`
	Metrics []map[string]json.RawMessage `json:"metrics"`
	// ProviderMetadata names the ADP (CISA-ADP for vulnrichment).
	ProviderMetadata struct {
		ShortName string `json:"shortName"`
	} `json:"providerMetadata"`
}

type cvssMetric struct {
	Version      string  `json:"version"`
	VectorString string  `json:"vectorString"`
	BaseScore    float64 `json:"baseScore"`
	BaseSeverity string  `json:"baseSeverity"`
}

// cvssPreference is the order a CVSS version is trusted for the label, the
// same as the training data's (v3.1 first).
var cvssPreference = []string{"cvssV3_1", "cvssV3_0", "cvssV4_0", "cvssV2_0"}

// decodeCVE5 maps a CVE 5 record to a document: id, English description,
// title, CWEs, vendors and products, references and the assigner. The CNA's
// CVSS baseSeverity (else an ADP's, as vulnrichment adds) is the Severity
// label; the vector and score stay in Meta. Rejected records are skipped.
func decodeCVE5(data []byte) (document.Document, error) {
	var d document.Document
	var rec cve5Record
	if err := unmarshalObject(data, &rec); err != nil {
		return d, err
	}
	md := rec.CVEMetadata
	if md.CVEID == "" {
		return d, errors.New("not a CVE record: no cveMetadata.cveId")
	}
	if strings.EqualFold(md.State, "REJECTED") {
		return d, errSkip
	}
	cna := rec.Containers.CNA
	d.ID = strings.TrimSpace(md.CVEID)
	d.Title = cna.Title
	d.Body = englishDescription(cna)
	d.Source = "cve"
	d.Format = string(FormatCVE5)
	d.Assigner = md.AssignerShortName
	d.Meta = map[string]any{"state": md.State}
	if md.DateUpdated != "" {
		d.Meta["modified"] = md.DateUpdated
	}
	if md.DatePublished != "" {
		if t, ok := parseTime(md.DatePublished); ok {
			d.Published = t
		} else {
			d.Meta["published_raw"] = md.DatePublished
		}
	}
	containers := append([]cve5Container{cna}, rec.Containers.ADP...)
	for _, c := range containers {
		for _, pt := range c.ProblemTypes {
			for _, pd := range pt.Descriptions {
				if cwe := normaliseCWE(pd.CWEID); cwe != "" && !contains(d.CWEs, cwe) {
					d.CWEs = append(d.CWEs, cwe)
				}
			}
		}
	}
	for _, a := range cna.Affected {
		if v := knownName(a.Vendor); v != "" && !contains(d.Vendors, v) {
			d.Vendors = append(d.Vendors, v)
		}
		p := knownName(a.Product)
		if p == "" {
			p = knownName(a.PackageName)
		}
		if p != "" && !contains(d.Packages, p) {
			d.Packages = append(d.Packages, p)
		}
	}
	for _, r := range cna.References {
		if r.URL != "" {
			d.References = append(d.References, r.URL)
		}
	}
	// The label: CNA first, then each ADP, each by cvssPreference.
	for i, c := range containers {
		provider := "cna"
		if i > 0 {
			provider = strings.ToLower(c.ProviderMetadata.ShortName)
			if provider == "" {
				provider = "adp"
			}
		}
		if m, version, ok := bestCVSS(c.Metrics); ok {
			d.Severity = normaliseSeverity(m.BaseSeverity)
			d.Meta["cvss_vector"] = m.VectorString
			d.Meta["cvss_score"] = m.BaseScore
			d.Meta["upstream_severity"] = m.BaseSeverity
			d.Meta["severity_source"] = provider + ":" + version
			break
		}
	}
	return d, nil
}

// englishDescription picks the description in English ("en", "en-US"), or
// the first one.
func englishDescription(c cve5Container) string {
	for _, desc := range c.Descriptions {
		if strings.HasPrefix(strings.ToLower(desc.Lang), "en") {
			return desc.Value
		}
	}
	if len(c.Descriptions) > 0 {
		return c.Descriptions[0].Value
	}
	return ""
}

// bestCVSS is the metric with a base severity in the most trusted version.
func bestCVSS(metrics []map[string]json.RawMessage) (cvssMetric, string, bool) {
	for _, version := range cvssPreference {
		for _, m := range metrics {
			raw, ok := m[version]
			if !ok {
				continue
			}
			var c cvssMetric
			if json.Unmarshal(raw, &c) == nil && c.BaseSeverity != "" {
				return c, version, true
			}
		}
	}
	return cvssMetric{}, "", false
}

// knownName drops the CVE program's placeholders for "unknown".
func knownName(s string) string {
	s = strings.TrimSpace(s)
	switch strings.ToLower(s) {
	case "", "n/a", "unknown", "unspecified":
		return ""
	}
	return s
}
