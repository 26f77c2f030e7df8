#!/usr/bin/env bash
# serve under load, ours beside the Python anchor, in one run. Measurement only.
#
# Starts `cyberstreams serve` on a fresh workspace and the Python anchor
# (anchor_server.py: TF-IDF -> chi2 -> XGBoost behind Starlette/uvicorn with
# two worker processes), and sends both the same single-document requests
# with serve_load: open loop at RATE/s, closed loop at the most they answer,
# and for ours an open loop again while a promotion swaps the served model.
# Needs ../shared/data and Python 3 with pip (installs scikit-learn, xgboost,
# starlette and uvicorn into bench/serve_load/out/venv).
#
# usage: bench/serve_load/run.sh   (env: RATE=1000 DURATION=10s CONCURRENCY=32 DATA=../shared/data)
set -euo pipefail
cd "$(dirname "$0")/../.."
data=${DATA:-../shared/data}
rate=${RATE:-1000}
dur=${DURATION:-10s}
conc=${CONCURRENCY:-32}
out=bench/serve_load/out
mkdir -p "$out"
corpus="$data/advisories_train.jsonl.gz"
[ -r "$corpus" ] || { echo "run.sh: $corpus is missing (the shared data must sit beside the repository)" >&2; exit 2; }

if [ ! -x "$out/venv/bin/python" ]; then
  python3 -m venv "$out/venv"
  "$out/venv/bin/pip" install -q scikit-learn xgboost starlette uvicorn >&2
fi
export OMP_WAIT_POLICY=PASSIVE

go build -o "$out/cyberstreams" ./cmd/cyberstreams
go build -o "$out/serve_load" ./bench/serve_load
ours_port=18080 anchor_port=18081
ws=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$ws"; }
trap cleanup EXIT

wait_ready() { # url
  for _ in $(seq 600); do curl -sf "$1" >/dev/null 2>&1 && return 0; sleep 0.5; done
  echo "run.sh: $1 never became ready" >&2; exit 1
}
load() { # name url extra-args...
  local name=$1 url=$2; shift 2
  echo "== $name" >&2
  "$out/serve_load" -url "$url" -docs "$corpus" -duration "$dur" -json "$@" > "$out/$name.json"
}

echo "== the anchor's model (cached in $out/anchor.pkl after the first run)" >&2
"$out/venv/bin/python" bench/serve_load/anchor_server.py "$corpus" --cache "$out/anchor.pkl" --train-only

echo "== a second model to promote under load (trained on 5,000 documents, 40 rounds)" >&2
zcat "$corpus" | tail -n 5000 > "$out/promote-train.jsonl"
CYBERSTREAMS_HOME=$ws "$out/cyberstreams" --quiet train --data "$out/promote-train.jsonl" --iterations 40 --version load-candidate >/dev/null

CYBERSTREAMS_HOME=$ws "$out/cyberstreams" serve --addr 127.0.0.1:$ours_port --follow-interval 1s 2>"$out/serve.log" &
pids+=($!)
wait_ready http://127.0.0.1:$ours_port/readyz
load ours-open "http://127.0.0.1:$ours_port/v1/score" -rate "$rate"
load ours-closed "http://127.0.0.1:$ours_port/v1/score" -rate 0 -concurrency "$conc"
load ours-open-promote "http://127.0.0.1:$ours_port/v1/score" -rate "$rate" \
  -during "CYBERSTREAMS_HOME=$ws $out/cyberstreams --quiet models promote load-candidate --force"
load ours-closed-rollback "http://127.0.0.1:$ours_port/v1/score" -rate 0 -concurrency "$conc" \
  -during "CYBERSTREAMS_HOME=$ws $out/cyberstreams --quiet models rollback"
kill "${pids[0]}"; wait "${pids[0]}" 2>/dev/null || true

"$out/venv/bin/python" bench/serve_load/anchor_server.py "$corpus" --port $anchor_port --cache "$out/anchor.pkl" 2>"$out/anchor.log" &
pids+=($!)
wait_ready http://127.0.0.1:$anchor_port/readyz
load anchor-open "http://127.0.0.1:$anchor_port/v1/score" -rate "$rate"
load anchor-closed "http://127.0.0.1:$anchor_port/v1/score" -rate 0 -concurrency "$conc"

python3 - "$out" <<'PY'
import json, sys, os
out = sys.argv[1]
print(f"{'run':22} {'answered/s':>10} {'errors':>6} {'p50 ms':>7} {'p99 ms':>7} {'p99.9 ms':>8} {'server CPU/req':>14}")
for name in ["ours-open", "ours-closed", "ours-open-promote", "ours-closed-rollback", "anchor-open", "anchor-closed"]:
    s = json.load(open(os.path.join(out, name + ".json")))
    cpu = f"{s['server_cpu_us_per_request']:.0f} µs" if s.get("server_cpu_us_per_request") else "-"
    print(f"{name:22} {s['per_second']:10.0f} {s['errors']:6d} {s['P50']:7.2f} {s['P99']:7.2f} {s['P999']:8.2f} {cpu:>14}")
PY
