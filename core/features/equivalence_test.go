package features_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/features"
	"github.com/cyberstreams/cyberstreams/core/ingest"
	"github.com/cyberstreams/cyberstreams/internal/shareddata"
)

// TestAdvisoryCorpusDigest pins what reading and featurising the shared
// advisory corpus produces, so that speed work on core/ingest and
// core/features cannot change a single output. Every line of
// advisories_train.jsonl.gz is read through ingest.Read (the reader
// scoring.Stream uses), both as generic JSONL (the benchmarks' --format
// jsonl) and detected (the CLI's default, which reads these lines as OSV);
// each document — every field, Meta and Entities included, with value
// types — is hashed, then featurised with the default model's spec
// (core/model/default/features.json.gz, read from disk because core/model
// imports this package) and its row hashed, and its title and body
// tokenised and the tokens hashed.
//
// Entities come from a small deterministic stand-in extractor, not
// core/extract: this pins ingest's merging of text and structured
// entities and the features' entity counts without depending on the
// extractor's own evolution.
//
// The digests were computed with the code before the speed work
// (500e73a); only an intended behaviour change may move them, and then the
// failure message gives the new values. Moved by issue 12: CVSS vectors
// are no longer tokenised (their fragments were terms of the default
// model), and the rows again when the default model was retrained with
// the stated:* features, and when it was retrained without time:year;
// and both when URLs were no longer tokenised either (their pieces were
// terms: "https https", "www.openwall.com/lists/…") and the default model
// was retrained without them and without hash and build-number terms;
// and when a full stop with a stop word and no space after it was read
// as two sentences ("xss.this issue" as "xss", "issue").
func TestAdvisoryCorpusDigest(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 38,358 advisories twice")
	}
	corpus := shareddata.File(t, "advisories_train.jsonl.gz")
	spec := defaultSpec(t)
	fz := features.New(spec)
	for _, c := range []struct {
		format ingest.Format
		want   string
	}{
		// Since the generic reader types cwes, aliases, packages, vendors,
		// references, assigner and ecosystem (issue 11), its rows are the
		// advisory reader's: the same row digest as auto's below.
		{ingest.FormatJSONL, "docs=38358 doc=fad92e7911a99e44de9fa435bc1564ff row=f162baf33e4140335769b0272198167d tok=ce6023847ec3917854b8ae64a906f07a"},
		{ingest.FormatAuto, "docs=38358 doc=59e13dc4b5652a928ff8ee6af151e62c row=f162baf33e4140335769b0272198167d tok=ce6023847ec3917854b8ae64a906f07a"},
	} {
		t.Run(string(c.format), func(t *testing.T) {
			docs, rows, toks := sha256.New(), sha256.New(), sha256.New()
			var row features.Row
			n := 0
			err := ingest.Read(context.Background(), []string{corpus},
				ingest.Options{Format: c.format, Extract: standInExtract},
				func(r ingest.Record) error {
					if r.Err != nil {
						return fmt.Errorf("%s:%d: %w", r.File, r.Line, r.Err)
					}
					n++
					hashDocument(docs, &r.Doc)
					fz.TransformInto(&r.Doc, &row)
					hashRow(rows, &row)
					for _, text := range []string{r.Doc.Title, r.Doc.Body} {
						features.Tokenize(strings.ToLower(text), func(tok string) {
							toks.Write([]byte(tok))
							toks.Write([]byte{0})
						})
						toks.Write([]byte{1})
					}
					return nil
				})
			if err != nil {
				t.Fatal(err)
			}
			got := fmt.Sprintf("docs=%d doc=%s row=%s tok=%s", n,
				hex.EncodeToString(docs.Sum(nil))[:32], hex.EncodeToString(rows.Sum(nil))[:32], hex.EncodeToString(toks.Sum(nil))[:32])
			if got != c.want {
				t.Errorf("corpus digest changed:\n got  %s\n want %s", got, c.want)
			}
		})
	}
}

