package gbdt

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cyberstreams/cyberstreams/ml/lgbm"
)

// Params are the training parameters, named and defaulted as LightGBM's.
type Params struct {
	NumIterations  int     // boosting rounds (num_iterations)
	NumLeaves      int     // leaves per tree (num_leaves), at least 2
	MaxDepth       int     // depth limit, <= 0 for none (max_depth)
	MinDataInLeaf  int     // fewest rows per leaf (min_data_in_leaf)
	MinSumHessian  float64 // least hessian sum per leaf (min_sum_hessian_in_leaf)
	LearningRate   float64 // shrinkage applied to leaf values (learning_rate)
	Lambda         float64 // L2 penalty on leaf values (lambda_l2)
	LambdaL1       float64 // L1 penalty on leaf values (lambda_l1)
	MinGainToSplit float64 // least gain for a split (min_gain_to_split)
	// FeatureFraction is the share of features each tree may split on,
	// drawn afresh per tree (feature_fraction).
	FeatureFraction float64
	// BaggingFraction is the share of rows each tree is grown on, redrawn
	// every BaggingFreq iterations; BaggingFreq 0 disables bagging.
	BaggingFraction float64
	BaggingFreq     int
	MaxBin          int // most bins per feature, zero bin included (max_bin)
	// EarlyStoppingRounds stops training when the validation multi_logloss
	// has not improved for this many iterations, keeping the best
	// iteration; 0 disables it. It needs a validation set.
	EarlyStoppingRounds int
	// ClassWeights multiplies the gradient and hessian of every row of
	// class k by ClassWeights[k] (as LightGBM does with sample weights);
	// nil means all 1.
	ClassWeights []float64
	// RowWeights multiplies the gradient and hessian of training row i by
	// RowWeights[i], on top of its class weight (LightGBM's per-row
	// weights); nil means all 1. It describes the data, not the model, so
	// it is left out of a model card's JSON.
	RowWeights []float64 `json:"-"`
	// InitScore, when set, is every training row's starting raw score
	// (row-major, numRows × numClass) in place of the class shares, and
	// ValidInitScore the validation rows' (needed with a validation set):
	// the margins of an earlier model, so that the trees trained here
	// continue it (LightGBM's init_score; the returned trees carry no
	// start of their own and are to be added after that model's).
	InitScore      []float64 `json:"-"`
	ValidInitScore []float64 `json:"-"`
	Seed           int64     // seeds bagging and feature sampling
	// Threads is the number of goroutines; <= 0 means GOMAXPROCS. The
	// model does not depend on it.
	Threads int
}

// DefaultParams returns LightGBM's defaults for the parameters above, with
// 100 iterations.
func DefaultParams() Params {
	return Params{
		NumIterations:   100,
		NumLeaves:       31,
		MaxDepth:        -1,
		MinDataInLeaf:   20,
		MinSumHessian:   1e-3,
		LearningRate:    0.1,
		FeatureFraction: 1,
		BaggingFraction: 1,
		MaxBin:          255,
	}
}

// Progress is called after every boosting iteration (1-based) with the
// training and validation multi_logloss (NaN without a validation set).
type Progress func(iter int, trainLoss, validLoss float64)

// Report describes a finished training run.
type Report struct {
	// BestIteration is the number of iterations in the returned model: the
	// one with the lowest validation loss under early stopping, else all
	// iterations trained.
	BestIteration int
	// TrainLoss and ValidLoss hold multi_logloss after each iteration
	// trained (including those past BestIteration); the training loss is
	// weighted by ClassWeights, the validation loss is not.
	TrainLoss, ValidLoss []float64
	Duration             time.Duration
}

// probFloor is LightGBM's kEpsilon clamp inside multi_logloss.
const probFloor = 1e-15

