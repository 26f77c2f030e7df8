package ingest

import (
	"reflect"
	"slices"
	"testing"
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
	if defaultRoleSlots[len(FieldKeys)] != len(defaultSlotNames) {
		t.Errorf("slot ranges end at %d, %d names", defaultRoleSlots[len(FieldKeys)], len(defaultSlotNames))
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
	}
	for _, tt := range tests {
		if fast := checkDefaultPaths(t, []byte(tt.in)); fast != tt.fast {
			t.Errorf("%s: one walk = %v, want %v", tt.in, fast, tt.fast)
		}
	}
	eachTestLine(t, func(line []byte) { checkDefaultPaths(t, line) })
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
