#!/usr/bin/env bash
# Regenerates the kernel fixtures of test/fixtures/kernel with the capture programs.
#
#   tools/capture/regenerate.sh [--into DIR] [--only ftrace|perf] [--bin DIR]
#
#   --into DIR   where ftrace/ and perf/ are written (default: a new temporary directory);
#                `--into test/fixtures/kernel` overwrites the committed fixtures
#   --only X     capture only the ftrace, the perf or the tracepoint fixtures
#   --bin DIR    use capture_ftrace / capture_perf already built in DIR (default: build them
#                with tools/capture/build.sh into a temporary directory)
#
# Needs Linux, root (a writable tracefs `instances/` and perf events) and a C compiler. The ftrace
# program runs in a private tracefs instance, instances/onering-capture-<pid of this script>,
# created here and removed on exit, also on failure or interruption; the top-level buffer is never
# written, switched on or drained. Files are captured into a staging directory first and copied
# into DIR only when every capture succeeded. Prints the instance and the output directory.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
into=""
only=""
bin=""
while [ $# -gt 0 ]; do
  case "$1" in
    --into)
      into="${2:?--into needs a directory}"
      shift 2
      ;;
    --only)
      only="${2:?--only needs ftrace or perf}"
      shift 2
      ;;
    --bin)
      bin="${2:?--bin needs a directory}"
      shift 2
      ;;
    -h | --help)
      sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "regenerate.sh: unknown argument $1 (try --help)" >&2
      exit 2
      ;;
  esac
done
case "$only" in
  "" | ftrace | perf | tracepoint) ;;
  *)
    echo "regenerate.sh: --only takes ftrace, perf or tracepoint, not $only" >&2
    exit 2
    ;;
esac
want() { [ -z "$only" ] || [ "$only" = "$1" ]; }

instance=""
scratch="$(mktemp -d "${TMPDIR:-/tmp}/onering-capture.XXXXXX")"
cleanup() {
  local rc=$?
  if [ -n "$instance" ] && [ -d "$instance" ]; then
    echo 0 >"$instance/tracing_on" 2>/dev/null || true
    for _ in $(seq 50); do
      rmdir "$instance" 2>/dev/null && break
      sleep 0.02 # EBUSY while a file of the instance is still open
    done
    if [ -d "$instance" ]; then
      echo "regenerate.sh: could not remove $instance; remove it with rmdir" >&2
      rc=1
    fi
  fi
  rm -rf "$scratch"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

if [ -z "$bin" ]; then
  bin="$("$here/build.sh" --out "$scratch/bin")"
fi
stage="$scratch/out"
mkdir -p "$stage"

if want ftrace; then
  tracefs="${TRACEFS:-}"
  if [ -z "$tracefs" ]; then
    for t in /sys/kernel/tracing /sys/kernel/debug/tracing; do
      if [ -w "$t/instances" ]; then
        tracefs="$t"
        break
      fi
    done
  fi
  if [ -z "$tracefs" ] || [ ! -w "$tracefs/instances" ]; then
    echo "regenerate.sh: no writable tracefs instances/ (needs Linux, root and a mounted tracefs)" >&2
    exit 1
  fi
  instance="$tracefs/instances/onering-capture-$$"
  mkdir "$instance"
  echo "instance: $instance"
  mkdir -p "$stage/ftrace"
  "$bin/capture_ftrace" "$instance" "$stage/ftrace"
  echo 0 >"$instance/tracing_on"
  rmdir "$instance"
  echo "removed: $instance"
  instance=""
fi

if want perf; then
  mkdir -p "$stage/perf"
  "$bin/capture_perf" "$stage/perf"
fi

if want tracepoint; then
  # reads only events/<sys>/<name>/{id,format} of the tracefs mount; writes nothing there
  tpfs="${TRACEFS:-}"
  if [ -z "$tpfs" ]; then
    for t in /sys/kernel/tracing /sys/kernel/debug/tracing; do
      if [ -r "$t/events/syscalls/sys_enter_getppid/id" ]; then
        tpfs="$t"
        break
      fi
    done
  fi
  if [ -z "$tpfs" ]; then
    echo "regenerate.sh: no readable tracefs events/ (needs Linux, root and a mounted tracefs)" >&2
    exit 1
  fi
  mkdir -p "$stage/tracepoint"
  "$bin/capture_tracepoint" "$tpfs" "$stage/tracepoint"
fi

if [ -z "$into" ]; then
  into="$(mktemp -d "${TMPDIR:-/tmp}/onering-fixtures.XXXXXX")"
fi
for part in ftrace perf tracepoint; do
  if [ -d "$stage/$part" ]; then
    mkdir -p "$into/$part"
    cp "$stage/$part"/* "$into/$part/"
  fi
done
echo "fixtures: $into"
