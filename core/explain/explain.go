// Package explain turns a score's exact TreeSHAP contributions into
// reasons an analyst reads: every feature family has a sentence
// ("mentions 'authentication bypass'", "does not mention 'cross-site'",
// "is CWE-287 Improper Authentication", "lists no packages", "states CVSS
// 9.8"), a word's unigram and the bigrams it is part of are one reason,
// and a header says the class and its probability in words. The TUI,
// `explain`, `score`'s table and CSV and the HTTP API all render reasons
// from here, so they say the same thing.
package explain

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/cyberstreams/cyberstreams/core/features"
)

// Contribution is one feature's TreeSHAP value for the explained class.
type Contribution struct {
	Feature string  `json:"feature"`
	Value   float64 `json:"value"`
	SHAP    float64 `json:"shap"`
}

// Reason is one reason in words: one feature, or the terms of one phrase
// (a word's unigram and the bigrams it is part of, all present or all
// absent). SHAP is the sum of its features' contributions.
type Reason struct {
	Text     string   `json:"text"`
	SHAP     float64  `json:"shap"`
	Features []string `json:"features"`
}

// Group is a reason before it is put in words: the indices of its
// contributions and their summed SHAP.
type Group struct {
	Members []int
	SHAP    float64
}

// maxPhrase is the most words a phrase of chained bigrams grows to.
const maxPhrase = 4

// phraseWindow is how many contributions, from the start of cs, phrases
// are built from; the ones after them (a document has hundreds, most of
// them absent terms worth a thousandth of a log-odds) are reasons of
// their own. Grouping all of them took longer than computing them.
const phraseWindow = 64

// GroupAll groups contributions into reasons, strongest (by |SHAP|)
// first. Text terms are grouped as a reader sees them: taken in the order
// of cs (the scorer's, strongest first), a bigram extends a phrase of the
// same presence (all present, or all absent) that ends with its first
// word or starts with its second ("remote code" + "code execution"),
// up to maxPhrase words, or starts a phrase; then each unigram joins the
// first phrase of its presence holding its word. Every other feature is
// a reason of its own. Phrases are made of the first phraseWindow
// contributions (the strongest, in the scorer's order). Ties keep the
// order of the first member in cs.
func GroupAll(cs []Contribution) []Group { return GroupAllIn(cs, nil) }

