package extract

import (
	"slices"
	"strings"
	"testing"
)

func fuzzNames() *Names {
	n := NewNames()
	n.Add("actor", "APT28", "Fancy Bear", "Sofacy", "STRONTIUM")
	n.Add("actor", "Lazarus Group", "HIDDEN COBRA")
	n.Add("malware", "Emotet", "Geodo")
	n.Add("tool", "PsExec")
	n.Add("tool", "Net", "net.exe")
	return n
}

// FuzzExtract checks that extraction never panics, that output is sorted and
// unique, and that every refanged value, extracted on its own, comes back as
// itself under the same type.
func FuzzExtract(f *testing.F) {
	for _, s := range []string{
		"hxxps://evil[.]example[.]com/path and 192.0.2[.]1",
		"user[@]example.com, user at example dot com",
		"aHR0cDovL2V4YW1wbGUuY29tL3g= http%3A%2F%2Fexample.com%2Fpath",
		"https://r.example.net/?u=https%3A%2F%2Fevil.example.org%2Fp&x=1",
		"2001:db8::1 ::ffff:192.0.2.1 fe80::1%eth0 00-1a-2b-3c-4d-5e",
		"version 1.2.3.4 setup.py report.pdf cdn.example.zip",
		"CVE-2021-44228 CWE-79 T1059.001 AS 64496",
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		`C:\Program Files (x86)\Evil\svc.exe HKLM\Software\Microsoft\Windows NT\CurrentVersion`,
		"(see https://example.com/wiki/A_(b)).",
		"Fancy Bear (APT28) used Emotet and PsExec; net.exe too.",
		"1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2 bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
		// issue #16's forms
		"http__example.com/p hxxps:__evil.example.net/x http:\\\\cdn.example.com/b ftx://example.org/f",
		"http:// example .com /path and http ://example.org/x, example .net/test",
		"github.com/owner/repo/blob/main/x.py evil[.]example[.]com/gate.php?id=1 readthedocs.org/readthedocs.com",
		"https://www.virustotal.com/gui/file/e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855/detection?md5=d41d8cd98f00b204e9800998ecf8427e",
		"CVE 2014-1001 cve 2021-44228 t1329 t1059.001 0xd41d8cd98f00b204e9800998ecf8427e",
		"cdn_01.example.com admin@[192.0.2.1] 2001:0DB8:0:0::1 me [at] example.com",
		"96:s4Ud1Lj96tHHlZDrwciQmA+4uy1I0G4HYuL8N3TzS8QsO/wqWXLcMSx:sF1LjEtHHlZDrJzrhuyZvHYm8tKp/RWO,\"a.exe\" 12:30:45",
		"http://a.example/ hxxp :// example .com /path cwe 89 (CVE 2023-44487) asn 262036 me@[IPv6:2001:DB8::1]",
		"${jndi:ldap://evil.example.com:1389/a} 1[.]2[.]3[.]4/gate.php 10.0.0.0/8 0:0:0:0:0:0:0:1 telnet://192.0.2.5 aa-bb-cc-dd-ee-ff as13335",
		"me@} example[.com me @example [.)com hxxp__ example( .com[/]path thanks @jack [.] com",
		"https://app.any.run/tasks/e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855/ http://x.example.com/d41d8cd98f00b204e9800998ecf8427e.exe",
	} {
		f.Add(s)
	}
	names := fuzzNames()
	refanged := New(Options{Refang: true, Names: names})
	written := New(Options{Names: names})
	f.Fuzz(func(t *testing.T, s string) {
		got := refanged.Extract(s)
		checkSortedUnique(t, got)
		checkSortedUnique(t, written.Extract(s))
		_ = Refang(s)
		for _, in := range refanged.Indicators(s) {
			if !slices.Contains(got[in.Type], in.Refanged) {
				t.Errorf("in %q: Indicators gives %s %q, which Extract does not", s, in.Type, in.Refanged)
			}
			if in.Written != "" && !strings.Contains(s, in.Written) {
				t.Errorf("in %q: %s %q is not written in the text", s, in.Type, in.Written)
			}
		}
		for ty, vals := range got {
			for _, v := range vals {
				if ty == "url" && plainURL(v) && !slowStable(v) {
					t.Errorf("in %q: plainURL(%q) but it does not re-extract as itself", s, v)
				}
				again := refanged.Extract(v)
				if !slices.Contains(again[ty], v) {
					t.Errorf("in %q: %s value %q re-extracts as %v", s, ty, v, again)
				}
			}
		}
	})
}

func checkSortedUnique(t *testing.T, e Entities) {
	t.Helper()
	for ty, vals := range e {
		if !slices.Contains(Types, ty) {
			t.Errorf("unknown type %q", ty)
		}
		if len(vals) == 0 {
			t.Errorf("type %q present with no values", ty)
		}
		for i := 1; i < len(vals); i++ {
			if vals[i-1] >= vals[i] {
				t.Errorf("%s values not sorted and unique: %q", ty, vals)
				break
			}
		}
	}
}
