#!/usr/bin/env bash
# Classifier benchmark in one run: the same time-based split for us and the
# Python anchors, quality and throughput side by side. Measurement only.
# Needs ../shared/data and Python with scikit-learn, xgboost, lightgbm.
set -euo pipefail
cd "$(dirname "$0")/../.."
data=${DATA:-../shared/data}
out=${OUT:-bench/classifier/out}
mkdir -p "$out"
python3 -m pip install -q scikit-learn xgboost lightgbm >/dev/null
# OpenMP threads that spin while waiting make LightGBM and XGBoost crawl on a
# shared 2-core machine; passive waiting measures them fairly.
export OMP_WAIT_POLICY=PASSIVE

echo "== export the split and our feature matrix" >&2
go run ./bench/classifier/export --data "$data/advisories_train.jsonl.gz" --kev "$data/kev.json" --out "$out" >&2
go build -o "$out/cyberstreams" ./cmd/cyberstreams

echo "== ours: train on the older part only (no refit), evaluate on the newest" >&2
valid_from=$(python3 -c "import json;print(json.load(open('$out/split.json'))['valid_from'])")
start=$(date +%s.%N)
"$out/cyberstreams" --quiet train --data "$data/advisories_train.jsonl.gz" --kev "$data/kev.json" \
  --valid-from "$valid_from" --no-refit --seed 42 --out "$out/ours" --workspace "$out/ws" >/dev/null
train_s=$(python3 -c "print(round($(date +%s.%N)-$start,2))")
"$out/cyberstreams" eval --data "$out/valid.jsonl.gz" --model "$out/ours" --json --workspace "$out/ws" > "$out/ours-eval.json"

echo "== ours: end-to-end throughput (JSONL.gz on disk -> scored JSONL)" >&2
n=$(python3 -c "import json;print(json.load(open('$out/split.json'))['valid'])")
tp() { local s e; s=$(date +%s.%N); "$@" > /dev/null; e=$(date +%s.%N); python3 -c "print(round($n/($e-$s)))"; }
plain=$(tp "$out/cyberstreams" score "$out/valid.jsonl.gz" --model "$out/ours" --output jsonl --workspace "$out/ws")
top5=$(tp "$out/cyberstreams" score "$out/valid.jsonl.gz" --model "$out/ours" --output jsonl --explain 5 --workspace "$out/ws")

echo "== anchors" >&2
python3 bench/classifier/anchors.py "$out" > "$out/anchors.json"

python3 - "$out" "$train_s" "$plain" "$top5" <<'PY'
import json, sys
out, train_s, plain, top5 = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
a = json.load(open(f"{out}/anchors.json"))
# Ours as the trainer judged it: the class offsets are tuned on this same
# validation slice, so the card's report decides each document with offsets
# tuned on the other folds (training.CrossFitBias). `eval` on the slice
# (ours-eval.json) applies the offsets tuned on all of it, which is
# optimistic by the fit of four parameters to the test documents.
o = json.load(open(f"{out}/ours/card.json"))["validation"]
print(f"validation: {a['valid_docs']} newest documents\n")
print(f"{'model':28} {'acc':>6} {'macroF1':>8} {'C+H prec':>9} {'C+H rec':>8} {'train s':>8}")
for r in a["anchors"]:
    print(f"{r['anchor']:28} {r['accuracy']:6.4f} {r['macro_f1']:8.4f} {r['critical_high_precision']:9.4f} {r['critical_high_recall']:8.4f} {r.get('train_seconds',0):8.1f}")
print(f"{'cyberstreams (ours)':28} {o['accuracy']:6.4f} {o['macro_f1']:8.4f} {o['critical_high_precision']:9.4f} {o['critical_high_recall']:8.4f} {train_s:8.1f}")
print("\nper class (ours): " + ", ".join(f"{c['class']} P{c['precision']:.2f}/R{c['recall']:.2f}" for c in o["per_class"]))
t = a["anchor_throughput_docs_per_s"]
print(f"\nthroughput docs/s  anchor {t['tfidf+chi2+xgboost']}  ours {plain}  ({plain/t['tfidf+chi2+xgboost']:.1f}x)")
print(f"with top-5 reasons anchor {t['with_top5_pred_contribs']}  ours {top5}  ({top5/t['with_top5_pred_contribs']:.1f}x)")
PY
