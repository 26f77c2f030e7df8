package scorethroughput

import (
	"bufio"
	"bytes"
	"context"
	"testing"

	"github.com/dmitryikh/leaves"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/features"
	"github.com/cyberstreams/cyberstreams/core/ingest"
	"github.com/cyberstreams/cyberstreams/core/scoring"
	"github.com/cyberstreams/cyberstreams/core/training"
	"github.com/cyberstreams/cyberstreams/ml/lgbm"
	"github.com/cyberstreams/cyberstreams/ml/shap"
)

// BenchmarkStages splits one document's scoring into its stages, each on
// one goroutine (run with -cpu 1), to show where the time goes: read
// (JSON decode, entity extraction, hashing, in core/ingest), featurise,
// predict (leaves), novelty (isolation forest), explain (TreeSHAP of the
// predicted class) and the JSONL record. ns/op is per document.
func BenchmarkStages(b *testing.B) {
	bundle := loadBundle(b)
	path := writeInput(b, inputLines(b, 5000))
	var docs []document.Document
	read := func() {
		docs = docs[:0]
		err := ingest.Read(context.Background(), []string{path}, ingest.Options{Format: ingest.FormatJSONL, Workers: 1,
			SkipMeta: true, SkipHash: true}, // as Scorer.Stream reads
			func(r ingest.Record) error {
				if r.Err != nil {
					return r.Err
				}
				docs = append(docs, r.Doc)
				return nil
			})
		if err != nil {
			b.Fatal(err)
		}
	}
	read()
	fz := features.New(bundle.Spec)
	rows := make([]features.Row, len(docs))
	for i := range docs {
		rows[i] = fz.Transform(&docs[i])
	}
	ens, err := leaves.LGEnsembleFromReader(bufio.NewReader(bytes.NewReader(bundle.ModelText)), false)
	if err != nil {
		b.Fatal(err)
	}
	dense := make([]float64, max(fz.Width(), ens.NFeatures()))
	raw := make([]float64, ens.NOutputGroups())
	classes := make([]int, len(docs))
	for i, r := range rows {
		fz.Dense(r, dense)
		ens.Predict(dense, 0, raw)
		classes[i] = training.Decide(training.Softmax(raw), training.OffsetsFor(fz, &docs[i]))
	}
	s, err := scoring.PlainKnowledge().Scorer(bundle)
	if err != nil {
		b.Fatal(err)
	}
	results := make([]scoring.Result, len(docs))
	for i := range docs {
		d := docs[i]
		results[i] = s.Score(&d, scoring.Options{Explain: 5})
	}

	b.Run("read", func(b *testing.B) {
		n := 0
		cpu0 := cpuSeconds()
		for b.Loop() {
			read()
			n += len(docs)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/doc")
		b.ReportMetric((cpuSeconds()-cpu0)*1e9/float64(n), "cpu-ns/doc")
	})
	b.Run("featurise", func(b *testing.B) {
		var row features.Row
		defer reportCPU(b)()
		i := 0
		for b.Loop() {
			fz.TransformInto(&docs[i%len(docs)], &row)
			i++
		}
	})
	// predictRows scatters each row into dense, predicts, and clears it.
	predictRows := func(b *testing.B, predict func(r features.Row)) {
		defer reportCPU(b)()
		i := 0
		for b.Loop() {
			r := rows[i%len(rows)]
			for k, j := range r.Idx {
				dense[j] = r.Val[k]
			}
			predict(r)
			for _, j := range r.Idx {
				dense[j] = 0
			}
			i++
		}
	}
	b.Run("predict", func(b *testing.B) {
		predictRows(b, func(features.Row) { ens.Predict(dense, 0, raw) })
	})
	// What scoring predicts with by default: only the trees a document
	// leaves the typical path of (bit-identical to leaves).
	b.Run("predict-sparse", func(b *testing.B) {
		sp := lgbm.NewSparsePredictor(bundle.Trees)
		ss := sp.NewScratch()
		predictRows(b, func(r features.Row) { sp.PredictRaw(r.Idx, dense, ss, raw) })
	})
	// The project's own full tree walker (ml/lgbm) on the same rows and
	// trees, for comparison.
	b.Run("predict-mllgbm", func(b *testing.B) {
		scratch := make([]float64, bundle.Trees.NumFeatures())
		defer reportCPU(b)()
		i := 0
		for b.Loop() {
			r := rows[i%len(rows)]
			bundle.Trees.PredictRawScratch(r.Idx, r.Val, scratch, raw)
			i++
		}
	})
	b.Run("novelty", func(b *testing.B) {
		if bundle.Novelty == nil {
			b.Skip("bundle has no novelty model")
		}
		nv, err := bundle.Novelty.Scorer(bundle.Spec, fz.Width()) // as scoring prepares it
		if err != nil {
			b.Fatal(err)
		}
		defer reportCPU(b)()
		i := 0
		for b.Loop() {
			nv.Score(rows[i%len(rows)])
			i++
		}
	})
	b.Run("explain", func(b *testing.B) {
		ex := shap.New(bundle.Trees)
		phi := make([]float64, ex.NumFeatures())
		defer reportCPU(b)()
		i := 0
		for b.Loop() {
			k := i % len(rows)
			ex.ExplainClass(rows[k].Idx, rows[k].Val, classes[k], phi)
			i++
		}
	})
	b.Run("jsonl", func(b *testing.B) {
		var buf []byte
		defer reportCPU(b)()
		i := 0
		for b.Loop() {
			buf, _ = results[i%len(results)].AppendJSONL(buf[:0])
			i++
		}
	})
	b.Run("score-plain", func(b *testing.B) {
		defer reportCPU(b)()
		i := 0
		for b.Loop() {
			d := docs[i%len(docs)]
			s.Score(&d, scoring.Options{Explain: -1})
			i++
		}
	})
	b.Run("score-top5", func(b *testing.B) {
		defer reportCPU(b)()
		i := 0
		for b.Loop() {
			d := docs[i%len(docs)]
			s.Score(&d, scoring.Options{Explain: 5})
			i++
		}
	})
}

// reportCPU starts CPU accounting for a benchmark; the returned function
// reports the process CPU time per operation, which on a shared machine
// varies less than wall time.
func reportCPU(b *testing.B) func() {
	cpu0 := cpuSeconds()
	return func() { b.ReportMetric((cpuSeconds()-cpu0)*1e9/float64(b.N), "cpu-ns/op") }
}
