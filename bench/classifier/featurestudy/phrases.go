package main

import (
	"strings"

	"github.com/cyberstreams/cyberstreams/core/document"
	"github.com/cyberstreams/cyberstreams/ml/gbdt"
)

// phraseFamily is a source-independent reading of an advisory: phrases
// that say the same thing in different scorers' words (how the attack is
// made, what it gains), one feature per family.
type phraseFamily struct {
	name    string
	phrases []string
	title   bool // look in the title only
}

var phraseFamilies = []phraseFamily{
	{name: "attack: needs user interaction", phrases: []string{"user interaction", "open a malicious", "open a specially crafted", "opening a malicious",
		"opening a specially crafted", "visit a malicious", "visiting a malicious", "trick a user", "tricking a user", "convince a user", "convincing a user",
		"social engineering", "must visit", "must open", "clicking on a", "click on a", "crafted link", "malicious link", "malicious page", "victim to"}},
	{name: "attack: local", phrases: []string{"local attacker", "local user", "local access", "physical access", "locally authenticated",
		"local, authenticated", "local authenticated", "local low-privileged", "local privilege escalation", "locally"}},
	{name: "attack: no authentication", phrases: []string{"unauthenticated", "authentication is not required", "without authentication",
		"does not require authentication", "without requiring authentication", "no authentication", "pre-auth", "without any authentication"}},
	{name: "attack: needs privileges", phrases: []string{"authenticated attacker", "authenticated user", "authenticated remote", "authentication is required",
		"requires authentication", "low-privileged", "low privileged", "contributor-level", "subscriber-level", "author-level",
		"administrator-level", "admin-level", "valid credentials", "high privileges", "administrative privileges", "administrator privileges", "admin privileges"}},
	{name: "attack: remote", phrases: []string{"remote attacker", "remote, unauthenticated", "remotely", "over the network", "network access"}},
	{name: "impact: information disclosure", phrases: []string{"information disclosure", "disclose sensitive information", "information leak",
		"information exposure", "sensitive information", "disclosure of sensitive", "obtain sensitive"}},
	{name: "impact: denial of service", phrases: []string{"denial of service", "denial-of-service", "crash", "resource exhaustion", "infinite loop"}},
	{name: "impact: code execution", phrases: []string{"remote code execution", "execute arbitrary code", "arbitrary code execution", "code execution",
		"execute arbitrary commands", "command injection", "execute code"}},
	{name: "impact: privilege escalation", phrases: []string{"privilege escalation", "escalate privileges", "elevation of privilege", "gain elevated privileges", "elevate privileges"}},
	{name: "title: information disclosure", title: true, phrases: []string{"information disclosure", "information leak", "information exposure", "sensitive information"}},
	{name: "title: denial of service", title: true, phrases: []string{"denial of service", "denial-of-service", "crash"}},
	{name: "title: code execution", title: true, phrases: []string{"code execution", "execute arbitrary", "command injection"}},
	{name: "title: privilege escalation", title: true, phrases: []string{"privilege escalation", "elevation of privilege", "escalate privileges"}},
}

// phraseColumns appends one 0/1 column per phrase family after x's
// columns.
func phraseColumns(x *gbdt.Matrix, docs []document.Document) *gbdt.Matrix {
	base := int32(x.NumCols)
	out := &gbdt.Matrix{NumCols: x.NumCols + len(phraseFamilies), Indptr: []int{0}}
	for i := range docs {
		idx, val := x.Row(i)
		out.Indices = append(out.Indices, idx...)
		out.Values = append(out.Values, val...)
		title := strings.ToLower(docs[i].Title)
		text := title + "\n" + strings.ToLower(docs[i].Body)
		for f, fam := range phraseFamilies {
			in := text
			if fam.title {
				in = title
			}
			for _, p := range fam.phrases {
				if strings.Contains(in, p) {
					out.Indices = append(out.Indices, base+int32(f))
					out.Values = append(out.Values, 1)
					break
				}
			}
		}
		out.Indptr = append(out.Indptr, len(out.Indices))
	}
	return out
}
