#!/usr/bin/env python3
"""Differential test of `cyberstreams extract` against three peer extractors.

Runs InQuest's iocextract, ioc-finder and ioc-extractor (installed by
setup.sh) and our binary on the same texts (cases.py: generated defanged,
nested and written forms by class, plus real TRAM report sentences), in one
run of each, and compares the refanged values type by type, on the types
both sides extract.

A comparison is one (text, type) where the peer found something: the
peer's own behaviour, what its tests assert. It passes when the two sets of
values are equal after light normalisation (case of hosts and hashes, IPv6
in RFC 5952 form), our value matching in its written or refanged form. The
(text, type) pairs where only we found something are counted apart ("peer
silent"): mostly forms the peer does not read (Cisco ESA spaces, http__,
CVE ids with a space). The report gives the pass rate per peer, per class
and per type, and every disagreement (missing: the peer has it and we do
not; extra: we have it and the peer does not) in out/disagreements.jsonl.

    sh bench/extract_parity/setup.sh
    go build -o /tmp/cyberstreams ./cmd/cyberstreams
    python3 bench/extract_parity/run.py --bin /tmp/cyberstreams
"""

import argparse
import collections
import ipaddress
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "out")
sys.path.insert(0, HERE)
import cases  # noqa: E402

# Peer type names mapped to ours.
IOC_FINDER_TYPES = {
    "urls": "url", "domains": "domain", "email_addresses": "email", "ipv4s": "ipv4", "ipv6s": "ipv6",
    "md5s": "md5", "sha1s": "sha1", "sha256s": "sha256", "sha512s": "sha512", "ssdeeps": "ssdeep",
    "cves": "cve", "asns": "asn", "mac_addresses": "mac", "bitcoin_addresses": "bitcoin",
    "attack_techniques": "attack_technique",
}
IOC_EXTRACTOR_TYPES = {
    "urls": "url", "domains": "domain", "emails": "email", "ipv4s": "ipv4", "ipv6s": "ipv6",
    "md5s": "md5", "sha1s": "sha1", "sha256s": "sha256", "sha512s": "sha512", "ssdeeps": "ssdeep",
    "cves": "cve", "asns": "asn", "macAddresses": "mac", "btcs": "bitcoin",
}
IOCEXTRACT_TYPES = ["url", "ipv4", "ipv6", "email", "md5", "sha1", "sha256", "sha512"]


def flatten(v):
    if isinstance(v, dict):
        out = []
        for x in v.values():
            out.extend(flatten(x))
        return out
    if isinstance(v, (list, tuple, set)):
        out = []
        for x in v:
            out.extend(flatten(x))
        return out
    return [str(v)]


def norm(typ, v):
    v = v.strip()
    if typ == "ipv6":
        try:
            return ipaddress.ip_address(v).compressed
        except ValueError:
            return v.lower()
    if typ in ("domain", "email", "md5", "sha1", "sha256", "sha512", "mac"):
        return v.lower().replace("-", ":") if typ == "mac" else v.lower()
    if typ in ("cve", "attack_technique"):
        return v.upper()
    if typ == "asn":
        return "AS" + re.sub(r"\D", "", v)
    if typ == "url":
        try:
            p = urllib.parse.urlsplit(v)
            if p.scheme and p.netloc:
                path = p.path if p.path != "/" else ""
                return urllib.parse.urlunsplit((p.scheme.lower(), p.netloc.lower(), path, p.query, p.fragment))
        except ValueError:
            pass
        return v
    return v


# Decided differences: where a peer and we disagree on purpose. Each rule
# names the decision (core/extract's package comment gives the reasons) and
# tests one disagreement, (peer, type, text, missing, extra); a
# disagreement all of whose values a rule explains is counted as decided.
HEX = re.compile(r"^(0x)?[0-9a-fA-F]+$")
MAC = re.compile(r"^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){2,}$")
CLOCK = re.compile(r"^(\d{4}:)?\d{1,2}:\d{2}(:\d{2})?$")
FILE_EXT = {"zip", "py", "exe", "dll", "pdf", "docx", "js", "ps1", "sh", "app", "md", "rs", "map", "mov"}


