package gobfile

import (
	"bytes"
	"testing"
)

type value struct {
	Name   string
	Values []float64
}

// Any byte damaged in place is refused, never decoded into another value.
func TestDecodeRefusesDamage(t *testing.T) {
	var buf bytes.Buffer
	want := value{"trees", []float64{1.5, -2, 3e-9}}
	if err := Encode(&buf, &want); err != nil {
		t.Fatal(err)
	}
	got, err := Decode[value](buf.Bytes(), "x.bin")
	if err != nil || got.Name != want.Name || len(got.Values) != 3 || got.Values[2] != want.Values[2] {
		t.Fatalf("round trip: %+v, %v", got, err)
	}
	for i := range buf.Len() {
		data := bytes.Clone(buf.Bytes())
		data[i] ^= 0x20
		if _, err := Decode[value](data, "x.bin"); err == nil {
			t.Fatalf("byte %d flipped: decoded without an error", i)
		}
	}
	for _, data := range [][]byte{nil, buf.Bytes()[:10], buf.Bytes()[:buf.Len()-1]} {
		if _, err := Decode[value](data, "x.bin"); err == nil {
			t.Fatalf("%d bytes of %d: decoded without an error", len(data), buf.Len())
		}
	}
}

func FuzzDecode(f *testing.F) {
	var buf bytes.Buffer
	Encode(&buf, &value{"a", []float64{1}})
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		Decode[value](data, "x.bin")
	})
}