// Train fits a multiclass softmax GBDT to train (labels y in
// [0,numClass)) and returns it in LightGBM's layout. valid and yValid (may
// be nil) are scored after every iteration for the report and early
// stopping. featureNames name the columns (nil: LightGBM's Column_i);
// white space in a name becomes '_' as in LightGBM's Python package.
// Identical inputs and Params give an identical model, whatever Threads is.
func Train(ctx context.Context, train *Matrix, y []int, numClass int, valid *Matrix, yValid []int, p Params, featureNames []string, progress Progress) (*lgbm.Model, *Report, error) {
	f, err := fit(ctx, train, y, numClass, valid, yValid, p, featureNames, progress)
	if err != nil {
		return nil, nil, err
	}
	return f.model, f.report, nil
}

// fitted is a training run's outcome plus the final training scores, which
// tests compare with predictions of the written trees.
type fitted struct {
	model  *lgbm.Model
	report *Report
	scores []float64 // row-major, numRows x numClass, of every tree trained
}

func checkInputs(train *Matrix, y []int, numClass int, valid *Matrix, yValid []int, p *Params, featureNames []string) error {
	if train == nil {
		return errors.New("no training matrix")
	}
	if err := train.validate(); err != nil {
		return fmt.Errorf("training matrix: %w", err)
	}
	if train.NumCols < 1 {
		return errors.New("training matrix has no columns")
	}
	if numClass < 2 {
		return fmt.Errorf("numClass %d < 2", numClass)
	}
	if len(y) != train.NumRows() {
		return fmt.Errorf("%d labels for %d training rows", len(y), train.NumRows())
	}
	if train.NumRows() == 0 {
		return errors.New("no training rows")
	}
	for i, c := range y {
		if c < 0 || c >= numClass {
			return fmt.Errorf("training label %d of row %d outside [0,%d)", c, i, numClass)
		}
	}
	if valid != nil {
		if err := valid.validate(); err != nil {
			return fmt.Errorf("validation matrix: %w", err)
		}
		if valid.NumCols != train.NumCols {
			return fmt.Errorf("validation matrix has %d columns, training %d", valid.NumCols, train.NumCols)
		}
		if len(yValid) != valid.NumRows() {
			return fmt.Errorf("%d labels for %d validation rows", len(yValid), valid.NumRows())
		}
		for i, c := range yValid {
			if c < 0 || c >= numClass {
				return fmt.Errorf("validation label %d of row %d outside [0,%d)", c, i, numClass)
			}
		}
	}
	if featureNames != nil && len(featureNames) != train.NumCols {
		return fmt.Errorf("%d feature names for %d columns", len(featureNames), train.NumCols)
	}
	switch {
	case p.NumIterations < 1:
		return fmt.Errorf("NumIterations %d < 1", p.NumIterations)
	case p.NumLeaves < 2:
		return fmt.Errorf("NumLeaves %d < 2", p.NumLeaves)
	case p.MinDataInLeaf < 0:
		return fmt.Errorf("MinDataInLeaf %d < 0", p.MinDataInLeaf)
	case !(p.MinSumHessian >= 0):
		return fmt.Errorf("MinSumHessian %v < 0", p.MinSumHessian)
	case !(p.LearningRate > 0) || math.IsInf(p.LearningRate, 0):
		return fmt.Errorf("LearningRate %v is not positive", p.LearningRate)
	case !(p.Lambda >= 0) || !(p.LambdaL1 >= 0) || !(p.MinGainToSplit >= 0):
		return fmt.Errorf("Lambda %v, LambdaL1 %v and MinGainToSplit %v must be >= 0", p.Lambda, p.LambdaL1, p.MinGainToSplit)
	case !(p.FeatureFraction > 0 && p.FeatureFraction <= 1):
		return fmt.Errorf("FeatureFraction %v outside (0,1]", p.FeatureFraction)
	case !(p.BaggingFraction > 0 && p.BaggingFraction <= 1):
		return fmt.Errorf("BaggingFraction %v outside (0,1]", p.BaggingFraction)
	case p.BaggingFreq < 0:
		return fmt.Errorf("BaggingFreq %d < 0", p.BaggingFreq)
	case p.MaxBin < 2:
		return fmt.Errorf("MaxBin %d < 2", p.MaxBin)
	case p.EarlyStoppingRounds < 0:
		return fmt.Errorf("EarlyStoppingRounds %d < 0", p.EarlyStoppingRounds)
	case p.EarlyStoppingRounds > 0 && valid == nil:
		return errors.New("early stopping needs a validation set")
	}
	if p.ClassWeights != nil {
		if len(p.ClassWeights) != numClass {
			return fmt.Errorf("%d class weights for %d classes", len(p.ClassWeights), numClass)
		}
		for k, w := range p.ClassWeights {
			if !(w >= 0) || math.IsInf(w, 0) {
				return fmt.Errorf("class weight %d is %v, want a finite value >= 0", k, w)
			}
		}
	}
	if p.InitScore != nil || p.ValidInitScore != nil {
		if len(p.InitScore) != train.NumRows()*numClass {
			return fmt.Errorf("%d initial scores for %d training rows of %d classes", len(p.InitScore), train.NumRows(), numClass)
		}
		if valid != nil && len(p.ValidInitScore) != valid.NumRows()*numClass {
			return fmt.Errorf("%d initial scores for %d validation rows of %d classes", len(p.ValidInitScore), valid.NumRows(), numClass)
		}
		for _, scores := range [][]float64{p.InitScore, p.ValidInitScore} {
			for _, v := range scores {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					return fmt.Errorf("initial score %v is not finite", v)
				}
			}
		}
	}
	if p.RowWeights != nil {
		if len(p.RowWeights) != train.NumRows() {
			return fmt.Errorf("%d row weights for %d training rows", len(p.RowWeights), train.NumRows())
		}
		for i, w := range p.RowWeights {
			if !(w >= 0) || math.IsInf(w, 0) {
				return fmt.Errorf("row weight %d is %v, want a finite value >= 0", i, w)
			}
		}
	}
	return nil
}