def _two_label_file(v):
    parts = v.lower().split(".")
    return len(parts) == 2 and parts[1] in FILE_EXT


DECISIONS = [
    ("peer glues the word before an e-mail into its local part", lambda peer, typ, text, v, ours:
        typ == "email" and v.split("@")[0].lower() not in text.lower()),
    ("peer leaves a defanged scheme in the URL", lambda peer, typ, text, v, ours:
        typ == "url" and re.search(r"h[x*]{2}ps?(://|\[)", v, re.I) is not None),
    ("a reverse-DNS identifier (com.apple.…) is no domain", lambda peer, typ, text, v, ours:
        typ == "domain" and re.search(r"(?<![\w.-])" + re.escape(v) + r"\.[\w-]", text, re.I) is not None
        and v.split(".")[0].lower() in ("com", "org", "net", "io")),
    ("a name whose registrable label has an underscore is a file or code name", lambda peer, typ, text, v, ours:
        typ == "domain" and len(v.split(".")) >= 2 and "_" in v.split(".")[-2]),
    ("a '::' scope in code is no IPv6 address", lambda peer, typ, text, v, ours:
        typ == "ipv6" and (v.startswith("::") and len(v) <= 6 or v.startswith(":") and v.count(":") <= 2)),
    ("a hex run inside a longer token is no hash", lambda peer, typ, text, v, ours:
        typ in ("md5", "sha1", "sha256", "sha512") and
        re.search(r"(?<![0-9A-Za-z])" + re.escape(v) + r"(?![0-9A-Za-z])", text, re.I) is None),
    ("a certificate fingerprint is no MAC or IPv6 address", lambda peer, typ, text, v, ours:
        typ in ("mac", "ipv6") and re.search(r"([0-9a-fA-F]{2}:){10,}", text) is not None),
    ("a defanged address or e-mail domain is no URL", lambda peer, typ, text, v, ours:
        typ == "url" and peer.startswith("iocextract") and re.match(r"^https?://[^/]+$", v) is not None
        and v.split("://", 1)[1] + "/" not in text.replace("[.]", ".").replace("(.)", ".")),
    ("we keep the scheme as written (sftp, tcp), where iocextract writes http", lambda peer, typ, text, v, ours:
        typ == "url" and v.startswith("http://") and any(o.endswith(v[len("http"):]) for o in ours)),
    ("a MAC address, a clock time or a hex run is no IPv6 address", lambda peer, typ, text, v, ours:
        typ == "ipv6" and (MAC.match(v) is not None or CLOCK.match(v) is not None)),
    ("groups of an IPv6 address are no ssdeep hash (block size 3*2^n)", lambda peer, typ, text, v, ours:
        typ == "ssdeep" and all(HEX.match(p) for p in v.split(":"))),
    ("a hex run of hash length is no bitcoin address", lambda peer, typ, text, v, ours:
        typ == "bitcoin" and HEX.match(v) is not None),
    ("a percent-encoded URL is decoded: its host is not '2f…'", lambda peer, typ, text, v, ours:
        typ in ("domain", "url") and ("%2f" in text.lower()) and (v.lower().startswith("2f") or "%2f" in v.lower())),
    ("a two-label name with a file extension as TLD is a file name", lambda peer, typ, text, v, ours:
        typ == "domain" and _two_label_file(v)),
    ("four numbers after a version word are a version", lambda peer, typ, text, v, ours:
        typ == "ipv4" and re.search(r"\bversions?\b", text, re.I) is not None),
    ("a host with an underscore keeps its whole name", lambda peer, typ, text, v, ours:
        typ in ("domain", "url") and (any("_" in o and o.endswith(v.split("//")[-1]) for o in ours)
                                      or re.search(r"_" + re.escape(v.split("//")[-1]), text, re.I) is not None)),
    ("a URL nested in another URL is read through", lambda peer, typ, text, v, ours:
        typ in ("url", "domain") and v in ours and "%2f%2f" in text.lower()),
    ("a hex run in a version-control or non-file URL is a commit id, not a file hash", lambda peer, typ, text, v, ours:
        typ in ("md5", "sha1", "sha256") and re.search(r"/(commit|commits|blob|tree|gist)/[^ ]*" + v, text, re.I) is not None),
    ("the defang is read through: the peer stops at a bracket or keeps the defang", lambda peer, typ, text, v, ours:
        typ in ("url", "domain") and any(o != v and (o.startswith(v) or o.endswith(v.split("__")[-1])
                                                     or v.endswith(o.split("://")[-1])) for o in ours)),
    ("sentence punctuation and colons after a URL are not part of it", lambda peer, typ, text, v, ours:
        typ == "url" and v.rstrip(".,;:") in ours),
    ("a certificate fingerprint is no MAC address", lambda peer, typ, text, v, ours:
        typ == "mac" and re.search(re.escape(v) + ":[0-9a-fA-F]{2}", text) is not None),
    ("an e-mail address literal's 'IPv6:' tag is no part of the address", lambda peer, typ, text, v, ours:
        typ == "ipv6" and "[ipv6:" in text.lower() and any(v.endswith(o) for o in ours)),
]


