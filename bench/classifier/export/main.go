// Command export writes the classifier benchmark's inputs: the same
// time-based split the trainer makes, as JSONL (for the text anchors and for
// our CLI) and as libsvm matrices of our features (for LightGBM on the same
// feature matrix). Measurement tooling, not product.
package main

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/extract"
	"github.com/cyberstreams/cyberstreams/core/features"
	"github.com/cyberstreams/cyberstreams/core/ingest"
	"github.com/cyberstreams/cyberstreams/core/training"
	"github.com/cyberstreams/cyberstreams/ml/gbdt"
)

func main() {
	data := flag.String("data", "", "labelled advisories (JSONL.gz)")
	kev := flag.String("kev", "", "KEV catalog")
	out := flag.String("out", "out", "output directory")
	flag.Parse()
	ctx := context.Background()
	var docs []document.Document
	err := ingest.Read(ctx, []string{*data}, ingest.Options{}, func(r ingest.Record) error {
		if r.Err == nil && document.SeverityIndex(r.Doc.Severity) >= 0 {
			r.Doc.Meta = nil
			docs = append(docs, r.Doc)
		}
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	train, valid, from := training.Split(docs, time.Time{}, training.DefaultOptions().ValidShare)
	opts := training.DefaultOptions().Features
	opts.EntityTypes = extract.Types
	if *kev != "" {
		opts.KEV = readKEV(*kev)
	}
	spec, err := features.Fit(ctx, train, opts)
	if err != nil {
		log.Fatal(err)
	}
	fz := features.New(spec)
	must(os.MkdirAll(*out, 0o755))
	for name, part := range map[string][]document.Document{"train": train, "valid": valid} {
		x, y := training.Matrix(fz, part)
		writeSVM(filepath.Join(*out, name+".svm"), x, y)
		writeJSONL(filepath.Join(*out, name+".jsonl.gz"), part)
	}
	split := map[string]any{"valid_from": from.Format("2006-01-02"), "train": len(train), "valid": len(valid), "features": fz.Width()}
	b, _ := json.MarshalIndent(split, "", " ")
	must(os.WriteFile(filepath.Join(*out, "split.json"), b, 0o644))
	fmt.Println(string(b))
}

func writeSVM(path string, x *gbdt.Matrix, y []int) {
	f, err := os.Create(path)
	must(err)
	w := bufio.NewWriter(f)
	for i := 0; i < x.NumRows(); i++ {
		w.WriteString(strconv.Itoa(y[i]))
		idx, val := x.Row(i)
		for j := range idx {
			fmt.Fprintf(w, " %d:%s", idx[j], strconv.FormatFloat(val[j], 'g', 17, 64))
		}
		w.WriteByte('\n')
	}
	must(w.Flush())
	must(f.Close())
}

// writeJSONL writes the documents in the advisory layout ingest reads back.
func writeJSONL(path string, docs []document.Document) {
	f, err := os.Create(path)
	must(err)
	zw := gzip.NewWriter(f)
	enc := json.NewEncoder(zw)
	for _, d := range docs {
		must(enc.Encode(map[string]any{
			"id": d.ID, "summary": d.Title, "details": d.Body, "published": d.Published.Format(time.RFC3339),
			"severity": d.Severity, "aliases": d.Aliases, "cwes": d.CWEs, "ecosystem": d.Ecosystem,
			"packages": d.Packages, "vendors": d.Vendors, "references": d.References, "source": d.Source,
			"assigner": d.Assigner,
		}))
	}
	must(zw.Close())
	must(f.Close())
}

func readKEV(path string) map[string]string {
	f, err := os.Open(path)
	must(err)
	defer f.Close()
	var cat struct {
		Vulnerabilities []struct {
			CVE   string `json:"cveID"`
			Added string `json:"dateAdded"`
		} `json:"vulnerabilities"`
	}
	must(json.NewDecoder(f).Decode(&cat))
	out := map[string]string{}
	for _, v := range cat.Vulnerabilities {
		out[v.CVE] = v.Added
	}
	return out
}

func must(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