// GroupAllIn is GroupAll for a document whose words it can check:
// contains says whether the document has a run of words (as its bigram
// terms were counted), and a phrase of present terms grows past two words
// only into one the document has. "remote code" and "code execution" make
// "remote code execution" only when those three words stand together in
// the text; otherwise each is a reason of its own. A nil contains trusts
// every chain (GroupAll, for contributions whose text is not at hand).
func GroupAllIn(cs []Contribution, contains func(words []string) bool) []Group {
	inText := func(present bool, words []string) bool {
		return !present || contains == nil || contains(words)
	}
	type phrase struct {
		group   int
		present bool
		words   []string
	}
	groups := make([]Group, 0, len(cs))
	var ps []phrase
	add := func(g, i int) {
		groups[g].Members = append(groups[g].Members, i)
		groups[g].SHAP += cs[i].SHAP
	}
	window := cs[:min(len(cs), phraseWindow)]
	for i, c := range window {
		term, ok := strings.CutPrefix(c.Feature, "text:")
		if !ok {
			continue
		}
		a, b, pair := strings.Cut(term, " ")
		if !pair {
			continue
		}
		present, joined := c.Value != 0, -1
		for k := range ps {
			p := &ps[k]
			if p.present != present || len(p.words) >= maxPhrase {
				continue
			}
			var words []string
			switch {
			case p.words[len(p.words)-1] == a && !slices.Contains(p.words, b):
				words = append(slices.Clone(p.words), b)
			case p.words[0] == b && !slices.Contains(p.words, a):
				words = append([]string{a}, p.words...)
			default:
				continue
			}
			if !inText(present, words) {
				continue
			}
			p.words = words
			add(p.group, i)
			joined = k
			break
		}
		if joined < 0 {
			ps = append(ps, phrase{len(groups), present, []string{a, b}})
			groups = append(groups, Group{})
			add(len(groups)-1, i)
			continue
		}
		// The bigram may link its phrase to another: "unauthenticated
		// remote" + "remote code" + "code execution".
		p := &ps[joined]
		for k := range ps {
			q := &ps[k]
			if k == joined || q.present != present || len(p.words)+len(q.words)-1 > maxPhrase {
				continue
			}
			var words []string
			switch {
			case p.words[len(p.words)-1] == q.words[0]:
				words = append(slices.Clone(p.words), q.words[1:]...)
			case q.words[len(q.words)-1] == p.words[0]:
				words = append(slices.Clone(q.words), p.words[1:]...)
			default:
				continue
			}
			if len(dedupe(words)) != len(words) || !inText(present, words) {
				continue
			}
			p.words = words
			for _, m := range groups[q.group].Members {
				add(p.group, m)
			}
			groups[q.group] = Group{}
			ps = slices.Delete(ps, k, k+1)
			break
		}
	}
	// The members of one-feature reasons share one array.
	index := make([]int, len(cs))
	for i, c := range cs {
		if term, ok := strings.CutPrefix(c.Feature, "text:"); ok && i < len(window) {
			if strings.Contains(term, " ") {
				continue // a bigram, in its phrase
			}
			k := slices.IndexFunc(ps, func(p phrase) bool { return p.present == (c.Value != 0) && slices.Contains(p.words, term) })
			if k >= 0 {
				add(ps[k].group, i)
				continue
			}
		}
		index[i] = i
		groups = append(groups, Group{Members: index[i : i+1 : i+1], SHAP: c.SHAP})
	}
	// Each group's first member decides its place among equals; groups
	// merged into others are gone.
	groups = slices.DeleteFunc(groups, func(g Group) bool { return len(g.Members) == 0 })
	for g := range groups {
		slices.Sort(groups[g].Members)
	}
	slices.SortStableFunc(groups, func(x, y Group) int {
		ax, ay := math.Abs(x.SHAP), math.Abs(y.SHAP)
		switch {
		case ax > ay:
			return -1
		case ax < ay:
			return 1
		}
		return x.Members[0] - y.Members[0]
	})
	return groups
}

