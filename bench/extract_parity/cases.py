"""Generates the texts the parity bench runs every extractor on.

Two sources:

* generated: every defanged, nested and written form of the issue (#16) and
  of the peers' READMEs, by class, with random hosts, addresses and hashes so
  that no case is a fixed string; plus the forms that must NOT be extracted
  (file names, version strings);
* real: report sentences from ../shared/data/tram_sentences.jsonl.

Each case is {"id", "class", "text"}; texts hold no newline (the bench runs
`cyberstreams extract --lines`).
"""

import base64
import json
import os
import random

WORDS = ["loader", "beacon", "payload", "implant", "gate", "panel", "update", "static", "cdn", "mail", "login", "api"]
TLDS = ["com", "net", "org", "info", "ru", "io", "co.uk", "de"]
# Sentences around a generated form, short as the peers' own examples are
# (a form alone, or with a word or two). None ends the form with a full
# stop: the peers keep sentence punctuation in URLs, and that one known
# difference would hide the others in every class (plain/url-full-stop
# measures it). None puts "at" before the form: iocextract reads "payload
# at evil[.]com" as an e-mail address, a difference of the filler, not of
# the form.
FILLER = [
    "The actor staged the payload on {} last week",
    "C2 traffic was observed to {} over HTTPS.",
    "Block {} at the perimeter.",
    "{}",
    "{}",
    "{}",
    "IOC: {}",
    "Victims downloaded the dropper from {} on Tuesday.",
]


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)

    def word(self):
        return self.r.choice(WORDS) + str(self.r.randint(1, 99))

    def domain(self, labels=2):
        parts = [self.word() for _ in range(labels - 1)]
        return ".".join(parts + [self.r.choice(TLDS)])

    def ip(self):
        return "%d.%d.%d.%d" % (self.r.choice([45, 91, 103, 185, 193]), self.r.randint(0, 255),
                                self.r.randint(0, 255), self.r.randint(1, 254))

    def hexs(self, n):
        return "".join(self.r.choice("0123456789abcdef") for _ in range(n))

    def path(self):
        return "/".join(self.word() for _ in range(self.r.randint(1, 3))) + self.r.choice(["", ".php", ".exe", "/"])

    def sentence(self, ioc):
        return self.r.choice(FILLER).format(ioc)


def dots(s, rep):
    return s.replace(".", rep)


def mixed_dots(g, s):
    """Each dot of s defanged a different way, whole or partial brackets
    mixed, as iocextract's and ioc-extractor's "any combination" rows."""
    return "".join(g.r.choice(["[.]", "(.)", "[.", ".]", "\\.", "[.)", ".)"]) if c == "." else c for c in s)


