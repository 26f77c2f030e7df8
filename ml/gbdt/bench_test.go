package gbdt

import (
	"context"
	"testing"
)

// BenchmarkTrain trains on a matrix of the real training set's shape:
// ~38,000 documents, 5,000 sparse TF-IDF columns (~60 non-zeros a row) and
// 40 dense meta columns, 5 classes, 100 iterations. Target: <= 0.1 s per
// iteration (5 trees) on 2 cores, so a few hundred iterations fit in 60 s.
func BenchmarkTrain(b *testing.B) {
	m, y := textLike{rows: 38000, sparseCols: 5000, wordsPerRow: 70, denseCols: 40, classes: 5, seed: 1}.generate()
	p := DefaultParams()
	p.NumIterations = 100
	b.ResetTimer()
	for range b.N {
		_, rep, err := Train(context.Background(), m, y, 5, nil, nil, p, nil, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(rep.Duration.Seconds()/float64(len(rep.TrainLoss)), "s/iter")
	}
}
