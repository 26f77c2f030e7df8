// Package attack reads the MITRE ATT&CK Enterprise STIX bundle into graph
// nodes and relationships: groups become Actors, techniques Techniques,
// campaigns Campaigns, and software Threat nodes of kind malware or tool.
package attack

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/cyberstreams/cyberstreams/kg"
)

// object is the part of a STIX object the graph keeps; everything else
// (descriptions, references' prose) is skipped by the decoder.
type object struct {
	Type         string   `json:"type"`
	ID           string   `json:"id"`
	Name         string   `json:"name"`
	Aliases      []string `json:"aliases"`
	XAliases     []string `json:"x_mitre_aliases"`
	Revoked      bool     `json:"revoked"`
	Deprecated   bool     `json:"x_mitre_deprecated"`
	IsSub        bool     `json:"x_mitre_is_subtechnique"`
	Platforms    []string `json:"x_mitre_platforms"`
	Created      string   `json:"created"`
	Modified     string   `json:"modified"`
	FirstSeen    string   `json:"first_seen"`
	LastSeen     string   `json:"last_seen"`
	RelType      string   `json:"relationship_type"`
	SourceRef    string   `json:"source_ref"`
	TargetRef    string   `json:"target_ref"`
	ExternalRefs []struct {
		SourceName string `json:"source_name"`
		ExternalID string `json:"external_id"`
	} `json:"external_references"`
	KillChain []struct {
		KillChainName string `json:"kill_chain_name"`
		PhaseName     string `json:"phase_name"`
	} `json:"kill_chain_phases"`
}

func (o *object) attackID() string {
	for _, r := range o.ExternalRefs {
		if r.SourceName == "mitre-attack" {
			return r.ExternalID
		}
	}
	return ""
}

// Bundle is the graph content of an ATT&CK bundle.
type Bundle struct {
	Nodes []kg.Node
	Edges []kg.Edge
	// Objects counts the STIX objects read, by type.
	Objects map[string]int
	// Revoked is the number of revoked objects mapped onto their
	// replacements; Deprecated the number of deprecated ones kept but marked.
	Revoked, Deprecated int
}

// Parse reads a STIX 2.x bundle, gzip-compressed or not, streaming its
// objects array so the 24,000-object Enterprise bundle never sits in memory
// as one tree.
func Parse(r io.Reader) (*Bundle, error) {
	objs, err := readObjects[object](r)
	if err != nil {
		return nil, err
	}
	return build(objs), nil
}

// readObjects decodes the objects array of a bundle, gzip-compressed or
// not, into T: each caller names the fields it keeps.
func readObjects[T any](r io.Reader) ([]T, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	if magic, err := br.Peek(2); err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("attack bundle: gzip: %w", err)
		}
		defer zr.Close()
		br = bufio.NewReaderSize(zr, 1<<16)
	}
	return decodeObjects[T](br)
}

func decodeObjects[T any](r io.Reader) ([]T, error) {
	dec := json.NewDecoder(r)
	if err := expectDelim(dec, '{'); err != nil {
		return nil, fmt.Errorf("attack bundle: %w", err)
	}
	var objs []T
	sawObjects := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("attack bundle: %w", err)
		}
		key, _ := tok.(string)
		if key != "objects" {
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil, fmt.Errorf("attack bundle: field %q: %w", key, err)
			}
			continue
		}
		sawObjects = true
		if err := expectDelim(dec, '['); err != nil {
			return nil, fmt.Errorf("attack bundle: objects: %w", err)
		}
		for dec.More() {
			var o T
			if err := dec.Decode(&o); err != nil {
				return nil, fmt.Errorf("attack bundle: object %d: %w", len(objs)+1, err)
			}
			objs = append(objs, o)
		}
		if err := expectDelim(dec, ']'); err != nil {
			return nil, fmt.Errorf("attack bundle: objects: %w", err)
		}
	}
	if !sawObjects {
		return nil, errors.New("attack bundle: no objects array (is this a STIX bundle?)")
	}
	return objs, nil
}

func expectDelim(dec *json.Decoder, d json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if got, ok := tok.(json.Delim); !ok || got != d {
		return fmt.Errorf("want %q, found %v", d, tok)
	}
	return nil
}