def generated(n_per_class=12, seed=16):
    """Yields (class, text) pairs."""
    g = Gen(seed)
    classes = {
        # defang and obfuscation schemes
        "defang/hxxp": lambda: "hxxp://%s/%s" % (g.domain(), g.path()),
        "defang/hxxps-bracket-dots": lambda: "hxxps://%s/%s" % (dots(g.domain(3), "[.]"), g.path()),
        "defang/bracket-colon": lambda: "http[:]//%s/%s" % (g.domain(), g.path()),
        "defang/bracket-scheme-sep": lambda: "http[://]%s/%s" % (g.domain(), g.path()),
        "defang/bracket-slash": lambda: "http://%s[/]%s" % (g.domain(), g.path()),
        "defang/paren-dot": lambda: dots(g.domain(), "(.)"),
        "defang/brace-dot": lambda: dots(g.domain(), "{.}"),
        "defang/bracket-dot-word": lambda: dots(g.domain(), "[dot]"),
        "defang/paren-dot-word": lambda: dots(g.domain(), "(dot)"),
        "defang/escaped-dot": lambda: dots(g.domain(), "\\."),
        "defang/partial-bracket": lambda: "http://%s/%s" % (g.domain().replace(".", "[.", 1), g.path()),
        "defang/ip-bracket-dots": lambda: dots(g.ip(), "[.]"),
        "defang/ip-one-bracket": lambda: g.ip().replace(".", "[.]", 1),
        "defang/ip-paren-dots": lambda: dots(g.ip(), "(.)"),
        "defang/http-underscores": lambda: "http__%s/%s" % (g.domain(), g.path()),
        "defang/backslash-scheme": lambda: "http:\\\\%s/%s" % (g.domain(), g.path()),
        "defang/fxp": lambda: "fxp://%s/%s" % (g.domain(), g.path()),
        "defang/ftx": lambda: "ftx://%s/%s" % (g.domain(), g.path()),
        "defang/sftp": lambda: "sftp://%s/%s" % (g.domain(), g.path()),
        "defang/space-after-sep": lambda: "http:// %s/%s" % (dots(g.domain(), "[.]"), g.path()),
        "defang/space-before-sep": lambda: "http ://%s/%s" % (g.domain(), g.path()),
        "defang/space-in-host": lambda: "http://%s .%s/%s" % (g.word(), g.r.choice(["com", "net", "org"]), g.path()),
        "defang/cisco-esa": lambda: "http:// %s .%s /%s" % (g.word(), g.r.choice(["com", "net", "org"]), g.path()),
        "defang/email-brackets": lambda: "%s[@]%s" % (g.word(), dots(g.domain(), "[.]")),
        "defang/email-parens": lambda: "%s(@)%s" % (g.word(), dots(g.domain(), "(.)")),
        "defang/email-words": lambda: "%s at %s" % (g.word(), dots(g.domain(), " dot ")),
        "defang/email-spaced-bracket": lambda: "%s@%s [.] %s" % (g.word(), g.word(), g.r.choice(["com", "net"])),
        "defang/email-at-word-bracket": lambda: "%s[at]%s" % (g.word(), g.domain()),
        "defang/email-partial-bracket": lambda: "%s@%s" % (g.word(), g.domain().replace(".", "[.", 1)),
        "defang/ip-mixed": lambda: mixed_dots(g, g.ip()),
        "defang/url-mixed": lambda: "hxxps[:]//%s%s[/]%s" % (g.word(), mixed_dots(g, "." + g.domain()), g.path()),
        "defang/ip-spaced-dot": lambda: g.ip().rsplit(".", 1)[0] + " . " + g.ip().rsplit(".", 1)[1],
        "defang/tcp-port": lambda: "tcp://%s:%d/%s" % (dots(g.domain(), "[.]"), g.r.randint(1024, 65535), g.path()),
        "defang/bare-host-in-prose": lambda: "I really love %s!" % dots(g.domain(), "[.]"),
        # indicators inside other indicators
        "nested/hash-in-url": lambda: "https://www.virustotal.com/gui/file/%s/detection" % g.hexs(64),
        "nested/md5-in-url-query": lambda: "http://%s/lookup?md5=%s" % (g.domain(), g.hexs(32)),
        "nested/encoded-url-in-redirect": lambda: "https://%s/r?u=http:%%2F%%2F%s%%2F%s" % (g.domain(), g.domain(), g.word()),
        "nested/percent-encoded-url": lambda: "http%%3A%%2F%%2F%s%%2F%s" % (g.domain(), g.word()),
        "nested/schemeless-url-path": lambda: "github.com/%s/%s/blob/main/%s.py" % (g.word(), g.word(), g.word()),
        "nested/schemeless-defanged-url": lambda: "%s/%s" % (dots(g.domain(), "[.]"), g.path()),
        "nested/ip-in-url": lambda: "http://%s:8080/%s" % (g.ip(), g.path()),
        "nested/hex-encoded-url": lambda: ("http://%s/%s" % (g.domain(), g.path())).encode().hex(),
        "nested/base64-url": lambda: base64.b64encode(("http://%s/%s" % (g.domain(), g.path())).encode()).decode(),
        "nested/percent-encoded-dots": lambda: "http%%3A%%2F%%2F%s%%2F%s" % (dots(g.domain(), "%2E"), g.word()),
        "nested/ipv6-url": lambda: "http://[2001:db8::%x]:%d/%s" % (g.r.randint(1, 0xffff), g.r.choice([80, 443, 8080]), g.path()),
        # written forms
        "written/cve-space": lambda: "CVE %d-%d" % (g.r.randint(2000, 2025), g.r.randint(1000, 49999)),
        "written/cve-lower": lambda: "cve-%d-%d" % (g.r.randint(2000, 2025), g.r.randint(1000, 49999)),
        "written/technique-lower": lambda: "t1%03d" % g.r.randint(0, 599),
        "written/subtechnique-lower": lambda: "t1%03d.%03d" % (g.r.randint(0, 599), g.r.randint(1, 9)),
        "written/hash-0x": lambda: "0x" + g.hexs(g.r.choice([32, 40, 64])),
        "written/hash-upper": lambda: g.hexs(g.r.choice([32, 40, 64])).upper(),
        "written/host-underscore": lambda: "%s_%s.%s" % (g.word(), g.word(), g.domain()),
        "written/url-host-underscore": lambda: "https://%s_%s.%s/%s" % (g.word(), g.word(), g.domain(), g.path()),
        "written/ipv6-full": lambda: ":".join("%04x" % g.r.randint(0, 0xffff) for _ in range(8)),
        "written/ipv6-leading-zeros": lambda: "2001:0db8:%04x:0000:0000:%04x:0000:%04x" % (
            g.r.randint(1, 0xffff), g.r.randint(1, 0xffff), g.r.randint(1, 0xffff)),
        "written/ipv6-upper": lambda: ("2001:DB8:%X::%X" % (g.r.randint(16, 0xffff), g.r.randint(16, 0xffff))),
        "written/ipv6-compressed": lambda: "fe80::%x:%x" % (g.r.randint(16, 0xffff), g.r.randint(16, 0xffff)),
        "written/email-ip-literal": lambda: "%s@[%s]" % (g.word(), g.ip()),
        "written/ssdeep": lambda: "%d:%s:%s" % (g.r.choice([3, 48, 96, 192, 384, 1536]),
                                                 "".join(g.r.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/") for _ in range(g.r.randint(20, 64))),
                                                 "".join(g.r.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/") for _ in range(g.r.randint(10, 32)))),
        "written/asn": lambda: "AS%d" % g.r.randint(1000, 400000),
        "written/asn-words": lambda: g.r.choice(["asn%d", "ASN %d", "ASN%d", "asn %d"]) % g.r.randint(1000, 400000),
        "written/technique": lambda: g.r.choice(["T1%03d", "T1%03d.001"]) % g.r.randint(0, 599),
        "written/mac": lambda: ":".join("%02x" % g.r.randint(0, 255) for _ in range(6)),
        # plain controls
        "plain/url": lambda: "https://%s/%s" % (g.domain(), g.path()),
        "plain/domain": lambda: g.domain(),
        "plain/ip": lambda: g.ip(),
        "plain/email": lambda: "%s@%s" % (g.word(), g.domain()),
        "plain/email-tag": lambda: "%s+%s@%s" % (g.word(), g.word(), g.domain()),
        "plain/ipv6-loopback": lambda: "::1",
        "written/ipv6-mapped": lambda: "::ffff:%s" % g.ip(),
        "plain/hashes": lambda: "%s %s %s" % (g.hexs(32), g.hexs(40), g.hexs(64)),
        "plain/url-full-stop": lambda: "See https://%s/%s." % (g.domain(), g.path().rstrip("/")),
        "plain/cidr": lambda: "%s/%d" % (g.ip(), g.r.choice([16, 24, 28])),
        "plain/cve": lambda: "CVE-%d-%d" % (g.r.randint(2000, 2025), g.r.randint(1000, 49999)),
        # what not to extract
        "negative/file-names": lambda: "%s.%s" % (g.word(), g.r.choice(["pdf", "exe", "docx", "dll", "ps1", "py", "zip", "js"])),
        "negative/version": lambda: "version %d.%d.%d.%d" % (g.r.randint(1, 20), g.r.randint(0, 9), g.r.randint(0, 99), g.r.randint(0, 9999)),
        "negative/prose": lambda: "the dot com bubble burst at %d:%02d" % (g.r.randint(1, 12), g.r.randint(0, 59)),
        # added after the first results (at the end, so that the classes
        # above draw the same texts as before)
        "defang/spaced-defanged-scheme": lambda: "hxxp :// %s .%s /%s" % (g.word(), g.r.choice(["com", "net", "org"]), g.path()),
        "defang/ip-schemeless-path": lambda: "%s/%s" % (dots(g.ip(), "[.]"), g.path()),
        "nested/hash-in-sandbox-url": lambda: "https://app.any.run/tasks/%s/" % g.hexs(64),
        "nested/hash-named-sample": lambda: "http://%s/%s.exe" % (g.domain(), g.hexs(32)),
        "plain/url-unlisted-tld": lambda: "http://%s.example/%s" % (g.word(), g.path()),
        "plain/url-jndi-ldap": lambda: "${jndi:ldap://%s:1389/%s}" % (g.domain(), g.word()),
        "written/email-ipv6-literal": lambda: "%s@[IPv6:2001:db8::%x]" % (g.word(), g.r.randint(1, 0xffff)),
        "written/ipv6-loopback-full": lambda: "0:0:0:0:0:0:0:1",
    }
    for cls, make in classes.items():
        for _ in range(n_per_class):
            ioc = make()
            # e-mail addresses stand alone, as in the peers' examples:
            # iocextract glues any word before an address into it.
            text = ioc if cls.startswith("negative/") or "email" in cls else g.sentence(ioc)
            yield cls, text


def tram(path, n, seed=16):
    """Yields ("tram", text) for n report sentences that hold a digit or a dot
    inside a word (where indicators are), sampled with a fixed seed."""
    if not os.path.exists(path):
        return
    with open(path, encoding="utf-8") as f:
        texts = [json.loads(line)["text"].replace("\n", " ").replace("\r", " ") for line in f if line.strip()]
    r = random.Random(seed)
    r.shuffle(texts)
    k = 0
    for t in texts:
        if k >= n:
            break
        if any(c.isdigit() for c in t) or "[.]" in t or "://" in t:
            yield "tram", t
            k += 1
