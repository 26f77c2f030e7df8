package extract

import (
	"reflect"
	"slices"
	"testing"
)

// E is shorthand for the expected Entities in the tables below.
type E = Entities

func TestExtractRefanged(t *testing.T) {
	cases := []struct {
		name string
		text string
		want E
	}{
		// IPv4
		{"ipv4 plain", "C2 at 192.0.2.1 today", E{"ipv4": {"192.0.2.1"}}},
		{"ipv4 several sorted unique", "203.0.113.5, 198.51.100.7 and 203.0.113.5", E{"ipv4": {"198.51.100.7", "203.0.113.5"}}},
		{"ipv4 with port", "beacon to 192.0.2.10:8443.", E{"ipv4": {"192.0.2.10"}}},
		{"ipv4 cidr", "block 198.51.100.0/24", E{"ipv4": {"198.51.100.0"}}},
		{"ipv4 defanged last dot", "192.0.2[.]1", E{"ipv4": {"192.0.2.1"}}},
		{"ipv4 all dots defanged", "198[.]51[.]100[.]23", E{"ipv4": {"198.51.100.23"}}},
		{"ipv4 paren dot", "203.0.113(.)9", E{"ipv4": {"203.0.113.9"}}},
		{"ipv4 brace dot", "203{.}0{.}113{.}9", E{"ipv4": {"203.0.113.9"}}},
		{"ipv4 dot word", "192[dot]0[dot]2[dot]44", E{"ipv4": {"192.0.2.44"}}},
		{"ipv4 leading zeros normalised", "198.051.100.007", E{"ipv4": {"198.51.100.7"}}},
		{"ipv4 octet out of range", "999.1.1.1 and 192.0.2.256", E{}},
		{"ipv4 after version", "upgrade to version 1.2.3.4 now", E{}},
		{"ipv4 after Version colon", "Version: 10.0.17763.1", E{}},
		{"ipv4 after v", "agent v 2.3.4.5 shipped", E{}},
		{"ipv4 version inline", "ver=5.1.2.3", E{}},
		{"ipv4 in a version list", "Supported versions that are affected are 11.2.0.4, 12.1.0.2, 12.2.0.1 and 19c.", E{}},
		{"ipv4 versions up to", "in all versions up to, and including, 4.2.6.3 due to", E{}},
		{"ipv4 fixed versions", "Fixed Versions:     6.1.3.2, 6.0.3.7, 5.2.4.6", E{}},
		{"ipv4 prior to versions across a line", "prior to versions\n23.0.12.13, (24.0.12.9)", E{}},
		{"ipv4 after a version and other words", "Version 2 of the implant beacons to 198.51.100.7", E{"ipv4": {"198.51.100.7"}}},
		{"ipv4 version word in the previous sentence", "Fixed in version 3. The C2 at 192.0.2.10 is live.", E{"ipv4": {"192.0.2.10"}}},
		{"ipv4 after versions and a noun", "versions: the gateway 192.0.2.11 answered", E{"ipv4": {"192.0.2.11"}}},
		{"ipv4 v prefix", "v1.2.3.4", E{}},
		{"ipv4 OID is not an address", "OID 1.3.6.1.4.1.311", E{}},
		{"ipv4 range", "192.0.2.1-192.0.2.9", E{"ipv4": {"192.0.2.1", "192.0.2.9"}}},
		{"ipv4 in brackets and parens", "(192.0.2.3) [198.51.100.4]", E{"ipv4": {"192.0.2.3", "198.51.100.4"}}},

		// IPv6
		{"ipv6 compressed", "seen from 2001:db8::1 too", E{"ipv6": {"2001:db8::1"}}},
		{"ipv6 full form canonicalised", "2001:DB8:0:0:0:0:0:1", E{"ipv6": {"2001:db8::1"}}},
		{"ipv6 leading compression", "::ffff:192.0.2.1", E{"ipv6": {"::ffff:192.0.2.1"}, "ipv4": {"192.0.2.1"}}},
		{"ipv6 trailing compression", "2001:db8:85a3::", E{"ipv6": {"2001:db8:85a3::"}}},
		{"ipv6 link local", "fe80::1", E{"ipv6": {"fe80::1"}}},
		{"ipv6 middle compression", "2001:db8:0:1::a:b", E{"ipv6": {"2001:db8:0:1::a:b"}}},
		{"ipv6 in url", "http://[2001:db8::2]:8080/x", E{"ipv6": {"2001:db8::2"}, "url": {"http://[2001:db8::2]:8080/x"}}},
		{"ipv6 defanged colon", "2001[:]db8[:]:5", E{"ipv6": {"2001:db8::5"}}},
		{"not ipv6: C++ scope", "std::string and a::b and Cafe::Add", E{}},
		{"not ipv6: time", "at 12:30:45 UTC", E{}},

		// domains
		{"domain plain", "resolves example.com daily", E{"domain": {"example.com"}}},
		{"domain lowercased", "Visit WWW.EXAMPLE.ORG.", E{"domain": {"www.example.org"}}},
		{"domain sentence start", "Example.net was registered", E{"domain": {"example.net"}}},
		{"domain bracket dot", "example[.]com", E{"domain": {"example.com"}, "url": {"http://example.com"}}},
		{"domain paren dot", "example(.)net", E{"domain": {"example.net"}, "url": {"http://example.net"}}},
		{"domain brace dot", "example{.}org", E{"domain": {"example.org"}}},
		{"domain [dot]", "evil[dot]example[dot]com", E{"domain": {"evil.example.com"}}},
		{"domain (dot)", "evil(dot)example(dot)net", E{"domain": {"evil.example.net"}}},
		{"domain spaced dot", "evil dot example dot org is bad", E{"domain": {"evil.example.org"}}},
		{"domain spaced bracket dot", "example [.] com", E{"domain": {"example.com"}, "url": {"http://example.com"}}},
		{"domain partial bracket", "example[.com", E{"domain": {"example.com"}}},
		{"domain escaped dot", `example\.com`, E{"domain": {"example.com"}, "url": {"http://example.com"}}},
		{"domain percent-encoded dot", "example%2Ecom", E{"domain": {"example.com"}}},
		{"domain idn punycode", "xn--bcher-kva.example", E{}},
		{"domain punycode tld", "example.xn--p1ai", E{"domain": {"example.xn--p1ai"}}},
		{"dot com bubble is prose", "the dot com bubble", E{}},
		{"dot between words is prose", "click the red dot then go", E{}},
		{"invalid tld", "host.invalidtld and foo.localdomain", E{}},
		{"public suffix alone", "co.uk", E{}},
		{"file setup.py", "run setup.py install", E{}},
		{"file report.pdf", "open report.pdf", E{}},
		{"file index.html", "index.html", E{}},
		{"file config.json", "edit config.json", E{}},
		{"file exe dll", "drops evil.exe and helper.dll", E{}},
		{"file README.md", "see README.md", E{}},
		{"zip two labels is a file", "invoice.zip", E{}},
		{"zip three labels is a domain", "cdn.example.zip", E{"domain": {"cdn.example.zip"}}},
		{"zip with inner extension is a file", "invoice.pdf.zip", E{}},
		{"mov two labels is a file", "clip.mov", E{}},
		{"code identifier", "System.Net and System.IO", E{}},
		{"detection name", "BehavesLike.Win32.Generic.cz", E{}},
		{"upper-case domain", "EVIL.EXAMPLE.COM", E{"domain": {"evil.example.com"}}},
		{"underscore alone is no label", "_.name", E{}},
		{"abbreviation", "e.g. and i.e. and U.S.", E{}},
		{"domain with underscore service label", "_dmarc.example.com", E{"domain": {"_dmarc.example.com"}}},

		// URLs
		{"url https", "download https://example.com/a/b?c=1#f now", E{"url": {"https://example.com/a/b?c=1#f"}, "domain": {"example.com"}}},
		{"url hxxps defanged", "hxxps://evil[.]example[.]com/path", E{"url": {"https://evil.example.com/path"}, "domain": {"evil.example.com"}}},
		{"url hXXp", "hXXp://example.com/x", E{"url": {"http://example.com/x"}, "domain": {"example.com"}}},
		{"url hxxps[:]//", "hxxps[:]//example[.]org/login", E{"url": {"https://example.org/login"}, "domain": {"example.org"}}},
		{"url [://]", "http[://]example.net/", E{"url": {"http://example.net/"}, "domain": {"example.net"}}},
		{"url [:]// and [/]", "https[:]//example.com[/]a", E{"url": {"https://example.com/a"}, "domain": {"example.com"}}},
		{"url fxp", "fxp://192.0.2.8/drop", E{"url": {"ftp://192.0.2.8/drop"}, "ipv4": {"192.0.2.8"}}},
		{"url host case", "HTTPS://Example.COM/Path", E{"url": {"https://example.com/Path"}, "domain": {"example.com"}}},
		{"url trailing punctuation", "(see https://example.com/a).", E{"url": {"https://example.com/a"}, "domain": {"example.com"}}},
		{"url balanced parens kept", "https://example.com/wiki/A_(b)", E{"url": {"https://example.com/wiki/A_(b)"}, "domain": {"example.com"}}},
		{"url with port and userinfo", "ftp://user:pw@example.net:2121/f.bin", E{"url": {"ftp://user:pw@example.net:2121/f.bin"}, "domain": {"example.net"}}},
		{"url ip host", "http://198.51.100.9/gate.php", E{"url": {"http://198.51.100.9/gate.php"}, "ipv4": {"198.51.100.9"}}},
		{"url percent-encoded", "http%3A%2F%2Fexample.com%2Fpath%2Fx", E{"url": {"http://example.com/path/x"}, "domain": {"example.com"}}},
		{"url %2F in redirect", "https://r.example.net/?u=https%3A%2F%2Fevil.example.org%2Fp&x=1", E{
			"url":    {"https://r.example.net/?u=https%3A%2F%2Fevil.example.org%2Fp&x=1"},
			"domain": {"evil.example.org", "r.example.net"}}},
		{"url base64", "payload aHR0cDovL2V4YW1wbGUuY29tL3g= decoded", E{"url": {"http://example.com/x"}, "domain": {"example.com"}}},
		{"url base64 https", "aHR0cHM6Ly9leGFtcGxlLm9yZy9h", E{"url": {"https://example.org/a"}, "domain": {"example.org"}}},
		{"base64 that is not a url", "aGVsbG8gd29ybGQ=", E{}},
		{"url list", "http://example.com/a,http://example.org/b", E{"url": {"http://example.com/a", "http://example.org/b"}, "domain": {"example.com", "example.org"}}},
		{"url unknown host", "http://localhost:8080/admin", E{}},
		{"url json escaped", `https:\/\/example.com\/x`, E{"url": {"https://example.com/x"}, "domain": {"example.com"}}},
		{"url zip host", "https://update.zip/a", E{"url": {"https://update.zip/a"}}},

		// e-mail
		{"email plain", "mail admin@example.com.", E{"email": {"admin@example.com"}, "domain": {"example.com"}}},
		{"email [@]", "user[@]example.com", E{"email": {"user@example.com"}, "domain": {"example.com"}}},
		{"email (@) and [.]", "john.doe(@)example[.]org", E{"email": {"john.doe@example.org"}, "domain": {"example.org"}}},
		{"email [at] [dot]", "ops[at]example[dot]net", E{"email": {"ops@example.net"}, "domain": {"example.net"}}},
		{"email spaced at dot", "write to user at example dot com", E{"email": {"user@example.com"}, "domain": {"example.com"}}},
		{"spaced at without defanged domain is prose", "meet at example.com", E{"domain": {"example.com"}}},
		{"email lowercased", "Admin@Example.COM", E{"email": {"admin@example.com"}, "domain": {"example.com"}}},
		{"handle is not email", "@example and foo@bar", E{}},

		// hashes
		{"md5", "d41d8cd98f00b204e9800998ecf8427e", E{"md5": {"d41d8cd98f00b204e9800998ecf8427e"}}},
		{"md5 upper lowercased", "MD5: D41D8CD98F00B204E9800998ECF8427E", E{"md5": {"d41d8cd98f00b204e9800998ecf8427e"}}},
		{"sha1", "da39a3ee5e6b4b0d3255bfef95601890afd80709", E{"sha1": {"da39a3ee5e6b4b0d3255bfef95601890afd80709"}}},
		{"sha256", "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", E{"sha256": {"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}}},
		{"sha512", "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e", E{"sha512": {"cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"}}},
		{"md5 inside sha256 is not md5", "e3b0c44298fc1c149afbf4c8996fb924 27ae41e4649b934ca495991b7852b855 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", E{
			"md5":    {"27ae41e4649b934ca495991b7852b855", "e3b0c44298fc1c149afbf4c8996fb924"},
			"sha256": {"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}}},
		{"hex run of odd length", "e3b0c44298fc1c149afbf4c8996fb92427ae41e", E{}},
		{"hex tail of a longer token", "xd41d8cd98f00b204e9800998ecf8427e", E{}},
		{"hash in file name", "d41d8cd98f00b204e9800998ecf8427e.exe", E{"md5": {"d41d8cd98f00b204e9800998ecf8427e"}}},
		{"long decimal is not a hash", "12345678901234567890123456789012", E{}},

		// ids
		{"cve upper-cased", "cve-2021-44228 and CVE-2014-0160.", E{"cve": {"CVE-2014-0160", "CVE-2021-44228"}}},
		{"cve five digits", "CVE-2023-12345", E{"cve": {"CVE-2023-12345"}}},
		{"cve inside token", "exploit-CVE-2017-0144_poc", E{"cve": {"CVE-2017-0144"}}},
		{"cve too short", "CVE-2021-123 and CVE-21-1234", E{}},
		{"cve comma list", "CVE-2021-26855,CVE-2021-27065", E{"cve": {"CVE-2021-26855", "CVE-2021-27065"}}},
		{"cwe", "CWE-79 (XSS) and cwe-1321", E{"cwe": {"CWE-1321", "CWE-79"}}},
		{"technique", "Uses T1059.001 and T1566 (phishing)", E{"attack_technique": {"T1059.001", "T1566"}}},
		{"ics technique", "T0866", E{"attack_technique": {"T0866"}}},
		{"not a technique", "T12345 TA0001 T1059.1 t10590 T2059", E{}},
		{"technique in lower case", "t1329 and t1059.001", E{"attack_technique": {"T1059.001", "T1329"}}},
		{"asn", "AS13335 and ASN15169 and AS 64496.", E{"asn": {"AS13335", "AS15169", "AS64496"}}},
		{"not asn", "AS0 ASX AS", E{}},

		// addresses
		{"mac colon", "00:1A:2B:3C:4D:5E", E{"mac": {"00:1a:2b:3c:4d:5e"}}},
		{"mac dash", "00-1a-2b-3c-4d-5e", E{"mac": {"00:1a:2b:3c:4d:5e"}}},
		{"mac cisco", "001a.2b3c.4d5e", E{"mac": {"00:1a:2b:3c:4d:5e"}}},
		{"mac letters only", "bridge ab-cd-ef-ab-cd-ef.", E{"mac": {"ab:cd:ef:ab:cd:ef"}}},
		{"word before full stop", "see systems. (also", E{}},
		{"bitcoin p2pkh", "pay 1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", E{"bitcoin": {"1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"}}},
		{"bitcoin p2sh", "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", E{"bitcoin": {"3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy"}}},
		{"bitcoin bech32", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", E{"bitcoin": {"bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"}}},
		{"bitcoin bad checksum", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3 bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdp", E{}},

		// registry keys and paths
		{"registry key with space", `HKLM\Software\Microsoft\Windows NT\CurrentVersion\Winlogon was changed`, E{"registry_key": {`HKLM\Software\Microsoft\Windows NT\CurrentVersion\Winlogon`}}},
		{"registry key long root", `HKEY_CURRENT_USER\Software\Microsoft\Windows\CurrentVersion\Run.`, E{"registry_key": {`HKEY_CURRENT_USER\Software\Microsoft\Windows\CurrentVersion\Run`}}},
		{"registry key powershell", `HKCU:\Software\Classes`, E{"registry_key": {`HKCU:\Software\Classes`}}},
		{"windows path with spaces", `copied to C:\Program Files (x86)\Evil\svc.exe and run`, E{"file_path": {`C:\Program Files (x86)\Evil\svc.exe`}}},
		{"two windows paths", `C:\a\b.exe C:\c\d.dll`, E{"file_path": {`C:\a\b.exe`, `C:\c\d.dll`}}},
		{"env path", `%APPDATA%\Roaming\upd.exe`, E{"file_path": {`%APPDATA%\Roaming\upd.exe`}}},
		{"unc path", `\\fileserver\share\x.ps1`, E{"file_path": {`\\fileserver\share\x.ps1`}}},
		{"escaped shellcode is no unc path", `\\x90\\x90`, E{}},
		{"unix path", "reads /etc/passwd and /tmp/.x/kinsing", E{"file_path": {"/etc/passwd", "/tmp/.x/kinsing"}}},
		{"not a unix path", "and/or 24/7 /path/to", E{}},
		{"path file name is not a domain", `C:\Users\Public\invoice.com.exe`, E{"file_path": {`C:\Users\Public\invoice.com.exe`}}},

		// ssdeep
		{"ssdeep", "ssdeep 96:s4Ud1Lj96tHHlZDrwciQmA+4uy1I0G4HYuL8N3TzS8QsO/wqWXLcMSx:sF1LjEtHHlZDrJzrhuyZvHYm8tKp/RWO,\"a.exe\"",
			E{"ssdeep": {"96:s4Ud1Lj96tHHlZDrwciQmA+4uy1I0G4HYuL8N3TzS8QsO/wqWXLcMSx:sF1LjEtHHlZDrJzrhuyZvHYm8tKp/RWO"}}},
		{"ssdeep short", "3:Hn:H", E{}},
		{"ssdeep block size not 3*2^n", "100:abcdefgh:ijklmn", E{}},
		{"clock time is no ssdeep", "at 12:30:45 and 24:00:00", E{}},
		{"ipv6 groups are no ssdeep", "2001:0db8:0000:0000:0000:0000:0000:0001", E{"ipv6": {"2001:db8::1"}}},

		// mixed prose
		{"prose with nothing", "The actor used spearphishing, then moved laterally.", E{}},
		{"prose numbers", "In 2023, 45.6% of 1,200 hosts (3.5 GB) were hit at 10:30.", E{}},
	}
	ex := New(Options{Refang: true})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want := E{}
			for k, v := range c.want {
				if len(v) > 0 {
					want[k] = v
				}
			}
			got := ex.Extract(c.text)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Extract(%q)\n got %v\nwant %v", c.text, got, want)
			}
		})
	}
}

// TestPeerForms holds the extractor to the forms the peer extractors
// document in their READMEs (InQuest's iocextract, ioc-finder and its
// fanger, ioc-extractor) and to the classes of issue #16, in our own cases.
// Where we decide otherwise the case says so; the package comment gives
// the reasons.
func TestPeerForms(t *testing.T) {
	cases := []struct {
		name string
		text string
		want E
	}{
		// defang and obfuscation schemes
		{"http__ for ://", "http__example.com/path", E{"url": {"http://example.com/path"}, "domain": {"example.com"}}},
		{"http:__ for ://", "hxxps:__evil.example.net/x", E{"url": {"https://evil.example.net/x"}, "domain": {"evil.example.net"}}},
		{"backslashes for //", `http:\\example.com/path`, E{"url": {"http://example.com/path"}, "domain": {"example.com"}}},
		{"[:] for :", "http[:]//example.com/path", E{"url": {"http://example.com/path"}, "domain": {"example.com"}}},
		{"[://] for ://", "http[://]example.com", E{"url": {"http://example.com"}, "domain": {"example.com"}}},
		{"[/] for /", "http://example.com[/]path", E{"url": {"http://example.com/path"}, "domain": {"example.com"}}},
		{"hxxp", "hxxp://example.com/path", E{"url": {"http://example.com/path"}, "domain": {"example.com"}}},
		{"fxp", "fxp://example.com/f.bin", E{"url": {"ftp://example.com/f.bin"}, "domain": {"example.com"}}},
		{"ftx", "ftx://example.com/f.bin", E{"url": {"ftp://example.com/f.bin"}, "domain": {"example.com"}}},
		{"sftp kept", "sftp://example.com/f.bin", E{"url": {"sftp://example.com/f.bin"}, "domain": {"example.com"}}},
		{"tcp kept", "C2: tcp://example[.]com:8989/bad", E{"url": {"tcp://example.com:8989/bad"}, "domain": {"example.com"}}},
		{"space after ://", "http:// example[.]com/path", E{"url": {"http://example.com/path"}, "domain": {"example.com"}}},
		{"space before ://", "http ://example.com/path", E{"url": {"http://example.com/path"}, "domain": {"example.com"}}},
		{"space inside the host", "http://example .com/test", E{"url": {"http://example.com/test"}, "domain": {"example.com"}}},
		{"Cisco ESA spaces", "http:// example .com /path", E{"url": {"http://example.com/path"}, "domain": {"example.com"}}},
		{"schemeless with a space in the host", "example .com/test", E{"url": {"example.com/test"}, "domain": {"example.com"}}},
		{"spaced scheme in prose is no URL", "see http:// for details", E{}},
		{"a dot word after a stop word is prose", "the .be/.Local names", E{}},
		{"mixed case before a spaced dot is code", "MongoDB .NET/C# driver", E{}},
		{"(.) in a domain", "example(.)com", E{"domain": {"example.com"}, "url": {"http://example.com"}}},
		{"{.} in a domain", "example{.}com", E{"domain": {"example.com"}}},
		{"[dot] in a domain", "example[dot]com", E{"domain": {"example.com"}}},
		{"(dot) in a domain", "example(dot)com", E{"domain": {"example.com"}}},
		{"partial bracket in a URL", "http://example[.com/path", E{"url": {"http://example.com/path"}, "domain": {"example.com"}}},
		{"[.] in an IP", "192[.]168.1.1", E{"ipv4": {"192.168.1.1"}}},
		{"(.) in an IP", "1(.)1(.)1(.)1", E{"ipv4": {"1.1.1.1"}}},
		{"\\. in an IP", `1\.1\.1\.1`, E{"ipv4": {"1.1.1.1"}}},
		{"partial brackets in an IP", "1[.1[.1.]1", E{"ipv4": {"1.1.1.1"}}},
		{"e-mail [@] and [.]", "me[@]example[.]com", E{"email": {"me@example.com"}, "domain": {"example.com"}}},
		{"e-mail {@} and {.}", "me{@}example{.}com", E{"email": {"me@example.com"}, "domain": {"example.com"}}},
		{"e-mail spaced [.]", "me@example [.] com", E{"email": {"me@example.com"}, "domain": {"example.com"}}},
		{"e-mail [at]", "me [at] example.com", E{"email": {"me@example.com"}, "domain": {"example.com"}}},
		{"e-mail with a space after a bracketed @", "me@} example[.com", E{"email": {"me@example.com"}, "domain": {"example.com"}}},
		{"e-mail with a space before @", "me @example [.)com", E{"email": {"me@example.com"}, "domain": {"example.com"}}},
		{"a handle after a word is no e-mail", "thanks @example for the tip, me @example.com", E{"domain": {"example.com"}}},
		{"spaced underscore scheme and split bracket", "hxxp__ example( .com[/]path", E{"url": {"http://example.com/path"}, "domain": {"example.com"}}},
		{"a code name ending in __ is no scheme", "snake_case__ thing and http__ the end", E{}},
		{"plain at before a defanged host is prose", "staged the payload at evil[.]example.com", E{"domain": {"evil.example.com"}, "url": {"http://evil.example.com"}}},
		{"mixed partial brackets in an IP", `1\.)1[.1.)1 and 193.]25[.)7.)10`, E{"ipv4": {"1.1.1.1", "193.25.7.10"}}},
		{"mixed brackets in a URL", `hxxps[:]//test\.example[.)com[/]path`, E{"url": {"https://test.example.com/path"}, "domain": {"test.example.com"}}},
		{"a closing paren after a dot in prose stays", "(see the changelog.) and (@user)", E{}},
		{"jq filters are no names", "select(.data) and map(.data)", E{}},

		// indicators inside other indicators
		{"sha256 in a file-reputation link", "https://www.virustotal.com/gui/file/e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855/detection",
			E{"url": {"https://www.virustotal.com/gui/file/e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855/detection"},
				"domain": {"www.virustotal.com"}, "sha256": {"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}}},
		{"md5 in a query", "http://lookup.example.com/q?md5=d41d8cd98f00b204e9800998ecf8427e",
			E{"url": {"http://lookup.example.com/q?md5=d41d8cd98f00b204e9800998ecf8427e"}, "domain": {"lookup.example.com"}, "md5": {"d41d8cd98f00b204e9800998ecf8427e"}}},
		{"commit id is no file hash", "https://github.com/o/r/commit/da39a3ee5e6b4b0d3255bfef95601890afd80709",
			E{"url": {"https://github.com/o/r/commit/da39a3ee5e6b4b0d3255bfef95601890afd80709"}, "domain": {"github.com"}}},
		{"gist id is no file hash", "https://gist.github.com/someone/d41d8cd98f00b204e9800998ecf8427e",
			E{"url": {"https://gist.github.com/someone/d41d8cd98f00b204e9800998ecf8427e"}, "domain": {"gist.github.com"}}},
		{"URL encoded in a redirect", "https://t.example.com/r?u=http:%2F%2Fevil.example.org%2Fx",
			E{"url": {"https://t.example.com/r?u=http:%2F%2Fevil.example.org%2Fx"}, "domain": {"evil.example.org", "t.example.com"}}},
		{"URL in a redirect's query", "http://example.com/?q=http://other.example.org/x",
			E{"url": {"http://example.com/?q=http://other.example.org/x"}, "domain": {"example.com", "other.example.org"}}},
		{"archived URL in a path", "https://web.archive.org/web/2021/http://www.example.com/id/1",
			E{"url": {"http://www.example.com/id/1", "https://web.archive.org/web/2021/http://www.example.com/id/1"}, "domain": {"web.archive.org", "www.example.com"}}},
		{"schemeless URL with a port", "example[.]com:8080/path and example.com:8443/x", E{"url": {"example.com:8443/x", "http://example.com:8080/path"}, "domain": {"example.com"}}},
		{"bracketed bare host with a port", "evil[.]example[.]com:443", E{"url": {"http://evil.example.com:443"}, "domain": {"evil.example.com"}}},
		{"no port above 65535", "example.com:99999/x", E{"domain": {"example.com"}}},
		{"schemeless URL with a path", "github.com/owner/repo/blob/main/x.py", E{"url": {"github.com/owner/repo/blob/main/x.py"}, "domain": {"github.com"}}},
		{"schemeless URL defanged as a link is refanged with http", "evil[.]example[.]com/gate.php?id=1 and example\\.net/x",
			E{"url": {"http://evil.example.com/gate.php?id=1", "http://example.net/x"}, "domain": {"evil.example.com", "example.net"}}},
		{"schemeless URL defanged by words or braces has no scheme", "example[dot]com/path and example{.}org/x",
			E{"url": {"example.com/path", "example.org/x"}, "domain": {"example.com", "example.org"}}},
		{"schemeless URL ends at a bracket", "[tekton.dev/pipeline](x)", E{"url": {"tekton.dev/pipeline"}, "domain": {"tekton.dev"}}},
		{"two names are no URL", "readthedocs.org/readthedocs.com", E{"domain": {"readthedocs.com", "readthedocs.org"}}},
		{"a bracketed bare host is a URL too", "evil[.]example[.]com and 192[.]0[.]2[.]1", E{"domain": {"evil.example.com"}, "ipv4": {"192.0.2.1"}, "url": {"http://evil.example.com"}}},
		{"a bare host defanged by words or braces is no URL", "example[dot]com and example{.}org", E{"domain": {"example.com", "example.org"}}},
		{"an e-mail domain is no URL", "me[@]example[.]com", E{"email": {"me@example.com"}, "domain": {"example.com"}}},
		{"hex-encoded URL", "687474703a2f2f6578616d706c652e636f6d2f70617468", E{"url": {"http://example.com/path"}, "domain": {"example.com"}}},
		{"hex-encoded URL in capitals", "68747470733A2F2F6578616D706C652E636F6D2F61", E{"url": {"https://example.com/a"}, "domain": {"example.com"}}},
		{"hex run of hash length that is no URL", "687474703a2f2f00112233445566778899aabbcc", E{"sha1": {"687474703a2f2f00112233445566778899aabbcc"}}},
		{"a CIDR is no URL", "10.0.0.0/8", E{"ipv4": {"10.0.0.0"}}},
		{"an address before a path is a schemeless URL", "1[.]2[.]3[.]4/gate.php and 192.0.2.1:8080/x",
			E{"url": {"192.0.2.1:8080/x", "http://1.2.3.4/gate.php"}, "ipv4": {"1.2.3.4", "192.0.2.1"}}},
		{"a version before a path is no URL", "version 1.2.3.4/abc", E{}},
		{"JNDI lookup URLs", "${jndi:ldap://evil.example.com:1389/a} ${jndi:rmi://192.0.2.1/b}",
			E{"url": {"ldap://evil.example.com:1389/a", "rmi://192.0.2.1/b"}, "domain": {"evil.example.com"}, "ipv4": {"192.0.2.1"}}},
		{"irc, telnet and rtsp URLs", "irc://irc.example.net:6667/c telnet://192.0.2.5 rtsp://cam.example.com/s",
			E{"url": {"irc://irc.example.net:6667/c", "rtsp://cam.example.com/s", "telnet://192.0.2.5"},
				"domain": {"cam.example.com", "irc.example.net"}, "ipv4": {"192.0.2.5"}}},
		{"explicit scheme under an unlisted TLD", "http://a.example/ and https://intranet.corp:8443/x",
			E{"url": {"http://a.example/", "https://intranet.corp:8443/x"}}},
		{"no scheme under an unlisted TLD is no URL", "a.example/path and intranet.corp", E{}},
		{"an unlisted TLD joined across spaces is prose", "visit http:// a .example", E{}},
		{"spaced defanged scheme", "hxxp :// example .com /path", E{"url": {"http://example.com/path"}, "domain": {"example.com"}}},
		{"hash in a sandbox link", "https://app.any.run/tasks/e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855/",
			E{"url": {"https://app.any.run/tasks/e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855/"}, "domain": {"app.any.run"}, "sha256": {"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}}},
		{"hash after an analysis segment", "https://sandbox.example.com/analysis/e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
			E{"url": {"https://sandbox.example.com/analysis/e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}, "domain": {"sandbox.example.com"}, "sha256": {"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}}},
		{"sample named by its hash", "http://evil.example.com/d41d8cd98f00b204e9800998ecf8427e.exe",
			E{"url": {"http://evil.example.com/d41d8cd98f00b204e9800998ecf8427e.exe"}, "domain": {"evil.example.com"}, "md5": {"d41d8cd98f00b204e9800998ecf8427e"}}},
		{"a page named by a hex id is no sample", "http://blog.example.com/d41d8cd98f00b204e9800998ecf8427e.html",
			E{"url": {"http://blog.example.com/d41d8cd98f00b204e9800998ecf8427e.html"}, "domain": {"blog.example.com"}}},
		{"commit id in a pull request's files is no file hash", "https://github.com/o/r/pull/1/files/da39a3ee5e6b4b0d3255bfef95601890afd80709",
			E{"url": {"https://github.com/o/r/pull/1/files/da39a3ee5e6b4b0d3255bfef95601890afd80709"}, "domain": {"github.com"}}},
		{"commit id in a query is no file hash", "https://git.kernel.org/pub/linux.git/commit/?id=da39a3ee5e6b4b0d3255bfef95601890afd80709",
			E{"url": {"https://git.kernel.org/pub/linux.git/commit/?id=da39a3ee5e6b4b0d3255bfef95601890afd80709"}, "domain": {"git.kernel.org"}}},
		{"note id is no file hash", "https://note.example.com/share?id=d41d8cd98f00b204e9800998ecf8427e",
			E{"url": {"https://note.example.com/share?id=d41d8cd98f00b204e9800998ecf8427e"}, "domain": {"note.example.com"}}},
		{"a file name before a slash is no URL", "setup.py/x", E{}},

		// written forms
		{"CVE with a space", "CVE 2014-1001 and cve 2021-44228.", E{"cve": {"CVE-2014-1001", "CVE-2021-44228"}}},
		{"CVE with a space, too short", "CVE 2014-101", E{}},
		{"CVE with a space in brackets", "(CVE 2023-44487)", E{"cve": {"CVE-2023-44487"}}},
		{"CWE with a space", "cwe 89, CWE 79 and [CWE 22].", E{"cwe": {"CWE-22", "CWE-79", "CWE-89"}}},
		{"a CVE id after CWE is no CWE", "CWE 2021-44228 and CWE 089", E{}},
		{"ASN in lower case with a space", "asn 262036 and Asn 13335", E{"asn": {"AS13335", "AS262036"}}},
		{"as is a word", "as 2019 ended", E{}},
		{"0x md5", "0xd41d8cd98f00b204e9800998ecf8427e", E{"md5": {"d41d8cd98f00b204e9800998ecf8427e"}}},
		{"0X sha1", "0XDA39A3EE5E6B4B0D3255BFEF95601890AFD80709", E{"sha1": {"da39a3ee5e6b4b0d3255bfef95601890afd80709"}}},
		{"0x run of no hash length", "0xdeadbeef", E{}},
		{"host with an underscore", "cdn_01.example.com", E{"domain": {"cdn_01.example.com"}}},
		{"URL host with an underscore", "https://a_b.example.com/x", E{"url": {"https://a_b.example.com/x"}, "domain": {"a_b.example.com"}}},
		{"underscore in the registrable label is a file name", "item_func.cc and new_report.kp", E{}},
		{"e-mail with an IP literal", "admin@[192.0.2.1]", E{"email": {"admin@[192.0.2.1]"}, "ipv4": {"192.0.2.1"}}},
		{"e-mail with an IPv6 literal", "admin@[IPv6:2001:DB8:0:0::1]", E{"email": {"admin@[IPv6:2001:db8::1]"}, "ipv6": {"2001:db8::1"}}},
		{"ipv6 upper case", "2001:DB8::1", E{"ipv6": {"2001:db8::1"}}},
		{"ipv6 loopback", "bound to ::1 only", E{"ipv6": {"::1"}}},
		{"ipv6 loopback written in full", "0:0:0:0:0:0:0:1", E{"ipv6": {"::1"}}},
		{"ipv6 with an IPv4 tail gives the IPv4 too", "::ffff:192.0.2.128", E{"ipv6": {"::ffff:192.0.2.128"}, "ipv4": {"192.0.2.128"}}},
		{"a code scope is no loopback", "std::1 and a::1", E{}},
		{"e-mail with a tag", "test+tag@example.com and x+y+z@mail.example.org", E{"email": {"test+tag@example.com", "x+y+z@mail.example.org"}, "domain": {"example.com", "mail.example.org"}}},
		{"a plus outside an address joins nothing", "c++ 1+1 a+evil.com", E{"domain": {"evil.com"}}},
		{"ASN in lower case", "asn13335", E{"asn": {"AS13335"}}},
		{"asn1 is the notation", "asn1 and pyasn1", E{}},
		{"as and four digits in lower case", "as13335 but not as1 or as400", E{"asn": {"AS13335"}}},
		{"MAC address of letters only", "aa-bb-cc-dd-ee-ff and AA-BB-CC-DD-EE-FA", E{"mac": {"aa:bb:cc:dd:ee:fa", "aa:bb:cc:dd:ee:ff"}}},
		{"a hyphenated word of MAC length is no MAC", "co-operative-work", E{}},
		{"spaced dot in an IP", "1.1.1 . 1", E{"ipv4": {"1.1.1.1"}}},
		{"a join stops before a separator that makes no name", "Block 45.148.15 . 189 at the perimeter.", E{"ipv4": {"45.148.15.189"}}},
		{"spaced dot in prose", "example . com and end . Next 1 . 2", E{}},
		{"ipv6 leading zeros", "2001:0db8:0000:0000:0000:0000:0000:0001", E{"ipv6": {"2001:db8::1"}}},

		// what not to extract
		{"file names", "invoice.pdf update.exe setup.py report.docx invoice.zip", E{}},
		{"version", "version 1.2.3.4", E{}},
		{"reverse-DNS identifier", "queue = 'com.apple.main-thread'", E{}},
	}
	ex := New(Options{Refang: true})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := ex.Extract(c.text); !reflect.DeepEqual(got, c.want) {
				t.Errorf("Extract(%q)\n got %v\nwant %v", c.text, got, c.want)
			}
		})
	}
}

func TestPeerFormsAsWritten(t *testing.T) {
	cases := []struct {
		name, text string
		want       []Indicator
	}{
		{"Cisco ESA", "http:// example .com /path", []Indicator{
			{"domain", "example .com", "example.com"}, {"url", "http:// example .com /path", "http://example.com/path"}}},
		{"http__", "http__example.com/p", []Indicator{
			{"domain", "example.com", "example.com"}, {"url", "http__example.com/p", "http://example.com/p"}}},
		{"ipv6 as written and canonical", "2001:0DB8:0:0::1", []Indicator{{"ipv6", "2001:0DB8:0:0::1", "2001:db8::1"}}},
		{"CVE with a space", "CVE 2014-1001", []Indicator{{"cve", "CVE 2014-1001", "CVE-2014-1001"}}},
		{"technique", "t1059.001", []Indicator{{"attack_technique", "t1059.001", "T1059.001"}}},
		{"0x hash", "0xD41D8CD98F00B204E9800998ECF8427E", []Indicator{{"md5", "0xD41D8CD98F00B204E9800998ECF8427E", "d41d8cd98f00b204e9800998ecf8427e"}}},
		{"CWE with a space", "cwe 89", []Indicator{{"cwe", "cwe 89", "CWE-89"}}},
		{"explicit scheme under an unlisted TLD", "hxxp://a[.]example/x", []Indicator{{"url", "hxxp://a[.]example/x", "http://a.example/x"}}},
		{"e-mail with an IPv6 literal", "me@[IPv6:2001:DB8::1]", []Indicator{
			{"ipv6", "2001:DB8::1", "2001:db8::1"}, {"email", "me@[IPv6:2001:DB8::1]", "me@[IPv6:2001:db8::1]"}}},
		{"no TLD, no URL", "evil[.]example/gate.php", nil},
		{"bracketed bare host", "evil[.]example[.]com", []Indicator{
			{"domain", "evil[.]example[.]com", "evil.example.com"}, {"url", "evil[.]example[.]com", "http://evil.example.com"}}},
		{"hex-encoded URL", "6674703a2f2f6578616d706c652e636f6d2f66", []Indicator{
			{"domain", "", "example.com"}, {"url", "6674703a2f2f6578616d706c652e636f6d2f66", "ftp://example.com/f"}}},
		{"schemeless defanged URL", "evil[.]example[.]com/gate.php", []Indicator{
			{"domain", "evil[.]example[.]com", "evil.example.com"}, {"url", "evil[.]example[.]com/gate.php", "http://evil.example.com/gate.php"}}},
	}
	ex := New(Options{})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := ex.Indicators(c.text)
			if len(got) == 0 && len(c.want) == 0 {
				return
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("Indicators(%q)\n got %v\nwant %v", c.text, got, c.want)
			}
		})
	}
}

func TestExtractAsWritten(t *testing.T) {
	cases := []struct {
		name string
		text string
		want E
	}{
		{"defanged url and host", "hxxps://evil[.]example[.]com/path", E{"url": {"hxxps://evil[.]example[.]com/path"}, "domain": {"evil[.]example[.]com"}}},
		{"defanged ip", "192.0.2[.]1", E{"ipv4": {"192.0.2[.]1"}}},
		{"email as written", "user[@]Example.com", E{"email": {"user[@]Example.com"}, "domain": {"Example.com"}}},
		{"spaced dot as written", "evil dot example dot com", E{"domain": {"evil dot example dot com"}}},
		{"cve case kept", "cve-2021-44228", E{"cve": {"cve-2021-44228"}}},
		{"hash case kept", "D41D8CD98F00B204E9800998ECF8427E", E{"md5": {"D41D8CD98F00B204E9800998ECF8427E"}}},
		{"ipv6 as written", "2001:DB8:0:0:0:0:0:1", E{"ipv6": {"2001:DB8:0:0:0:0:0:1"}}},
		{"base64 url as written", "aHR0cDovL2V4YW1wbGUuY29tL3g=", E{"url": {"aHR0cDovL2V4YW1wbGUuY29tL3g="}}},
		{"asn with space", "AS 64496", E{"asn": {"AS 64496"}}},
	}
	ex := New(Options{})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := ex.Extract(c.text)
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("Extract(%q)\n got %v\nwant %v", c.text, got, c.want)
			}
		})
	}
}