func fit(ctx context.Context, train *Matrix, y []int, numClass int, valid *Matrix, yValid []int, p Params, featureNames []string, progress Progress) (*fitted, error) {
	start := time.Now()
	if err := checkInputs(train, y, numClass, valid, yValid, &p, featureNames); err != nil {
		return nil, fmt.Errorf("gbdt: %w", err)
	}
	threads := p.Threads
	if threads <= 0 {
		threads = runtime.GOMAXPROCS(0)
	}
	d, err := binData(ctx, train, p.MaxBin, p.MinDataInLeaf, threads)
	if err != nil {
		return nil, fmt.Errorf("gbdt: %w", err)
	}

	n, k := train.NumRows(), numClass
	weight := make([]float64, n)
	for i, c := range y {
		weight[i] = 1
		if p.ClassWeights != nil {
			weight[i] = p.ClassWeights[c]
		}
		if p.RowWeights != nil {
			weight[i] *= p.RowWeights[i]
		}
	}
	scores := make([]float64, n*k) // row-major
	grad := make([]float64, n*k)   // class-major: grad[c*n+i]
	hess := make([]float64, n*k)
	var validScores []float64
	if valid != nil {
		validScores = make([]float64, valid.NumRows()*k)
	}
	// LightGBM's boost_from_average for multiclass softmax
	// (MulticlassSoftmax::BoostFromScore): every score starts at the log
	// of its class's (weighted) share, and the first iteration's trees
	// carry that start as a bias. A class with share ~0 or ~1 is not
	// trained at all (ClassNeedTrain).
	initScore, needTrain := classStart(y, weight, k)
	for i := 0; i < n; i++ {
		copy(scores[i*k:(i+1)*k], initScore)
	}
	for i := 0; i < len(validScores); i += k {
		copy(validScores[i:i+k], initScore)
	}
	if p.InitScore != nil {
		// Continuing a model: its margins are the start, every class is
		// trained (a class absent here may still be mispredicted), and
		// no tree takes a start on.
		copy(scores, p.InitScore)
		copy(validScores, p.ValidInitScore)
		for c := range needTrain {
			needTrain[c] = true
		}
	}

	// Separate streams for bagging and feature sampling, so that turning
	// one on does not change the draws of the other.
	bagRNG := rand.New(rand.NewPCG(uint64(p.Seed), 0x6261676769e6))
	featRNG := rand.New(rand.NewPCG(uint64(p.Seed), 0x66656174757265))

	bag := make([]int32, n)
	for i := range bag {
		bag[i] = int32(i)
	}
	inBag := make([]bool, n)
	for i := range inBag {
		inBag[i] = true
	}
	var outOfBag []int32
	bagging := p.BaggingFreq > 0 && p.BaggingFraction < 1
	perm := make([]int32, n)

	numUsable := len(d.features)
	sampled := make([]bool, numUsable)
	featPerm := make([]int, numUsable)
	gr := newGrower(d, &p, threads)
	rep := &Report{}
	var trees []lgbm.Tree
	bestIter, bestLoss := 0, math.Inf(1)
	factor := float64(k) / float64(k-1) // LightGBM's MulticlassSoftmax factor_

	for it := 0; it < p.NumIterations; it++ {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("gbdt: iteration %d: %w", it+1, err)
		}
		softmaxGradients(scores, y, weight, k, factor, grad, hess, threads)

		if bagging && it%p.BaggingFreq == 0 {
			m := max(int(p.BaggingFraction*float64(n)), 1)
			for i := range perm {
				perm[i] = int32(i)
			}
			for i := 0; i < m; i++ { // partial Fisher-Yates
				j := i + bagRNG.IntN(n-i)
				perm[i], perm[j] = perm[j], perm[i]
			}
			bag = append(bag[:0], perm[:m]...)
			slices.Sort(bag)
			clear(inBag)
			for _, r := range bag {
				inBag[r] = true
			}
			outOfBag = outOfBag[:0]
			for i := range n {
				if !inBag[i] {
					outOfBag = append(outOfBag, int32(i))
				}
			}
		}

		split := false
		iterTrees := make([]lgbm.Tree, k)
		for c := 0; c < k; c++ {
			sampleFeatures(featRNG, p.FeatureFraction, sampled, featPerm)
			t := lgbm.Tree{NumLeaves: 1, LeafValue: []float64{0}, Shrinkage: 1}
			if needTrain[c] {
				var err error
				t, err = gr.grow(ctx, grad[c*n:(c+1)*n], hess[c*n:(c+1)*n], bag, inBag, sampled, p.LearningRate)
				if err != nil {
					return nil, fmt.Errorf("gbdt: iteration %d class %d: %w", it+1, c, err)
				}
			}
			if t.NumLeaves > 1 {
				split = true
				// In-bag rows: add their leaf's value straight from the
				// partition the tree was grown on.
				for l := range gr.leaves {
					v := t.LeafValue[l]
					lf := &gr.leaves[l]
					for _, r := range gr.rows[lf.begin : lf.begin+lf.count] {
						scores[int(r)*k+c] += v
					}
				}
			}
			iterTrees[c] = t
		}
		if !split && it > 0 {
			// LightGBM stops, dropping the iteration, once no tree of an
			// iteration can split (the first one stays: it holds the
			// starting scores).
			break
		}
		if bagging {
			addTreeScores(train, outOfBag, iterTrees, scores, threads)
		}
		trainLoss := multiLogloss(scores, y, weight, k)
		validLoss := math.NaN()
		if valid != nil {
			addTreeScores(valid, nil, iterTrees, validScores, threads)
			validLoss = multiLogloss(validScores, yValid, nil, k)
		}
		if it == 0 && p.InitScore == nil {
			// The scores already started from initScore; now the trees
			// take it on, as LightGBM's Tree::AddBias and AsConstantTree
			// do (which also reset shrinkage to 1).
			for c := range iterTrees {
				addBias(&iterTrees[c], initScore[c])
			}
		}
		trees = append(trees, iterTrees...)
		rep.TrainLoss = append(rep.TrainLoss, trainLoss)
		rep.ValidLoss = append(rep.ValidLoss, validLoss)
		if progress != nil {
			progress(it+1, trainLoss, validLoss)
		}
		if valid != nil && validLoss < bestLoss {
			bestLoss, bestIter = validLoss, it
		}
		if p.EarlyStoppingRounds > 0 && it-bestIter >= p.EarlyStoppingRounds {
			break
		}
		if !split {
			break
		}
	}

	iters := len(trees) / k
	if p.EarlyStoppingRounds > 0 && iters > 0 {
		iters = bestIter + 1
	}
	rep.BestIteration = iters
	model := &lgbm.Model{
		NumClass:            k,
		NumTreePerIteration: k,
		MaxFeatureIdx:       train.NumCols - 1,
		Objective:           "multiclass num_class:" + strconv.Itoa(k),
		FeatureNames:        modelFeatureNames(featureNames, train.NumCols),
		FeatureInfos:        d.infos,
		Trees:               trees[:iters*k],
		Parameters:          parameterLines(&p, k),
	}
	rep.Duration = time.Since(start)
	return &fitted{model: model, report: rep, scores: scores}, nil
}

