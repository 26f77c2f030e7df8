package main

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/features"
	"github.com/cyberstreams/cyberstreams/core/novelty"
	"github.com/cyberstreams/cyberstreams/core/training"
)

// family is one group of documents left out of training.
type family struct {
	kind, name string
	member     func(*document.Document) bool
}

// families picks the largest c.maxFamilies families of each kind.
func families(c config, docs []document.Document) ([]family, error) {
	keys := map[string]func(*document.Document) string{
		"ecosystem": func(d *document.Document) string { return d.Ecosystem },
		"source":    func(d *document.Document) string { return d.Source },
		"vendor": func(d *document.Document) string {
			if len(d.Vendors) == 0 {
				return ""
			}
			return strings.ToLower(d.Vendors[0])
		},
	}
	var out []family
	for _, kind := range strings.Split(c.families, ",") {
		key, ok := keys[kind]
		if !ok {
			return nil, fmt.Errorf("-families: unknown kind %q (want ecosystem, source, vendor)", kind)
		}
		counts := map[string]int{}
		for i := range docs {
			if k := key(&docs[i]); k != "" {
				counts[k]++
			}
		}
		names := make([]string, 0, len(counts))
		for k := range counts {
			names = append(names, k)
		}
		slices.SortFunc(names, func(a, b string) int { return cmp.Or(counts[b]-counts[a], strings.Compare(a, b)) })
		for _, name := range names[:min(c.maxFamilies, len(names))] {
			out = append(out, family{kind, name, func(d *document.Document) bool { return key(d) == name }})
		}
	}
	return out, nil
}

// lofo leaves each family out in turn: features and novelty model are
// fitted on the training advisories outside it, the threshold is picked on
// the validation advisories outside it, and its documents published in
// the validation-and-future period are scored against the future
// advisories outside it (which no step has seen).
func lofo(ctx context.Context, c config, fo features.FitOptions, past, future []document.Document) error {
	fams, err := families(c, append(slices.Clone(past), future...))
	if err != nil {
		return err
	}
	train, valid, _ := training.Split(past, time.Time{}, 0.15)
	for _, f := range fams {
		without := func(docs []document.Document) []document.Document {
			return slices.DeleteFunc(slices.Clone(docs), func(d document.Document) bool { return f.member(&d) })
		}
		var out []document.Document
		for _, part := range [][]document.Document{valid, future} {
			for i := range part {
				if f.member(&part[i]) {
					out = append(out, part[i])
				}
			}
		}
		if len(out) < 20 {
			fmt.Fprintf(os.Stderr, "novelty: %s %q has %d documents in the test period; skipped\n", f.kind, f.name, len(out))
			continue
		}
		tr, va, in := without(train), without(valid), without(future)
		spec, err := features.Fit(ctx, tr, fo)
		if err != nil {
			return fmt.Errorf("%s %s: %w", f.kind, f.name, err)
		}
		fz := features.New(spec)
		if err := measure(ctx, c, f.kind, f.name, fz, tr, va, in, out); err != nil {
			return err
		}
	}
	return nil
}

// measure fits the novelty model on train, calibrates it on valid, and
// reports how it tells out from in; with -dump it writes the standardised
// inputs of all four for sklearn_iforest.py.
func measure(ctx context.Context, c config, kind, name string, fz *features.Featurizer, train, valid, in, out []document.Document) error {
	opts, err := variant("default", c)
	if err != nil {
		return err
	}
	m, err := novelty.Fit(ctx, fz, train, valid, opts)
	if err != nil {
		return fmt.Errorf("%s %s: %w", kind, name, err)
	}
	sc, err := m.Scorer(fz.Spec(), fz.Width())
	if err != nil {
		return err
	}
	is, os_ := scores(sc, fz, in), scores(sc, fz, out)
	res := map[string]any{"kind": kind, "family": name, "n_out": len(out), "n_in": len(in), "threshold": m.Threshold,
		"auc": auc(os_, is), "detected": flagged(os_, m.Threshold), "fpr": flagged(is, m.Threshold), "valid_fpr": m.ValidFPR}
	report(c, res, "%-10s %-36s out %5d in %5d  AUC %.3f  detected %.3f  false positives %.3f\n",
		kind, name, len(out), len(in), res["auc"], res["detected"], res["fpr"])
	if c.dump == "" {
		return nil
	}
	dir := filepath.Join(c.dump, strings.NewReplacer("/", "_", " ", "_").Replace(kind+"-"+name))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for part, docs := range map[string][]document.Document{"train": train, "valid": valid, "in": in, "out": out} {
		rows := make([][]float64, len(docs))
		for i := range docs {
			rows[i] = sc.Standardised(fz.Transform(&docs[i]))
		}
		if err := writeTSV(filepath.Join(dir, part+".tsv"), rows); err != nil {
			return err
		}
	}
	return os.WriteFile(filepath.Join(dir, "family"), []byte(kind+"\t"+name+"\n"), 0o644)
}
