package demo

import (
	"context"
	"net/netip"
	"strings"
	"testing"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/workspace/workspacetest"
)

func TestDocumentsCoverEverySeverity(t *testing.T) {
	docs, err := Documents()
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) < 30 || len(docs) > 40 {
		t.Fatalf("%d demo documents, want 30-40", len(docs))
	}
	per := map[string]int{}
	for _, d := range docs {
		if document.SeverityIndex(d.Severity) < 0 {
			t.Errorf("%s: severity %q", d.ID, d.Severity)
		}
		per[d.Severity]++
		if d.Title == "" || d.Body == "" || d.Published.IsZero() || d.Source == "" {
			t.Errorf("%s: missing title, text, source or date", d.ID)
		}
	}
	for _, s := range document.Severities {
		if per[s] < 5 {
			t.Errorf("%d %s documents, want at least 5", per[s], s)
		}
	}
}

// TestOnlyDocumentationAddresses keeps the corpus free of real
// infrastructure: every IP is in an RFC 5737 range, every domain under an
// RFC 2606 name.
func TestOnlyDocumentationAddresses(t *testing.T) {
	docs, err := Documents()
	if err != nil {
		t.Fatal(err)
	}
	ranges := []netip.Prefix{
		netip.MustParsePrefix("192.0.2.0/24"),
		netip.MustParsePrefix("198.51.100.0/24"),
		netip.MustParsePrefix("203.0.113.0/24"),
	}
	for _, d := range docs {
		for _, ip := range d.Entities["ipv4"] {
			a, err := netip.ParseAddr(ip)
			ok := false
			for _, r := range ranges {
				ok = ok || err == nil && r.Contains(a)
			}
			if !ok {
				t.Errorf("%s: %s is not a documentation address", d.ID, ip)
			}
		}
		for _, typ := range []string{"domain", "email", "url"} {
			for _, v := range d.Entities[typ] {
				if !strings.Contains(v, "example.com") && !strings.Contains(v, "example.org") && !strings.Contains(v, "example.net") {
					t.Errorf("%s: %s %q is not an example domain", d.ID, typ, v)
				}
			}
		}
	}
}

func TestCorpusHasTheShowcaseDocuments(t *testing.T) {
	docs, err := Documents()
	if err != nil {
		t.Fatal(err)
	}
	var techniques, actor, hostile, kev bool
	for _, d := range docs {
		tech := strings.Join(d.Entities["attack_technique"], ",")
		techniques = techniques || strings.Contains(tech, "T1566.001") && strings.Contains(tech, "T1059.001")
		actor = actor || len(d.Entities["actor"]) > 0
		hostile = hostile || strings.Contains(d.Text(), "\x1b]0;pwned\x07") && strings.Contains(d.Text(), "\x1b[2J")
		kev = kev || d.Format == "kev"
	}
	if !techniques || !actor || !hostile || !kev {
		t.Fatalf("techniques %v, actor %v, hostile escapes %v, KEV entry %v", techniques, actor, hostile, kev)
	}
}

func TestLoadIsIdempotent(t *testing.T) {
	ctx := context.Background()
	ws := workspacetest.Open(t)
	first, err := Load(ctx, ws)
	if err != nil {
		t.Fatal(err)
	}
	second, err := Load(ctx, ws)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := ws.CountDocuments(ctx)
	if first.New != n || second.New != 0 || second.Updated != 0 || second.Unchanged != n {
		t.Fatalf("first load %+v, second %+v, %d stored", first, second, n)
	}
}
