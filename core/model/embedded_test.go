package model_test

import (
	"bytes"
	"testing"

	"github.com/cyberstreams/cyberstreams/core/model"
)

func TestEmbeddedCarriesDriftReference(t *testing.T) {
	b, err := model.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b.DriftReference, []byte(`{"docs":`)) {
		t.Fatalf("embedded default model's drift reference starts %.40q", b.DriftReference)
	}
}
