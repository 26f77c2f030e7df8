package features

import (
	"math"
	"slices"
	"strconv"
	"strings"
)

// Stated is what an advisory's own text says about its severity: a CVSS
// vector ("CVSS:3.1/AV:N/AC:L/…", or a bare v2 "AV:N/AC:L/Au:N/…"), a base
// score ("CVSS 7.5", "base score: 5.3", "score of 9.8") or a severity word
// ("Critical severity", "severity: high", "rated as important"). Judged
// advisories arrive without their CVSS and severity fields, but their text
// often still states one; read as words, a vector is a handful of
// meaningless fragments ("n/ac l/pr", "h/i h/a"), read here it is a few
// named facts: the stated:* features.
type Stated struct {
	// Score is the stated base score, 0–10; or, when the text states none,
	// the base score of a complete CVSS v3.x or v2 vector it gives. 0: none.
	Score float64
	// Severity is the stated severity word as SeverityCode codes it, 0: none.
	Severity int8
	// Metrics are the vector's base metrics (StatedMetrics order), coded as
	// metricCodes says; 0 where not stated. From the first vector of the
	// newest CVSS version the text gives.
	Metrics [len(statedMetricNames)]int8

	vectorVersion int8    // the CVSS major version Metrics came from; 0: none
	vectorScore   float64 // the base score of that vector, when complete
	textScore     float64 // the highest score stated in words
}

// Any reports whether the text states anything: a score, a severity or a
// vector metric.
func (s *Stated) Any() bool {
	return s.Score > 0 || s.Severity > 0 || s.Metrics != [len(statedMetricNames)]int8{}
}

// values are the stated:* features' values, in StatedNames order.
func (s *Stated) values() [2 + len(statedMetricNames)]float64 {
	v := [2 + len(statedMetricNames)]float64{s.Score, float64(s.Severity)}
	for i, m := range s.Metrics {
		v[2+i] = float64(m)
	}
	return v
}

// Stated feature names, as they appear in Spec.Numeric.
const (
	StatedScore    = "stated:cvss_score"
	StatedSeverity = "stated:severity"
)

// statedMetricNames name the vector metrics, in Stated.Metrics order; the
// feature of each is "stated:" + name with spaces as underscores.
var statedMetricNames = [...]string{
	"attack vector", "attack complexity", "privileges required", "user interaction",
	"scope", "confidentiality", "integrity", "availability",
}

// The metric indices.
const (
	mAV = iota
	mAC
	mPR
	mUI
	mS
	mC
	mI
	mA
)

// StatedNames are the stated:* numeric feature names, in index order.
func StatedNames() []string {
	names := []string{StatedScore, StatedSeverity}
	for _, m := range statedMetricNames {
		names = append(names, "stated:"+strings.ReplaceAll(m, " ", "_"))
	}
	return names
}

// severityWords code the severity words an advisory states, from none (1)
// to critical (5); Red Hat's "important" and GitHub's "moderate" are high
// and medium, as the labels map them.
var severityWords = []struct {
	word string
	code int8
}{
	{"critical", 5}, {"important", 4}, {"high", 4}, {"moderate", 3}, {"medium", 3},
	{"low", 2}, {"informational", 1}, {"none", 1},
}

// SeverityCodeName is the severity a stated:severity value stands for.
func SeverityCodeName(code int) string {
	switch code {
	case 5:
		return "critical"
	case 4:
		return "high"
	case 3:
		return "medium"
	case 2:
		return "low"
	case 1:
		return "none"
	}
	return ""
}

// metricValueNames name each metric's codes (index = code): what an
// explanation says of "stated:attack_vector = 4".
var metricValueNames = [len(statedMetricNames)][]string{
	mAV: {"", "physical", "local", "adjacent network", "network"},
	mAC: {"", "high", "medium", "low"},
	mPR: {"", "high", "low", "none"},
	mUI: {"", "required", "passive", "none"},
	mS:  {"", "unchanged", "changed"},
	mC:  {"", "none", "low", "high"},
	mI:  {"", "none", "low", "high"},
	mA:  {"", "none", "low", "high"},
}

