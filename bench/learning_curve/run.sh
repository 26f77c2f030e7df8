#!/usr/bin/env bash
# Learning curve of the self-learning loop on real advisories.
#
# Replays analyst feedback in quarterly batches: a champion is first trained
# only on advisories published before 2023-07-01, then each batch's labels
# (the advisories' own severities, analyst "replay", labelled at their
# publication time) are imported and `cyberstreams retrain --if-needed` runs.
# After every step the champion is evaluated on the newest slice (published on
# or after 2024-05-01), which is never imported as labels.
#
# Usage: bench/learning_curve/run.sh [WORKDIR]   (from anywhere; needs jq)
# Writes WORKDIR/curve.tsv and prints the table. WORKDIR defaults to a
# temporary directory; nothing is written inside the repository. The binary
# is built once from the committed tree (git HEAD), or taken from
# $CYBERSTREAMS_BIN when set.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
data=$(cd "$repo/../shared/data" 2>/dev/null && pwd) || { echo "shared/data not found beside the repository" >&2; exit 1; }
work=${1:-$(mktemp -d)}
mkdir -p "$work"
ws="$work/workspace"
bin=${CYBERSTREAMS_BIN:-$work/cyberstreams}
train="$data/advisories_train.jsonl.gz"

echo "work dir: $work" >&2
if [ -z "${CYBERSTREAMS_BIN:-}" ]; then
	rm -rf "$work/src" && mkdir -p "$work/src"
	git -C "$repo" archive HEAD | tar -x -C "$work/src"
	(cd "$work/src" && CGO_ENABLED=0 go build -o "$bin" ./cmd/cyberstreams)
fi

# Splits by publication date (ISO strings compare as dates).
zcat "$train" | jq -c 'select(.published < "2023-07-01")' | gzip > "$work/older.jsonl.gz"
zcat "$train" | jq -c 'select(.published >= "2024-05-01")' | gzip > "$work/newest.jsonl.gz"
batches=(2023Q3:2023-07-01:2023-10-01 2023Q4:2023-10-01:2024-01-01 2024Q1:2024-01-01:2024-04-01 2024Q2a:2024-04-01:2024-05-01)
for b in "${batches[@]}"; do
	IFS=: read -r name from to <<<"$b"
	zcat "$train" | jq -c --arg f "$from" --arg t "$to" \
		'select(.published >= $f and .published < $t)
		 | {doc_id: .id, severity, analyst: "replay", created_at: (.published[0:19] + "Z")}' > "$work/labels_$name.jsonl"
done

# Every advisory is ingested once; the learner ignores the severities they
# carry and learns only from the older base corpus plus imported labels.
"$bin" --workspace "$ws" -q ingest "$train" || true
cat > "$ws/config.json" <<JSON
{"learner": {"base_corpus": ["$work/older.jsonl.gz"], "ignore_workspace_severity": true, "kev": "$data/kev.json"}}
JSON

evaluate() { # step name, labels so far, retrain outcome
	local js acc f1
	js=$("$bin" --workspace "$ws" -q eval --data "$work/newest.jsonl.gz" --model champion --json)
	acc=$(jq -r '.report.accuracy' <<<"$js")
	f1=$(jq -r '.report.macro_f1' <<<"$js")
	printf '%s\t%s\t%s\t%.4f\t%.4f\t%s\n' "$1" "$(jq -r .model <<<"$js")" "$2" "$acc" "$f1" "$3" | tee -a "$work/curve.tsv"
}

printf 'step\tchampion\tlabels\taccuracy\tmacro_f1\tretrain\n' > "$work/curve.tsv"
start=$(date +%s)
t0=$(date +%s)
"$bin" --workspace "$ws" -q retrain --json > "$work/retrain_base.json"
evaluate "base (<2023-07)" 0 "trained in $(( $(date +%s) - t0 ))s"
labels=0
for b in "${batches[@]}"; do
	IFS=: read -r name _ _ <<<"$b"
	"$bin" --workspace "$ws" -q label import "$work/labels_$name.jsonl" > /dev/null 2> "$work/import_$name.err" || true
	labels=$(( labels + $(wc -l < "$work/labels_$name.jsonl") - $(grep -c '^error' "$work/import_$name.err" || true) ))
	t0=$(date +%s)
	set +e
	"$bin" --workspace "$ws" -q retrain --if-needed --json > "$work/retrain_$name.json"
	code=$?
	set -e
	secs=$(( $(date +%s) - t0 ))
	case $code in
	0) what=$(jq -r '.outcome | "\(.decision) in \('"$secs"')s (holdout \(.holdout_docs): cand \(.candidate_score // "-" | tostring | .[0:6]) vs champ \(.champion_score // "-" | tostring | .[0:6]))"' "$work/retrain_$name.json") ;;
	4) what="not needed" ;;
	*) echo "retrain failed (exit $code)" >&2; exit $code ;;
	esac
	evaluate "+$name" "$labels" "$what"
done
echo "total $(( $(date +%s) - start ))s" >&2
column -t -s $'\t' "$work/curve.tsv"