func labelOf(typ string) (kg.Label, string) {
	switch typ {
	case "intrusion-set":
		return kg.Actor, ""
	case "attack-pattern":
		return kg.Technique, ""
	case "campaign":
		return kg.Campaign, ""
	case "malware":
		return kg.Threat, kg.KindMalware
	case "tool":
		return kg.Threat, kg.KindTool
	}
	return "", ""
}

func stixTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t
}

// nodeKey is the key of an ATT&CK object: its ATT&CK id when it has a
// well-formed one, else the normalised name under a per-kind prefix.
func nodeKey(l kg.Label, kind string, o *object) string {
	id := o.attackID()
	if l == kg.Technique {
		if k := kg.TechniqueKey(id); k != "" {
			return k
		}
		return kg.NameKey("technique", o.Name)
	}
	if k := kg.AttackKey(l, id); k != "" {
		return k
	}
	prefix := strings.ToLower(string(l))
	if kind != "" {
		prefix = kind
	}
	return kg.NameKey(prefix, o.Name)
}

// build maps STIX objects onto the graph schema.
//
// Revoked objects are not nodes: ATT&CK documents a revoked object as
// replaced by the target of its revoked-by relationship, so its id and name
// become aliases of the replacement and relationships naming it are moved
// there. Deprecated objects are kept, marked deprecated.
func build(objs []object) *Bundle {
	b := &Bundle{Objects: map[string]int{}}
	byID := map[string]*object{}
	revokedBy := map[string]string{}
	for i := range objs {
		o := &objs[i]
		b.Objects[o.Type]++
		byID[o.ID] = o
		if o.Type == "relationship" && o.RelType == "revoked-by" {
			revokedBy[o.SourceRef] = o.TargetRef
		}
	}
	// resolve follows revoked-by chains (bounded, in case of a cycle).
	resolve := func(id string) string {
		for i := 0; i < 16; i++ {
			next, ok := revokedBy[id]
			if !ok {
				break
			}
			id = next
		}
		return id
	}
	keys := map[string]string{} // STIX id → node key, for live objects
	index := map[string]int{}   // node key → position in b.Nodes
	for i := range objs {
		o := &objs[i]
		l, kind := labelOf(o.Type)
		if l == "" || o.Revoked {
			continue
		}
		key := nodeKey(l, kind, o)
		if key == "" {
			continue
		}
		if _, dup := index[key]; dup {
			keys[o.ID] = key
			continue
		}
		props := map[string]any{"stix_id": o.ID}
		if kind != "" {
			props["kind"] = kind
		}
		if id := o.attackID(); id != "" {
			props["attack_id"] = id
		}
		aliases := append(append([]string{}, o.Aliases...), o.XAliases...)
		if l == kg.Technique {
			var tactics []string
			for _, p := range o.KillChain {
				if p.KillChainName == "mitre-attack" {
					tactics = append(tactics, p.PhaseName)
				}
			}
			sort.Strings(tactics)
			props["tactics"] = tactics
			props["is_subtechnique"] = o.IsSub
			if i := strings.IndexByte(key, '.'); o.IsSub && i > 0 && kg.TechniqueKey(key) != "" {
				props["parent"] = key[:i]
			}
		}
		if len(o.Platforms) > 0 {
			props["platforms"] = o.Platforms
		}
		first, last := stixTime(o.Created), stixTime(o.Modified)
		if l == kg.Campaign {
			if t := stixTime(o.FirstSeen); !t.IsZero() {
				first = t
			}
			if t := stixTime(o.LastSeen); !t.IsZero() {
				last = t
			}
		}
		if o.Deprecated {
			b.Deprecated++
		}
		keys[o.ID] = key
		index[key] = len(b.Nodes)
		b.Nodes = append(b.Nodes, kg.Node{
			Label: l, Key: key, Name: o.Name, Aliases: aliases, Props: props,
			FirstSeen: first, LastSeen: last, Curated: true, Deprecated: o.Deprecated,
		})
	}
	// Revoked objects: their ATT&CK id and name now find the replacement.
	for old := range revokedBy {
		o := byID[old]
		key, ok := keys[resolve(old)]
		if o == nil || !ok {
			continue
		}
		b.Revoked++
		n := &b.Nodes[index[key]]
		n.Aliases = append(n.Aliases, o.Name)
		if id := o.attackID(); id != "" {
			n.Aliases = append(n.Aliases, id)
		}
	}
	for i := range b.Nodes {
		b.Nodes[i].Aliases = uniqueSorted(b.Nodes[i].Aliases)
	}
	seen := map[[3]string]bool{}
	campaignsOf := map[string][]string{} // actor key → campaign keys
	for i := range objs {
		o := &objs[i]
		if o.Type != "relationship" || o.Revoked || o.Deprecated {
			continue
		}
		from, okf := keys[resolve(o.SourceRef)]
		to, okt := keys[resolve(o.TargetRef)]
		if !okf || !okt || from == to {
			continue
		}
		var e kg.Edge
		switch o.RelType {
		case "uses":
			e = kg.Edge{Type: kg.Uses, From: from, To: to}
		case "attributed-to":
			// campaign attributed-to actor: the actor CONDUCTS the campaign.
			if b.Nodes[index[from]].Label != kg.Campaign || b.Nodes[index[to]].Label != kg.Actor {
				continue
			}
			e = kg.Edge{Type: kg.Conducts, From: to, To: from}
			campaignsOf[to] = append(campaignsOf[to], from)
		case "subtechnique-of":
			if n := &b.Nodes[index[from]]; n.Label == kg.Technique {
				n.Props["parent"] = to
			}
			continue
		default:
			continue
		}
		k := [3]string{e.From, string(e.Type), e.To}
		if !seen[k] {
			seen[k] = true
			b.Edges = append(b.Edges, e)
		}
	}
	b.Edges = append(b.Edges, precededBy(b, index, campaignsOf)...)
	return b
}

