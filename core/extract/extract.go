// Package extract finds the indicators and named entities an analyst pivots
// on in free text: IP addresses, domains, URLs, e-mail addresses, file hashes
// (MD5, SHA-1, SHA-256, SHA-512, ssdeep), CVE/CWE ids, ATT&CK technique ids,
// ASNs, MAC and bitcoin addresses, Windows registry keys, file paths, and
// actor/malware/tool names from a dictionary. Each value is available as
// written in the text and refanged (Indicators), or either alone (Extract).
//
// It reads defanged indicators the way analysts and tools write them
// (hxxps[:]//evil[.]example[.]com, user[@]example.com, 192.0.2[.]1, base64 and
// percent-encoded URLs) and guards against the usual false positives (version
// numbers, file names that look like domains, unlisted TLDs, hex runs that are
// part of longer hashes).
//
// Speed matters because every ingested document passes through here, so the
// text is read once, byte by byte: whitespace-delimited spans are classified by
// cheap character flags, and only spans that carry a trigger character (digit,
// '.', ':', '@', brackets, slashes, '%') are normalised and validated with small
// hand-written checks. Named entities are found in a separate word-hash pass.
//
// # What is read, and what is decided against
//
// The forms below were checked against three extractors analysts use
// (InQuest's iocextract, ioc-finder, ioc-extractor) by bench/extract_parity,
// which reports every disagreement by class. Where we differ, it is on
// purpose:
//
// Defanging undone: hxxp, hXXps, h**p, fxp and ftx (ftp); [.] (.) {.} [dot]
// (dot), partial and mixed brackets (example[.com, 1\.)1[.1.)1, a ')' or
// '}' after a dot only inside a name, so "(see x.)" stays prose), \. and
// %2E; [:] [://] [/]; [@] (@) {@} [at] (at); "http__host" and
// "http:__host" for "http://host";
// "http:\\host" for "http://host"; spaces around or after the scheme
// separator ("http :// host", "hxxp :// host", "hxxp__ host") and inside a
// URL's host and before its path (Cisco ESA's "http:// example .com
// /path", also "example .com/test", iocextract's "hxxp__ example( .com[/]path").
// A spaced join stands only when the whole reads as a URL, and a word
// before " .tld" that is a stop word or written in mixed case ("the .be",
// "MongoDB .NET/C#") never joins. An e-mail address with a space beside
// its '@' ("me@} example[.com", "me @example [.)com") joins only when its
// domain is defanged, so "thanks @example" stays a word and a handle.
//
// Schemes are kept as written (sftp, tcp, udp, ssh, and ldap, rmi and dns
// for JNDI lookups, "${jndi:ldap://…}"): iocextract writes any unknown
// scheme as http, which loses what the URL was. A written
// scheme is evidence enough that a name is a host: "http://a.example/" and
// "https://intranet.corp/x" are URLs whatever their TLD (the name alone is
// no domain, and a host joined across spaces must still end in a listed
// TLD).
//
// Nested indicators: a URL inside another's query, plain or
// percent-encoded ("?u=http:%2F%2Fevil…"), gives its host (and the file
// hashes in its path), not a URL of its own: the outer URL is the
// indicator, as all three peers read it (ioc-finder reports the inner
// host too; ioc-extractor makes it "2fevil…"). A URL inside another's path
// (an archived copy, "web.archive.org/web/2021/http://…", or two URLs run
// together) is a URL too, where the peers see one. Base64 and hex-encoded
// URLs ("aHR0cDovL…", "687474703a2f2f…", as iocextract reads them) are
// decoded, the encoded text being the value as written.
// A file hash inside a URL is reported when the URL says it is about a file:
// any hex run of hash length standing as a path segment or query value on a
// file-reputation or sandbox host (VirusTotal, any.run, tria.ge, Hybrid
// Analysis, MalwareBazaar …), elsewhere one after a "file", "sample",
// "analysis" or "report" segment ("…/sample/<sha256>"), under a "md5",
// "hash" … query key ("?md5=<md5>"), or naming a sample ("…/<md5>.exe").
// The peers report every hex run in a URL; in the advisories' URLs that
// reading adds about 120 commit, tree, note and bug ids and no file hash,
// so other hex runs in URLs (commit and gist ids, signatures, tokens) are
// not hashes.
//
// Schemeless URLs: a domain or an IPv4 address, with or without a port,
// followed by a path ("github.com/owner/repo",
// "evil[.]example:8080/gate.php", "192.0.2.1/admin/") is a URL. One whose
// host is defanged as links are ("[.]", "(.)", "\.") is refanged with
// "http://" ("http://evil.example:8080/gate.php"), as a bare host defanged
// so is and as iocextract documents it; any other is refanged without a
// scheme, as none was written ("github.com/owner/repo", as ioc-finder
// reports it). Its path ends at a bracket, quote or '*'; a path whose
// first segment is itself a domain ("example.com/example.org") is two
// names; an IP address before a slash and a number is a CIDR range, not a
// URL.
//
// Bare hosts: a domain standing alone with bracketed or escaped dots
// ("example[.]com", "evil(.)example\.net", iocextract's anchors) is a
// domain and a URL too, refanged "http://example.com": whoever defanged it
// took it for a link, and iocextract, the extractor most used for
// defanged text, reports it so, with its port if one is written
// ("example[.]com:8080"). A plain "example.com" is a domain only; so are
// names defanged only by words or braces ("example[dot]com"). iocextract's
// URL pattern also takes defanged
// addresses ("192[.]0[.]2[.]1") and the domains of defanged e-mail
// addresses: those stay an IPv4 address and an e-mail address, no link.
//
// Written forms: "CVE 2014-1001" and "cve-2014-1001" (refanged
// CVE-2014-1001); "CWE 89" and "cwe 89" (CWE-89); "t1059.001" (T1059.001);
// "AS13335", "ASN 13335", "asn 13335", "asn13335" and "as13335" (AS13335;
// not "asn1", the notation, nor "as 2019" or "as1", words); MAC addresses
// with colons, hyphens or dots, letters only included ("aa-bb-cc-dd-ee-ff"); "0x"-prefixed hashes (written with
// the prefix, the value the hex after it); hosts with underscores in
// subdomain labels ("cdn_01.example.com"); IPv6 in any spelling, refanged to RFC 5952
// form, the loopback "::1" ("0:0:0:0:0:0:0:1") included, and the IPv4
// address an IPv6 one ends in ("::ffff:192.0.2.1") reported too, as
// ioc-extractor does; e-mail addresses with a tag ("user+tag@example.com")
// or an address literal ("user@[192.0.2.1]", "user@[IPv6:2001:db8::1]");
// ssdeep hashes whose block size is 3·2ⁿ; an IPv4
// address with a spaced dot ("192.0.2 . 1", ioc-extractor's " . "), which
// joins numbers only, never words ("end . Next").
//
// Not extracted:
//   - file names: a two-label name whose TLD is also a common file
//     extension ("invoice.zip", "setup.py", "README.md"), and names whose
//     last label is no ICANN TLD ("update.exe", "report.pdf") unless a
//     written scheme says they are hosts. With three
//     labels ("cdn.example.zip") it is a domain unless an inner label is an
//     extension too ("invoice.pdf.zip");
//   - a name whose registrable label has an underscore ("item_func.cc",
//     "self._content.read"): registrars refuse them, code is full of them;
//   - names written like code ("System.Net", "BehavesLike.Win32.Generic"),
//     and reverse-DNS identifiers, whose last label is no TLD
//     ("com.apple.main-thread");
//   - version strings: four dotted numbers after a version word ("version
//     1.2.3.4", "v1.2.3.4", "ver=…") or in a list introduced by one
//     ("versions 11.2.0.4, 12.1.0.2 and 19c"), and longer dotted runs
//     (OIDs such as 1.3.6.1.4.1);
//   - "at" as a word before a defanged host ("staged the payload at
//     evil[.]example"): a spaced "at" makes an e-mail address only when it
//     is bracketed ("user [at] example.com") or the domain's dots are
//     spaced words too ("user at example dot com");
//   - clock times, ratios and groups of IPv6 addresses as ssdeep hashes;
//     MAC addresses, clock times and code scopes ("a::b") as IPv6; hex runs
//     of hash length as bitcoin addresses; hex runs inside longer tokens as
//     hashes.
package extract

