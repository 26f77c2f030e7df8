package drift

import (
	"strings"
	"testing"

	"github.com/cyberstreams/cyberstreams/core/model"
)

// The embedded default model ships its training data's reference, with a
// sample for every numeric feature of its spec that describes a document's
// shape and both categorical mixes, so 'cyberstreams drift' works before
// any retrain.
func TestEmbeddedReference(t *testing.T) {
	b, err := model.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	ref, err := BundleReference(b)
	if err != nil {
		t.Fatal(err)
	}
	if ref.Docs < MaxSample {
		t.Fatalf("reference summarises %d documents, want the full training set", ref.Docs)
	}
	shape := b.Spec.ShapeNumeric() // the stated:* features are left out (NumericValues)
	for _, name := range shape {
		if len(ref.Numeric[name]) != MaxSample {
			t.Errorf("numeric %s: %d values, want %d", name, len(ref.Numeric[name]), MaxSample)
		}
	}
	if len(ref.Numeric) != len(shape) {
		t.Errorf("%d numeric columns, the spec has %d that describe a document's shape", len(ref.Numeric), len(shape))
	}
	for _, c := range Categorical {
		if total(ref.Categorical[c]) != ref.Docs {
			t.Errorf("categorical %s counts %d documents of %d", c, total(ref.Categorical[c]), ref.Docs)
		}
	}
	if total(ref.Predicted) == 0 || total(ref.Predicted) >= ref.Docs {
		t.Errorf("predicted-class mix %v: want the validation slice's", ref.Predicted)
	}
	b.DriftReference = nil
	if _, err := BundleReference(b); err == nil || !strings.Contains(err.Error(), "no drift reference") {
		t.Fatalf("bundle without a reference: %v", err)
	}
}