// precededBy links each of an actor's campaigns to the one that started
// before it (PRECEDED_BY, days between first_seen dates).
func precededBy(b *Bundle, index map[string]int, campaignsOf map[string][]string) []kg.Edge {
	var out []kg.Edge
	seen := map[[2]string]bool{}
	actors := make([]string, 0, len(campaignsOf))
	for a := range campaignsOf {
		actors = append(actors, a)
	}
	sort.Strings(actors)
	for _, a := range actors {
		cs := uniqueSorted(campaignsOf[a])
		sort.SliceStable(cs, func(i, j int) bool {
			return b.Nodes[index[cs[i]]].FirstSeen.Before(b.Nodes[index[cs[j]]].FirstSeen)
		})
		for i := 1; i < len(cs); i++ {
			prev, cur := b.Nodes[index[cs[i-1]]], b.Nodes[index[cs[i]]]
			if prev.FirstSeen.IsZero() || cur.FirstSeen.IsZero() || seen[[2]string{cur.Key, prev.Key}] {
				continue
			}
			seen[[2]string{cur.Key, prev.Key}] = true
			days := int(cur.FirstSeen.Sub(prev.FirstSeen).Hours() / 24)
			out = append(out, kg.Edge{Type: kg.PrecededBy, From: cur.Key, To: prev.Key, Props: map[string]any{"days": days}})
		}
	}
	return out
}

func uniqueSorted(in []string) []string {
	seen := map[string]bool{}
	out := make([]string, 0, len(in))
	for _, v := range in {
		if v = strings.TrimSpace(v); v != "" && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	sort.Strings(out)
	return out
}

// Result reports an import.
type Result struct {
	Bundle *Bundle
	Change kg.Change
}

// Import parses a bundle and makes the graph hold exactly what it asserts
// under the mitre-attack source, in one transaction.
func Import(ctx context.Context, s *kg.Store, r io.Reader) (Result, error) {
	b, err := Parse(r)
	if err != nil {
		return Result{}, err
	}
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	ch, err := s.ReplaceSource(ctx, kg.SourceATTACK, b.Nodes, b.Edges)
	if err != nil {
		return Result{Bundle: b}, err
	}
	return Result{Bundle: b, Change: ch}, nil
}