# Our values the peer lacks, explained on their own (v is ours; peer is
# the peer's values of the type).
EXTRA_DECISIONS = [
    ("peer glues the word before an e-mail into its local part", lambda peer, typ, text, v, theirs:
        typ == "email" and any(t.endswith(v) and t != v for t in theirs)),
    ("peer leaves a defanged scheme in the URL", lambda peer, typ, text, v, theirs:
        typ == "url" and any(re.search(r"h[x*]{2}ps?(://|\[)", t, re.I) for t in theirs)),
    ("a URL nested in another URL is read through", lambda peer, typ, text, v, theirs:
        typ in ("url", "domain") and "%2f" in text.lower()),
    ("a host with an underscore keeps its whole name", lambda peer, typ, text, v, theirs:
        typ in ("url", "domain") and "_" in v),
    ("the defang is read through: the peer stops at a bracket or keeps the defang", lambda peer, typ, text, v, theirs:
        typ in ("url", "domain") and any(t != v and (v.startswith(t) or v.endswith(t.split("__")[-1])
                                                     or t.endswith(v.split("://")[-1]) or v.endswith(t.split("://")[-1]))
                                         for t in theirs)),
    ("sentence punctuation and colons after a URL are not part of it", lambda peer, typ, text, v, theirs:
        typ == "url" and any(t.rstrip(".,;:") == v for t in theirs)),
    ("an e-mail address literal's 'IPv6:' tag is no part of the address", lambda peer, typ, text, v, theirs:
        typ == "ipv6" and "[ipv6:" in text.lower() and any(t.endswith(v) for t in theirs)),
]


def decided(peer, typ, text, missing, extra, ours):
    """Returns the decisions that explain every value of a disagreement, or
    None when one value is unexplained. ours are our normalised forms."""
    reasons = set()
    for v in missing:
        for name, rule in DECISIONS:
            if rule(peer, typ, text, v, ours):
                reasons.add(name)
                break
        else:
            return None
    for v in extra:
        for name, rule in EXTRA_DECISIONS + DECISIONS:
            if rule(peer, typ, text, v, set(missing)):
                reasons.add(name)
                break
        else:
            return None
    return reasons