// classStart returns LightGBM's starting score of each class, the log of
// its weighted share of the training rows (floored at 1e-15), and whether
// the class is trained at all: not when its share is within 1e-15 of 0 or 1.
func classStart(y []int, weight []float64, k int) ([]float64, []bool) {
	share := make([]float64, k)
	total := 0.0
	for i, c := range y {
		share[c] += weight[i]
		total += weight[i]
	}
	start := make([]float64, k)
	need := make([]bool, k)
	for c := range share {
		if total > 0 {
			share[c] /= total
		}
		start[c] = math.Log(max(share[c], probFloor))
		need[c] = share[c] > probFloor && share[c] < 1-probFloor
	}
	return start, need
}

// addBias adds v to every leaf and internal value of t and sets its
// shrinkage to 1 (LightGBM's Tree::AddBias; for a one-leaf tree,
// AsConstantTree).
func addBias(t *lgbm.Tree, v float64) {
	for i := range t.LeafValue {
		t.LeafValue[i] += v
	}
	for i := range t.InternalValue {
		t.InternalValue[i] += v
	}
	t.Shrinkage = 1
}

// softmaxGradients computes LightGBM's MulticlassSoftmax gradients:
// p = softmax(score), g = (p - [y==c]) * w, h = factor * p(1-p) * w with
// factor = K/(K-1).
func softmaxGradients(scores []float64, y []int, weight []float64, k int, factor float64, grad, hess []float64, threads int) {
	n := len(y)
	chunk := (n + threads - 1) / threads
	_ = parallel(threads, func(w int) error {
		prob := make([]float64, k)
		for i := w * chunk; i < min((w+1)*chunk, n); i++ {
			softmax(scores[i*k:(i+1)*k], prob)
			for c := 0; c < k; c++ {
				pc := prob[c]
				g := pc
				if y[i] == c {
					g = pc - 1
				}
				grad[c*n+i] = g * weight[i]
				hess[c*n+i] = factor * pc * (1 - pc) * weight[i]
			}
		}
		return nil
	})
}