import (
	"fmt"
	"math/bits"
	"slices"
	"strings"
	"sync"
)

// Types lists every entity type in a stable order, for feature names and
// display. The index of a type in this slice is its internal kind.
var Types = []string{
	"ipv4", "ipv6", "domain", "url", "email",
	"md5", "sha1", "sha256", "sha512", "ssdeep",
	"cve", "cwe", "attack_technique",
	"asn", "mac", "bitcoin", "registry_key", "file_path",
	"actor", "malware", "tool",
}

// kind is an index into Types.
type kind uint8

const (
	kIPv4 kind = iota
	kIPv6
	kDomain
	kURL
	kEmail
	kMD5
	kSHA1
	kSHA256
	kSHA512
	kSSDeep
	kCVE
	kCWE
	kTechnique
	kASN
	kMAC
	kBitcoin
	kRegistryKey
	kFilePath
	kActor
	kMalware
	kTool
	numKinds
)

// Entities maps a type name (one of Types) to its values, sorted and unique.
// Types with no value are absent.
type Entities map[string][]string

// Count is the number of values over all types.
func (e Entities) Count() int {
	n := 0
	for _, v := range e {
		n += len(v)
	}
	return n
}

// Options configures an Extractor.
type Options struct {
	// Refang returns normalised values: defanging undone, domains and URL
	// hosts lowercased, IPv6 in RFC 5952 form, hashes lowercased, CVE/CWE ids
	// upper-cased, base64 and percent-encoded URLs decoded. Without it values
	// are returned exactly as written in the text.
	Refang bool
	// Names is the dictionary of actor, malware and tool names. It is
	// compiled by New; later changes to it do not affect the Extractor.
	Names *Names
	// Types, when not empty, limits the output to these types (names from
	// Types; check them with ParseTypes). Extraction itself is unchanged,
	// so a URL's host is still read as part of its URL.
	Types []string
}

