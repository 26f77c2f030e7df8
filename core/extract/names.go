package extract

import (
	"fmt"
	"slices"
	"strings"
)

// Names is a dictionary of named entities (threat actors, malware, tools)
// with their aliases, typically loaded from ATT&CK. Matches are reported
// under the canonical name: the alias "Fancy Bear" is reported as "APT28".
type Names struct {
	entries []nameEntry
	seen    map[string]bool
}

type nameEntry struct {
	k             kind
	canonical     string
	pattern       string // whitespace collapsed to single spaces
	caseSensitive bool
}

// NewNames returns an empty dictionary.
func NewNames() *Names {
	return &Names{seen: map[string]bool{}}
}

func (n *Names) len() int { return len(n.entries) }

// Add records a canonical name and its aliases under kind, which must be
// "actor", "malware" or "tool" (anything else is a programming error and
// panics). Names of four or more characters match case-insensitively,
// shorter ones only as written; short names in lower case only ("at",
// "net", "cmd" — ATT&CK tool names that are also everyday words) are not
// added. When the same alias is added twice the first canonical name wins.
func (n *Names) Add(kindName, canonical string, aliases ...string) {
	var k kind
	switch kindName {
	case "actor":
		k = kActor
	case "malware":
		k = kMalware
	case "tool":
		k = kTool
	default:
		panic(fmt.Sprintf("extract: Names.Add: unknown kind %q (want actor, malware or tool)", kindName))
	}
	canonical = strings.Join(strings.Fields(canonical), " ")
	if canonical == "" {
		return
	}
	for _, a := range append([]string{canonical}, aliases...) {
		p := strings.Join(strings.Fields(a), " ")
		if p == "" {
			continue
		}
		cs := len(p) < 4
		if cs && strings.ToLower(p) == p && strings.ToUpper(p) != p && !strings.ContainsAny(p, "0123456789") {
			continue
		}
		key := p
		if !cs {
			key = strings.ToLower(p)
		}
		key = fmt.Sprint(cs) + "\x00" + key
		if n.seen[key] {
			continue
		}
		n.seen[key] = true
		n.entries = append(n.entries, nameEntry{k: k, canonical: canonical, pattern: p, caseSensitive: cs})
	}
}

// nameIndex finds dictionary names by hashing words: every name is filed
// under its first word (its leading alphanumeric run, lower-cased), and the
// text is read word by word, so that a word costs one map lookup however many
// names there are, and only names that share a first word are compared in
// full. Names that do not start with a letter or digit are never matched.
type nameIndex struct {
	byFirst map[string][]int32 // first word → entry indices, longest first
	entries []nameEntry
	// filter has bit wordHash(w)%filterBits set for every first word w, so
	// that most prose words are dismissed before the map lookup.
	filter [filterBits / 64]uint64
}

const filterBits = 1 << 16

// wordHash is FNV-1a over the lower-cased word.
func wordHash(w []byte) uint32 {
	h := uint32(2166136261)
	for _, c := range w {
		h ^= uint32(c)
		h *= 16777619
	}
	return h
}

func (n *Names) compile() *nameIndex {
	x := &nameIndex{byFirst: map[string][]int32{}, entries: append([]nameEntry(nil), n.entries...)}
	for i, e := range x.entries {
		k := 0
		for k < len(e.pattern) && isAlnum(e.pattern[k]) {
			k++
		}
		if k == 0 {
			continue
		}
		first := strings.ToLower(e.pattern[:k])
		x.byFirst[first] = append(x.byFirst[first], int32(i))
		h := wordHash([]byte(first)) % filterBits
		x.filter[h/64] |= 1 << (h % 64)
	}
	for _, list := range x.byFirst {
		slices.SortStableFunc(list, func(a, b int32) int {
			return len(x.entries[b].pattern) - len(x.entries[a].pattern)
		})
	}
	return x
}

func wordByte(c byte) bool { return isAlnum(c) || c == '_' }

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// at reports whether entry e matches text at i: a space in the name matches
// any one whitespace byte; long names compare case-insensitively.
func (e *nameEntry) at(text string, i int) bool {
	p := e.pattern
	if i+len(p) > len(text) {
		return false
	}
	for k := 0; k < len(p); k++ {
		c, d := p[k], text[i+k]
		switch {
		case c == ' ':
			if !isSpace(d) {
				return false
			}
		case e.caseSensitive:
			if c != d {
				return false
			}
		case lower(c) != lower(d):
			return false
		}
	}
	end := i + len(p)
	return !(wordByte(p[len(p)-1]) && end < len(text) && wordByte(text[end]))
}

// match appends the canonical names found in text: whole words only, the
// leftmost-longest name where names overlap.
func (x *nameIndex) match(text string, found []finding) []finding {
	var buf [64]byte
	for i := 0; i < len(text); {
		if !isAlnum(text[i]) {
			i++
			continue
		}
		j := i
		for j < len(text) && isAlnum(text[j]) {
			j++
		}
		next := j
		if j-i <= len(buf) && (i == 0 || text[i-1] != '_') && (j == len(text) || text[j] != '_') {
			h := uint32(2166136261)
			for k := i; k < j; k++ {
				c := lower(text[k])
				buf[k-i] = c
				h ^= uint32(c)
				h *= 16777619
			}
			if h %= filterBits; x.filter[h/64]&(1<<(h%64)) == 0 {
				i = next
				continue
			}
			for _, pi := range x.byFirst[string(buf[:j-i])] {
				e := &x.entries[pi]
				if e.at(text, i) {
					found = append(found, finding{k: e.k, v: e.canonical, w: text[i : i+len(e.pattern)]})
					next = i + len(e.pattern)
					break
				}
			}
		}
		i = next
	}
	return found
}