func softmax(score, prob []float64) {
	m := math.Inf(-1)
	for _, s := range score {
		m = max(m, s)
	}
	total := 0.0
	for c, s := range score {
		prob[c] = math.Exp(s - m)
		total += prob[c]
	}
	for c := range prob {
		prob[c] /= total
	}
}

// multiLogloss is LightGBM's multi_logloss: the (weighted) mean of
// -log p(true class), with p floored at 1e-15.
func multiLogloss(scores []float64, y []int, weight []float64, k int) float64 {
	prob := make([]float64, k)
	var loss, total float64
	for i, c := range y {
		softmax(scores[i*k:(i+1)*k], prob)
		w := 1.0
		if weight != nil {
			w = weight[i]
		}
		loss -= w * math.Log(max(prob[c], probFloor))
		total += w
	}
	if total == 0 {
		return 0
	}
	return loss / total
}

// sampleFeatures marks round(fraction x usable) features (at least one)
// for the next tree, drawn without replacement.
func sampleFeatures(rng *rand.Rand, fraction float64, sampled []bool, perm []int) {
	if fraction >= 1 {
		for i := range sampled {
			sampled[i] = true
		}
		return
	}
	m := min(max(int(math.Round(fraction*float64(len(sampled)))), 1), len(sampled))
	for i := range perm {
		perm[i] = i
	}
	clear(sampled)
	for i := 0; i < m; i++ {
		j := i + rng.IntN(len(perm)-i)
		perm[i], perm[j] = perm[j], perm[i]
		sampled[perm[i]] = true
	}
}

