package attack_test

import (
	"bytes"
	"testing"

	"github.com/cyberstreams/cyberstreams/kg"
	"github.com/cyberstreams/cyberstreams/kg/attack"
	"github.com/cyberstreams/cyberstreams/kg/kgtest"
)

func TestParseSynthetic(t *testing.T) {
	b, err := attack.Parse(bytes.NewReader(kgtest.SyntheticBundle()))
	if err != nil {
		t.Fatal(err)
	}
	if b.Revoked != 1 || b.Deprecated != 1 {
		t.Errorf("revoked %d deprecated %d, want 1 and 1", b.Revoked, b.Deprecated)
	}
	for _, n := range b.Nodes {
		if n.Key == "T1086" {
			t.Error("revoked technique became a node")
		}
		if n.Key == "T1059.001" && !contains(n.Aliases, "T1086") {
			t.Errorf("T1059.001 aliases %v lack the revoked id T1086", n.Aliases)
		}
		if n.Key == "T1566.001" && n.Props["parent"] != "T1566" {
			t.Errorf("T1566.001 parent = %v", n.Props["parent"])
		}
	}
	var preceded int
	for _, e := range b.Edges {
		if e.Type == kg.PrecededBy {
			preceded++
			if e.From != "C0002" || e.To != "C0001" || e.Props["days"] != 60 {
				t.Errorf("PRECEDED_BY %+v", e)
			}
		}
	}
	if preceded != 1 {
		t.Errorf("%d PRECEDED_BY, want 1", preceded)
	}
	for _, bad := range []string{"", "[]", `{"objects": 5}`, `{"type":"bundle"}`, "\x1f\x8bnot gzip"} {
		if _, err := attack.Parse(bytes.NewReader([]byte(bad))); err == nil {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
}

func contains(l []string, v string) bool {
	for _, x := range l {
		if x == v {
			return true
		}
	}
	return false
}

func FuzzImportSTIX(f *testing.F) {
	f.Add(kgtest.SyntheticBundle())
	f.Add([]byte(`{"objects":[{"type":"relationship","relationship_type":"revoked-by","source_ref":"a","target_ref":"a"}]}`))
	f.Add([]byte(`{"objects":[{"type":"attack-pattern","id":"x","external_references":[{"source_name":"mitre-attack","external_id":"T1"}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := attack.Parse(bytes.NewReader(data))
		if err != nil {
			return
		}
		for _, n := range b.Nodes {
			if !n.Label.Valid() || n.Key == "" {
				t.Fatalf("bad node %+v", n)
			}
		}
		for _, e := range b.Edges {
			if !e.Type.Valid() {
				t.Fatalf("bad relationship %+v", e)
			}
		}
	})
}

// FuzzTechniqueTexts: any bundle gives texts tied to a technique id, or an
// error; never a panic.
func FuzzTechniqueTexts(f *testing.F) {
	f.Add(kgtest.SyntheticBundle())
	f.Add([]byte(`{"objects":[{"type":"attack-pattern","id":"ap","description":"Decode (Citation: x) it.","external_references":[{"source_name":"mitre-attack","external_id":"T1140"}]},{"type":"relationship","relationship_type":"uses","target_ref":"ap","description":"[APT1](https://x) decodes."}]}`))
	f.Add([]byte{0x1f, 0x8b, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		texts, err := attack.TechniqueTexts(bytes.NewReader(data))
		if err != nil {
			return
		}
		for _, tx := range texts {
			if tx.Technique == "" {
				t.Fatalf("text without a technique: %+v", tx)
			}
		}
	})
}
