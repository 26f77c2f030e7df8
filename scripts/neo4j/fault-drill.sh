#!/usr/bin/env bash
# Fault drill for the graph sync. Twice, Neo4j is killed by its process id
# (never by name) right after the first batch of a sync was acknowledged:
#
#  1. it comes back empty (a reset server): a plain `graph sync` must notice
#     by the workspace's sync marker and send everything again by itself;
#  2. it comes back with its data (NEO4J_KEEP_DATA=1): a plain `graph sync`
#     must finish the job.
#
# Each time the drill checks that the kill left 0 < pending < total outbox
# rows, and after the restart that Neo4j holds exactly the local count of
# every label and relationship type (every row once: keys are unique and
# relationships MERGEd), and that a second sync sends nothing.
set -euo pipefail
cd "$(dirname "$0")/../.."
data=${DATA:-../shared/data}
if [ ! -f "$data/attack-enterprise.json.gz" ]; then
  echo "fault-drill: $data/attack-enterprise.json.gz not found (the shared data lives beside the repository; set DATA)" >&2
  exit 1
fi
work=$(mktemp -d)
export NEO4J_STATE_DIR="$work/neo4j"
trap 'scripts/neo4j/neo4j.sh stop >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
cs="$work/cyberstreams"
go build -o "$cs" ./cmd/cyberstreams
ws=(--workspace "$work/ws")
fail() { echo "drill: FAIL: $*" >&2; exit 1; }

"$cs" "${ws[@]}" graph import-attack "$data/attack-enterprise.json.gz" >/dev/null
"$cs" "${ws[@]}" --quiet ingest "$data/kev.json" >/dev/null
"$cs" "${ws[@]}" graph build >/dev/null 2>&1
eval "$(scripts/neo4j/neo4j.sh start)"

# pending prints the number of outbox rows (graph stats works without Neo4j).
pending() { "$cs" "${ws[@]}" --json graph stats 2>/dev/null | python3 -c 'import json,sys; print(sum(json.load(sys.stdin)["pending"].values()))'; }
# local_total prints the local number of nodes and relationships.
local_total() {
  "$cs" "${ws[@]}" --json graph stats 2>/dev/null |
    python3 -c 'import json,sys; s=json.load(sys.stdin)["local"]; print(sum(s["nodes"].values())+sum(s["relationships"].values()))'
}

# kill_mid_sync runs a sync (extra arguments passed on) and kills Neo4j by
# its pid as soon as the sync reports its first acknowledged batch; it then
# checks 0 < pending < total.
kill_mid_sync() {
  local log="$work/sync-$1.log"
  shift
  "$cs" "${ws[@]}" graph sync --batch 500 "$@" >"$log" 2>&1 &
  local sync_pid=$!
  until grep -q '^sync: [a-z ]*, [1-9][0-9]*/[0-9]* rows' "$log"; do
    kill -0 "$sync_pid" 2>/dev/null || fail "the sync ended before its first acknowledged batch: $(tail -3 "$log")"
    sleep 0.02
  done
  # By its pid, never by name: other Neo4j launchers on the machine are not ours.
  kill -9 "$(cat "$NEO4J_STATE_DIR/neo4j.pid")"
  if wait "$sync_pid"; then fail "the sync finished although Neo4j was killed"; fi
  echo "killed after: $(grep '^sync: ' "$log" | grep 'rows' | head -1)" >&2
  echo "sync said: $(tail -2 "$log" | tr '\n' ' ')" >&2
  local total p
  total=$(local_total)
  p=$(pending)
  echo "outbox after the kill: $p of $total rows pending" >&2
  [ "$p" -gt 0 ] && [ "$p" -lt "$total" ] || fail "want 0 < pending < total, got $p of $total"
}

# check_exact compares Neo4j's count of every label and type with the local
# one, and checks that another sync sends nothing.
check_exact() {
  "$cs" "${ws[@]}" --json graph stats >"$work/stats.json"
  python3 - "$work/stats.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
if s["remote"] is None:
    sys.exit("no Neo4j counts: " + s["remote_note"])
bad = [(kind, k, v, s["remote"][kind].get(k)) for kind in ("nodes", "relationships")
       for k, v in s["local"][kind].items() if s["remote"][kind].get(k, 0) != v]
for kind, k, local, remote in bad:
    print(f"{kind} {k}: local {local}, neo4j {remote}", file=sys.stderr)
total = sum(s["local"]["nodes"].values()) + sum(s["local"]["relationships"].values())
pending = sum(s["pending"].values())
print(f"local and Neo4j counts equal for every label and type ({total} nodes+relationships), outbox {pending}"
      if not bad else "counts differ", file=sys.stderr)
sys.exit(1 if bad or pending else 0)
PY
  local second
  second=$("$cs" "${ws[@]}" graph sync 2>&1)
  case "$second" in
    *"synced 0 nodes (0 new), 0 relationships (0 new), 0 relationship deletes, 0 node deletes"*) ;;
    *) fail "the second sync was not empty: $second" ;;
  esac
}

echo "== 1. Neo4j killed after the first batch, restarted empty" >&2
kill_mid_sync first
echo '{"id":"drill-1","title":"Beacon to 198.51.100.77","text":"C2 at hxxp://198.51.100[.]77/gate via T1071.001"}' |
  "$cs" "${ws[@]}" --quiet ingest - >/dev/null
"$cs" "${ws[@]}" graph build >/dev/null 2>&1
if "$cs" "${ws[@]}" graph sync >"$work/down.log" 2>&1; then fail "sync succeeded with Neo4j down"; fi
echo "sync while down: $(tail -1 "$work/down.log")" >&2
scripts/neo4j/neo4j.sh stop >/dev/null 2>&1 || true
eval "$(scripts/neo4j/neo4j.sh start 2>/dev/null)"
"$cs" "${ws[@]}" graph sync >"$work/empty.log" 2>&1 || fail "sync after the empty restart: $(tail -3 "$work/empty.log")"
grep -q 'holds no sync marker of this workspace' "$work/empty.log" || fail "the sync did not notice the empty server: $(cat "$work/empty.log")"
grep '^sync: .*again$' "$work/empty.log" >&2
tail -1 "$work/empty.log" >&2
check_exact

echo "== 2. Neo4j killed after the first batch of a full resend, restarted with its data" >&2
kill_mid_sync keep --full
NEO4J_KEEP_DATA=1 scripts/neo4j/neo4j.sh start >"$work/env" 2>"$work/restart.log" || fail "restart with data: $(tail -5 "$work/restart.log")"
eval "$(cat "$work/env")"
grep -q 'starting from the data of the last run' "$work/restart.log" || fail "the server did not start from its data"
"$cs" "${ws[@]}" graph sync >"$work/kept.log" 2>&1 || fail "sync after the restart with data: $(tail -3 "$work/kept.log")"
if grep '^sync: .*again$' "$work/kept.log" >&2; then
  echo "(the kill fell between a batch's commit in Neo4j and its acknowledgement: a full resend is the safe answer)" >&2
else
  echo "resumed from the outbox, no resend" >&2
fi
tail -1 "$work/kept.log" >&2
check_exact
echo "drill: ok" >&2
