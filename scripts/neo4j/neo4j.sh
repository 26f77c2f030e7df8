#!/usr/bin/env bash
# neo4j.sh — a real, throwaway Neo4j 5.26 for tests and CI, without Docker.
#
# Runs the in-process launcher in launcher/ (neo4j-harness, Java 17, built with
# Maven from Maven Central) in the background, Bolt on 127.0.0.1 only, auth on.
#
#   scripts/neo4j/neo4j.sh start          # build if needed, start, print export lines
#   eval "$(scripts/neo4j/neo4j.sh start)"  # ... and take the variables below
#   scripts/neo4j/neo4j.sh status         # exit 0 running, 3 not running
#   scripts/neo4j/neo4j.sh stop           # SIGTERM, then SIGKILL after NEO4J_STOP_TIMEOUT
#   scripts/neo4j/neo4j.sh run -- CMD...  # start, run CMD with the env, stop, exit with CMD's code
#   scripts/neo4j/neo4j.sh build          # only build the launcher
#
# start and run export, for the throwaway server:
#   CYBERSTREAMS_TEST_NEO4J_URI, _USERNAME, _PASSWORD, _SERVER_ID
#       what Go tests use (kg/neo4j/neo4jtest); they write only after finding the node
#       (:CyberstreamsTestServer {id: SERVER_ID}) that the launcher creates at start
#   NEO4J_URI, NEO4J_USERNAME, NEO4J_PASSWORD
#       the same server, for the cyberstreams CLI; Go tests never read these
#
# Environment (all optional):
#   NEO4J_STATE_DIR      pid file, logs, database folder   (/tmp/cyberstreams-neo4j)
#   NEO4J_PASSWORD       password of user neo4j, >= 8 chars (cyberstreams-test)
#   NEO4J_BOLT_PORT      Bolt port; 0 lets the kernel pick a free one (0)
#   NEO4J_PAGECACHE_MB   page cache size                    (128)
#   NEO4J_JAVA_OPTS      JVM options                        (-Xms256m -Xmx1g ...)
#   NEO4J_JAVA_HOME      JDK to build and run with; else JAVA_HOME; else java on PATH
#   NEO4J_START_TIMEOUT  seconds to wait for Bolt after launch (180)
#   NEO4J_STOP_TIMEOUT   seconds between SIGTERM and SIGKILL  (30)
#   NEO4J_MVN_ARGS       extra Maven arguments, e.g. -Dmaven.repo.local=/path
#   NEO4J_KEEP_DATA      1: start from the database a killed run left in the state dir
#
# Only the export lines go to stdout; everything else goes to stderr.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LAUNCHER_DIR="$HERE/launcher"
MAIN_CLASS="com.cyberstreams.neo4jlauncher.Launcher"
CLASSES_DIR="$LAUNCHER_DIR/target/classes"
CLASSPATH_FILE="$LAUNCHER_DIR/target/classpath.txt"
LAUNCHER_SRC="$LAUNCHER_DIR/src/main/java/com/cyberstreams/neo4jlauncher/Launcher.java"
LAUNCHER_CLASS="$CLASSES_DIR/com/cyberstreams/neo4jlauncher/Launcher.class"

STATE_DIR="${NEO4J_STATE_DIR:-/tmp/cyberstreams-neo4j}"
PID_FILE="$STATE_DIR/neo4j.pid"
ENV_FILE="$STATE_DIR/env"
STDOUT_FILE="$STATE_DIR/launcher.stdout"
LOG_FILE="$STATE_DIR/neo4j.log"
BUILD_LOG="$STATE_DIR/build.log"
DATA_DIR="$STATE_DIR/data"
# Neo4j's own logs (debug.log); kept after stop so a failed run can show them.
LOGS_DIR="$STATE_DIR/logs"

