package extract

import (
	"bufio"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"os"
	"testing"

	"github.com/cyberstreams/cyberstreams/internal/shareddata"
)

// advisoryTexts reads the text the scorer extracts from, summary + "\n\n" +
// details, of every advisory in the shared training set.
func advisoryTexts(t testing.TB) []string {
	f, err := os.Open(shareddata.File(t, "advisories_train.jsonl.gz"))
	if err != nil {
		t.Fatalf("open advisories: %v", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("advisories: %v", err)
	}
	var out []string
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	for sc.Scan() {
		var rec struct {
			Summary string `json:"summary"`
			Details string `json:"details"`
		}
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("advisory: %v", err)
		}
		out = append(out, rec.Summary+"\n\n"+rec.Details)
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read advisories: %v", err)
	}
	return out
}

// outputDigest hashes everything the package returns for each text: the
// entities under three configurations and Refang of the whole text.
func outputDigest(texts []string) string {
	names := fuzzNames()
	exs := []*Extractor{
		New(Options{Refang: true}),
		New(Options{}),
		New(Options{Refang: true, Names: names}),
	}
	h := sha256.New()
	for i, s := range texts {
		for x, ex := range exs {
			writeEntities(h, fmt.Sprintf("%d/%d", i, x), ex.Extract(s))
		}
		fmt.Fprintf(h, "%d/refang\t%q\n", i, Refang(s))
	}
	return hex.EncodeToString(h.Sum(nil))
}

func writeEntities(h hash.Hash, key string, e Entities) {
	for _, ty := range Types {
		for _, v := range e[ty] {
			io.WriteString(h, key+"\t"+ty+"\t"+v+"\n")
		}
	}
	fmt.Fprintf(h, "%s\t%d\n", key, len(e))
}

// The digests below were produced by the extractor before its speed work
// (commit 3dfb54f). Any change in what Extract or Refang returns, on the
// advisories or the generated report corpus, changes them. A deliberate
// behaviour change must update them and say why in its commit.
// Deliberate changes since:
//   - advisories: version lists ("Supported versions that are affected are
//     12.1.0.2, 12.2.0.1 and 19c") no longer read as IPv4 addresses (629 of
//     2,502 addresses in 400 advisories, every one a version).
//   - issue #16 (checked value by value against the outputs before):
//     advisories gain 333 schemeless URLs (217 github.com and 48
//     golang.org package paths such as "github.com/owner/repo/pkg"),
//     3 e-mails written "user [at] host", one 0x-prefixed SHA-256; they
//     lose a gist id read as an MD5 (now part of its schemeless URL) and
//     two code names read as domains ("self._content.read",
//     "parser.link" inside a Go symbol path). TRAM sentences gain 25
//     schemeless or spaced URLs, a "CVE 1999-0911" and a SHA-256 in a
//     file-reputation link, and lose two "available at x[.]onion" read as
//     e-mail addresses; the generated corpus loses one such e-mail.
//   - issue #16, parity with the peers' own readings: a domain standing
//     alone with bracketed or escaped dots ("juanjik[.]com") is a URL too,
//     refanged "http://juanjik.com" (343 URLs in 286 TRAM sentences, 200
//     in the generated corpus, none in the advisories; nothing lost). The
//     hex-encoded URLs and the mixed partial brackets ("1\.)1[.1.)1") added
//     with it change none of the three.
//   - then: e-mail addresses with a tag keep it ("foo+bar@example.com",
//     7 addresses in the advisories that lost their local part's head),
//     and "::1" is an address (3 in the advisories); TRAM and the
//     generated corpus unchanged.
//   - then: a URL in another URL's query is no URL of its own, its host
//     still reported (advisories lose 44 such URLs, 39 of them one
//     percent-encoded liferay.dev redirect target, none of their hosts;
//     TRAM loses 3 URLs run together after a query); a name with a port
//     before a path or defanged alone is a URL (TRAM gains 2,
//     "nulled2nd[.]camdvr[.]org:6666").
//   - then: a span that begins inside a Latin, Greek or Cyrillic word is
//     no indicator ("bücher[.]de" gave "cher.de"): the advisories lose one
//     domain, "re53.de" cut from an address; TRAM, where hashes stand right
//     against Chinese text, is unchanged.
//   - then (a stranger's leftovers and the peers' written forms): a URL
//     with a written scheme is a URL under any TLD ("http://a.example/"),
//     its host no domain: the advisories gain 10 such URLs
//     ("https://attacker.domain/rce.js", "http://kube.pi/…"); the
//     0x-prefixed SHA-256 is written with its prefix (value unchanged);
//     "(CVE 2023-44487)" in brackets is read (1). File hashes in URLs
//     read on sandbox hosts, after "analysis"/"report", and as a sample's
//     name ("/<md5>.exe"), "CWE 89", "asn 262036", "hxxp :// host" and
//     IPv6 e-mail literals change none of the three corpora.
//   - then: an IPv4 address before a path that starts with no digit is a
//     schemeless URL ("192.168.1.102/user/delete/1#" in the advisories,
//     "85.214.149[.]236:443/sugarcrm/…" twice and "158.69.36[.]149/span"
//     in TRAM); "0:0:0:0:0:0:0:1" is the loopback (one in the
//     advisories, "000:0:0000::01"); the ldap, ldaps, rmi, dns, irc,
//     telnet and rtsp schemes change none of the three.
//   - then: a schemeless URL whose host is defanged as links are ("[.]",
//     "(.)", "\.") is refanged with "http://", as the bare host is and as
//     iocextract documents ("example[.]com/path" -> "http://example.com/path"):
//     16 URLs in TRAM and one in the advisories ("github\.com/…") change
//     their refanged value, none is gained or lost.
const (
	advisoriesDigest = "bca0c41aabc702245b640791241be5db98c5e5b3f77bda737efd47e513a45cd2"
	tramDigest       = "a58899d077a6fc7495a38b0b2ac231c8fff81887c0175bb7d2705be169986298"
	reportDigest     = "ac1ff4102abb2f9ffb56c19409eaa27fb4fa4de0ae1a5735cbd201784c601378"
)

