package extract

import (
	"fmt"
	"sort"
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

// automaton is an Aho–Corasick string matcher (Aho & Corasick, "Efficient
// string matching", CACM 1975) compiled to a full DFA over byte classes, so
// that scanning costs one table lookup per byte however many names there
// are. Matching is ASCII case-folded; case-sensitive names are checked
// again against the text.
type automaton struct {
	class    [256]uint8
	nc       int
	trans    []int32 // state*nc + class → state
	outStart []int32 // outputs of state s: outs[outStart[s]:outStart[s+1]]
	outs     []int32 // pattern indices
	entries  []nameEntry
}

func foldName(c byte) byte {
	switch c {
	case '\t', '\n', '\r', '\v', '\f':
		return ' '
	}
	return lower(c)
}

func (n *Names) compile() *automaton {
	a := &automaton{entries: append([]nameEntry(nil), n.entries...)}
	// Byte classes: 0 for bytes in no pattern, one class per folded byte.
	var used [256]bool
	for _, e := range a.entries {
		for i := 0; i < len(e.pattern); i++ {
			used[foldName(e.pattern[i])] = true
		}
	}
	a.nc = 1
	var classOf [256]uint8
	for c := 0; c < 256; c++ {
		if used[c] {
			classOf[c] = uint8(a.nc)
			a.nc++
		}
	}
	for c := 0; c < 256; c++ {
		a.class[c] = classOf[foldName(byte(c))]
	}
	// Trie.
	newState := func() int32 {
		for i := 0; i < a.nc; i++ {
			a.trans = append(a.trans, -1)
		}
		return int32(len(a.trans)/a.nc - 1)
	}
	newState()
	own := map[int32][]int32{}
	for pi, e := range a.entries {
		s := int32(0)
		for i := 0; i < len(e.pattern); i++ {
			c := int(a.class[e.pattern[i]])
			nx := a.trans[int(s)*a.nc+c]
			if nx < 0 {
				nx = newState()
				a.trans[int(s)*a.nc+c] = nx
			}
			s = nx
		}
		own[s] = append(own[s], int32(pi))
	}
	states := len(a.trans) / a.nc
	// Breadth-first: failure links, full DFA transitions, merged outputs.
	fail := make([]int32, states)
	outs := make([][]int32, states)
	queue := []int32{}
	for c := 0; c < a.nc; c++ {
		if nx := a.trans[c]; nx > 0 {
			fail[nx] = 0
			queue = append(queue, nx)
		} else {
			a.trans[c] = 0
		}
	}
	outs[0] = own[0]
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		outs[s] = append(append([]int32(nil), own[s]...), outs[fail[s]]...)
		for c := 0; c < a.nc; c++ {
			nx := a.trans[int(s)*a.nc+c]
			if nx > 0 {
				fail[nx] = a.trans[int(fail[s])*a.nc+c]
				queue = append(queue, nx)
			} else {
				a.trans[int(s)*a.nc+c] = a.trans[int(fail[s])*a.nc+c]
			}
		}
	}
	a.outStart = make([]int32, states+1)
	for s := 0; s < states; s++ {
		a.outStart[s] = int32(len(a.outs))
		a.outs = append(a.outs, outs[s]...)
	}
	a.outStart[states] = int32(len(a.outs))
	return a
}

func wordByte(c byte) bool { return isAlnum(c) || c == '_' }

type nameMatch struct{ start, end, pattern int }

// match appends the canonical names found in text: whole words only, the
// leftmost-longest match where matches overlap.
func (a *automaton) match(text string, found []finding) []finding {
	var ms []nameMatch
	s := int32(0)
	for i := 0; i < len(text); i++ {
		s = a.trans[int(s)*a.nc+int(a.class[text[i]])]
		if a.outStart[s] == a.outStart[s+1] {
			continue
		}
		for _, pi := range a.outs[a.outStart[s]:a.outStart[s+1]] {
			e := &a.entries[pi]
			start := i + 1 - len(e.pattern)
			if wordByte(e.pattern[0]) && start > 0 && wordByte(text[start-1]) {
				continue
			}
			if wordByte(e.pattern[len(e.pattern)-1]) && i+1 < len(text) && wordByte(text[i+1]) {
				continue
			}
			if e.caseSensitive && text[start:i+1] != e.pattern {
				continue
			}
			ms = append(ms, nameMatch{start, i + 1, int(pi)})
		}
	}
	sort.Slice(ms, func(x, y int) bool {
		if ms[x].start != ms[y].start {
			return ms[x].start < ms[y].start
		}
		return ms[x].end > ms[y].end
	})
	last := 0
	for _, m := range ms {
		if m.start < last {
			continue
		}
		e := &a.entries[m.pattern]
		found = append(found, finding{e.k, e.canonical})
		last = m.end
	}
	return found
}
