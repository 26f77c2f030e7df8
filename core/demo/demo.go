// Package demo is the embedded demo corpus: a few dozen security documents
// written for Cyberstreams (advisories of every severity, a threat-report
// excerpt, feed items, a known-exploited catalog entry, notices, and one
// document carrying hostile terminal escape sequences), so that `cyberstreams
// triage --demo` has something realistic to show on a fresh machine.
//
// Every product, vendor, actor and CVE number in it is made up; addresses
// are documentation ranges (RFC 5737: 192.0.2.0/24, 198.51.100.0/24,
// 203.0.113.0/24) and domains are example.com/.org/.net (RFC 2606).
package demo

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/extract"
	"github.com/cyberstreams/cyberstreams/core/graphsync"
	"github.com/cyberstreams/cyberstreams/core/workspace"
)

//go:embed documents.jsonl
var corpus []byte

// Documents parses the embedded corpus. Each call returns fresh copies with
// entities extracted (refanged) and merged with those the record declares,
// and content hashes filled, ready to store or score.
func Documents() ([]document.Document, error) {
	return documents(extract.New(extract.Options{Refang: true}))
}

// documents parses the corpus with an entity extractor.
func documents(ex *extract.Extractor) ([]document.Document, error) {
	var docs []document.Document
	sc := bufio.NewScanner(bytes.NewReader(corpus))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for line := 1; sc.Scan(); line++ {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var d document.Document
		if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
			return nil, fmt.Errorf("demo corpus line %d: %w", line, err)
		}
		d.Entities = merge(d.Entities, ex.Extract(d.Text()), structured(&d))
		d.Finish()
		docs = append(docs, d)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("demo corpus: %w", err)
	}
	return docs, nil
}

// structured are the CVE and CWE ids a record states in its fields.
func structured(d *document.Document) map[string][]string {
	out := map[string][]string{}
	for _, a := range d.Aliases {
		if strings.HasPrefix(strings.ToUpper(a), "CVE-") {
			out["cve"] = append(out["cve"], strings.ToUpper(a))
		}
	}
	for _, c := range d.CWEs {
		out["cwe"] = append(out["cwe"], strings.ToUpper(c))
	}
	return out
}

func merge(maps ...map[string][]string) map[string][]string {
	out := map[string][]string{}
	for _, m := range maps {
		for typ, vals := range m {
			out[typ] = append(out[typ], vals...)
		}
	}
	for typ, vals := range out {
		slices.Sort(vals)
		out[typ] = slices.Compact(vals)
	}
	return out
}

// Load stores the demo documents in the workspace. It is idempotent: the
// workspace dedupes by id and content hash, so a second Load adds nothing.
//
// The entities are those the workspace's scorers find (with the actor,
// malware and tool names its graph knows), as for any ingested document.
func Load(ctx context.Context, ws *workspace.Workspace) (workspace.PutResult, error) {
	ex, err := graphsync.Extractor(ctx, ws)
	if err != nil {
		return workspace.PutResult{}, fmt.Errorf("load demo documents: %w", err)
	}
	docs, err := documents(ex)
	if err != nil {
		return workspace.PutResult{}, err
	}
	res, err := ws.PutDocuments(ctx, docs)
	if err != nil {
		return res, fmt.Errorf("load demo documents: %w", err)
	}
	return res, nil
}
