#!/usr/bin/env bash
# Leave-one-family-out novelty protocol and the advisories-vs-report-text
# number, with scikit-learn's IsolationForest on the same inputs, in one
# run. Usage: bench/novelty/run.sh [tune|measure]   (default: measure)
# Needs Python 3 with scikit-learn and scipy (installed below if missing).
set -euo pipefail
cd "$(dirname "$0")/../.."
data=${DATA:-../shared/data}
half=${1:-measure}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 -c 'import sklearn, scipy' 2>/dev/null || python3 -m pip install -q scikit-learn scipy numpy >/dev/null
go run ./bench/novelty -data "$data/advisories_train.jsonl.gz" -kev "$data/kev.json" \
  -reports "$data/tram_sentences.jsonl" -reports-half "$half" \
  -variants default,sum,forest,autoencoder -lofo -dump "$tmp" -json > "$tmp/go.jsonl"
echo "# representation and combination variants (future advisories vs report chunks, $half half)"
python3 - "$tmp/go.jsonl" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if "variant" in r:
        print(f"{r['variant']:<12} inputs {r['inputs']:>3}  threshold {r['threshold']:.4f}  validation flagged {r['valid_flagged']:.3f}  "
              f"future advisories flagged {r['future_flagged']:.3f}  report chunks flagged {r['reports_flagged']:.3f}  AUC {r['auc_reports_vs_future']:.3f}")
PY
echo
echo "# leave-one-family-out: Go (isolation forest + autoencoder, rank average) vs scikit-learn IsolationForest, same inputs and threshold rule"
python3 bench/novelty/sklearn_iforest.py "$tmp"