def run_iocextract(texts, refang=True):
    """iocextract refanging (refang=True) or as it extracts by default,
    values as written (refang=False): its users and its tests use both."""
    import iocextract as ie
    out = []
    for t in texts:
        r = {
            "url": list(ie.extract_urls(t, refang=refang)),
            "ipv4": list(ie.extract_ipv4s(t, refang=refang)),
            "ipv6": list(ie.extract_ipv6s(t)),
            "email": list(ie.extract_emails(t, refang=refang)),
            "md5": list(ie.extract_md5_hashes(t)),
            "sha1": list(ie.extract_sha1_hashes(t)),
            "sha256": list(ie.extract_sha256_hashes(t)),
            "sha512": list(ie.extract_sha512_hashes(t)),
        }
        out.append(r)
    return out, IOCEXTRACT_TYPES


def run_ioc_finder(texts):
    import ioc_finder
    out = []
    for t in texts:
        r = ioc_finder.find_iocs(t, included_ioc_types=list(IOC_FINDER_TYPES))
        out.append({ours: flatten(r.get(theirs, [])) for theirs, ours in IOC_FINDER_TYPES.items()})
    return out, sorted(set(IOC_FINDER_TYPES.values()))


def run_ioc_extractor(texts):
    inp = "".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in enumerate(texts))
    p = subprocess.run(["node", os.path.join(HERE, "peer_ioc_extractor.js")], input=inp, capture_output=True,
                       text=True, check=True)
    out = [dict() for _ in texts]
    for line in p.stdout.splitlines():
        rec = json.loads(line)
        out[rec["id"]] = {ours: flatten(rec["iocs"].get(theirs, [])) for theirs, ours in IOC_EXTRACTOR_TYPES.items()}
    return out, sorted(set(IOC_EXTRACTOR_TYPES.values()))


def run_ours(binary, texts):
    """One run of `extract --lines -o jsonl` over all texts; a binary from
    before --lines is run once per text (--refang, json)."""
    helptext = subprocess.run([binary, "extract", "--help"], capture_output=True, text=True).stdout
    out = [collections.defaultdict(list) for _ in texts]
    if "--lines" in helptext:
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as f:
            for t in texts:
                f.write(t + "\n")
            name = f.name
        try:
            p = subprocess.run([binary, "extract", "--lines", "-o", "jsonl", name], capture_output=True, text=True,
                               check=True)
        finally:
            os.unlink(name)
        for line in p.stdout.splitlines():
            rec = json.loads(line)
            out[rec["line"] - 1][rec["type"]].append((rec["written"], rec["refanged"]))
        return out
    for i, t in enumerate(texts):
        p = subprocess.run([binary, "extract", "--refang"], input=t, capture_output=True, text=True, check=True)
        for typ, vals in json.loads(p.stdout).items():
            out[i][typ].extend(("", v) for v in vals)
    return out