// standInExtract is a deterministic extractor for the digest: words that
// look like CVE ids, URLs, dotted names and ATT&CK technique ids.
func standInExtract(text string) map[string][]string {
	var out map[string][]string
	add := func(typ, v string) {
		if out == nil {
			out = map[string][]string{}
		}
		out[typ] = append(out[typ], v)
	}
	for _, w := range strings.Fields(text) {
		w = strings.Trim(w, ".,;:()[]\"'")
		switch {
		case strings.HasPrefix(strings.ToUpper(w), "CVE-"):
			add("cve", strings.ToUpper(w))
		case strings.HasPrefix(w, "http://") || strings.HasPrefix(w, "https://"):
			add("url", w)
		case len(w) > 1 && w[0] == 'T' && strings.Trim(w[1:], "0123456789.") == "":
			add("attack_technique", w)
		case strings.Count(w, ".") >= 1 && strings.ToLower(w) == w && !strings.ContainsAny(w, "/"):
			add("domain", w)
		}
	}
	return out
}

func repoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		if filepath.Dir(dir) == dir {
			t.Skip("no go.mod above the test")
		}
		dir = filepath.Dir(dir)
	}
}

// defaultSpec reads the feature spec of the model embedded in the binary.
func defaultSpec(t testing.TB) *features.Spec {
	t.Helper()
	path := filepath.Join(repoRoot(t), "core", "model", "default", "features.json.gz")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("default model spec absent (%v)", err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	spec, err := features.ReadSpec(zr, path)
	if err != nil {
		t.Fatal(err)
	}
	return spec
}

// hashDocument writes every field of d, with the Go type of every Meta
// value, in a fixed order.
func hashDocument(h hash.Hash, d *document.Document) {
	str := func(s string) {
		binary.Write(h, binary.LittleEndian, uint32(len(s)))
		h.Write([]byte(s))
	}
	list := func(l []string) {
		if l == nil {
			str("<nil>")
			return
		}
		binary.Write(h, binary.LittleEndian, uint32(len(l)))
		for _, s := range l {
			str(s)
		}
	}
	str(d.ID)
	str(d.Title)
	str(d.Body)
	str(d.Source)
	str(d.Published.Location().String())
	binary.Write(h, binary.LittleEndian, d.Published.UnixNano())
	binary.Write(h, binary.LittleEndian, d.Published.IsZero())
	str(d.Format)
	list(d.Aliases)
	list(d.CWEs)
	str(d.Ecosystem)
	list(d.Packages)
	list(d.Vendors)
	list(d.References)
	str(d.Assigner)
	str(d.Severity)
	if d.Entities == nil {
		str("<nil entities>")
	}
	for _, k := range slices.Sorted(maps.Keys(d.Entities)) {
		str(k)
		list(d.Entities[k])
	}
	if d.Meta == nil {
		str("<nil meta>")
	}
	hashValue(h, d.Meta)
	str(d.ContentHash)
}

// hashValue writes a decoded JSON value with its type.
func hashValue(h hash.Hash, v any) {
	switch v := v.(type) {
	case nil:
		h.Write([]byte{'n'})
	case bool:
		h.Write([]byte{'b'})
		binary.Write(h, binary.LittleEndian, v)
	case float64:
		h.Write([]byte{'f'})
		binary.Write(h, binary.LittleEndian, math.Float64bits(v))
	case string:
		h.Write([]byte{'s'})
		binary.Write(h, binary.LittleEndian, uint32(len(v)))
		h.Write([]byte(v))
	case []any:
		h.Write([]byte{'l'})
		if v == nil {
			h.Write([]byte{'0'})
		}
		binary.Write(h, binary.LittleEndian, uint32(len(v)))
		for _, e := range v {
			hashValue(h, e)
		}
	case map[string]any:
		h.Write([]byte{'m'})
		binary.Write(h, binary.LittleEndian, uint32(len(v)))
		for _, k := range slices.Sorted(maps.Keys(v)) {
			hashValue(h, k)
			hashValue(h, v[k])
		}
	default:
		fmt.Fprintf(h, "?%T:%v", v, v)
	}
}

func hashRow(h hash.Hash, r *features.Row) {
	binary.Write(h, binary.LittleEndian, uint32(len(r.Idx)))
	binary.Write(h, binary.LittleEndian, r.Idx)
	for _, v := range r.Val {
		binary.Write(h, binary.LittleEndian, math.Float64bits(v))
	}
	binary.Write(h, binary.LittleEndian, int64(r.TextTokens))
}
