package extract

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// reportCorpus generates about size bytes of report-like prose: sentences of
// everyday CTI vocabulary with numbers, versions and file names, and roughly
// one indicator (plain or defanged) every other sentence. It is
// deterministic for a fixed seed.
func reportCorpus(size int, seed uint64) string {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	words := strings.Fields(`the actor used a loader to deploy the payload on victim hosts after
		initial access through spearphishing with malicious attachments then moved laterally
		using stolen credentials and remote services while the implant beaconed to its command
		and control server over encrypted channels we observed persistence via scheduled tasks
		registry run keys and services the campaign targeted government energy and financial
		organisations in several regions analysts assess with moderate confidence that this
		activity overlaps with previously reported intrusions defenders should hunt for these
		indicators patch exposed systems and review authentication logs for anomalous sign-ins
		researchers at the vendor published a report describing new variants of the backdoor`)
	hex := func(n int) string {
		const digits = "0123456789abcdef"
		b := make([]byte, n)
		for i := range b {
			b[i] = digits[rng.IntN(16)]
		}
		return string(b)
	}
	ip := func() string {
		nets := []string{"192.0.2", "198.51.100", "203.0.113"}
		return fmt.Sprintf("%s.%d", nets[rng.IntN(3)], 1+rng.IntN(254))
	}
	domain := func() string {
		subs := []string{"cdn", "update", "mail", "login", "api", "static"}
		tlds := []string{"example.com", "example.org", "example.net"}
		return subs[rng.IntN(len(subs))] + "." + tlds[rng.IntN(len(tlds))]
	}
	indicator := func() string {
		switch rng.IntN(16) {
		case 0:
			return ip()
		case 1:
			return strings.Replace(ip(), ".", "[.]", 3)
		case 2:
			return domain()
		case 3:
			return strings.ReplaceAll(domain(), ".", "[.]")
		case 4:
			return "hxxps://" + strings.ReplaceAll(domain(), ".", "[.]") + "/gate.php?id=" + hex(8)
		case 5:
			return "https://" + domain() + "/download/" + hex(6) + ".zip"
		case 6:
			return hex(32)
		case 7:
			return hex(40)
		case 8:
			return "SHA256: " + hex(64)
		case 9:
			return fmt.Sprintf("CVE-20%02d-%d", 10+rng.IntN(14), 1000+rng.IntN(40000))
		case 10:
			return fmt.Sprintf("T1%03d.%03d", rng.IntN(600), 1+rng.IntN(9))
		case 11:
			return "admin[@]" + domain()
		case 12:
			return `C:\Users\Public\` + hex(6) + ".exe"
		case 13:
			return `HKCU\Software\Microsoft\Windows\CurrentVersion\Run`
		case 14:
			return fmt.Sprintf("version %d.%d.%d.%d", rng.IntN(10), rng.IntN(10), rng.IntN(100), rng.IntN(1000))
		default:
			return "report.pdf"
		}
	}
	var b strings.Builder
	b.Grow(size + 512)
	for b.Len() < size {
		n := 8 + rng.IntN(18)
		for i := 0; i < n; i++ {
			w := words[rng.IntN(len(words))]
			if i == 0 {
				w = strings.ToUpper(w[:1]) + w[1:]
			}
			b.WriteString(w)
			switch r := rng.IntN(40); {
			case r == 0:
				b.WriteString(", ")
			case r == 1:
				fmt.Fprintf(&b, " %d ", rng.IntN(5000))
			case r == 2:
				fmt.Fprintf(&b, " (%d.%d%%) ", rng.IntN(100), rng.IntN(10))
			default:
				b.WriteByte(' ')
			}
		}
		if rng.IntN(2) == 0 {
			b.WriteString(indicator())
		} else {
			b.WriteString("end")
		}
		b.WriteString(". ")
		if rng.IntN(8) == 0 {
			b.WriteString("\n\n")
		}
	}
	return b.String()
}

// syntheticNames builds a dictionary of n made-up names with two aliases
// each, plus a few real-looking ones, to measure the Aho–Corasick pass.
func syntheticNames(n int) *Names {
	rng := rand.New(rand.NewPCG(7, 11))
	syll := []string{"ka", "zor", "vex", "tri", "mon", "bel", "quor", "dax", "ul", "phen", "gor", "sil"}
	name := func() string {
		var b strings.Builder
		for i := 0; i < 2+rng.IntN(3); i++ {
			b.WriteString(syll[rng.IntN(len(syll))])
		}
		s := b.String()
		return strings.ToUpper(s[:1]) + s[1:]
	}
	kinds := []string{"actor", "malware", "tool"}
	names := NewNames()
	names.Add("actor", "APT28", "Fancy Bear", "Sofacy")
	names.Add("malware", "Emotet", "Geodo")
	for i := 0; i < n; i++ {
		names.Add(kinds[i%3], name()+fmt.Sprint(i), name()+" "+name(), name()+"Bot")
	}
	return names
}

func TestReportCorpusIsReportLike(t *testing.T) {
	c := reportCorpus(200_000, 1)
	if c != reportCorpus(200_000, 1) {
		t.Fatal("corpus is not deterministic")
	}
	e := New(Options{Refang: true}).Extract(c)
	for _, ty := range []string{"ipv4", "domain", "url", "email", "md5", "sha1", "sha256", "cve", "attack_technique", "file_path", "registry_key"} {
		if len(e[ty]) == 0 {
			t.Errorf("no %s found in the generated corpus", ty)
		}
	}
	for _, v := range e["domain"] {
		if !strings.HasSuffix(v, ".example.com") && !strings.HasSuffix(v, ".example.org") && !strings.HasSuffix(v, ".example.net") {
			t.Errorf("unexpected domain %q in generated corpus", v)
		}
	}
	for _, v := range e["ipv4"] {
		if !strings.HasPrefix(v, "192.0.2.") && !strings.HasPrefix(v, "198.51.100.") && !strings.HasPrefix(v, "203.0.113.") {
			t.Errorf("unexpected ipv4 %q (a version string?)", v)
		}
	}
}

func BenchmarkExtract(b *testing.B) {
	corpus := reportCorpus(1<<20, 1)
	for _, bc := range []struct {
		name string
		opts Options
	}{
		{"refang", Options{Refang: true}},
		{"as-written", Options{}},
		{"refang+3000names", Options{Refang: true, Names: syntheticNames(3000)}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			ex := New(bc.opts)
			b.SetBytes(int64(len(corpus)))
			b.ReportAllocs()
			cpu0, ok := processCPU()
			n := 0
			for b.Loop() {
				ex.Extract(corpus)
				n++
			}
			// MB/s above is wall-clock; on a busy machine the CPU time
			// is the fairer measure of per-core speed.
			if cpu1, ok1 := processCPU(); ok && ok1 && cpu1 > cpu0 {
				b.ReportMetric(float64(n*len(corpus))/1e6/(cpu1-cpu0).Seconds(), "MB/cpu-s")
			}
		})
	}
}