// StatedValue describes a stated:* feature's value in words, e.g.
// ("stated:attack_vector", 4) → "attack vector network",
// ("stated:cvss_score", 9.8) → "CVSS 9.8", ("stated:severity", 5) →
// "severity critical"; false for another feature or an unknown code.
func StatedValue(feature string, v float64) (string, bool) {
	name, ok := strings.CutPrefix(feature, "stated:")
	if !ok {
		return "", false
	}
	switch feature {
	case StatedScore:
		if !(v > 0 && v <= 10) {
			return "", false
		}
		return "CVSS " + formatScore(v), true
	case StatedSeverity:
		if s := SeverityCodeName(int(v)); s != "" {
			return "severity " + s, true
		}
		return "", false
	}
	name = strings.ReplaceAll(name, "_", " ")
	for m, n := range statedMetricNames {
		if n != name {
			continue
		}
		code := int(v)
		if float64(code) != v || code <= 0 || code >= len(metricValueNames[m]) {
			return "", false
		}
		return n + " " + metricValueNames[m][code], true
	}
	return "", false
}

func formatScore(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

// ParseStated reads what texts (a title and a body, in any case) state
// about their own severity, each text read on its own: its CVSS vectors,
// and, when one of its tokens is a trigger (statedTriggers), the scores
// and severity words it states.
func ParseStated(texts ...string) Stated {
	var s Stated
	for _, t := range texts {
		lower := strings.ToLower(t)
		s.scanVectors(lower, nil)
		lower = blankUnread(lower)
		trigger := false
		Tokenize(lower, func(tok string) { trigger = trigger || slices.Contains(statedTriggers[:], tok) })
		if trigger {
			s.scanWords(lower)
		}
	}
	s.finish()
	return s
}

// statedTriggers are the tokens a stated score or severity starts from:
// the words "cvss", "score", "severity" and "rated" as Tokenize meets
// them (alone, or joined to a version or a severity word). A text without
// one is not read for them: looking for the words in every text cost more
// than featurising it (the featurizer learns of a trigger for free, from
// the token lookup it does anyway).
var statedTriggers = [...]string{
	"cvss", "cvss2", "cvss3", "cvss4", "cvssv2", "cvssv3", "cvssv4", "cvss3.0", "cvss3.1", "cvss4.0",
	"cvssv3.0", "cvssv3.1", "cvssv4.0", "cvss_v2", "cvss_v3", "cvss_v4", "cvss_score", "cvss_base_score",
	"score", "base_score", "basescore", "severity", "rated",
	"high-severity", "critical-severity", "medium-severity", "moderate-severity", "low-severity", "important-severity",
}

// blankUnread returns text with its CVSS vectors and its URLs replaced by
// spaces, the text tokenising reads: a vector's fragments ("n/ac", "h/i")
// and a URL's pieces ("https", "www.openwall.com/lists/…") are no words;
// and with the full stops between two sentences run together
// (runOnSpans) blanked.
func blankUnread(text string) string {
	var s Stated
	var spans []span
	s.unreadSpans(text, &spans)
	if len(spans) == 0 {
		return text
	}
	b := []byte(text)
	for _, sp := range spans {
		for i := sp.start; i < sp.end; i++ {
			b[i] = ' '
		}
	}
	return string(b)
}

// unreadSpans reads the CVSS vectors of lower-cased text into s and
// appends to spans what tokenising does not read: the vectors, the URLs
// (urlSpans) and the full stops of sentences run together (runOnSpans).
// Tokenize (through blankUnread) and the featuriser (readVectors) blank
// the same spans, so both read the same words.
func (s *Stated) unreadSpans(text string, spans *[]span) {
	s.scanVectors(text, spans)
	urlSpans(text, spans)
	runOnSpans(text, spans)
}

// finish settles Score: the highest score stated in words, else the
// vector's own base score.
func (s *Stated) finish() {
	s.Score = s.textScore
	if s.Score == 0 {
		s.Score = s.vectorScore
	}
}

// scanWords reads the scores and severity words of lower-cased text into
// s.
func (s *Stated) scanWords(text string) {
	each(text, "cvss", s.afterCVSS)
	each(text, "score", s.afterScore)
	each(text, "severity", func(text string, i int) {
		if c, ok := severityBefore(text, i-len("severity")); ok {
			s.severity(c)
		} else if c, ok := severityAfter(text, i, 2); ok {
			s.severity(c)
		}
	})
	for _, k := range [...]string{"rated", "impact of"} {
		each(text, k, func(text string, i int) {
			if i-len(k) > 0 && isWordByte(text[i-len(k)-1]) {
				return // "generated"
			}
			if c, ok := severityAfter(text, i, 2); ok {
				s.severity(c)
			}
		})
	}
}

// each calls read with the index just after every occurrence of word in
// text.
func each(text, word string, read func(text string, i int)) {
	for i := 0; ; {
		j := strings.Index(text[i:], word)
		if j < 0 {
			return
		}
		i += j + len(word)
		read(text, i)
	}
}

func (s *Stated) severity(c int8) { s.Severity = max(s.Severity, c) }

func (s *Stated) score(v float64) { s.textScore = max(s.textScore, v) }

// afterCVSS reads "cvss 7.5", "cvss v3.1 base score: 9.8", "cvss_v3: 9.8 -
// critical" from just after "cvss". A version right after the word
// ("3.1", "v3", "4.0") is no score.
func (s *Stated) afterCVSS(text string, i int) {
	if i < len(text) && text[i] == ':' && i+1 < len(text) && isDigit(text[i+1]) {
		return // "cvss:3.1/…", a vector prefix
	}
	if i-len("cvss") > 0 && isLetter(text[i-len("cvss")-1]) {
		return
	}
	j := skipSet(text, i, " _-:v(", 4)
	if v, end, ok := number(text, j); ok {
		if !isVersion(text[j:end]) {
			s.scored(text, v, end)
			return
		}
		i = end
	}
	s.afterScore(text, i)
}

// afterScore reads "score 9.8", "base score: 5.3", "score of 7.5" from just
// after a word ending in "score" (the number must have a decimal point or
// be 10, so "score 3" of some other kind is not read).
func (s *Stated) afterScore(text string, i int) {
	for range 4 {
		j := skipSet(text, i, " :=-(\"'*\t\n", 8)
		if w := wordAt3(text, j); w != "" {
			i = j + len(w)
			continue
		}
		v, end, ok := number(text, j)
		if !ok || !(strings.Contains(text[j:end], ".") || v == 10) {
			return
		}
		s.scored(text, v, end)
		return
	}
}

// scored records a stated score and a severity word right after it
// ("9.8 (critical)", "9.8 - critical", "6.5 medium").
func (s *Stated) scored(text string, v float64, end int) {
	if end < len(text) && (text[end] == '/' && end+1 < len(text) && isLetter(text[end+1]) ||
		text[end] == '.' && end+1 < len(text) && isDigit(text[end+1])) {
		return // "7.5/10" is a score, but "3.1/av" starts a vector and 1.2.3 is a version
	}
	if v <= 0 || v > 10 {
		return
	}
	s.score(v)
	if c, ok := severityAfter(text, end, 0); ok {
		s.severity(c)
	}
}

// wordAt3 returns the filler word at text[i:] that may sit between "score"
// and its number, or "".
func wordAt3(text string, i int) string {
	for _, w := range [...]string{"base score", "score", "of", "is", "was", "v2", "v3", "v4", "v3.0", "v3.1", "v4.0", "rating"} {
		if strings.HasPrefix(text[i:], w) && (i+len(w) == len(text) || !isLetter(text[i+len(w)])) {
			return w
		}
	}
	return ""
}

// severityBefore reads the severity word right before "severity" at i
// ("critical severity", "high-severity").
func severityBefore(text string, i int) (int8, bool) {
	j := i
	for j > 0 && (text[j-1] == ' ' || text[j-1] == '-') && i-j < 3 {
		j--
	}
	if j == i && i > 0 {
		return 0, false // "xseverity"
	}
	for _, w := range severityWords {
		if strings.HasSuffix(text[:j], w.word) && (j-len(w.word) == 0 || !isLetter(text[j-len(w.word)-1])) {
			return w.code, true
		}
	}
	return 0, false
}

// severityAfter reads a severity word after text[i:], past punctuation and
// at most fillers filler words ("severity: high", "severity rating of
// critical", "rated as important").
func severityAfter(text string, i, fillers int) (int8, bool) {
	for f := 0; ; f++ {
		i = skipSet(text, i, " :=-(\"'*#\t\n", 8)
		for _, w := range severityWords {
			if strings.HasPrefix(text[i:], w.word) && (i+len(w.word) == len(text) || !isLetter(text[i+len(w.word)])) {
				return w.code, true
			}
		}
		if f == fillers {
			return 0, false
		}
		filler := false
		for _, w := range [...]string{"rating", "level", "of", "is", "as", "a", "having", "security", "impact"} {
			if strings.HasPrefix(text[i:], w) && (i+len(w) == len(text) || !isLetter(text[i+len(w)])) {
				i += len(w)
				filler = true
				break
			}
		}
		if !filler {
			return 0, false
		}
	}
}

// skipSet returns the first index from i on, at most max bytes on, whose
// byte is not in set.
func skipSet(text string, i int, set string, max int) int {
	for n := 0; i < len(text) && n < max && strings.IndexByte(set, text[i]) >= 0; n++ {
		i++
	}
	return i
}

// number parses an unsigned decimal ("9", "9.8", "10.0") at text[i:].
func number(text string, i int) (float64, int, bool) {
	j := i
	for j < len(text) && isDigit(text[j]) && j-i < 2 {
		j++
	}
	if j == i || j < len(text) && isDigit(text[j]) {
		return 0, i, false
	}
	v := float64(0)
	for _, c := range text[i:j] {
		v = v*10 + float64(c-'0')
	}
	if j+1 < len(text) && text[j] == '.' && isDigit(text[j+1]) {
		v += float64(text[j+1]-'0') / 10
		j += 2
		if j < len(text) && isDigit(text[j]) {
			return 0, i, false // 9.85: not a one-decimal score
		}
	}
	if i > 0 && (isDigit(text[i-1]) || text[i-1] == '.') {
		return 0, i, false
	}
	return v, j, true
}

func isVersion(s string) bool {
	switch s {
	case "2", "3", "4", "2.0", "3.0", "3.1", "4.0":
		return true
	}
	return false
}

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isLetter(c byte) bool { return c >= 'a' && c <= 'z' }

// isWordByte reports whether an ASCII byte is a word character.
func isWordByte(c byte) bool { return isLetter(c) || isDigit(c) || c == '_' }

// scanVectors finds the CVSS vectors of text: runs of at least three
// "metric:value" pairs joined by '/', with or without a "cvss:3.1/"
// prefix.
func (s *Stated) scanVectors(text string, spans *[]span) {
	if strings.IndexByte(text, ':') < 0 {
		return
	}
	for i := 0; i < len(text); {
		c := strings.IndexByte(text[i:], ':')
		if c < 0 {
			return
		}
		c += i
		// The metric name (or "cvss") before the colon.
		start := c
		for start > i && isLetter(text[start-1]) && c-start < 4 {
			start--
		}
		if start == c || start > 0 && isWordByte(text[start-1]) {
			i = c + 1
			continue
		}
		end, ok := s.vector(text, start)
		if !ok {
			i = c + 1
			continue
		}
		if spans != nil {
			*spans = append(*spans, span{start, end})
		}
		i = end
	}
}

// vector parses the vector starting at text[start:] ("cvss:3.1/av:n/…" or
// "av:n/…"), records its metrics and returns where it ends.
func (s *Stated) vector(text string, start int) (int, bool) {
	i := start
	version := int8(0)
	if strings.HasPrefix(text[i:], "cvss:") {
		j := i + len("cvss:")
		k := j
		for k < len(text) && (isDigit(text[k]) || text[k] == '.') {
			k++
		}
		if k == j || k >= len(text) || text[k] != '/' {
			return 0, false
		}
		version = int8(text[j] - '0')
		i = k + 1
	}
	type pair struct{ name, value string }
	var pairs [24]pair
	n := 0
	end := i
	for n < len(pairs) {
		j := i
		for j < len(text) && isLetter(text[j]) && j-i < 4 {
			j++
		}
		if j == i || j-i > 3 || j >= len(text) || text[j] != ':' {
			break
		}
		k := j + 1
		for k < len(text) && isLetter(text[k]) && k-j <= 4 {
			k++
		}
		if k == j+1 || k-j-1 > 3 || k < len(text) && isWordByte(text[k]) {
			break
		}
		pairs[n] = pair{text[i:j], text[j+1 : k]}
		n++
		end = k
		if k+1 >= len(text) || text[k] != '/' {
			break
		}
		i = k + 1
	}
	if n < 3 && !(version > 0 && n >= 1) {
		return 0, false
	}
	if version == 0 {
		version = 3
		for _, p := range pairs[:n] {
			switch p.name {
			case "au":
				version = 2
			case "at", "vc", "vi", "va":
				version = 4
			}
		}
	}
	if version <= s.vectorVersion {
		return end, true // the newest version's first vector counts
	}
	var m [len(statedMetricNames)]int8
	for _, p := range pairs[:n] {
		idx, code := metricCode(version, p.name, p.value)
		if idx >= 0 && m[idx] == 0 {
			m[idx] = code
		}
	}
	if m == ([len(statedMetricNames)]int8{}) {
		return end, true
	}
	s.Metrics, s.vectorVersion = m, version
	s.vectorScore = baseScore(version, &m)
	return end, true
}

// metricCode codes one metric:value pair of a vector of the given version
// (metricValueNames names the codes); -1 for a metric that is not one of
// the base metrics kept.
func metricCode(version int8, name, value string) (int, int8) {
	code := func(pairs string) int8 {
		// pairs: "n4a3l2p1": value letter, then its code.
		for k := 0; k+1 < len(pairs); k += 2 {
			if len(value) == 1 && value[0] == pairs[k] {
				return int8(pairs[k+1] - '0')
			}
		}
		return 0
	}
	impact := "h3l2n1"
	if version == 2 {
		impact = "c3p2n1"
	}
	switch name {
	case "av":
		return mAV, code("n4a3l2p1")
	case "ac":
		return mAC, code("l3m2h1")
	case "pr":
		return mPR, code("n3l2h1")
	case "au":
		return mPR, code("n3s2m1")
	case "ui":
		return mUI, code("n3p2a1r1")
	case "s":
		return mS, code("c2u1")
	case "c", "vc":
		return mC, code(impact)
	case "i", "vi":
		return mI, code(impact)
	case "a", "va":
		return mA, code(impact)
	}
	return -1, 0
}

// baseScore computes the base score of a complete CVSS v3.x vector (FIRST,
// CVSS v3.1 Specification, §7.1 and Appendix A's Roundup) or v2 vector
// (CVSS v2 Guide, §3.2.1); 0 for an incomplete one or another version.
func baseScore(version int8, m *[len(statedMetricNames)]int8) float64 {
	switch version {
	case 3:
		for _, k := range [...]int{mAV, mAC, mPR, mUI, mS, mC, mI, mA} {
			if m[k] == 0 {
				return 0
			}
		}
		if m[mAC] == 2 {
			return 0 // "medium" is v2 only
		}
		changed := m[mS] == 2
		cia := func(c int8) float64 { return [...]float64{0, 0, 0.22, 0.56}[c] }
		av := [...]float64{0, 0.2, 0.55, 0.62, 0.85}[m[mAV]]
		ac := [...]float64{0, 0.44, 0, 0.77}[m[mAC]]
		pr := [...]float64{0, 0.27, 0.62, 0.85}[m[mPR]]
		if changed {
			pr = [...]float64{0, 0.5, 0.68, 0.85}[m[mPR]]
		}
		ui := 0.85
		if m[mUI] != 3 {
			ui = 0.62
		}
		iss := 1 - (1-cia(m[mC]))*(1-cia(m[mI]))*(1-cia(m[mA]))
		impact := 6.42 * iss
		if changed {
			impact = 7.52*(iss-0.029) - 3.25*math.Pow(iss-0.02, 15)
		}
		if impact <= 0 {
			return 0
		}
		exploit := 8.22 * av * ac * pr * ui
		if changed {
			return roundUp(math.Min(1.08*(impact+exploit), 10))
		}
		return roundUp(math.Min(impact+exploit, 10))
	case 2:
		for _, k := range [...]int{mAV, mAC, mPR, mC, mI, mA} {
			if m[k] == 0 || k == mAV && m[k] == 1 {
				return 0
			}
		}
		cia := func(c int8) float64 { return [...]float64{0, 0, 0.275, 0.660}[c] }
		av := [...]float64{0, 0, 0.395, 0.646, 1}[m[mAV]]
		ac := [...]float64{0, 0.35, 0.61, 0.71}[m[mAC]]
		au := [...]float64{0, 0.45, 0.56, 0.704}[m[mPR]]
		impact := 10.41 * (1 - (1-cia(m[mC]))*(1-cia(m[mI]))*(1-cia(m[mA])))
		exploit := 20 * av * ac * au
		f := 1.176
		if impact == 0 {
			f = 0
		}
		return math.Round(((0.6*impact)+(0.4*exploit)-1.5)*f*10) / 10
	}
	return 0
}

// roundUp is CVSS v3.1's Roundup: the smallest number of one decimal
// equal to or above x, computed on integers to avoid floating-point
// surprises.
func roundUp(x float64) float64 {
	i := int64(math.Round(x * 100000))
	if i%10000 == 0 {
		return float64(i) / 100000
	}
	return float64(i/10000+1) / 10
}
