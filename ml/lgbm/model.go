// Package lgbm reads and writes gradient-boosted tree ensembles in
// LightGBM's text model format (the format of Booster.save_model), so that a
// model trained by ml/gbdt loads in LightGBM and in leaves, and a model
// trained by LightGBM loads here.
package lgbm

// Model is a tree ensemble in LightGBM's layout. For multiclass softmax
// models, tree i belongs to class i % NumClass (NumTreePerIteration ==
// NumClass).
type Model struct {
	NumClass            int
	NumTreePerIteration int
	LabelIndex          int
	MaxFeatureIdx       int
	Objective           string // e.g. "multiclass num_class:5"
	FeatureNames        []string
	FeatureInfos        []string // "[min:max]" per feature, or "none"
	Trees               []Tree
	// Parameters is the free-form "parameters:" block written at the end,
	// one "[name: value]" line per entry, without the closing blank line.
	Parameters []string
	// AverageOutput marks a random-forest model whose raw score is the mean
	// of its iterations rather than their sum (the header line
	// "average_output").
	AverageOutput bool
}

// Tree is one regression tree in LightGBM's array layout. Internal nodes are
// numbered 0..NumLeaves-2; a child index < 0 means leaf ^index (i.e. -index-1).
type Tree struct {
	NumLeaves      int
	NumCat         int
	SplitFeature   []int
	SplitGain      []float64
	Threshold      []float64
	DecisionType   []int8 // bit 0 categorical, bit 1 default-left, bits 2-3 missing type (0 none, 1 zero, 2 NaN)
	LeftChild      []int
	RightChild     []int
	LeafValue      []float64
	LeafWeight     []float64 // sum of hessians per leaf
	LeafCount      []int
	InternalValue  []float64
	InternalWeight []float64
	InternalCount  []int
	// CatBoundaries and CatThreshold hold the category bitsets of
	// categorical splits: the split at node n sends category c left when bit
	// c%32 of CatThreshold[CatBoundaries[k]+c/32] is set, where
	// k = int(Threshold[n]). Both are empty when NumCat == 0.
	CatBoundaries []int
	CatThreshold  []uint32
	Shrinkage     float64
}
