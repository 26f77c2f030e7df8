package kgtest

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/cyberstreams/cyberstreams/kg"
	"github.com/cyberstreams/cyberstreams/kg/attack"
)

// Hostile is a name written to break out of a Cypher or SQL string literal;
// the synthetic graph uses it as an actor name, alias and indicator value.
const Hostile = "x'}) DETACH DELETE n //"

// HostileSQL tries the same against SQL.
const HostileSQL = `"; DROP TABLE graph_nodes; --`

func ref(id string) []map[string]any {
	return []map[string]any{{"source_name": "mitre-attack", "external_id": id}}
}

func technique(stixID, id, name string, tactics ...string) map[string]any {
	var kc []map[string]any
	for _, t := range tactics {
		kc = append(kc, map[string]any{"kill_chain_name": "mitre-attack", "phase_name": t})
	}
	return map[string]any{"type": "attack-pattern", "id": stixID, "name": name, "external_references": ref(id),
		"kill_chain_phases": kc, "x_mitre_is_subtechnique": strings.Contains(id, "."), "created": "2020-01-01T00:00:00.000Z"}
}

func rel(id, typ, src, dst string) map[string]any {
	return map[string]any{"type": "relationship", "id": id, "relationship_type": typ, "source_ref": src, "target_ref": dst}
}

// SyntheticBundle is a small ATT&CK-shaped STIX bundle: three groups (one
// with a hostile name), a malware, a campaign, techniques with
// sub-techniques, a revoked and a deprecated technique.
func SyntheticBundle() []byte {
	deprecated := technique("attack-pattern--d", "T1999", "Old Trick", "execution")
	deprecated["x_mitre_deprecated"] = true
	revoked := technique("attack-pattern--r", "T1086", "PowerShell (old)", "execution")
	revoked["revoked"] = true
	objs := []map[string]any{
		technique("attack-pattern--1", "T1566", "Phishing", "initial-access"),
		technique("attack-pattern--2", "T1566.001", "Spearphishing Attachment", "initial-access"),
		technique("attack-pattern--3", "T1059", "Command and Scripting Interpreter", "execution"),
		technique("attack-pattern--4", "T1059.001", "PowerShell", "execution"),
		technique("attack-pattern--5", "T1071", "Application Layer Protocol", "command-and-control"),
		technique("attack-pattern--6", "T1105", "Ingress Tool Transfer", "command-and-control"),
		technique("attack-pattern--7", "T1003", "OS Credential Dumping", "credential-access"),
		deprecated, revoked,
		{"type": "intrusion-set", "id": "intrusion-set--1", "name": "Alpha Group", "aliases": []string{"Alpha Group", "Fancy Test"}, "external_references": ref("G0001"), "created": "2017-05-31T21:31:43.540Z"},
		{"type": "intrusion-set", "id": "intrusion-set--2", "name": "Beta", "aliases": []string{"Beta"}, "external_references": ref("G0002")},
		{"type": "intrusion-set", "id": "intrusion-set--3", "name": Hostile, "aliases": []string{Hostile, HostileSQL}, "external_references": ref("G0003")},
		{"type": "malware", "id": "malware--1", "name": "BadRat", "x_mitre_aliases": []string{"BadRat", "RatBad"}, "external_references": ref("S0001")},
		{"type": "campaign", "id": "campaign--1", "name": "Operation Test", "aliases": []string{"Operation Test"}, "external_references": ref("C0001"), "first_seen": "2021-01-01T00:00:00.000Z", "last_seen": "2021-06-01T00:00:00.000Z"},
		{"type": "campaign", "id": "campaign--2", "name": "Operation Later", "external_references": ref("C0002"), "first_seen": "2021-03-02T00:00:00.000Z"},
		rel("relationship--1", "uses", "intrusion-set--1", "attack-pattern--2"),
		rel("relationship--2", "uses", "intrusion-set--1", "attack-pattern--3"),
		rel("relationship--3", "uses", "intrusion-set--1", "malware--1"),
		rel("relationship--4", "uses", "malware--1", "attack-pattern--5"),
		rel("relationship--5", "uses", "malware--1", "attack-pattern--r"),
		rel("relationship--6", "uses", "intrusion-set--2", "attack-pattern--1"),
		rel("relationship--7", "uses", "intrusion-set--2", "attack-pattern--4"),
		rel("relationship--8", "uses", "intrusion-set--2", "attack-pattern--7"),
		rel("relationship--9", "uses", "intrusion-set--3", "attack-pattern--1"),
		rel("relationship--10", "uses", "intrusion-set--3", "attack-pattern--3"),
		rel("relationship--11", "uses", "intrusion-set--3", "attack-pattern--d"),
		rel("relationship--12", "uses", "campaign--1", "attack-pattern--6"),
		rel("relationship--13", "attributed-to", "campaign--1", "intrusion-set--1"),
		rel("relationship--14", "attributed-to", "campaign--2", "intrusion-set--1"),
		rel("relationship--15", "revoked-by", "attack-pattern--r", "attack-pattern--4"),
		rel("relationship--16", "subtechnique-of", "attack-pattern--2", "attack-pattern--1"),
		rel("relationship--17", "mitigates", "course-of-action--1", "attack-pattern--1"),
	}
	b, _ := json.Marshal(map[string]any{"type": "bundle", "id": "bundle--test", "objects": objs})
	return b
}

