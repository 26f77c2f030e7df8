package patterns

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/workspace/workspacetest"
)

func TestItems(t *testing.T) {
	d := document.Document{
		CWEs:      []string{"CWE-79", "cwe-79"},
		Vendors:   []string{"Acme", " ", "Acme"},
		Ecosystem: "npm",
		Entities: map[string][]string{
			"cwe":              {"CWE-79", "CWE-352"},
			"attack_technique": {"T1059"},
			"actor":            {"APT29"},
			"ipv4":             {"10.0.0.1"},
		},
	}
	tests := []struct {
		types []string
		want  string
	}{
		{DefaultTypes, "actor:APT29 attack_technique:T1059 cwe:CWE-352 cwe:CWE-79 ecosystem:npm vendor:Acme"},
		{[]string{"cwe"}, "cwe:CWE-352 cwe:CWE-79"},
		{[]string{"ipv4", "ecosystem"}, "ecosystem:npm ipv4:10.0.0.1"},
		{[]string{"malware"}, ""},
	}
	for _, tc := range tests {
		if got := strings.Join(Items(d, tc.types), " "); got != tc.want {
			t.Errorf("Items(%v) = %q, want %q", tc.types, got, tc.want)
		}
	}
}

func TestCheckTypes(t *testing.T) {
	tests := []struct {
		types []string
		ok    bool
	}{
		{DefaultTypes, true},
		{[]string{"cve", "ipv4"}, true},
		{[]string{"cwe", "severity"}, false},
	}
	for _, tc := range tests {
		if err := CheckTypes(tc.types); (err == nil) != tc.ok {
			t.Errorf("CheckTypes(%v) = %v, want ok=%v", tc.types, err, tc.ok)
		}
	}
}

func TestMine(t *testing.T) {
	ids := []string{"d1", "d2", "d3", "d4", "d5"}
	tx := [][]string{
		{"actor:A", "tool:T"},
		{"actor:A", "cwe:CWE-1", "tool:T"},
		{"actor:A", "tool:T"},
		{"cwe:CWE-1", "tool:T"},
		{"actor:A"},
	}
	rep := Mine(ids, tx, Options{MinSupport: 2, MinConfidence: 0.7, Examples: 2})
	if len(rep.Itemsets) != 2 {
		t.Fatalf("itemsets = %+v, want {actor:A tool:T} and {cwe:CWE-1 tool:T}", rep.Itemsets)
	}
	top := rep.Itemsets[0]
	if !slices.Equal(top.Items, []string{"actor:A", "tool:T"}) || top.Support != 3 ||
		!slices.Equal(top.Examples, []string{"d1", "d2"}) || math.Abs(top.Share-0.6) > 1e-12 {
		t.Errorf("top itemset = %+v", top)
	}
	// cwe:CWE-1 ⇒ tool:T holds in both documents with the CWE.
	var found bool
	for _, r := range rep.Rules {
		if r.Confidence < 0.7 {
			t.Errorf("rule %+v below min confidence", r)
		}
		if slices.Equal(r.Antecedent, []string{"cwe:CWE-1"}) && slices.Equal(r.Consequent, []string{"tool:T"}) {
			found = true
			if r.Support != 2 || r.Confidence != 1 || math.Abs(r.Lift-5.0/4) > 1e-12 || !slices.Equal(r.Examples, []string{"d2", "d4"}) {
				t.Errorf("rule = %+v", r)
			}
		}
	}
	if !found {
		t.Errorf("rule cwe:CWE-1 => tool:T missing from %+v", rep.Rules)
	}
	if lim := Mine(ids, tx, Options{MinSupport: 2, Limit: 1}); len(lim.Itemsets) != 1 || len(lim.Rules) != 1 {
		t.Errorf("limit 1 gave %d itemsets and %d rules", len(lim.Itemsets), len(lim.Rules))
	}
}

func TestAutoMinSupport(t *testing.T) {
	for _, tc := range []struct{ n, want int }{{0, 2}, {100, 2}, {1000, 2}, {5000, 5}, {100001, 101}} {
		if got := AutoMinSupport(tc.n); got != tc.want {
			t.Errorf("AutoMinSupport(%d) = %d, want %d", tc.n, got, tc.want)
		}
	}
}

func TestFind(t *testing.T) {
	ctx := context.Background()
	ws := workspacetest.Open(t)
	var docs []document.Document
	for i := range 6 {
		d := document.Document{ID: fmt.Sprintf("ADV-%d", i), Title: fmt.Sprintf("advisory %d", i), Body: "body", Ecosystem: "npm"}
		if i < 4 {
			d.CWEs = []string{"CWE-79"}
		}
		if i == 5 {
			d.Ecosystem = ""
		}
		d.Finish()
		docs = append(docs, d)
	}
	if _, err := ws.PutDocuments(ctx, docs); err != nil {
		t.Fatal(err)
	}
	rep, err := Find(ctx, ws, Options{MinSupport: 2})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Documents != 6 || rep.Transactions != 5 || len(rep.Itemsets) != 1 {
		t.Fatalf("report = %+v", rep)
	}
	if p := rep.Itemsets[0]; !slices.Equal(p.Items, []string{"cwe:CWE-79", "ecosystem:npm"}) || p.Support != 4 {
		t.Errorf("itemset = %+v, want cwe:CWE-79 + ecosystem:npm in 4 documents", p)
	}
	if _, err := Find(ctx, ws, Options{Types: []string{"nope"}}); err == nil {
		t.Error("unknown type accepted")
	}
}
