package attack_test

import (
	"strings"
	"testing"

	"github.com/cyberstreams/cyberstreams/kg/attack"
)

// TestTechniqueTextsSource: a procedure example names the ATT&CK id of the
// group, campaign or software whose `uses` relationship it describes.
func TestTechniqueTextsSource(t *testing.T) {
	const bundle = `{"type":"bundle","objects":[
{"type":"attack-pattern","id":"attack-pattern--1","description":"Adversaries dump credentials.","external_references":[{"source_name":"mitre-attack","external_id":"T1003"}]},
{"type":"intrusion-set","id":"intrusion-set--1","name":"APT28","external_references":[{"source_name":"mitre-attack","external_id":"G0007"}]},
{"type":"campaign","id":"campaign--1","name":"C","external_references":[{"source_name":"mitre-attack","external_id":"C0001"}]},
{"type":"malware","id":"malware--1","name":"M","external_references":[{"source_name":"mitre-attack","external_id":"S0002"}]},
{"type":"intrusion-set","id":"intrusion-set--2","name":"No id"},
{"type":"relationship","id":"relationship--1","relationship_type":"uses","source_ref":"intrusion-set--1","target_ref":"attack-pattern--1","description":"[APT28](https://x) dumped LSASS.(Citation: A)"},
{"type":"relationship","id":"relationship--2","relationship_type":"uses","source_ref":"campaign--1","target_ref":"attack-pattern--1","description":"The campaign dumped hashes."},
{"type":"relationship","id":"relationship--3","relationship_type":"uses","source_ref":"malware--1","target_ref":"attack-pattern--1","description":"M reads the SAM."},
{"type":"relationship","id":"relationship--4","relationship_type":"uses","source_ref":"intrusion-set--2","target_ref":"attack-pattern--1","description":"Someone dumped it."}
]}`
	texts, err := attack.TechniqueTexts(strings.NewReader(bundle))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{ // text → source
		"Adversaries dump credentials.": "",
		"APT28 dumped LSASS.":           "G0007",
		"The campaign dumped hashes.":   "C0001",
		"M reads the SAM.":              "S0002",
		"Someone dumped it.":            "",
	}
	if len(texts) != len(want) {
		t.Fatalf("got %d texts, want %d: %+v", len(texts), len(want), texts)
	}
	for _, x := range texts {
		src, ok := want[x.Text]
		if !ok {
			t.Errorf("unexpected text %q", x.Text)
			continue
		}
		if x.Source != src || x.Technique != "T1003" {
			t.Errorf("%q: technique %s source %q, want T1003 %q", x.Text, x.Technique, x.Source, src)
		}
	}
}