// SyntheticKEV is a two-entry KEV catalog.
const SyntheticKEV = `{"catalogVersion": "test", "vulnerabilities": [
	{"cveID": "CVE-2021-44228", "vendorProject": "Apache", "product": "Log4j", "vulnerabilityName": "Log4Shell", "dateAdded": "2021-12-10", "knownRansomwareCampaignUse": "Known"},
	{"cveID": "CVE-2023-0001", "vendorProject": "X", "product": "Y", "vulnerabilityName": "Z", "dateAdded": "2023-01-05", "knownRansomwareCampaignUse": "Unknown"}]}`

// SyntheticDocs are documents that name actors, software, CVEs,
// techniques and indicators, including hostile strings.
func SyntheticDocs() []kg.DocInput {
	day := func(s string) time.Time { t, _ := time.Parse("2006-01-02", s); return t }
	return []kg.DocInput{
		{ID: "doc-1", Title: "Fancy Test phishing wave", Published: day("2024-01-02"), Severity: "high", Entities: map[string][]string{
			"ipv4": {"1.2.3.4"}, "domain": {"evil.example"}, "actor": {"Fancy Test"}, "cve": {"CVE-2021-44228"},
			"attack_technique": {"T1566.001"}, "sector": {"Energy"}}},
		{ID: "doc-2", Title: "BadRat infrastructure", Published: day("2024-02-03"), Severity: "medium", Entities: map[string][]string{
			"ipv4": {"1.2.3.4", "5.6.7.8"}, "domain": {"EVIL[.]example"}, "url": {"hxxp://evil[.]example/Payload"}, "malware": {"ratbad"}}},
		{ID: "doc-3", Title: HostileSQL, Published: day("2024-03-04"), Severity: "critical", Entities: map[string][]string{
			"domain": {Hostile}, "ipv4": {"5.6.7.8"}, "actor": {Hostile, "Unknown Kitten"}, "cve": {"CVE-2023-0001"}, "email": {HostileSQL + "@x.example"}}},
	}
}

// LoadSynthetic fills s with the synthetic bundle, KEV catalog and
// documents.
func LoadSynthetic(t testing.TB, s *kg.Store) {
	t.Helper()
	ctx := context.Background()
	if _, err := attack.Import(ctx, s, strings.NewReader(string(SyntheticBundle()))); err != nil {
		t.Fatalf("import synthetic bundle: %v", err)
	}
	if _, err := s.ImportKEV(ctx, strings.NewReader(SyntheticKEV)); err != nil {
		t.Fatalf("import synthetic KEV: %v", err)
	}
	for _, d := range SyntheticDocs() {
		if _, err := s.UpsertDocument(ctx, d); err != nil {
			t.Fatalf("upsert %s: %v", d.ID, err)
		}
	}
}