// ParseTypes reads a comma-separated list of type names ("ip,url,domain"),
// where "ip" stands for ipv4 and ipv6 and "hash" for every hash type, and
// returns the names in Types order. An unknown name is an error that lists
// the known ones.
func ParseTypes(list string) ([]string, error) {
	var want uint32
	for _, name := range strings.Split(list, ",") {
		name = strings.ToLower(strings.TrimSpace(name))
		if name == "" {
			continue
		}
		m, ok := typeAliases[name]
		if !ok {
			k := slices.Index(Types, name)
			if k < 0 {
				return nil, fmt.Errorf("unknown entity type %q (known: %s, and ip, hash)", name, strings.Join(Types, ", "))
			}
			m = 1 << k
		}
		want |= m
	}
	if want == 0 {
		return nil, fmt.Errorf("no entity type in %q", list)
	}
	var out []string
	for k, t := range Types {
		if want&(1<<k) != 0 {
			out = append(out, t)
		}
	}
	return out, nil
}

// typeAliases are the group names ParseTypes accepts, as kind bit sets.
var typeAliases = map[string]uint32{
	"ip":   1<<kIPv4 | 1<<kIPv6,
	"hash": 1<<kMD5 | 1<<kSHA1 | 1<<kSHA256 | 1<<kSHA512 | 1<<kSSDeep,
}

// Extractor finds entities in text. It is immutable after New and safe for
// concurrent use.
type Extractor struct {
	refang bool
	only   uint32     // kinds to report, a bit set; 0 for all
	names  *nameIndex // nil when there is no dictionary
	// runs keeps scan state between calls, so a stream of small documents
	// does not regrow the scan buffers for each one.
	runs sync.Pool
}

// New compiles the options into an Extractor.
func New(opts Options) *Extractor {
	e := &Extractor{refang: opts.Refang}
	for _, t := range opts.Types {
		if k := slices.Index(Types, t); k >= 0 {
			e.only |= 1 << k
		}
	}
	e.runs.New = func() any { return new(run) }
	if opts.Names != nil && opts.Names.len() > 0 {
		e.names = opts.Names.compile()
	}
	return e
}

