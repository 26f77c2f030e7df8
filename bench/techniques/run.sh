#!/usr/bin/env bash
# Technique-tagging benchmark in one run: our model and the scikit-learn
# anchor (TF-IDF + one-vs-rest logistic regression) on the same report-level
# folds of the TRAM sentences, with the same ATT&CK prose, judged over the
# techniques with >= 10 training sentences; then our tagging throughput.
# Measurement only. Needs ../shared/data and python3 (a venv is made in
# $OUT/venv, with the system's scikit-learn or one installed there).
set -euo pipefail
cd "$(dirname "$0")/../.."
data=${DATA:-../shared/data}
out=${OUT:-bench/techniques/out}
folds=${FOLDS:-5}
held=${HELD_OUT:-$folds}   # HELD_OUT=1: judge only the first fold (a 1/FOLDS report hold-out), FOLDS times cheaper
mkdir -p "$out"
if [ ! -x "$out/venv/bin/python" ]; then
  # The system's scikit-learn when it has one; else installed into the venv.
  python3 -m venv --system-site-packages "$out/venv"
fi
if ! "$out/venv/bin/python" -c 'import sklearn, numpy' 2>/dev/null; then
  "$out/venv/bin/pip" install -q scikit-learn numpy >/dev/null
fi

echo "== ours: $held of $folds report-level folds held out (calibration and thresholds inside each)" >&2
go run ./bench/techniques/cv --data "$data" --out "$out" --folds "$folds" --held-out "$held" > "$out/ours.json"

echo "== anchor: scikit-learn on the same folds" >&2
"$out/venv/bin/python" bench/techniques/anchor.py "$out" "$data" "$held" > "$out/anchor.json"

echo "== ours: tagging throughput (the TRAM reports as JSONL documents, x4)" >&2
go build -o "$out/cyberstreams" ./cmd/cyberstreams
"$out/venv/bin/python" - "$data" "$out/docs.jsonl" <<'PY'
import json, sys
docs = {}
for l in open(f"{sys.argv[1]}/tram_sentences.jsonl"):
    s = json.loads(l); docs.setdefault(s["doc_id"], []).append(s["text"])
with open(sys.argv[2], "w") as f:
    for rep in range(4):
        for d, ts in docs.items():
            f.write(json.dumps({"id": f"{d}-{rep}", "text": " ".join(ts)}) + "\n")
PY
bytes=$(stat -c %s "$out/docs.jsonl")
start=$(date +%s.%N)
"$out/cyberstreams" tag "$out/docs.jsonl" --format jsonl > /dev/null
end=$(date +%s.%N)

python3 - "$out" "$bytes" "$start" "$end" <<'PY'
import json, sys
out, size, start, end = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
ours = json.load(open(f"{out}/ours.json")); anchor = json.load(open(f"{out}/anchor.json"))
row = lambda name, s: f"| {name} | {s['precision']:.3f} | {s['recall']:.3f} | {s['micro_f1']:.3f} | {s['macro_f1']:.3f} |"
print(f"{ours['held_out']} of {ours['folds']} report-level folds judged: {ours['reports']} reports, {ours['sentences']} sentences\n")
for lvl in ("document", "sentence"):
    print(f"### per {lvl}\n\n| model | precision | recall | micro-F1 | macro-F1 |\n|---|---|---|---|---|")
    print(row("ours (default thresholds)", ours[lvl]))
    print(row("ours, model tags only (no explicit ids)", ours[f"model_{lvl}"]))
    print(row("anchor, p >= 0.5", anchor[lvl]["at_0.5"]))
    h = anchor[lvl]["hindsight"]
    print(row(f"anchor, hindsight threshold {h['threshold']:.2f}", h))
    print()
print(f"tagging: {size/1e6:.1f} MB in {end-start:.2f} s = {size/1e6/(end-start):.1f} MB/s (wall, whole CLI incl. start-up)")
PY
