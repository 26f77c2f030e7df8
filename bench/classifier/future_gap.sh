#!/usr/bin/env bash
# Does a training choice generalise to the FUTURE? The hidden test set is
# advisories published after the training data ends, months after the
# newest document a model learnt from, so our usual newest-15 % validation
# (which starts the day after the training part ends) flatters us.
#
# For each variant this trains twice with the same seed:
#   gap:      on documents published before $UNTIL only (early stopping on the
#             newest 15 % of those, then the usual refit on all of them), and
#             evaluates on documents published on or after $SINCE: a gap of
#             ~2 months between the newest training document and the first
#             judged one;
#   standard: the default split of all the data (--no-refit; the validation
#             numbers are those 'train' prints either way).
# It prints accuracy, macro-F1 and critical+high precision for both.
# Measurement only. Runs one training at a time (30–90 s each).
#
#   bench/classifier/future_gap.sh                     # every variant
#   VARIANTS="baseline recency-365" bench/classifier/future_gap.sh
#   SEED=7 STANDARD=0 bench/classifier/future_gap.sh   # another seed, gap only
#   UNTIL=2023-11-01 SINCE=2024-01-01 EVAL_UNTIL=2024-03-01 STANDARD=0 \
#     bench/classifier/future_gap.sh                   # an older window
set -euo pipefail
cd "$(dirname "$0")/../.."
data=${DATA:-../shared/data}
out=${OUT:-bench/classifier/out/future_gap}
until=${UNTIL:-2024-03-01}
since=${SINCE:-2024-05-03}
eval_until=${EVAL_UNTIL:-}   # empty: judge everything from $since on
seed=${SEED:-42}
standard=${STANDARD:-1}      # 0: skip the standard-split runs
out="$out/$until-$since${eval_until:+-$eval_until}-seed$seed"
mkdir -p "$out"

# name → extra train flags; baseline is scripts/train-default-model.sh.
declare -A flags=(
  [baseline]=""
  [recency-180]="--recency-half-life 180"
  [recency-365]="--recency-half-life 365"
  [recency-730]="--recency-half-life 730"
  [regularised]="--min-data-in-leaf 40 --feature-fraction 0.3 --leaves 24"
  [class-weight-0.5]="--class-weight-power 0.5"
)
# (no-year, which left time:year out, is gone: the year has left the
# features; bench/classifier/featurestudy's with-year puts it back.)
order=(baseline recency-180 recency-365 recency-730 regularised class-weight-0.5)
read -r -a variants <<< "${VARIANTS:-${order[*]}}"

bin=${BIN:-}
if [[ -z "$bin" ]]; then
  bin="$out/cyberstreams"
  go build -o "$bin" ./cmd/cyberstreams
fi
common=(--data "$data/advisories_train.jsonl.gz" --kev "$data/kev.json" --seed "$seed" --workspace "$out/ws")

for v in "${variants[@]}"; do
  [[ -v flags[$v] ]] || { echo "unknown variant $v (have: ${order[*]})" >&2; exit 2; }
  read -r -a extra <<< "${flags[$v]}"
  echo "== $v: gap (train before $until, judge from $since)" >&2
  "$bin" --quiet train "${common[@]}" "${extra[@]}" --train-until "$until" --version "gap-$v" --out "$out/$v-gap" >/dev/null
  "$bin" --quiet --json eval --data "$data/advisories_train.jsonl.gz" --model "$out/$v-gap" --since "$since" \
    ${eval_until:+--until "$eval_until"} --workspace "$out/ws" > "$out/$v-gap.json"
  if [[ "$standard" != 0 ]]; then
    echo "== $v: standard (newest 15 %)" >&2
    "$bin" --quiet --json train "${common[@]}" "${extra[@]}" --no-refit --version "std-$v" --out "$out/$v-std" > "$out/$v-std.json"
  fi
done

python3 - "$out" "$until" "$since" "${eval_until:-end}" "$seed" "${variants[@]}" <<'PY'
import json, os, sys
out, until, since, eval_until, seed, variants = *sys.argv[1:6], sys.argv[6:]
print(f"gap: train before {until}, judge {since} … {eval_until};  standard: newest 15 %, no refit;  seed {seed}\n")
print(f"{'variant':20} {'gap acc':>8} {'gap mF1':>8} {'gap C+H P':>10}   {'std acc':>8} {'std mF1':>8} {'std C+H P':>10}")
for v in variants:
    g = json.load(open(f"{out}/{v}-gap.json"))["report"]
    line = f"{v:20} {g['accuracy']:8.4f} {g['macro_f1']:8.4f} {g['critical_high_precision']:10.4f}   "
    if os.path.exists(f"{out}/{v}-std.json"):
        s = json.load(open(f"{out}/{v}-std.json"))["validation"]
        line += f"{s['accuracy']:8.4f} {s['macro_f1']:8.4f} {s['critical_high_precision']:10.4f}   "
    else:
        line += f"{'–':>8} {'–':>8} {'–':>10}   "
    print(line + f"(gap n={g['n']})")
PY
