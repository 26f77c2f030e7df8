package training

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"runtime"
	"time"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/core/novelty"
	"github.com/cyberstreams/cyberstreams/ml/gbdt"
)

// DigestFormat is the version of what InputsDigest reads. Bump it when
// training starts reading something the digest does not cover, so that a
// version never names two different models.
const DigestFormat = 1

// settings are the options that decide a model's bytes, as the digest
// reads them: everything in Options but the card's words (Version,
// Parent, Command, Inputs, Labels, MaxLabel), the progress logger and the
// graph, whose answers are read per document instead.
type settings struct {
	Format           int
	Arch             string
	Seed             int64
	ValidFrom        time.Time
	ValidShare       float64
	Until            time.Time
	Refit            bool
	Params           gbdt.Params
	MaxTerms         int
	MinDF            int
	MaxDFRatio       float64
	MinCategory      int
	EntityTypes      []string
	KEV              map[string]string
	ClassWeightPower float64
	RecencyHalfLife  time.Duration
	DropNumeric      []string
	Novelty          novelty.Options
	Members          int
	TuneBias         bool
	// Base is the SHA-256 of the model.txt a continued model starts from.
	Base string `json:",omitempty"`
}

// InputsDigest is the hex SHA-256 of everything a training run learns
// from: the labelled documents as Train reads them (in time order, with
// their entities, severity and, with graph features on, what the graph
// answers about them), the settings that decide the model (seed and
// boosting, feature and novelty parameters), the digest format and the
// processor architecture (the compiler fuses multiply-adds on some, which
// can change the last bit of a float). Equal digests give byte-identical
// model files: training is deterministic (TestTrainIsReproducible, and
// core/learner's team test across two workspaces). base is the model a
// continued run starts from (nil for Train).
//
// The model version of a retrain (VersionOf) is made from it, so that
// teammates who retrain on the same labels and base corpus name the same
// model the same way without exchanging model files.
func InputsDigest(docs []document.Document, opts Options, baseModelSHA256 string) (string, error) {
	h := sha256.New()
	st := settings{
		Format: DigestFormat, Arch: runtime.GOARCH, Seed: opts.Seed, ValidFrom: opts.ValidFrom.UTC(),
		ValidShare: opts.ValidShare, Until: opts.Until.UTC(), Refit: opts.Refit, Params: opts.Params,
		MaxTerms: opts.Features.MaxTerms, MinDF: opts.Features.MinDF, MaxDFRatio: opts.Features.MaxDFRatio,
		MinCategory: opts.Features.MinCategory, EntityTypes: opts.Features.EntityTypes, KEV: opts.Features.KEV,
		ClassWeightPower: opts.ClassWeightPower, RecencyHalfLife: opts.RecencyHalfLife, DropNumeric: opts.DropNumeric,
		Novelty: opts.Novelty, Members: max(opts.Members, 1), TuneBias: opts.TuneBias, Base: baseModelSHA256,
	}
	// Set by Train from the documents and opts.Seed, not by the caller;
	// Threads changes no result (ml/gbdt: the same model whatever it is).
	st.Params.ClassWeights, st.Params.Seed, st.Params.Threads = nil, 0, 0
	if opts.Features.Class != nil {
		return "", fmt.Errorf("inputs digest: a custom class function (features.FitOptions.Class) cannot be digested")
	}
	if err := writeRecord(h, "settings", st); err != nil {
		return "", err
	}
	kept := labelled(docs)
	SortByTime(kept)
	for i := range kept {
		d := kept[i]
		d.Meta = nil // features never read it
		d.Severity = document.Severities[document.SeverityIndex(d.Severity)]
		if err := writeRecord(h, "doc", d); err != nil {
			return "", err
		}
		if opts.Graph != nil {
			if err := writeRecord(h, "graph", opts.Graph(d.Entities)); err != nil {
				return "", err
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// writeRecord writes one length-prefixed JSON record, so that no two
// sequences of records hash alike.
func writeRecord(h hash.Hash, kind string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("inputs digest: %s: %w", kind, err)
	}
	fmt.Fprintf(h, "%s %d\n", kind, len(b))
	h.Write(b)
	return nil
}

// VersionOf names the model trained from inputs with this digest: "m"
// and its first 12 hex digits (48 bits: a collision among a team's
// models is not a practical concern).
func VersionOf(digest string) string {
	if len(digest) < 12 {
		return "m" + digest
	}
	return "m" + digest[:12]
}