// addTreeScores adds the outputs of one iteration's trees (tree c to class
// c) to the scores of the given rows of m (all rows when rows is nil).
func addTreeScores(m *Matrix, rows []int32, trees []lgbm.Tree, scores []float64, threads int) {
	k := len(trees)
	count := m.NumRows()
	if rows != nil {
		count = len(rows)
	}
	chunk := (count + threads - 1) / threads
	_ = parallel(threads, func(w int) error {
		x := make([]float64, m.NumCols)
		for j := w * chunk; j < min((w+1)*chunk, count); j++ {
			r := j
			if rows != nil {
				r = int(rows[j])
			}
			idx, val := m.Row(r)
			for e, c := range idx {
				x[c] = val[e]
			}
			for c := range trees {
				scores[r*k+c] += treeValue(&trees[c], x)
			}
			for _, c := range idx {
				x[c] = 0
			}
		}
		return nil
	})
}

// treeValue walks tree t for dense row x: x <= threshold goes left.
func treeValue(t *lgbm.Tree, x []float64) float64 {
	if t.NumLeaves <= 1 {
		return t.LeafValue[0]
	}
	node := 0
	for node >= 0 {
		if x[t.SplitFeature[node]] <= t.Threshold[node] {
			node = t.LeftChild[node]
		} else {
			node = t.RightChild[node]
		}
	}
	return t.LeafValue[^node]
}

func modelFeatureNames(names []string, numCols int) []string {
	out := make([]string, numCols)
	for i := range out {
		if names == nil || strings.TrimSpace(names[i]) == "" {
			out[i] = lgbm.DefaultFeatureName(i)
			continue
		}
		out[i] = lgbm.FeatureName(names[i])
	}
	return out
}

// parameterLines is the "parameters:" block, in LightGBM's "[name: value]"
// form. Threads is left out: it does not change the model.
func parameterLines(p *Params, k int) []string {
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	lines := []string{
		"[boosting: gbdt]",
		"[objective: multiclass]",
		"[metric: multi_logloss]",
		"[num_class: " + strconv.Itoa(k) + "]",
		"[num_iterations: " + strconv.Itoa(p.NumIterations) + "]",
		"[learning_rate: " + f(p.LearningRate) + "]",
		"[num_leaves: " + strconv.Itoa(p.NumLeaves) + "]",
		"[max_depth: " + strconv.Itoa(p.MaxDepth) + "]",
		"[min_data_in_leaf: " + strconv.Itoa(p.MinDataInLeaf) + "]",
		"[min_sum_hessian_in_leaf: " + f(p.MinSumHessian) + "]",
		"[bagging_fraction: " + f(p.BaggingFraction) + "]",
		"[bagging_freq: " + strconv.Itoa(p.BaggingFreq) + "]",
		"[feature_fraction: " + f(p.FeatureFraction) + "]",
		"[early_stopping_round: " + strconv.Itoa(p.EarlyStoppingRounds) + "]",
		"[lambda_l1: " + f(p.LambdaL1) + "]",
		"[lambda_l2: " + f(p.Lambda) + "]",
		"[min_gain_to_split: " + f(p.MinGainToSplit) + "]",
		"[max_bin: " + strconv.Itoa(p.MaxBin) + "]",
		"[seed: " + strconv.FormatInt(p.Seed, 10) + "]",
		"[boost_from_average: 1]",
	}
	return lines
}