// finding is one extracted value before grouping: v as Extract reports it,
// and, when the run records pairs, w as written in the text ("" for a value
// decoded from an encoded form, which has no written form).
type finding struct {
	k kind
	v string
	w string
}

// Extract returns the entities found in text.
func (e *Extractor) Extract(text string) Entities {
	r := e.find(text, false)
	defer e.runs.Put(r)
	out := group(r.found)
	r.text = "" // do not pin the document in the pool
	return out
}

// Indicator is one value found in text, as written and refanged.
type Indicator struct {
	Type string `json:"type"`
	// Written is the text the value was read from ("hxxp://evil[.]example",
	// "2001:DB8:0:0::1"); empty for a value decoded from an encoded form
	// (the host of a base64 URL), which is not written as such.
	Written string `json:"written"`
	// Refanged is the normalised value Extract returns with Refang.
	Refanged string `json:"refanged"`
}

// Indicators returns every value found in text with the text it was read
// from, whatever the Refang option: ordered by type (in Types order), then
// refanged value, then written form, each pair once. The refanged values of
// a type are those Extract returns with Refang.
func (e *Extractor) Indicators(text string) []Indicator {
	r := e.find(text, true)
	defer e.runs.Put(r)
	out := make([]Indicator, 0, len(r.found))
	slices.SortFunc(r.found, func(a, b finding) int {
		if a.k != b.k {
			return int(a.k) - int(b.k)
		}
		if c := strings.Compare(a.v, b.v); c != 0 {
			return c
		}
		return strings.Compare(a.w, b.w)
	})
	for i, f := range r.found {
		if i > 0 && f == r.found[i-1] {
			continue
		}
		out = append(out, Indicator{Type: Types[f.k], Written: f.w, Refanged: f.v})
	}
	r.text = ""
	return out
}

// find runs the scan and the name match over text, in a pooled run the
// caller puts back, keeping the kinds the Extractor reports.
func (e *Extractor) find(text string, pairs bool) *run {
	r := e.runs.Get().(*run)
	// Reset every field; only the buffers' capacity carries over. Findings
	// are copied out by the caller (their values are strings), so the
	// slices can be reused.
	*r = run{refang: e.refang || pairs, pairs: pairs, text: text, found: r.found[:0], norm: r.norm[:0],
		oStart: r.oStart[:0], oEnd: r.oEnd[:0], joins: r.joins[:0], sub: r.sub,
		suffixes: r.suffixes, hosts: r.hosts, canon: r.canon[:0]}
	if r.suffixes == nil {
		r.suffixes = make(suffixMemo)
		r.hosts = new(hostMemo)
	}
	r.scan()
	if e.names != nil {
		r.found = e.names.match(text, r.found)
	}
	if e.only != 0 {
		r.found = slices.DeleteFunc(r.found, func(f finding) bool { return e.only&(1<<f.k) == 0 })
	}
	return r
}

// group sorts and deduplicates findings into Entities. The findings are
// bucketed by kind (a counting sort over the kinds present, a bit set), so
// only the values within a kind are compared, and every kind's values share
// one backing array, each slice capped at its length so that appending to
// one cannot overwrite the next.
func group(found []finding) Entities {
	if len(found) == 0 {
		return Entities{}
	}
	var present uint32 // bit k: kind k was found
	var count [numKinds]int32
	for _, f := range found {
		count[f.k]++
		present |= 1 << f.k
	}
	// at[k] is where kind k's values go next; once placed, where they end.
	var at [numKinds]int32
	off := int32(0)
	for m := present; m != 0; m &= m - 1 {
		k := bits.TrailingZeros32(m)
		at[k] = off
		off += count[k]
	}
	vals := make([]string, len(found))
	for _, f := range found {
		vals[at[f.k]] = f.v
		at[f.k]++
	}
	out := make(Entities, bits.OnesCount32(present))
	for m := present; m != 0; m &= m - 1 {
		k := bits.TrailingZeros32(m)
		v := vals[at[k]-count[k] : at[k]]
		if len(v) > 1 {
			slices.Sort(v)
			v = slices.Compact(v)
		}
		out[Types[k]] = v[:len(v):len(v)]
	}
	return out
}
