package extract

import (
	"reflect"
	"strings"
	"testing"
)

func TestNames(t *testing.T) {
	n := NewNames()
	n.Add("actor", "APT28", "Fancy Bear", "Sofacy", "STRONTIUM")
	n.Add("actor", "Cobalt Group", "Cobalt")
	n.Add("tool", "Cobalt Strike")
	n.Add("tool", "Net", "net.exe")
	n.Add("tool", "at") // short and lower case: too common a word to match
	n.Add("malware", "Emotet", "Geodo")
	n.Add("malware", "Duplicate", "Sofacy") // alias already taken by APT28
	n.Add("actor", "UNC2452")
	ex := New(Options{Refang: true, Names: n})
	cases := []struct {
		name string
		text string
		want E
	}{
		{"alias to canonical", "Fancy Bear struck again", E{"actor": {"APT28"}}},
		{"case-insensitive long name", "fancy bear and SOFACY", E{"actor": {"APT28"}}},
		{"canonical itself", "attributed to APT28.", E{"actor": {"APT28"}}},
		{"whole words only", "FancyBears and Emotetx and xEmotet", E{}},
		{"possessive", "Emotet's loader", E{"malware": {"Emotet"}}},
		{"line break inside a name", "Fancy\nBear", E{"actor": {"APT28"}}},
		{"short name is case-sensitive", "Net user, then net view", E{"tool": {"Net"}}},
		{"short lower-case name is not added", "look at this", E{}},
		{"longest match wins", "a Cobalt Strike beacon", E{"tool": {"Cobalt Strike"}}},
		{"shorter name elsewhere", "Cobalt used Cobalt Strike", E{"actor": {"Cobalt Group"}, "tool": {"Cobalt Strike"}}},
		{"first canonical wins", "Sofacy", E{"actor": {"APT28"}}},
		{"alias with dot", "ran net.exe", E{"tool": {"Net"}}},
		{"name next to indicators", "UNC2452 used 192.0.2.1 and Geodo", E{"actor": {"UNC2452"}, "ipv4": {"192.0.2.1"}, "malware": {"Emotet"}}},
		{"names in as-written mode too", "geodo", E{"malware": {"Emotet"}}},
	}
	written := New(Options{Names: n})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := ex
			if strings.HasPrefix(c.name, "names in as-written") {
				e = written
			}
			if got := e.Extract(c.text); !reflect.DeepEqual(got, c.want) {
				t.Errorf("Extract(%q)\n got %v\nwant %v", c.text, got, c.want)
			}
		})
	}
}

func TestNamesAddUnknownKindPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Add with kind \"campaign\" did not panic")
		}
	}()
	NewNames().Add("campaign", "x")
}

func TestNamesCompiledOnce(t *testing.T) {
	n := NewNames()
	n.Add("malware", "Emotet")
	ex := New(Options{Names: n})
	n.Add("malware", "TrickBot")
	if got := ex.Extract("TrickBot and Emotet"); !reflect.DeepEqual(got, E{"malware": {"Emotet"}}) {
		t.Errorf("names added after New leaked into the Extractor: %v", got)
	}
}

// TestConcurrentExtract shares one Extractor between goroutines; run with
// -race to check that Extract keeps no shared mutable state.
func TestConcurrentExtract(t *testing.T) {
	n := NewNames()
	n.Add("actor", "APT28", "Fancy Bear")
	ex := New(Options{Refang: true, Names: n})
	text := reportCorpus(20_000, 3) + " Fancy Bear hxxp://evil[.]example[.]com/a"
	want := ex.Extract(text)
	done := make(chan Entities)
	for g := 0; g < 4; g++ {
		go func() { done <- ex.Extract(text) }()
	}
	for g := 0; g < 4; g++ {
		if got := <-done; !reflect.DeepEqual(got, want) {
			t.Errorf("concurrent Extract differs: %d vs %d entities", got.Count(), want.Count())
		}
	}
}
