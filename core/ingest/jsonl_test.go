package ingest

import (
	"reflect"
	"slices"
	"testing"

	"github.com/cyberstreams/cyberstreams/core/document"
)

// TestDefaultSlotsMatchFieldNames: the one-walk decoder's slot table lists
// defaultFieldNames role by role, in order, and defaultSlot agrees with it.
func TestDefaultSlotsMatchFieldNames(t *testing.T) {
	for r, role := range FieldKeys {
		got := defaultSlotNames[defaultRoleSlots[r]:defaultRoleSlots[r+1]]
		if !slices.Equal(got, defaultFieldNames[role]) {
			t.Errorf("role %s: slots %v, defaultFieldNames %v", role, got, defaultFieldNames[role])
		}
	}
	if want := defaultRoleSlots[len(FieldKeys)] + len(typedFields); want != len(defaultSlotNames) {
		t.Errorf("role slots and typed fields end at %d, %d names", want, len(defaultSlotNames))
	}
	for i, name := range defaultSlotNames {
		if defaultSlot(name) != i {
			t.Errorf("defaultSlot(%q) = %d, want %d", name, defaultSlot(name), i)
		}
	}
	if defaultSlot("other") != -1 {
		t.Errorf("defaultSlot of an unknown name is not -1")
	}
}

// checkDefaultPaths decodes one record both ways: when the one walk takes
// it, the decoded-map path must give the same document and no error.
func checkDefaultPaths(t *testing.T, data []byte) (fast bool) {
	t.Helper()
	got, ok := decodeDefault(data)
	if !ok {
		return false
	}
	want, err := newFieldMap(nil).decodeMap(data)
	if err != nil {
		t.Fatalf("%s: one walk took it, decoded map failed: %v", data, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s:\none walk    %#v\ndecoded map %#v", data, got, want)
	}
	return true
}

// TestJSONLOneWalkMatchesDecodedMap: generic records decode alike on both
// paths; the ones decodeMap reports as errors are left to it.
func TestJSONLOneWalkMatchesDecodedMap(t *testing.T) {
	tests := []struct {
		in   string
		fast bool
	}{
		{`{"id":" a ","title":"t","text":"x","source":"s","published":"2024-01-02","severity":"Moderate","other":[1,{"a":null}]}`, true},
		{`{"id":7,"name":"n","summary":null,"content":["a","b"],"date":"yesterday","severity":"extreme","published_raw":"mine"}`, true},
		{`{"title":null,"summary":"s","name":"n","body":"b","text":null,"severity_raw":1,"severity":"bad"}`, true},
		{`{"text":"a","text":"b","id":"x","id":null,"published":1700000000}`, true},
		{`{"details":"d","severity":true,"source":2.5}`, true},
		{`{"description":"d","id":{"nested":1}}`, false},
		{`{"text":[1,2]}`, false},
		{`{"id":"x","summary":""}`, false},
		{`{"text":"a",}`, false},
		{`{"id":"CVE-2024-1","title":"t","cwes":["79","CWE-79","NVD-CWE-Other"],"aliases":"GHSA-x","packages":["p"],"vendors":null,"references":["u",{"url":"v"}],"assigner":"mitre","ecosystem":"npm"}`, true},
		{`{"text":"t","cwes":[1],"references":[{"href":"x"}],"assigner":["a"],"ecosystem":7}`, true},
	}
	for _, tt := range tests {
		if fast := checkDefaultPaths(t, []byte(tt.in)); fast != tt.fast {
			t.Errorf("%s: one walk = %v, want %v", tt.in, fast, tt.fast)
		}
	}
	eachTestLine(t, func(line []byte) { checkDefaultPaths(t, line) })
}

// TestJSONLTypedFields: the generic shape's advisory fields are the
// document's typed fields, as in the advisory layout; other shapes of them
// stay in Meta.
func TestJSONLTypedFields(t *testing.T) {
	for _, skipMeta := range []bool{false, true} {
		fm := newFieldMap(nil)
		fm.skipMeta = skipMeta
		d, err := fm.decode([]byte(`{"id":"GHSA-1","text":"x","cwes":["79","cwe-22"],"aliases":["CVE-2024-1"],"packages":["lodash"],` +
			`"vendors":["acme"],"references":[{"url":"https://a.example/1"}],"assigner":"mitre","ecosystem":"npm","cvss_score":9.8,"ecosystem_raw":1}`))
		if err != nil {
			t.Fatal(err)
		}
		want := document.Document{ID: "GHSA-1", Body: "x", Format: "jsonl", CWEs: []string{"CWE-79", "CWE-22"}, Aliases: []string{"CVE-2024-1"},
			Packages: []string{"lodash"}, Vendors: []string{"acme"}, References: []string{"https://a.example/1"}, Assigner: "mitre", Ecosystem: "npm"}
		if !skipMeta {
			want.Meta = map[string]any{"cvss_score": 9.8, "ecosystem_raw": 1.0}
		}
		if !reflect.DeepEqual(d, want) {
			t.Errorf("skipMeta %v:\n got %#v\nwant %#v", skipMeta, d, want)
		}
	}
	d, err := newFieldMap(nil).decode([]byte(`{"text":"x","cwes":{"a":1},"assigner":["m"]}`))
	if err != nil || d.CWEs != nil || d.Assigner != "" || d.Meta["cwes"] == nil || d.Meta["assigner"] == nil {
		t.Errorf("other shapes stay in Meta: %#v %v", d, err)
	}
}

func FuzzJSONLOneWalk(f *testing.F) {
	f.Add([]byte(`{"id":"CVE-2024-1","summary":"s","details":"d \"q\" \u00e9","severity":"high","cvss_score":9.8,"packages":[],"references":["u"]}`))
	f.Add([]byte(`{"name":"n","body":["a",null],"created":"2024-01-02 03:04:05","severity":null,"x":{"y":[true,false]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkDefaultPaths(t, data)
	})
}

func FuzzParseTimeShortcut(f *testing.F) {
	for _, s := range []string{"1999-09-29T04:00:00", "2024-13-01T00:00:00", "2024-02-30T10:00:00",
		"2024-01-01T24:00:00", "2024-01-01T23:59:60", " 2024-01-01T10:00:00 ", "2024-01-01T10:00:0Z", "+024-01-01T10:00:00",
		"0000-01-01T00:00:00", "2024-02-29T23:59:59", "2023-02-29T00:00:00", "9999-12-31T23:59:59", "2024-1-01T10:00:00Z",
		"2024-02-29", "2023-02-29", "1999-09-29", "2024-00-10", "2024-1-010", "2024/01/01", "+024-01-01", "2024-12-31T"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, gok := parseTime(s)
		want, wok := parseTimeByLayouts(s)
		if gok != wok || !reflect.DeepEqual(got, want) {
			t.Fatalf("parseTime(%q) = %v %v, by layouts %v %v", s, got, gok, want, wok)
		}
	})
}