func dedupe(words []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, w := range words {
		if !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}

// Words puts a group of contributions in words.
func Words(cs []Contribution, g Group) Reason {
	r := Reason{SHAP: g.SHAP, Features: make([]string, len(g.Members))}
	members := make([]Contribution, len(g.Members))
	for i, m := range g.Members {
		members[i] = cs[m]
		r.Features[i] = cs[m].Feature
	}
	r.Text = Sentence(members)
	return r
}

// Sentence says what one reason's contributions (one feature, or the
// terms of one phrase) mean, as a verb phrase whose subject is the
// document: "mentions 'sql injection'", "is CWE-89 SQL Injection".
func Sentence(members []Contribution) string {
	if len(members) == 0 {
		return ""
	}
	c := members[0]
	family, value, _ := strings.Cut(c.Feature, ":")
	has := c.Value != 0
	switch family {
	case "text":
		terms := make([]string, len(members))
		for i, m := range members {
			terms[i] = strings.TrimPrefix(m.Feature, "text:")
		}
		ps := phrases(terms)
		for i, p := range ps {
			ps[i] = "'" + p + "'"
		}
		if has {
			return "mentions " + join(ps, "and")
		}
		return "does not mention " + join(ps, "or")
	case "cwe":
		name := value
		if n := CWEName(value); n != "" {
			name += " " + n
		}
		return yesNo(has, "is "+name, "is not "+name)
	case "ecosystem":
		return yesNo(has, "is in the "+value+" ecosystem", "is not in the "+value+" ecosystem")
	case "vendor":
		return yesNo(has, "names vendor "+value, "does not name vendor "+value)
	case "package":
		return yesNo(has, "names package "+value, "does not name package "+value)
	case "assigner":
		return yesNo(has, "was assigned by "+value, "was not assigned by "+value)
	case "refdomain":
		return yesNo(has, "references "+value, "does not reference "+value)
	case "source":
		if value == "reputation" {
			return fmt.Sprintf("comes from a source that rates %.0f %% of its advisories critical or high", c.Value)
		}
		name := SourceName(value)
		return yesNo(has, "comes from "+name, "does not come from "+name)
	case "kev":
		return yesNo(has, "is in CISA's Known Exploited Vulnerabilities catalog", "is not in CISA's Known Exploited Vulnerabilities catalog")
	case "stated":
		if c.Feature == "stated:exploited_in_the_wild" { // core/exploitation.StatedFeature
			return yesNo(has, "says it is exploited in the wild", "does not say it is exploited in the wild")
		}
		if c.Feature == "stated:silent_claimant" && has { // core/exploitation.SilentFeature
			return "does not say it is exploited in the wild, as its vendor's advisories do when they are"
		}
		if s, ok := features.StatedValue(c.Feature, c.Value); ok {
			return "states " + s
		}
		if c.Value == 0 {
			switch c.Feature {
			case features.StatedScore:
				return "states no CVSS score"
			case features.StatedSeverity:
				return "states no severity"
			}
			return "states no " + strings.ReplaceAll(value, "_", " ")
		}
	case "doc", "time", "graph", "entities", "kev_history", "refs", "cvss":
		if s := measured(c.Feature, c.Value); s != "" {
			return s
		}
	}
	return fallback(c)
}

func yesNo(has bool, yes, no string) string {
	if has {
		return yes
	}
	return no
}

// fallback names a feature this package has no sentence for.
func fallback(c Contribution) string {
	if c.Value == math.Trunc(c.Value) && math.Abs(c.Value) < 1e15 {
		return fmt.Sprintf("%s = %d", c.Feature, int64(c.Value))
	}
	return fmt.Sprintf("%s = %.2f", c.Feature, c.Value)
}

// count is "no packages", "1 package", "3 packages".
func count(n float64, one, many string) string {
	k := int64(math.Round(n))
	switch k {
	case 0:
		return "no " + many
	case 1:
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", k, many)
}

var weekdays = [...]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}

// measured says what a counted or measured feature's value means.
func measured(feature string, v float64) string {
	switch feature {
	case "doc:text_tokens_log":
		return "has a text of " + count(math.Expm1(v), "word", "words")
	case "doc:no_text":
		return yesNo(v != 0, "has no text (title and structured fields only)", "has a text")
	case "doc:title_tokens":
		return "has a title of " + count(v, "word", "words")
	case "doc:reference_count":
		return "lists " + count(v, "reference", "references")
	case "doc:package_count":
		return "lists " + count(v, "package", "packages")
	case "doc:alias_count":
		return "has " + count(v, "alias", "aliases")
	case "doc:cwe_count":
		return "names " + count(v, "CWE", "CWEs")
	case "time:hour":
		if v >= 1 && v <= 24 {
			return fmt.Sprintf("was published at %02d:00–%02d:59 UTC", int(v)-1, int(v)-1)
		}
	case "time:weekday":
		if v >= 1 && v <= 7 {
			return "was published on a " + weekdays[int(v)-1]
		}
	case "time:year":
		return fmt.Sprintf("was published in %d", int(v))
	case "graph:known_actors":
		return "names " + count(v, "threat actor", "threat actors") + " the graph knows"
	case "graph:known_techniques":
		return "names " + count(v, "ATT&CK technique", "ATT&CK techniques") + " the graph knows"
	case "graph:actor_linked_indicators":
		return "has " + count(v, "indicator", "indicators") + " the graph ties to a known actor"
	case "graph:kev_vulnerabilities":
		return "names " + count(v, "CVE", "CVEs") + " the graph marks as known exploited"
	case "kev_history:vendor_listings", "kev_history:product_listings":
		what := strings.TrimSuffix(strings.TrimPrefix(feature, "kev_history:"), "_listings")
		if v == 0 {
			return "names no " + what + " listed in CISA's Known Exploited Vulnerabilities catalog"
		}
		return "names a " + what + " with " + count(v, "listing", "listings") + " in CISA's Known Exploited Vulnerabilities catalog"
	case "kev_history:vendor_listings_last_year", "kev_history:product_listings_last_year":
		what := strings.TrimSuffix(strings.TrimPrefix(feature, "kev_history:"), "_listings_last_year")
		if v == 0 {
			return "names no " + what + " with a KEV listing in the year before it"
		}
		return "names a " + what + " with " + count(v, "KEV listing", "KEV listings") + " in the year before it"
	case "kev_history:quiet_vendor": // core/exploitation.QuietFeature
		return "is from a vendor none of whose advisories the model learnt from was listed in CISA's Known Exploited Vulnerabilities catalog"
	case "refs:exploit_count":
		return "references " + count(v, "exploit write-up or proof of concept", "exploit write-ups or proofs of concept")
	case "cvss:stated_score":
		if v == 0 {
			return "states no CVSS score"
		}
		return fmt.Sprintf("states CVSS %.1f", v)
	}
	if part, ok := strings.CutPrefix(feature, "cvss:"); ok {
		if v == 0 {
			return "states no CVSS vector"
		}
		values := map[string][]string{ // by the ordinal core/exploitation codes them with, from 1
			"attack_vector":       {"physical", "local", "adjacent", "network"},
			"attack_complexity":   {"high", "low"},
			"privileges_required": {"high", "low", "none"},
			"user_interaction":    {"required", "none"},
			"scope":               {"unchanged", "changed"},
		}
		if vs, ok := values[part]; ok && v >= 1 && int(v) <= len(vs) && v == math.Trunc(v) {
			return "states CVSS " + strings.ReplaceAll(part, "_", " ") + " " + vs[int(v)-1]
		}
	}
	if typ, ok := strings.CutPrefix(feature, "entities:"); ok {
		if typ, ok := strings.CutSuffix(typ, "_count"); ok {
			one, many := entityNoun(typ)
			return "mentions " + count(v, one, many)
		}
	}
	return ""
}

// entityNoun names an entity type, singular and plural.
func entityNoun(typ string) (string, string) {
	switch typ {
	case "ipv4":
		return "IPv4 address", "IPv4 addresses"
	case "ipv6":
		return "IPv6 address", "IPv6 addresses"
	case "domain":
		return "domain name", "domain names"
	case "url":
		return "URL", "URLs"
	case "email":
		return "email address", "email addresses"
	case "md5", "sha1", "sha256", "sha512":
		return strings.ToUpper(typ) + " hash", strings.ToUpper(typ) + " hashes"
	case "cve":
		return "CVE id", "CVE ids"
	case "cwe":
		return "CWE id", "CWE ids"
	case "attack_technique":
		return "ATT&CK technique id", "ATT&CK technique ids"
	case "asn":
		return "AS number", "AS numbers"
	case "mac":
		return "MAC address", "MAC addresses"
	case "bitcoin":
		return "bitcoin address", "bitcoin addresses"
	case "registry_key":
		return "registry key", "registry keys"
	case "file_path":
		return "file path", "file paths"
	case "actor":
		return "threat actor", "threat actors"
	case "malware":
		return "malware name", "malware names"
	case "tool":
		return "tool name", "tool names"
	}
	name := strings.ReplaceAll(typ, "_", " ")
	return name, name + "s"
}

// SourceName is the name an analyst knows a source repository by.
func SourceName(repo string) string {
	switch repo {
	case "azu/github-advisory-database-rss":
		return "the GitHub Advisory Database"
	case "cisagov/vulnrichment":
		return "CVE records (CISA Vulnrichment)"
	case "AlmaLinux/osv-database":
		return "AlmaLinux errata"
	case "mozilla/foundation-security-advisories":
		return "Mozilla's security advisories"
	case "nodejs/security-wg":
		return "the Node.js security working group"
	case "rubysec/ruby-advisory-db":
		return "the Ruby advisory database"
	case "rustsec/advisory-db":
		return "the RustSec advisory database"
	}
	return repo
}

// phrases joins terms that overlap into phrases: "remote code", "code
// execution" and "code" become "remote code execution" when the bigrams
// chain into one path; otherwise each bigram is its own phrase, and
// unigrams covered by a bigram are left out.
func phrases(terms []string) []string {
	var bigrams [][2]string
	covered := map[string]bool{}
	for _, t := range terms {
		if a, b, ok := strings.Cut(t, " "); ok {
			bigrams = append(bigrams, [2]string{a, b})
			covered[a], covered[b] = true, true
		}
	}
	var out []string
	if path, ok := chain(bigrams); ok {
		out = append(out, strings.Join(path, " "))
	} else {
		for _, b := range bigrams {
			out = append(out, b[0]+" "+b[1])
		}
	}
	for _, t := range terms {
		if !strings.Contains(t, " ") && !covered[t] && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// chain orders bigrams into one path of words (a b, b c → a b c); false
// when they do not form one.
func chain(bigrams [][2]string) ([]string, bool) {
	if len(bigrams) == 0 {
		return nil, false
	}
	next := map[string]string{}
	hasPrev := map[string]bool{}
	for _, b := range bigrams {
		if _, dup := next[b[0]]; dup || hasPrev[b[1]] {
			return nil, false
		}
		next[b[0]] = b[1]
		hasPrev[b[1]] = true
	}
	var start string
	for _, b := range bigrams {
		if !hasPrev[b[0]] {
			if start != "" {
				return nil, false
			}
			start = b[0]
		}
	}
	if start == "" {
		return nil, false // a cycle
	}
	path := []string{start}
	for w := start; ; {
		n, ok := next[w]
		if !ok {
			break
		}
		path = append(path, n)
		w = n
	}
	return path, len(path) == len(bigrams)+1
}

// Header is the plain first line of an explanation: the class, its
// probability, and in words the strongest reasons for and against it,
// e.g. "critical (72 %) — mainly because it mentions 'remote code
// execution' and states CVSS 9.8; against: it does not mention
// 'authentication'".
func Header(class string, prob float64, rs []Reason) string {
	pro, con := forAgainst(rs)
	h := fmt.Sprintf("%s (%.0f %%)", class, 100*prob)
	switch {
	case len(pro) > 0:
		h += " — mainly because it " + join(pro, "and")
	case len(rs) > 0:
		h += " — no reason pushes toward it; it is the class the others leave"
	}
	if len(con) > 0 {
		h += "; against: it " + join(con, "and")
	}
	return h
}

// forAgainst are the strongest reasons for (up to 3) and against (up to
// 2), their mentions merged.
func forAgainst(rs []Reason) (pro, con []string) {
	for _, r := range rs {
		switch {
		case r.SHAP > 0 && len(pro) < 3:
			pro = append(pro, r.Text)
		case r.SHAP < 0 && len(con) < 2:
			con = append(con, r.Text)
		}
	}
	return mergeMentions(pro), mergeMentions(con)
}

// ExploitationHeader says an exploitation likelihood in words: the
// probability of a KEV listing within the horizon, and what raised and
// lowered it, e.g. "2.1 % likely to be listed as exploited within 30 days
// — mainly because it names a vendor with 12 listings in CISA's Known
// Exploited Vulnerabilities catalog; against: it lists no references".
func ExploitationHeader(prob float64, horizonDays int, rs []Reason) string {
	h := fmt.Sprintf("%s likely to be listed as exploited within %d days", Percent(prob), horizonDays)
	pro, con := forAgainst(rs)
	if len(pro) > 0 {
		h += " — mainly because it " + join(pro, "and")
	}
	if len(con) > 0 {
		h += "; against: it " + join(con, "and")
	}
	return h
}

// Percent writes a probability as a percentage with the digits a small
// one needs: "37 %", "2.1 %", "0.03 %".
func Percent(p float64) string {
	switch pc := 100 * p; {
	case pc >= 10 || pc == 0:
		return fmt.Sprintf("%.0f %%", pc)
	case pc >= 1:
		return fmt.Sprintf("%.1f %%", pc)
	case pc >= 0.01:
		return fmt.Sprintf("%.2f %%", pc)
	default:
		return "< 0.01 %"
	}
}

// ShortPercent is a likelihood in a table cell: a percentage with the
// digits a rare event needs and no more, the same in every view —
// "12%", "2.1%", "0.3%", and "<0.1%" for anything under 0.05 %.
func ShortPercent(p float64) string {
	switch pc := 100 * p; {
	case pc >= 9.95:
		return fmt.Sprintf("%.0f%%", pc)
	case pc >= 0.05:
		return fmt.Sprintf("%.1f%%", pc)
	}
	return "<0.1%"
}

// mergeMentions folds the "mentions …" phrases into the first of them,
// and the "does not mention …" ones likewise: "mentions 'a' and 'b'"
// instead of "mentions 'a' and mentions 'b'".
func mergeMentions(ps []string) []string {
	var out []string
	first := map[string]int{}
	objects := map[string][]string{}
	for _, p := range ps {
		verb := ""
		for _, v := range [...]string{"mentions ", "does not mention "} {
			if strings.HasPrefix(p, v) {
				verb = v
			}
		}
		if verb == "" {
			out = append(out, p)
			continue
		}
		if _, ok := first[verb]; !ok {
			first[verb] = len(out)
			out = append(out, "")
		}
		objects[verb] = append(objects[verb], strings.TrimPrefix(p, verb))
	}
	for verb, i := range first {
		conj := "and"
		if verb != "mentions " {
			conj = "or"
		}
		out[i] = verb + join(objects[verb], conj)
	}
	return out
}

// join joins phrases as a sentence does: "a", "a and b", "a, b and c".
func join(ps []string, conj string) string {
	if len(ps) == 1 {
		return ps[0]
	}
	return strings.Join(ps[:len(ps)-1], ", ") + " " + conj + " " + ps[len(ps)-1]
}

// CoverageLine says what share of the evidence the listed reasons carry
// (coverage 0–1: their features' share of the absolute contributions of
// all features), e.g. "these 5 reasons carry 83 % of the evidence".
func CoverageLine(n int, coverage float64) string {
	what := "these " + count(float64(n), "reason", "reasons") + " carry"
	if n == 1 {
		what = "this reason carries"
	}
	return fmt.Sprintf("%s %.0f %% of the evidence", what, 100*coverage)
}

// Reasons groups and words contributions: what an explanation holds when
// it was written without its reasons.
func Reasons(cs []Contribution) []Reason {
	groups := GroupAll(cs)
	out := make([]Reason, len(groups))
	for i, g := range groups {
		out[i] = Words(cs, g)
	}
	return out
}

// Inline folds reasons into one line, each with its signed log-odds
// contribution: "mentions 'sql injection' (+0.4210); does not mention
// 'cross-site' (-0.0900)". A CSV cell and a log line read it; the words
// keep what a bare feature name lost (whether the term is there).
func Inline(rs []Reason) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = fmt.Sprintf("%s (%+.4f)", r.Text, r.SHAP)
	}
	return strings.Join(parts, "; ")
}