func TestRefang(t *testing.T) {
	cases := []struct{ in, want string }{
		{"hxxps://evil[.]example[.]com/a", "https://evil.example.com/a"},
		{"hXXp[:]//Example[.]COM", "http://example.com"},
		{"user[@]Example.COM", "user@example.com"},
		{"example[dot]com", "example.com"},
		{"192.0.2[.]1", "192.0.2.1"},
		{"2001:DB8:0::1", "2001:db8::1"},
		{"cve-2021-44228", "CVE-2021-44228"},
		{"aHR0cDovL2V4YW1wbGUuY29tL3g=", "http://example.com/x"},
		{"  example[.]org  ", "example.org"},
		{"not[.]an indicator", "not.an indicator"},
		{"hxxp__example[.]com/x", "http://example.com/x"},
		{"example[.]com/Path", "http://example.com/Path"},
		{"example[dot]com/Path", "example.com/Path"},
		{"CVE 2014-1001", "CVE-2014-1001"},
		{"http:// example .com /path", "http://example.com/path"},
		{"me[@]example[.]com", "me@example.com"},
		{"", ""},
	}
	for _, c := range cases {
		if got := Refang(c.in); got != c.want {
			t.Errorf("Refang(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestCount(t *testing.T) {
	e := New(Options{Refang: true}).Extract("192.0.2.1 example.com CVE-2021-44228 192.0.2.1")
	if got := e.Count(); got != 3 {
		t.Errorf("Count() = %d, want 3 (%v)", got, e)
	}
}

func TestTypesCoverKinds(t *testing.T) {
	if len(Types) != int(numKinds) {
		t.Fatalf("Types has %d names for %d kinds", len(Types), numKinds)
	}
	seen := map[string]bool{}
	for _, ty := range Types {
		if seen[ty] {
			t.Errorf("duplicate type %q", ty)
		}
		seen[ty] = true
	}
}

// BenchmarkExtractSmallDocument is the per-document cost ingest and scoring
// pay: one advisory-sized text at a time.
func BenchmarkExtractSmallDocument(b *testing.B) {
	e := New(Options{Refang: true})
	text := "Ridgeback VPN Gateway 7.0 through 7.4.1 allows an unauthenticated remote attacker to execute " +
		"arbitrary code (CVE-2025-99101, CWE-121). Exploitation seen from 203.0.113.45 and hxxps://cdn-update[.]example[.]net/a.php; " +
		"web shell at /var/www/html/status.php, sha256 4f2a9c0d1e8b7a6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c. See T1190."
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		e.Extract(text)
	}
}

func TestIndicators(t *testing.T) {
	text := "hxxps://evil[.]example[.]com/a and 2001:DB8:0:0::1, 2001:db8::1; payload aHR0cDovL2V4YW1wbGUuY29tL3g= CVE-2021-44228"
	want := []Indicator{
		{"ipv6", "2001:DB8:0:0::1", "2001:db8::1"},
		{"ipv6", "2001:db8::1", "2001:db8::1"},
		{"domain", "evil[.]example[.]com", "evil.example.com"},
		{"domain", "", "example.com"},
		{"url", "aHR0cDovL2V4YW1wbGUuY29tL3g=", "http://example.com/x"},
		{"url", "hxxps://evil[.]example[.]com/a", "https://evil.example.com/a"},
		{"cve", "CVE-2021-44228", "CVE-2021-44228"},
	}
	for _, opts := range []Options{{}, {Refang: true}} {
		got := New(opts).Indicators(text)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Indicators with %+v\n got %v\nwant %v", opts, got, want)
		}
	}
	// The refanged values are Extract's.
	ex := New(Options{Refang: true})
	refanged := E{}
	for _, in := range ex.Indicators(text) {
		if l := refanged[in.Type]; len(l) == 0 || l[len(l)-1] != in.Refanged {
			refanged[in.Type] = append(l, in.Refanged)
		}
	}
	if got := ex.Extract(text); !reflect.DeepEqual(got, refanged) {
		t.Errorf("Extract %v, Indicators' refanged values %v", got, refanged)
	}
}

func TestTypesOption(t *testing.T) {
	text := "hxxp://198.51.100[.]7/gate from evil.example.com, CVE-2021-44228"
	cases := []struct {
		list string
		want E
		err  bool
	}{
		{"ip", E{"ipv4": {"198.51.100.7"}}, false},
		{"url,cve", E{"url": {"http://198.51.100.7/gate"}, "cve": {"CVE-2021-44228"}}, false},
		{" Domain ,", E{"domain": {"evil.example.com"}}, false},
		{"hash", E{}, false},
		{"ipv5", nil, true},
		{",", nil, true},
	}
	for _, c := range cases {
		types, err := ParseTypes(c.list)
		if (err != nil) != c.err {
			t.Fatalf("ParseTypes(%q) error %v, want error %v", c.list, err, c.err)
		}
		if err != nil {
			continue
		}
		if got := New(Options{Refang: true, Types: types}).Extract(text); !reflect.DeepEqual(got, c.want) {
			t.Errorf("types %q: got %v, want %v", c.list, got, c.want)
		}
	}
}

// The ASCII tail of a word in a script written with spaces is no
// indicator; indicators against Chinese text, or in curly quotes, are.
func TestNoIndicatorFromTheTailOfAForeignWord(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"visit bücher[.]de", ""},
		{"mail admin@bücher.de", ""},
		{"straße.example.com", ""},
		{"see “evil.example.com” now", "evil.example.com"},
		{"DBE21B19C484645000F4AEE558E5546880886DC0电报-中文版.msi", "dbe21b19c484645000f4aee558e5546880886dc0"},
		{"xn--bcher-kva[.]de", "xn--bcher-kva.de"},
	} {
		var got []string
		for _, vs := range New(Options{Refang: true}).Extract(tc.in) {
			got = append(got, vs...)
		}
		if tc.want == "" && len(got) != 0 || tc.want != "" && !slices.Contains(got, tc.want) {
			t.Errorf("Extract(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
