package document

import (
	"reflect"
	"testing"
	"time"
	"unsafe"
)

// TestDetach: the detached document equals the original but for Meta, and
// none of its strings points into the buffer the original's were cut from.
func TestDetach(t *testing.T) {
	buf := []byte("GHSA-1 Title body text ghsa npm pkg vendor https://example.com/a CWE-79 CVE-2024-1 high 192.0.2.1 ipv4 hash")
	cut := func(i, j int) string { return unsafe.String(&buf[i], j-i) }
	d := Document{
		ID: cut(0, 6), Title: cut(7, 12), Body: cut(13, 22), Source: cut(23, 27), Format: cut(23, 27),
		Published: time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC),
		Ecosystem: cut(28, 31), Packages: []string{cut(32, 35)}, Vendors: []string{cut(36, 42)},
		References: []string{cut(43, 64)}, CWEs: []string{cut(65, 71)}, Aliases: []string{cut(72, 82)},
		Severity: cut(83, 87), Assigner: cut(36, 42), ContentHash: cut(105, 109),
		Entities: map[string][]string{cut(98, 102): {cut(88, 97)}, "cve": {cut(72, 82)}},
		Meta:     map[string]any{"x": cut(0, 6)},
	}
	got := d.Detach()
	want := d
	want.Meta = nil
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Detach:\n got %#v\nwant %#v", got, want)
	}
	inBuf := func(s string) bool {
		if s == "" {
			return false
		}
		p := uintptr(unsafe.Pointer(unsafe.StringData(s)))
		lo := uintptr(unsafe.Pointer(&buf[0]))
		return p >= lo && p < lo+uintptr(len(buf))
	}
	strs := []string{got.ID, got.Title, got.Body, got.Source, got.Format, got.Ecosystem, got.Severity, got.Assigner, got.ContentHash}
	for _, l := range [][]string{got.Aliases, got.CWEs, got.Packages, got.Vendors, got.References} {
		strs = append(strs, l...)
	}
	for typ, vals := range got.Entities {
		strs = append(append(strs, typ), vals...)
	}
	for _, s := range strs {
		if inBuf(s) {
			t.Errorf("%q still points into the original buffer", s)
		}
	}
	if got := (&Document{}).Detach(); !reflect.DeepEqual(got, Document{}) {
		t.Errorf("zero document detached to %#v", got)
	}
}
