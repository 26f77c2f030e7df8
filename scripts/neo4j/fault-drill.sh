#!/usr/bin/env bash
# Fault drill for the graph sync: kill Neo4j in the middle of a sync, keep
# ingesting while it is down, start it again, sync — and check that Neo4j
# ends with exactly the local counts and a second sync sends nothing.
#
# The test server (scripts/neo4j) starts with an empty database each time,
# so after the restart the drill resends everything with `sync --full`; a
# persistent team Neo4j resumes with a plain `graph sync`.
set -euo pipefail
cd "$(dirname "$0")/../.."
data=${DATA:-../shared/data}
work=$(mktemp -d)
export NEO4J_STATE_DIR="$work/neo4j"
trap 'scripts/neo4j/neo4j.sh stop >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
cs="$work/cyberstreams"
go build -o "$cs" ./cmd/cyberstreams
ws=(--workspace "$work/ws")

"$cs" "${ws[@]}" graph import-attack "$data/attack-enterprise.json.gz" >/dev/null
"$cs" "${ws[@]}" --quiet ingest "$data/kev.json" >/dev/null
"$cs" "${ws[@]}" graph build >/dev/null 2>&1
eval "$(scripts/neo4j/neo4j.sh start)"

echo "== sync with small batches; the server is killed 1 s in" >&2
"$cs" "${ws[@]}" graph sync --batch 500 > "$work/sync1.log" 2>&1 &
sync_pid=$!
sleep 1
# By its pid, never by name: other Neo4j launchers on the machine are not ours.
kill -9 "$(cat "$NEO4J_STATE_DIR/neo4j.pid")" || true
if wait "$sync_pid"; then echo "drill: the sync finished before the kill; nothing tested" >&2; exit 1; fi
tail -1 "$work/sync1.log" >&2
pending=$("$cs" "${ws[@]}" graph stats 2>/dev/null | awk '/^outbox:/{print $2}')
echo "outbox after the kill: $pending rows pending" >&2
[ "${pending:-0}" -gt 0 ]

echo "== keep ingesting while Neo4j is down" >&2
echo '{"id":"drill-1","title":"Beacon to 198.51.100.77","text":"C2 at hxxp://198.51.100[.]77/gate via T1071.001"}' |
  "$cs" "${ws[@]}" --quiet ingest - >/dev/null
"$cs" "${ws[@]}" graph build >/dev/null 2>&1
if "$cs" "${ws[@]}" graph sync > "$work/sync2.log" 2>&1; then echo "drill: sync succeeded with Neo4j down?" >&2; exit 1; fi
echo "sync while down: $(tail -1 "$work/sync2.log")" >&2

echo "== restart and sync" >&2
scripts/neo4j/neo4j.sh stop >/dev/null 2>&1 || true
eval "$(scripts/neo4j/neo4j.sh start)"
"$cs" "${ws[@]}" graph sync --full >&2
second=$("$cs" "${ws[@]}" graph sync 2>/dev/null)
echo "second sync: $second" >&2
"$cs" "${ws[@]}" graph stats --json > "$work/stats.json"
python3 - "$work/stats.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
bad = [(kind, k, v, s["remote"][kind].get(k)) for kind in ("nodes", "relationships")
       for k, v in s["local"][kind].items() if s["remote"][kind].get(k, 0) != v]
for kind, k, local, remote in bad:
    print(f"{kind} {k}: local {local}, neo4j {remote}", file=sys.stderr)
total = sum(s["local"]["nodes"].values()) + sum(s["local"]["relationships"].values())
print(f"local and Neo4j counts equal for every label and type ({total} nodes+relationships)" if not bad else "counts differ", file=sys.stderr)
sys.exit(1 if bad else 0)
PY
case "$second" in *"synced 0 nodes, 0 relationships"*) echo "drill: ok" >&2 ;; *) echo "drill: second sync was not empty" >&2; exit 1 ;; esac
