#!/usr/bin/env bash
# Peak memory of `cyberstreams score` on a ~1 GB JSONL file: the scorer must
# stream (target: max RSS <= 300 MB). Writes the input under /tmp (never in
# the repository) by repeating the shared advisory corpus, builds the binary,
# runs it under /usr/bin/time -v and prints the maximum resident set size.
#
#   bench/score_throughput/memcheck.sh                 # embedded default model
#   MODEL=/tmp/m1 bench/score_throughput/memcheck.sh   # a bundle directory
#   EXPLAIN=5 SIZE_MB=200 bench/score_throughput/memcheck.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
data=${DATA:-../shared/data}/advisories_train.jsonl.gz
size_mb=${SIZE_MB:-1024}
input=${INPUT:-/tmp/cyberstreams-memcheck-${size_mb}mb.jsonl}
bin=${BIN:-/tmp/cyberstreams-memcheck}
explain=${EXPLAIN:--1}

if [[ ! -f "$data" ]]; then
  echo "memcheck: $data not found (the shared advisory corpus is needed to build the input)" >&2
  exit 2
fi
if [[ ! -f "$input" ]]; then
  echo "== writing ${size_mb} MB of JSONL to $input" >&2
  target=$((size_mb * 1024 * 1024))
  : > "$input"
  while (( $(stat -c %s "$input") < target )); do
    zcat "$data" >> "$input"
  done
fi
echo "== building $bin" >&2
CGO_ENABLED=0 go build -o "$bin" ./cmd/cyberstreams

docs=$(wc -l < "$input")
bytes=$(stat -c %s "$input")
echo "== scoring $docs documents ($((bytes / 1024 / 1024)) MB), --explain $explain" >&2
log=$(mktemp)
/usr/bin/time -v "$bin" score "$input" ${MODEL:+--model "$MODEL"} --output jsonl --explain "$explain" > /dev/null 2> "$log" || {
  cat "$log" >&2
  exit 1
}
rss_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$log")
user=$(awk -F': ' '/User time/ {print $2}' "$log")
sys=$(awk -F': ' '/System time/ {print $2}' "$log")
rm -f "$log"
cpu=$(python3 -c "print(round($user+$sys,1))")
echo "documents:   $docs"
echo "input:       $((bytes / 1024 / 1024)) MB"
echo "wall:        $wall"
echo "cpu seconds: $cpu (docs per cpu-second: $(python3 -c "print(round($docs/($user+$sys)))"))"
echo "max RSS:     $((rss_kb / 1024)) MB (target <= 300 MB)"
(( rss_kb <= 300 * 1024 )) || { echo "memcheck: max RSS above 300 MB" >&2; exit 1; }