NEO4J_PASSWORD="${NEO4J_PASSWORD:-cyberstreams-test}"
START_TIMEOUT="${NEO4J_START_TIMEOUT:-180}"
STOP_TIMEOUT="${NEO4J_STOP_TIMEOUT:-30}"
# A 1 GiB heap plus the 128 MiB page cache fits a 2-core, shared CI machine with
# room for the Go tests; ExitOnOutOfMemoryError turns a wedged JVM into a clear failure.
JAVA_OPTS="${NEO4J_JAVA_OPTS:--Xms256m -Xmx1g -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError -XX:TieredStopAtLevel=1}"

if [[ -n "${NEO4J_JAVA_HOME:-}" ]]; then
  export JAVA_HOME="$NEO4J_JAVA_HOME"
fi
if [[ -n "${JAVA_HOME:-}" ]]; then
  JAVA="$JAVA_HOME/bin/java"
else
  JAVA="java"
fi

log() { printf 'neo4j.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Shows the end of each given log that has anything in it, for failure messages.
log_tail() {
  local f
  for f in "$@"; do
    if [[ -s "$f" ]]; then
      printf -- '--- last lines of %s ---\n' "$f" >&2
      tail -n 40 "$f" >&2
    fi
  done
}

# The server's logs, for a failed run: the launcher's and Neo4j's stderr, then debug.log.
server_log_tail() {
  log_tail "$LOG_FILE" "$LOGS_DIR/debug.log"
}

# The launcher needs a rebuild when it was never built, when its sources or pom
# are newer than the build, or when a jar on the recorded classpath is gone
# (e.g. a fresh ~/.m2 on a new machine).
needs_build() {
  [[ -f "$LAUNCHER_CLASS" && -f "$CLASSPATH_FILE" ]] || return 0
  [[ "$LAUNCHER_SRC" -nt "$LAUNCHER_CLASS" || "$LAUNCHER_DIR/pom.xml" -nt "$CLASSPATH_FILE" ]] && return 0
  local jar
  local -a jars
  IFS=':' read -r -a jars <"$CLASSPATH_FILE"
  for jar in "${jars[@]}"; do
    [[ -f "$jar" ]] || return 0
  done
  return 1
}

cmd_build() {
  command -v mvn >/dev/null || die "mvn not found on PATH (Maven 3.8+ is needed to build the launcher)"
  mkdir -p "$STATE_DIR"
  log "building the launcher (Maven; the first build downloads ~180 MB into the local repository)"
  local started=$SECONDS
  # Several state dirs (several engineers, parallel jobs) share one launcher/target:
  # serialize builds so one never runs a half-written classpath.
  exec 9>"$LAUNCHER_DIR/.build.lock"
  flock 9
  if [[ "${1:-}" != force ]] && ! needs_build; then
    exec 9>&- # closing the only descriptor releases the lock
    log "launcher already built by another run"
    return 0
  fi
  # shellcheck disable=SC2086 # NEO4J_MVN_ARGS is a list of arguments on purpose.
  if ! mvn -B -q -f "$LAUNCHER_DIR/pom.xml" ${NEO4J_MVN_ARGS:-} compile >"$BUILD_LOG" 2>&1; then
    log_tail "$BUILD_LOG"
    die "building the launcher failed; full log in $BUILD_LOG"
  fi
  [[ -f "$LAUNCHER_CLASS" && -f "$CLASSPATH_FILE" ]] || die "build finished but $LAUNCHER_CLASS or $CLASSPATH_FILE is missing"
  # Maven leaves the class file's time alone when nothing changed; touch it so needs_build settles.
  touch "$LAUNCHER_CLASS" "$CLASSPATH_FILE"
  exec 9>&- # closing the only descriptor releases the lock
  log "launcher built in $((SECONDS - started)) s"
}

# Prints the pid of our launcher if one is running for this state dir.
# The command line is checked too, so a stale pid file whose pid now belongs
# to another process never gets that process killed.
running_pid() {
  [[ -f "$PID_FILE" ]] || return 1
  local pid
  pid="$(<"$PID_FILE")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "$MAIN_CLASS" || return 1
  printf '%s\n' "$pid"
}

# True while pid is a live process (a zombie awaiting its reaper counts as gone).
alive() {
  local state
  state="$(sed -n 's/^[0-9]* (.*) \([A-Za-z]\).*/\1/p' "/proc/$1/stat" 2>/dev/null)" || return 1
  [[ -n "$state" && "$state" != Z && "$state" != X ]]
}

# Waits up to $2 seconds for pid $1 to be gone; false if it is still there.
wait_gone() {
  local pid=$1 ticks=$(($2 * 5))
  while alive "$pid"; do
    ((ticks-- > 0)) || return 1
    sleep 0.2
  done
}

port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

cmd_start() {
  local pid
  if pid="$(running_pid)"; then
    log "already running (pid $pid); reusing it"
    cat "$ENV_FILE"
    return 0
  fi
  rm -f "$PID_FILE" "$ENV_FILE"
  if needs_build; then
    cmd_build
  fi
  [[ ${#NEO4J_PASSWORD} -ge 8 ]] || die "NEO4J_PASSWORD must have at least 8 characters (Neo4j's minimum)"

  mkdir -p "$STATE_DIR"
  # Every start gets an empty database; a SIGKILLed run may have left one behind,
  # which NEO4J_KEEP_DATA=1 starts from instead (a server restarted with its data).
  local copy_from=""
  rm -rf "$STATE_DIR/previous"
  if [[ "${NEO4J_KEEP_DATA:-}" == 1 && -d "$DATA_DIR" ]]; then
    mv "$DATA_DIR" "$STATE_DIR/previous"
    copy_from="$(find "$STATE_DIR/previous" -mindepth 1 -maxdepth 1 -type d | head -n 1)"
    [[ -n "$copy_from" ]] || die "NEO4J_KEEP_DATA=1 but $DATA_DIR holds no database folder"
    log "starting from the data of the last run ($copy_from)"
  fi
  rm -rf "$DATA_DIR" "$LOGS_DIR"
  : >"$STDOUT_FILE"
  : >"$LOG_FILE"

  local started=$SECONDS
  # shellcheck disable=SC2086 # JAVA_OPTS is a list of options on purpose.
  NEO4J_PASSWORD="$NEO4J_PASSWORD" NEO4J_COPY_FROM="$copy_from" \
    "$JAVA" $JAVA_OPTS -cp "$CLASSES_DIR:$(<"$CLASSPATH_FILE")" "$MAIN_CLASS" "$DATA_DIR" "$LOGS_DIR" \
    </dev/null >"$STDOUT_FILE" 2>"$LOG_FILE" &
  pid=$!
  printf '%s\n' "$pid" >"$PID_FILE"
  log "launched pid $pid; waiting up to ${START_TIMEOUT} s for Bolt (log: $LOG_FILE)"

  local uri="" port="" server_id=""
  while :; do
    if ! kill -0 "$pid" 2>/dev/null; then
      local rc=0
      wait "$pid" 2>/dev/null || rc=$?
      rm -f "$PID_FILE"
      log_tail "$LOG_FILE" "$STDOUT_FILE"
      die "the launcher exited with code $rc before Bolt was ready"
    fi
    if [[ -z "$uri" ]]; then
      uri="$(sed -n 's/^BOLT_URI=//p' "$STDOUT_FILE" | head -n 1)"
      port="${uri##*:}"
      # The launcher prints TEST_SERVER_ID before BOLT_URI.
      server_id="$(sed -n 's/^TEST_SERVER_ID=//p' "$STDOUT_FILE" | head -n 1)"
    fi
    if [[ -n "$port" ]] && port_open "$port"; then
      break
    fi
    if ((SECONDS - started >= START_TIMEOUT)); then
      log_tail "$LOG_FILE" "$STDOUT_FILE"
      cmd_stop >&2 || true
      die "Bolt was not ready after ${START_TIMEOUT} s"
    fi
    sleep 0.25
  done
  if [[ -z "$server_id" ]]; then
    log_tail "$STDOUT_FILE"
    cmd_stop >&2 || true
    die "the launcher announced no TEST_SERVER_ID; tests would refuse this server"
  fi
  log "ready in $((SECONDS - started)) s at $uri (pid $pid, test server $server_id)"
  rm -rf "$STATE_DIR/previous" # copied into the new database folder at launch

  {
    printf 'export CYBERSTREAMS_TEST_NEO4J_URI=%q\n' "$uri"
    printf 'export CYBERSTREAMS_TEST_NEO4J_USERNAME=%q\n' "neo4j"
    printf 'export CYBERSTREAMS_TEST_NEO4J_PASSWORD=%q\n' "$NEO4J_PASSWORD"
    printf 'export CYBERSTREAMS_TEST_NEO4J_SERVER_ID=%q\n' "$server_id"
    printf 'export NEO4J_URI=%q\n' "$uri"
    printf 'export NEO4J_USERNAME=%q\n' "neo4j"
    printf 'export NEO4J_PASSWORD=%q\n' "$NEO4J_PASSWORD"
  } >"$ENV_FILE"
  chmod 600 "$ENV_FILE"
  cat "$ENV_FILE"
}

cmd_stop() {
  local pid
  if ! pid="$(running_pid)"; then
    log "not running"
    rm -f "$PID_FILE" "$ENV_FILE"
    return 0
  fi
  log "stopping pid $pid (SIGTERM)"
  kill -TERM "$pid" 2>/dev/null || true
  if ! wait_gone "$pid" "$STOP_TIMEOUT"; then
    log "still running after ${STOP_TIMEOUT} s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    wait_gone "$pid" 10 || die "pid $pid survived SIGKILL for 10 s"
  fi
  # The harness deletes its database folder on a clean close; after SIGKILL it cannot.
  rm -rf "$DATA_DIR"
  rm -f "$PID_FILE" "$ENV_FILE"
  log "stopped"
}

cmd_status() {
  local pid
  if pid="$(running_pid)"; then
    local uri
    uri="$(sed -n 's/^BOLT_URI=//p' "$STDOUT_FILE" 2>/dev/null | head -n 1)"
    printf 'running pid %s %s\n' "$pid" "$uri"
    return 0
  fi
  printf 'not running\n'
  return 3
}

# Pid of the command that `run` runs, for the signal handler.
RUN_CHILD=""

# On SIGTERM/SIGINT during `run`: pass SIGTERM on to the command, wait for it, and
# exit, which fires the EXIT trap that stops the server. Without this, bash would
# only act on the signal after the command ended by itself, and a `timeout -k`
# around `run` could kill bash and leave the JVM orphaned.
run_on_signal() {
  trap - TERM INT
  if [[ -n "$RUN_CHILD" ]]; then
    kill -TERM "$RUN_CHILD" 2>/dev/null || true
    wait "$RUN_CHILD" 2>/dev/null || true
  fi
  exit "$1"
}

cmd_run() {
  [[ "${1:-}" == "--" ]] && shift
  (($# > 0)) || die "usage: neo4j.sh run -- CMD [ARGS...]"

  if running_pid >/dev/null; then
    log "a server is already running for $STATE_DIR; using it and leaving it running"
  else
    trap 'cmd_stop' EXIT
  fi
  local env_lines
  env_lines="$(cmd_start)"
  eval "$env_lines"

  trap 'run_on_signal 143' TERM
  trap 'run_on_signal 130' INT
  # In the background so the traps above run at once; `<&0` keeps our stdin,
  # which bash would otherwise swap for /dev/null.
  "$@" <&0 &
  RUN_CHILD=$!
  local rc=0
  wait "$RUN_CHILD" || rc=$?
  RUN_CHILD=""
  if ((rc != 0)); then
    log "the command exited with code $rc; the server's logs follow (all of them stay in $STATE_DIR)"
    server_log_tail
  fi
  exit "$rc"
}

usage() {
  sed -n '2,33p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
}

main() {
  local sub="${1:-}"
  (($# > 0)) && shift
  case "$sub" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    run) cmd_run "$@" ;;
    build) cmd_build force ;;
    -h | --help | help) usage ;;
    *) usage; exit 2 ;;
  esac
}

main "$@"