def compare(cases_, ours, theirs, types):
    """Yields (case index, type, missing, extra) for every comparison. Our
    value matches a peer's when either its refanged or its written form
    does: a peer may print values as written (ioc-finder keeps a
    schemeless URL without a scheme) or refanged."""
    for i in range(len(cases_)):
        for typ in types:
            pairs = [(norm(typ, w) if w else "", norm(typ, r)) for w, r in ours[i].get(typ, [])]
            b = {norm(typ, v) for v in theirs[i].get(typ, []) if v.strip()}
            if not b and not pairs:
                continue
            forms = {f for p in pairs for f in p if f}
            missing = sorted(b - forms)
            extra = sorted(r for w, r in pairs if r not in b and w not in b)
            yield i, typ, missing, extra


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", required=True, help="cyberstreams binary")
    ap.add_argument("--per-class", type=int, default=12, help="generated texts per class")
    ap.add_argument("--tram", type=int, default=400, help="TRAM sentences")
    ap.add_argument("--tram-path", default=os.path.join(HERE, "..", "..", "..", "shared", "data", "tram_sentences.jsonl"))
    ap.add_argument("--label", default="", help="name for this run in the report file")
    args = ap.parse_args()
    if not os.path.exists(args.tram_path):
        print("note: %s is absent; running on generated texts only" % args.tram_path, file=sys.stderr)
    cs = list(cases.generated(args.per_class)) + list(cases.tram(args.tram_path, args.tram))
    texts = [t for _, t in cs]
    ours = run_ours(args.bin, texts)
    peers = {
        "iocextract": run_iocextract(texts),
        "iocextract as written": run_iocextract(texts, refang=False),
        "ioc-finder": run_ioc_finder(texts),
        "ioc-extractor": run_ioc_extractor(texts),
    }
    os.makedirs(OUT, exist_ok=True)
    lines = ["# extract parity %s" % args.label, "", "%d texts (%d generated, %d TRAM)" % (
        len(cs), sum(1 for c, _ in cs if c != "tram"), sum(1 for c, _ in cs if c == "tram")), ""]
    lines += ["| peer | compared | pass | generated | TRAM | pass or decided | peer silent, we extract |",
              "|---|---|---|---|---|---|---|"]
    detail = []
    with open(os.path.join(OUT, "disagreements.jsonl"), "w", encoding="utf-8") as dis:
        for peer, (res, types) in peers.items():
            tot = collections.Counter()
            ok = collections.Counter()
            by_class = collections.defaultdict(lambda: [0, 0])
            by_type = collections.defaultdict(lambda: [0, 0])
            silent = 0
            dec = collections.Counter()
            reasons = collections.Counter()
            for i, typ, missing, extra in compare(cs, ours, res, types):
                cls = cs[i][0]
                if not res[i].get(typ):
                    silent += 1
                    dis.write(json.dumps({"peer": peer, "class": cls, "type": typ, "text": cs[i][1],
                                          "silent": True, "extra": extra}) + "\n")
                    continue
                group = "tram" if cls == "tram" else "generated"
                passed = not missing and not extra
                forms = {norm(typ, f) for pair in ours[i].get(typ, []) for f in pair if f}
                why = None if passed else decided(peer, typ, cs[i][1], missing, extra, forms)
                tot[group] += 1
                ok[group] += passed
                dec[group] += passed or why is not None
                for w in why or ():
                    reasons[w] += 1
                by_class[cls][0] += 1
                by_class[cls][1] += passed
                by_type[typ][0] += 1
                by_type[typ][1] += passed
                if not passed:
                    dis.write(json.dumps({"peer": peer, "class": cls, "type": typ, "text": cs[i][1],
                                          "missing": missing, "extra": extra,
                                          "decided": sorted(why) if why else None}) + "\n")
            n, k = sum(tot.values()), sum(ok.values())

            def pct(a, b):
                return "%.1f %%" % (100.0 * a / b) if b else "-"
            d = sum(dec.values())
            lines.append("| %s | %d | %s | %s | %s | %s | %d |" % (
                peer, n, pct(k, n), pct(ok["generated"], tot["generated"]), pct(ok["tram"], tot["tram"]), pct(d, n), silent))
            detail += ["", "## %s: decided differences" % peer, "", "| decision | comparisons |", "|---|---|"]
            detail += ["| %s | %d |" % (w, c) for w, c in reasons.most_common()]
            detail += ["", "## %s by type" % peer, "", "| type | compared | pass |", "|---|---|---|"]
            detail += ["| %s | %d | %s |" % (t, a, pct(b, a)) for t, (a, b) in sorted(by_type.items())]
            detail += ["", "## %s: classes below 100 %%" % peer, "", "| class | compared | pass |", "|---|---|---|"]
            detail += ["| %s | %d | %s |" % (c, a, pct(b, a)) for c, (a, b) in sorted(by_class.items()) if b < a]
    report = "\n".join(lines + detail) + "\n"
    with open(os.path.join(OUT, "report%s.md" % ("-" + args.label if args.label else "")), "w") as f:
        f.write(report)
    print(report)


if __name__ == "__main__":
    main()