func TestOutputUnchangedOnAdvisories(t *testing.T) {
	texts := advisoryTexts(t)
	if got := outputDigest(texts); got != advisoriesDigest {
		t.Errorf("output over %d advisories changed: digest %s, want %s", len(texts), got, advisoriesDigest)
	}
}

// The TRAM sentences quote far more defanged infrastructure than the
// advisories do, so they cover the refanging paths.
func TestOutputUnchangedOnTRAM(t *testing.T) {
	texts := tramSentences(t)
	if got := outputDigest(texts); got != tramDigest {
		t.Errorf("output over %d TRAM sentences changed: digest %s, want %s", len(texts), got, tramDigest)
	}
}

func TestOutputUnchangedOnReportCorpus(t *testing.T) {
	var texts []string
	for seed := uint64(1); seed <= 64; seed++ {
		texts = append(texts, reportCorpus(16<<10, seed))
	}
	if got := outputDigest(texts); got != reportDigest {
		t.Errorf("output over the generated corpus changed: digest %s, want %s", got, reportDigest)
	}
}

// BenchmarkExtractAdvisories measures the scoring hot path: one Extract per
// advisory of about a kilobyte, so per-call costs count as much as per-byte
// ones.
func BenchmarkExtractAdvisories(b *testing.B) {
	texts := advisoryTexts(b)
	size := 0
	for _, s := range texts {
		size += len(s)
	}
	ex := New(Options{Refang: true})
	b.SetBytes(int64(size))
	b.ReportAllocs()
	cpu0, ok := processCPU()
	n := 0
	for b.Loop() {
		for _, s := range texts {
			ex.Extract(s)
		}
		n++
	}
	if cpu1, ok1 := processCPU(); ok && ok1 && cpu1 > cpu0 {
		b.ReportMetric(float64(n*size)/1e6/(cpu1-cpu0).Seconds(), "MB/cpu-s")
		b.ReportMetric(float64(n*len(texts))/(cpu1-cpu0).Seconds(), "docs/cpu-s")
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n*len(texts)), "ns/doc")
}

// slowStable is stableURL without the plainURL shortcut.
func slowStable(canon string) bool {
	sub := run{refang: true, text: canon, depth: 1}
	sub.scan()
	for _, f := range sub.found {
		if f.k == kURL && f.v == canon {
			return true
		}
	}
	return false
}

// checkPlainURLs checks plainURL's promise on every URL extracted from
// texts: a URL it accepts re-extracts as itself.
func checkPlainURLs(t *testing.T, texts []string) (plain, all int) {
	ex := New(Options{Refang: true})
	for _, s := range texts {
		for _, u := range ex.Extract(s)["url"] {
			all++
			if !plainURL(u) {
				continue
			}
			plain++
			if !slowStable(u) {
				t.Errorf("plainURL(%q) but it does not re-extract as itself", u)
			}
		}
	}
	return plain, all
}

func TestPlainURLsAreStable(t *testing.T) {
	for _, c := range []struct {
		name  string
		texts func(testing.TB) []string
	}{{"advisories", advisoryTexts}, {"tram", tramSentences}} {
		t.Run(c.name, func(t *testing.T) {
			plain, all := checkPlainURLs(t, c.texts(t))
			t.Logf("%d of %d URLs take the plain path", plain, all)
		})
	}
}

// TestPlainURLEdges holds plainURL to its promise on URLs built to sit on
// the edge of each condition it mirrors.
func TestPlainURLEdges(t *testing.T) {
	for _, u := range []string{
		"https://example.com/a%2Eb", "https://example.com/a%2eb", "https://example.com/%40x",
		"https://example.com/a%2", "https://example.com/a%20b", "https://example.com/%3A%2F%2Fx",
		"https://example.com/?f=/etc/passwd", "https://example.com/?f=/etcx/passwd",
		"https://example.com/a:/tmp/x", "https://example.com/(/tmp/x)", "https://web.example.org/web/2020/http://example.com/x",
		"https://example.com/hxxp://x", "https://example.com/hxxp%3a", "https://example.com/fxp:", "https://example.com/a.hxxps:",
		"https://example.com/a,https://example.org", "https://example.com/a;b", "https://example.com/x.",
		"https://user:pa$$@example.com:8443/p?q=1#f", "http://192.0.2.1/x", "http://[2001:db8::1]/x",
		"https://example.com/\\x", "https://example.com/~user/", "ftp://example.com/pub/",
		"https://example.com/a=b/c", "https://example.com/x:80",
	} {
		if plainURL(u) && !slowStable(u) {
			t.Errorf("plainURL(%q) but it does not re-extract as itself", u)
		}
	}
	for _, u := range []string{"https://example.com/a%20b", "https://github.com/o/r/commit/0a1b", "https://web.example.org/web/2020/http://example.com/x"} {
		if !plainURL(u) {
			t.Errorf("plainURL(%q) = false, want true", u)
		}
	}
}
